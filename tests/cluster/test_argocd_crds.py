"""deploy/argocd/ against a real API server: Argo CD's CRDs (pinned, from the argo-cd module's
manifests/crds, which tools/bootstrap.sh downloads) are installed with the session's cluster
(tests/cluster/conftest.py), then the AppProject, both
ApplicationSets and every Application they generate are applied, so the API server validates
each against the CRD's schema. No Argo CD controller runs; nothing syncs. Deleting the
ApplicationSet takes its Applications with it (the garbage collector, through the owner references
the ApplicationSet controller sets) and leaves the model claims where they are."""
from __future__ import annotations

import json

import pytest
import yaml

from argocd import DEPLOY, expand, registered_clusters
from clusterlib import WAIT_SECONDS, argocd_crd_files, kubectl, kubectl_json, wait_until_namespace_gone
from quikapp_charts.cluster.kube import wait_for
from quikapp_charts.core import rendering
from quikapp_charts.environments import plan as env_plan

pytestmark = pytest.mark.cluster

CRDS = ("applications.argoproj.io", "applicationsets.argoproj.io", "appprojects.argoproj.io")


@pytest.fixture(scope="module")
def argocd_crds(local_cluster):
    assert [f.name for f in argocd_crd_files()] == ["application-crd.yaml", "applicationset-crd.yaml", "appproject-crd.yaml"]
    # `kubectl wait` errors out on a CRD whose status has no conditions yet: ask until established.
    wait_for("Argo CD's CRDs established", lambda: all(established(name) for name in CRDS), timeout=WAIT_SECONDS)
    # The namespace of an earlier run on this cluster may still be terminating (see the end).
    wait_until_namespace_gone("argocd", timeout=WAIT_SECONDS)
    kubectl("create", "namespace", "argocd", check=False)
    yield
    # The generated Applications carry Argo CD's resources finalizer, which only its controller
    # removes (after pruning what the Application deployed); none runs here, so drop it, or the
    # namespace and the CRDs wait for it until their timeouts.
    for app in kubectl_json("get", "applications", "-n", "argocd")["items"]:
        kubectl("patch", "application", app["metadata"]["name"], "-n", "argocd", "--type=merge",
                "-p", '{"metadata":{"finalizers":null}}')
    kubectl("delete", "namespace", "argocd", "--wait=false")


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
    assert {"name": "quikapp-prod", "namespace": "quikapp-prod"} in project["spec"]["destinations"]
    appset = kubectl_json("get", "applicationset", "quikapp", "-n", "argocd")
    inner = appset["spec"]["generators"][0]["matrix"]["generators"][0]["matrix"]["generators"]
    assert inner[0]["git"]["files"] == [{"path": "deploy/environments.yaml"}]
    assert "elementsYaml" in inner[1]["list"]
    assert appset["spec"]["syncPolicy"] == {"preserveResourcesOnDeletion": True}
    assert "automated" in appset["spec"]["templatePatch"]


def test_every_generated_application_is_accepted(argocd_crds):
    apps = expand(DEPLOY / "applicationset.yaml", registered_clusters())
    argocd_envs = list(env_plan.load().environments)
    assert len(apps) == len(argocd_envs)
    apply(apps)
    stored = {app["metadata"]["name"]: app for app in kubectl_json("get", "applications", "-n", "argocd")["items"]}
    assert sorted(stored) == sorted(f"quikapp-{env}" for env in argocd_envs)
    live = stored["quikapp-live"]["spec"]
    assert live["destination"] == {"name": "quikapp-prod", "namespace": "quikapp-prod"}
    assert "finalizers" not in stored["quikapp-live"]["metadata"]
    assert "automated" not in live["syncPolicy"]
    assert stored["quikapp-dev"]["spec"]["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}
    assert live["ignoreDifferences"] == [{"group": "apps", "kind": "Deployment", "jsonPointers": ["/spec/replicas"]}]


def test_published_applications_are_accepted(argocd_crds):
    apps = expand(DEPLOY / "applicationset-published.yaml", registered_clusters())
    out = apply(apps, "--dry-run=server")
    assert out.count("serverside-applied (server dry run)") == len(env_plan.load().environments), out


def test_the_api_server_refuses_what_the_crd_does_not_allow(argocd_crds):
    """The check has teeth: a misspelt field of an Application is refused."""
    app = expand(DEPLOY / "applicationset.yaml", registered_clusters())[0]
    app["spec"]["syncPolicy"]["automated"] = {"prune": "yes"}
    result = kubectl("apply", "--server-side", "--dry-run=server", "-f", "-",
                     input=json.dumps(app), check=False)
    assert result.returncode != 0
    assert "spec.syncPolicy.automated.prune" in result.stderr


def test_deleting_the_applicationset_deletes_its_applications_but_no_model_claim(argocd_crds):
    """The ApplicationSet controller owns the Applications it generates (an owner reference), so the
    garbage collector deletes them with it. They carry no resources finalizer
    (preserveResourcesOnDeletion), the one thing that makes Argo CD's controller delete what an
    Application deployed; the claims also say Delete=false and Prune=false, which it honours when a
    finalizer is there after all (`argocd app delete --cascade`) and when a claim leaves the render."""
    kubectl("create", "namespace", "quikapp-claims-kept", check=False)
    claims = [obj for obj in rendering.render("live", extra=rendering.argocd("production")).objects
              if obj["kind"] == "PersistentVolumeClaim"]
    for claim in claims:  # beside live's own, if a test installed it
        claim["metadata"]["namespace"] = "quikapp-claims-kept"
    assert len(claims) == 4
    assert {c["metadata"]["annotations"]["argocd.argoproj.io/sync-options"] for c in claims} == {"Prune=false,Delete=false"}
    apply([yaml.safe_load((DEPLOY / "applicationset-published.yaml").read_text())])
    appset = kubectl_json("get", "applicationset", "quikapp-published", "-n", "argocd")
    owner = {"apiVersion": "argoproj.io/v1alpha1", "kind": "ApplicationSet", "name": "quikapp-published",
             "uid": appset["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}
    apps = expand(DEPLOY / "applicationset-published.yaml", registered_clusters())
    for app in apps:
        app["metadata"]["name"] += "-published"
        app["metadata"]["ownerReferences"] = [owner]
    apply(apps + claims)
    kubectl("delete", "applicationset", "quikapp-published", "-n", "argocd", "--cascade=foreground", "--wait=true",
            f"--timeout={WAIT_SECONDS}s")
    left = [a["metadata"]["name"] for a in kubectl_json("get", "applications", "-n", "argocd")["items"]]
    assert not [name for name in left if name.endswith("-published")]
    kept = kubectl_json("get", "persistentvolumeclaims", "-n", "quikapp-claims-kept")["items"]
    assert sorted(c["metadata"]["name"] for c in kept) == sorted(c["metadata"]["name"] for c in claims)
    assert all(c["metadata"].get("deletionTimestamp") is None for c in kept)
    kubectl("delete", "namespace", "quikapp-claims-kept", "--wait=false")
