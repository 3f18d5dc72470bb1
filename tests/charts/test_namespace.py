"""Where the objects go: the environment's global.namespace, with or without `-n`, and the release
namespace when the values name none (ct's random namespaces). NOTES.txt says where it went."""
from __future__ import annotations

import subprocess

import pytest

from quikapp_charts.core import paths, rendering
from support import ENVIRONMENTS, run_helm


def helm(*args: str) -> subprocess.CompletedProcess:
    return run_helm([paths.tool("helm"), *args], cwd=paths.ROOT)


def namespaces(text: str) -> set[str | None]:
    return {doc["metadata"].get("namespace") for doc in rendering.load_objects(text)}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_mission_command_deploys_into_the_environment_namespace(env):
    """`helm template quikapp charts/quikapp -f values/<env>.yaml`, exactly: no -n."""
    result = helm("template", "quikapp", "charts/quikapp", "-f", f"values/{env}.yaml",
                  "--kube-version", rendering.kube_version())
    assert result.returncode == 0, result.stderr
    assert namespaces(result.stdout) == {rendering.namespace_of(env)}


def test_the_environment_namespace_wins_over_another_release_namespace():
    result = helm("template", "quikapp", "charts/quikapp", "-n", "quikapp-dev", "-f", "values/live.yaml",
                  "--kube-version", rendering.kube_version())
    assert result.returncode == 0, result.stderr
    assert namespaces(result.stdout) == {"quikapp-prod"}


@pytest.mark.parametrize("values", sorted(p.name for p in (paths.UMBRELLA / "ci").glob("*.yaml")))
def test_values_without_a_namespace_follow_the_release_namespace(values):
    """ct installs the ci values into a random namespace; so does an Argo CD app without a values file."""
    result = helm("template", "quikapp", "charts/quikapp", "-n", "quikapp-ct-x1y2", "-f", f"charts/quikapp/ci/{values}",
                  "--kube-version", rendering.kube_version())
    assert result.returncode == 0, result.stderr
    assert namespaces(result.stdout) == {"quikapp-ct-x1y2"}


def notes(*args: str) -> str:
    """NOTES.txt as `helm install --dry-run=client` shows it (helm 3 needs a cluster for that)."""
    result = helm("install", "quikapp", "charts/quikapp", "--dry-run=client", *args)
    assert result.returncode == 0, result.stderr
    return result.stdout.split("NOTES:\n", 1)[1]


def test_notes_warn_when_the_release_is_recorded_elsewhere():
    text = notes("-f", "values/live.yaml")
    assert "33 services installed into namespace quikapp-prod by release quikapp (namespace default)" in text
    assert "WARNING: the release is recorded in namespace default, but its objects are in\nquikapp-prod" in text
    assert "kubectl -n quikapp-prod wait deployment --all --for=condition=Available" in text
    assert "helm test quikapp -n default" in text


def test_notes_say_where_it_went_without_a_warning_when_namespaces_agree():
    text = notes("-n", "quikapp-staging", "-f", "values/staging.yaml", "--set", "python.enabled=false")
    assert "25 services installed into namespace quikapp-staging by release quikapp" in text
    assert "WARNING" not in text
    assert "kubectl -n quikapp-staging get deployments,hpa,pods" in text
