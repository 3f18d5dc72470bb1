"""The field paths of a change, what restarts a Deployment and why, and the API server's refusals
turned into blocked changes with their remedy."""
from __future__ import annotations

from quikapp_charts.upgrade import changes


def deployment(image: str = "a:1", checksum: str = "x", replicas: int = 2, env: dict | None = None) -> dict:
    container = {"name": "svc", "image": image, "env": [{"name": k, "value": v} for k, v in (env or {}).items()]}
    return {"kind": "Deployment", "metadata": {"name": "svc", "resourceVersion": "7", "generation": 3,
                                               "annotations": {"deployment.kubernetes.io/revision": "4"}},
            "spec": {"replicas": replicas,
                     "template": {"metadata": {"annotations": {"checksum/config": checksum}},
                                  "spec": {"containers": [container]}}},
            "status": {"replicas": replicas}}


def test_named_list_items_are_matched_by_name_and_server_fields_ignored():
    old, new = deployment(env={"A": "1", "B": "2"}), deployment(env={"B": "3", "A": "1"})
    new["metadata"]["resourceVersion"], new["status"] = "9", {"replicas": 5}
    assert changes.paths_between(changes.clean(old), changes.clean(new)) == [
        "spec.template.spec.containers[svc].env[B].value"]


def test_an_image_change_restarts_for_the_image():
    change = changes.compare("Deployment", "svc", deployment(), deployment(image="a:2"))
    assert change.action == "changed" and change.restarts
    assert change.paths == ["spec.template.spec.containers[svc].image"]
    assert change.causes() == ["image"]


def test_a_config_checksum_restarts_for_the_checksum_and_replicas_alone_restart_nothing():
    assert changes.compare("Deployment", "svc", deployment(), deployment(checksum="y")).causes() == ["checksum/config"]
    replicas_only = changes.compare("Deployment", "svc", deployment(), deployment(replicas=4))
    assert replicas_only.paths == ["spec.replicas"] and not replicas_only.restarts
    env = changes.compare("Deployment", "svc", deployment(env={"A": "1"}), deployment(env={"A": "2"}))
    assert env.causes() == ["env (env[A].value)"]


def test_unchanged_and_created():
    assert changes.compare("Deployment", "svc", deployment(), deployment()).action == "unchanged"
    assert changes.compare("ConfigMap", "c", None, {"kind": "ConfigMap"}).action == "created"


def test_refusals_become_blocked_changes_with_a_remedy():
    claim = changes.blocked("PersistentVolumeClaim", "models", 'PersistentVolumeClaim "models" is invalid: '
                            "spec.resources.requests.storage: Forbidden: field can not be less than status.capacity")
    assert claim.action == "blocked" and "grows" in claim.remedy
    selector = changes.blocked("Deployment", "svc", 'Deployment.apps "svc" is invalid: spec.selector: Invalid '
                               "value: ... field is immutable")
    assert "--cascade=orphan" in selector.remedy
    assert changes.blocked("Deployment", "svc", "the server is currently unable to handle the request") is None
    assert set(selector.as_dict()) >= {"message", "remedy", "restarts"}
