"""What the scanners ask of the rendered objects, asserted on them, and checkov itself over every
environment in one run (its skips, each with a reason, are in .checkov.yaml): 0 failed checks.

checkov runs from its own pinned venv (.cache/checkov, tools/bootstrap.sh venv), so its many
dependencies never meet the project's.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
from collections import Counter

import pytest
import yaml

from quikapp_charts.core import paths, result_cache
from support import ENVIRONMENTS

CHECKOV = paths.CACHE / "checkov" / "bin" / "checkov"
# The BEAM drains WebSockets and hands off cluster state; the JVM runs Spring's graceful shutdown.
GRACE = {"elixir": 90, "spring-boot": 60}


def pod_specs(objects):
    for obj in objects.all:
        if obj["kind"] == "Deployment":
            yield obj, obj["spec"]["template"]["spec"]
        elif obj["kind"] == "Pod":
            yield obj, obj["spec"]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_storage_budgets_and_graceful_shutdown(rendered, env):
    objects = rendered[env]
    for obj, spec in pod_specs(objects):
        for container in spec["containers"]:
            resources = container["resources"]
            if obj["kind"] == "Deployment":
                assert resources["requests"]["ephemeral-storage"] and resources["limits"]["ephemeral-storage"]
        for volume in spec.get("volumes") or []:
            if "emptyDir" in volume:
                assert volume["emptyDir"].get("sizeLimit"), (obj["metadata"]["name"], volume)
        stack = obj["metadata"]["labels"].get("stack")
        if stack in GRACE:
            assert spec["terminationGracePeriodSeconds"] >= GRACE[stack], obj["metadata"]["name"]
        zones = [c for c in spec.get("topologySpreadConstraints") or []
                 if c["topologyKey"] == "topology.kubernetes.io/zone"]
        if obj["kind"] == "Deployment":
            assert bool(zones) == (env in ("staging", "live")), obj["metadata"]["name"]
            if zones:
                assert zones[0]["labelSelector"]["matchLabels"]["app"] == obj["metadata"]["name"]
    for pdb in objects.by_kind.get("PodDisruptionBudget", {}).values():
        assert pdb["spec"]["unhealthyPodEvictionPolicy"] == "AlwaysAllow"


def checkov_installation() -> list[str]:
    """What checkov's verdicts depend on besides its arguments: its interpreter and every installed
    file (the RECORD of each package lists them with their hashes)."""
    site = sorted((paths.CACHE / "checkov").glob("lib/python*/site-packages/*.dist-info/RECORD"))
    assert site, "checkov's venv has no packages"
    python = os.path.realpath(paths.CACHE / "checkov" / "bin" / "python")
    return [result_cache.binary_digest(python), *(f"{r.parent.name}:{result_cache.tree_digest(r)}" for r in site),
            *sorted(f"{k}={v}" for k, v in os.environ.items() if k.startswith(("CKV_", "BC_", "CHECKOV_")))]


@pytest.fixture(scope="session")
def checkov_results(rendered, tmp_path_factory):
    """checkov over every environment's render, once; its report is kept in the render cache by
    the bytes of the renders, the config and checkov's installation, so an unchanged render is not
    scanned again."""
    if not CHECKOV.exists():
        pytest.fail(f"{CHECKOV} missing: run `make tools` (tools/bootstrap.sh venv)")
    folder = tmp_path_factory.mktemp("checkov")
    for env, objects in rendered.items():
        (folder / f"{env}.yaml").write_text(objects.text)
    cmd = [str(CHECKOV), "--config-file", str(paths.ROOT / ".checkov.yaml"), "--directory", str(folder),
           "--framework", "kubernetes", "--output", "json", "--compact", "--skip-download"]
    cache = result_cache.folder()
    if cache is None:
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    else:
        result = result_cache.run(cmd, cache, timeout=600, identity=checkov_installation())
    assert result.stdout.strip(), result.stderr[-2000:]
    report = json.loads(result.stdout)
    reports = report if isinstance(report, list) else [report]
    failed = [check for r in reports for check in (r.get("results") or {}).get("failed_checks") or []]
    passed = [check for r in reports for check in (r.get("results") or {}).get("passed_checks") or []]
    return failed, passed


def test_checkov_finds_nothing_in_any_environment(checkov_results):
    failed, passed = checkov_results
    by_env = Counter(check["file_path"].strip("/").split(".")[0] for check in failed)
    lines = [f"{c['file_path']}: {c['check_id']} {c['check_name']} ({c['resource']})" for c in failed[:20]]
    assert not failed, f"checkov failed per environment {dict(by_env)}:\n" + "\n".join(lines)
    checked = Counter(check["file_path"].strip("/").split(".")[0] for check in passed)
    assert set(checked) == set(ENVIRONMENTS) and min(checked.values()) > 1000
    print(f"checkov: 0 failed; passed per environment {dict(checked)}")


def test_every_checkov_skip_has_a_reason(rendered):
    """A skip in .checkov.yaml follows its reason (comment lines); a skip on one object is an
    annotation `checkov.io/skipN: CHECK=reason`."""
    text = (paths.ROOT / ".checkov.yaml").read_text()
    skips = yaml.safe_load(text)["skip-check"]
    assert skips
    lines = text.splitlines()
    for number, line in enumerate(lines):
        match = re.match(r"^\s*- (CKV_\w+)\s*$", line)
        if match:
            reason = []
            for above in reversed(lines[:number]):
                if not above.strip().startswith("#"):
                    break
                reason.append(above.strip("# "))
            assert len(" ".join(reason)) > 40, f"{match[1]}: no reason above it"
    for obj in rendered["dev"].all:
        for key, value in (obj["metadata"].get("annotations") or {}).items():
            if key.startswith("checkov.io/skip"):
                check, _, reason = value.partition("=")
                assert check.startswith("CKV_") and len(reason) > 40, (obj["metadata"]["name"], value)
