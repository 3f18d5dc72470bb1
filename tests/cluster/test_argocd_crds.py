"""deploy/argocd/ against a real API server: Argo CD's CRDs (pinned, from the argo-cd module's
manifests/crds, which tools/bootstrap.sh downloads) are installed, then the AppProject, both
ApplicationSets and every Application they generate are applied, so the API server validates
each against the CRD's schema. No Argo CD controller runs; nothing syncs."""
from __future__ import annotations

import json

import pytest
import yaml

from argocd import DEPLOY, expand
from clusterlib import WAIT_SECONDS, kubectl, kubectl_json
from quikapp_charts.cluster.kube import wait_for
from quikapp_charts.core import paths

pytestmark = pytest.mark.cluster

CRDS = ("applications.argoproj.io", "applicationsets.argoproj.io", "appprojects.argoproj.io")


@pytest.fixture(scope="module")
def argocd_crds(local_cluster):
    files = paths.module_files("argocd-crds", "ARGOCD_VERSION")
    assert [f.name for f in files] == ["application-crd.yaml", "applicationset-crd.yaml", "appproject-crd.yaml"]
    for crd in files:
        # Server-side: the ApplicationSet CRD is too large for the last-applied annotation.
        kubectl("apply", "--server-side", "--force-conflicts", "-f", str(crd))
    # `kubectl wait` errors out on a CRD whose status has no conditions yet: ask until established.
    wait_for("Argo CD's CRDs established", lambda: all(established(name) for name in CRDS), timeout=WAIT_SECONDS)
    kubectl("create", "namespace", "argocd", check=False)
    yield
    # The generated Applications carry Argo CD's resources finalizer, which only its controller
    # removes (after pruning what the Application deployed); none runs here, so drop it, or the
    # namespace and the CRDs wait for it until their timeouts.
    for app in kubectl_json("get", "applications", "-n", "argocd")["items"]:
        kubectl("patch", "application", app["metadata"]["name"], "-n", "argocd", "--type=merge",
                "-p", '{"metadata":{"finalizers":null}}')
    kubectl("delete", "namespace", "argocd", "--wait=true", f"--timeout={WAIT_SECONDS}s")
    kubectl("delete", *(f"crd/{name}" for name in CRDS), "--wait=true", f"--timeout={WAIT_SECONDS}s")


def established(name: str) -> bool:
    conditions = kubectl_json("get", "crd", name).get("status", {}).get("conditions") or []
    return any(c["type"] == "Established" and c["status"] == "True" for c in conditions)


def apply(objects: list[dict], *extra: str) -> str:
    stream = "".join(f"---\n{yaml.safe_dump(obj)}" for obj in objects)
    return kubectl("apply", "--server-side", *extra, "-f", "-", input=stream).stdout


def test_the_manifests_are_accepted(argocd_crds):
    manifests = [yaml.safe_load(f.read_text()) for f in sorted(DEPLOY.glob("*.yaml"))]
    out = apply(manifests)
    assert out.count("serverside-applied") == 3, out
    project = kubectl_json("get", "appproject", "quikapp", "-n", "argocd")
    assert project["spec"]["destinations"][0]["namespace"] == "quikapp-*"
    appset = kubectl_json("get", "applicationset", "quikapp", "-n", "argocd")
    assert appset["spec"]["generators"][0]["git"]["files"] == [{"path": "values/*.yaml"}]
    assert "automated" in appset["spec"]["templatePatch"]


def test_every_generated_application_is_accepted(argocd_crds):
    apps = expand(DEPLOY / "applicationset.yaml")
    assert len(apps) == len(paths.environments())
    apply(apps)
    stored = {app["metadata"]["name"]: app for app in kubectl_json("get", "applications", "-n", "argocd")["items"]}
    assert sorted(stored) == sorted(f"quikapp-{env}" for env in paths.environments())
    live = stored["quikapp-live"]["spec"]
    assert live["destination"]["namespace"] == "quikapp-prod"
    assert "automated" not in live["syncPolicy"]
    assert stored["quikapp-dev"]["spec"]["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}
    assert live["ignoreDifferences"] == [{"group": "apps", "kind": "Deployment", "jsonPointers": ["/spec/replicas"]}]


def test_published_applications_are_accepted(argocd_crds):
    apps = expand(DEPLOY / "applicationset-published.yaml")
    out = apply(apps, "--dry-run=server")
    assert out.count("serverside-applied (server dry run)") == len(paths.environments()), out


def test_the_api_server_refuses_what_the_crd_does_not_allow(argocd_crds):
    """The check has teeth: a misspelt field of an Application is refused."""
    app = expand(DEPLOY / "applicationset.yaml")[0]
    app["spec"]["syncPolicy"]["automated"] = {"prune": "yes"}
    result = kubectl("apply", "--server-side", "--dry-run=server", "-f", "-",
                     input=json.dumps(app), check=False)
    assert result.returncode != 0
    assert "spec.syncPolicy.automated.prune" in result.stderr
