"""The version gate refuses a change the API server would refuse on a live object unless the
umbrella's major version rises and its CHANGELOG carries a migration note."""
from __future__ import annotations

import pytest
import yaml

from quikapp_charts.core import paths
from quikapp_charts.release import immutable
from release_support import cli, fresh_clone, git

pytestmark = pytest.mark.slow


def obj(kind: str, name: str, **spec) -> dict:
    return {"kind": kind, "metadata": {"name": name}, "spec": spec}


def test_fields_the_api_server_refuses_in_place():
    old = [obj("Deployment", "a", selector={"matchLabels": {"app": "a"}}, replicas=2),
           obj("PersistentVolumeClaim", "c", resources={"requests": {"storage": "10Gi"}}, storageClassName="x"),
           obj("Service", "s", clusterIP="None", ports=[1]), obj("Job", "j", template={"a": 1})]
    grown = [obj("Deployment", "a", selector={"matchLabels": {"app": "a"}}, replicas=5),
             obj("PersistentVolumeClaim", "c", resources={"requests": {"storage": "20Gi"}}, storageClassName="x"),
             obj("Service", "s", clusterIP="None", ports=[2]), obj("Job", "k", template={"a": 2})]
    assert immutable.refused_in_place(old, grown) == []
    changed = [obj("Deployment", "a", selector={"matchLabels": {"app": "b"}}),
               obj("PersistentVolumeClaim", "c", resources={"requests": {"storage": "5Gi"}}, storageClassName="y"),
               obj("Service", "s", clusterIP="10.0.0.1"), obj("Job", "j", template={"a": 2})]
    assert immutable.refused_in_place(old, changed) == [
        "Deployment/a: spec.selector", "PersistentVolumeClaim/c: spec.resources.requests.storage (smaller)",
        "PersistentVolumeClaim/c: spec.storageClassName", "Service/s: spec.clusterIP", "Job/j: spec.template"]


def test_a_claim_class_change_needs_a_major_version_and_a_migration_note(tmp_path):
    clone = fresh_clone(paths.ROOT, tmp_path / "clone")
    for chart in ["quikapp-lib", *paths.STACKS, "quikapp"]:
        git(clone, "tag", f"{chart}-{yaml.safe_load((clone / 'charts' / chart / 'Chart.yaml').read_text())['version']}")
    values = clone / "charts/python/values.yaml"
    values.write_text(values.read_text().replace("storageClassName: azurefile-csi-premium",
                                                 "storageClassName: azurefile-csi-standard", 1))
    assert cli(clone, "generate").returncode == 0
    assert cli(clone, "bump", "python", "patch").returncode == 0
    refused = cli(clone, "versions")
    assert refused.returncode == 1
    assert "quikapp: dev PersistentVolumeClaim/" in refused.stderr
    assert "-models-pvc: spec.storageClassName" in refused.stderr
    assert "changed since quikapp-0.1.0, which the API server refuses on a live object" in refused.stderr

    assert cli(clone, "bump", "quikapp", "major").returncode == 0
    assert cli(clone, "versions").returncode == 1  # a major version alone: no note of what to do
    (clone / "charts/quikapp/CHANGELOG.md").write_text(
        "# Changelog: quikapp\n\n## 1.0.0 (2026-12-06)\n\n"
        "- Migration: copy the models to claims of the new class, delete the old claims, then upgrade\n")
    passed = cli(clone, "versions")
    assert passed.returncode == 0, passed.stderr
