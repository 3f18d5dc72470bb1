"""The check `validate` makes of every rendered object against the Kubernetes schemas of the target
version: strict (an unknown or misspelt field is an error), custom resources against their CRD.
That every environment passes it is test_cli_validate's `validate --all`."""
from __future__ import annotations

from quikapp_charts import kube_validation, rendering


def test_validation_reports_a_misspelt_field():
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"},
                  "spec": {"replica": 2, "selector": {"matchLabels": {"app": "x"}},
                           "template": {"metadata": {"labels": {"app": "x"}},
                                        "spec": {"containers": [{"name": "x", "image": "x:1"}]}}}}
    (problem,) = kube_validation.problems([deployment], rendering.kube_version())
    assert problem.startswith("Deployment/x: spec:") and "replica" in problem


def test_custom_resources_are_checked_against_their_crd(rendered):
    vault = dict(rendered["live"].get("SecretProviderClass", "azure-kv-secrets"))
    assert kube_validation.problems([vault], rendering.kube_version()) == []
    vault["spec"] = {**vault["spec"], "provder": "azure"}
    (problem,) = kube_validation.problems([vault], rendering.kube_version())
    assert problem.startswith("SecretProviderClass/azure-kv-secrets: spec: ") and "'provder' was unexpected" in problem
