"""The check `validate` makes of every rendered object against the Kubernetes schemas of the target
version: strict (an unknown or misspelt field is an error), custom resources against their CRD.
That every environment passes it is test_cli_validate's `validate --all`."""
from __future__ import annotations

import datetime

import pytest

from quikapp_charts.checks import kube_schemas
from quikapp_charts.core import rendering
from quikapp_charts.core.errors import UserError


def test_validation_reports_a_misspelt_field():
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"},
                  "spec": {"replica": 2, "selector": {"matchLabels": {"app": "x"}},
                           "template": {"metadata": {"labels": {"app": "x"}},
                                        "spec": {"containers": [{"name": "x", "image": "x:1"}]}}}}
    (problem,) = kube_schemas.problems([deployment], rendering.kube_version())
    assert problem.startswith("Deployment/x: spec:") and "replica" in problem


def test_custom_resources_are_checked_against_their_crd(rendered):
    vault = dict(rendered["live"].get("SecretProviderClass", "auth-service-secrets"))
    assert kube_schemas.problems([vault], rendering.kube_version()) == []
    vault["spec"] = {**vault["spec"], "provder": "azure"}
    (problem,) = kube_schemas.problems([vault], rendering.kube_version())
    assert problem.startswith("SecretProviderClass/auth-service-secrets: spec: ") and "'provder' was unexpected" in problem


def _mutations(obj: dict):
    """Copies of obj, each broken in one way the API server refuses: an unknown field at the top
    and in the spec; for the built-in kinds (a CRD's schema leaves metadata to the API server) an
    unknown metadata field, a string where labels are a map, and a date (no JSON type) as a label."""
    yield {**obj, "specs": {}}
    if isinstance(obj.get("spec"), dict):
        yield {**obj, "spec": {**obj["spec"], "unknownField": 1}}
    if not obj["apiVersion"].startswith(kube_schemas.CUSTOM_RESOURCE_GROUPS):
        yield {**obj, "metadata": {**obj["metadata"], "label": {"a": "b"}}}
        yield {**obj, "metadata": {**obj["metadata"], "labels": "x"}}
        yield {**obj, "metadata": {**obj["metadata"], "labels": {"since": datetime.date(2026, 1, 1)}}}


def test_every_rendered_kind_is_refused_when_broken_and_accepted_as_rendered(rendered):
    """The fast check only lets through what jsonschema also accepts: one object of every kind that
    live renders passes, and each broken copy of it is one problem with jsonschema's message."""
    one_of_each = {obj["kind"]: obj for obj in rendered["live"].all}
    assert {"Deployment", "NetworkPolicy", "HorizontalPodAutoscaler", "SecretProviderClass"} <= set(one_of_each)
    version = rendering.kube_version()
    assert kube_schemas.problems(list(one_of_each.values()), version) == []
    for kind, obj in one_of_each.items():
        for broken in _mutations(obj):
            (problem,) = kube_schemas.problems([broken], version)
            assert problem.startswith(f"{kind}/{obj['metadata']['name']}: "), problem


def test_a_value_of_no_json_type_is_reported_as_jsonschema_words_it():
    config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"},
              "data": {"since": datetime.date(2026, 1, 1)}}
    assert kube_schemas.problems([config], rendering.kube_version()) == [
        "ConfigMap/x: data.since: datetime.date(2026, 1, 1) is not of type 'string', 'null'"]


def test_the_schemas_are_those_kubernetes_validate_chooses_for_the_target_version():
    from kubernetes_validate import utils

    version = rendering.kube_version()
    chosen = [v for v in utils.all_versions() if utils.major_minor(v) <= utils.major_minor(version)][-1]
    assert kube_schemas.schema_folder(version).name == f"v{chosen}-local-strict"
    assert (kube_schemas.schema_folder(version) / "deployment-apps-v1.json").is_file()


def test_a_kind_without_a_schema_is_one_problem_naming_it():
    objects = [{"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}},
               {"kind": "ConfigMap", "metadata": {"name": "c"}}]
    assert kube_schemas.problems(objects, "1.36.0") == [
        "Widget/w: no Kubernetes 1.36.0 schema for example.com/v1 Widget",
        "ConfigMap/c: no Kubernetes 1.36.0 schema for None ConfigMap"]


def test_a_target_version_without_schemas_is_bad_input():
    with pytest.raises(UserError, match=r"^Kubernetes 9\.1\.0: kubernetes-validate has schemas for 1\.\d+\.\d+ to 1\.\d+"):
        kube_schemas.problems([{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}], "9.1.0")
