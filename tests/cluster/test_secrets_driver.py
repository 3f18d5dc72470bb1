"""The Secrets Store driver stand-in's decisions (quikapp_charts.cluster.secrets_driver), on an API
held in memory: what it creates, patches and reports for a pod, in the order Helm applies a
release (Deployments' pods before their SecretProviderClasses). The removal of a Secret with its last
owning pod is the garbage collector's, shown on the cluster in test_secrets_lifecycle.py."""
from __future__ import annotations

import copy

import requests

from quikapp_charts.cluster import secrets_driver

NS = "quikapp-dev"


class MemoryApi:
    """GET, POST and PATCH of the paths the stand-in uses, over dicts."""

    def __init__(self) -> None:
        self.objects: dict[str, dict] = {}
        self.calls: list[tuple[str, str]] = []

    def call(self, method: str, path: str, body: dict | None = None, patch: str | None = None):
        self.calls.append((method, path))
        if method == "GET":
            return copy.deepcopy(self.objects.get(path))
        if method == "POST":
            created = copy.deepcopy(body)
            created["metadata"]["namespace"] = path.split("/")[4]  # /api/v1/namespaces/NS/KIND
            self.objects[f"{path}/{body['metadata']['name']}"] = created
            return created
        target = self.objects[path.removesuffix("/status")]
        for key, value in body.items():
            if isinstance(value, dict) and key in target:
                target[key].update(value)
            else:
                target[key] = value
        return target


def pod(name: str, secret: str, cls: str | None) -> dict:
    volumes = [{"name": "secrets-store", "csi": {"driver": secrets_driver.DRIVER,
                                                 "volumeAttributes": {"secretProviderClass": cls}}}] if cls else []
    env = [{"name": "DB_HOST", "valueFrom": {"secretKeyRef": {"name": secret, "key": "DB_HOST"}}}]
    return {"metadata": {"name": name, "namespace": NS, "uid": f"uid-{name}"},
            "spec": {"nodeName": "kwok-node-0", "volumes": volumes,
                     "containers": [{"name": "app", "image": "app:1.0.0", "env": env}]},
            "status": {"phase": "Running", "containerStatuses": [{"name": "app", "state": {"running": {}}}]}}


def spc(name: str) -> dict:
    return {"metadata": {"name": name, "namespace": NS},
            "spec": {"secretObjects": [{"secretName": name, "type": "Opaque",
                                        "data": [{"objectName": "DB_HOST", "key": "DB_HOST"}]}]}}


def add(api: MemoryApi, obj: dict) -> dict:
    kind = "pods" if "containers" in obj["spec"] else "secretproviderclasses"
    prefix = (f"/api/v1/namespaces/{NS}/pods" if kind == "pods" else
              secrets_driver.SPC_PATH.format(ns=NS, name="").rstrip("/"))
    api.objects[f"{prefix}/{obj['metadata']['name']}"] = obj
    return obj


def waiting(api: MemoryApi, name: str) -> str | None:
    (status,) = api.objects[f"/api/v1/namespaces/{NS}/pods/{name}"]["status"]["containerStatuses"]
    return status["state"].get("waiting", {}).get("reason")


def test_a_pod_mounting_its_class_gets_its_secret_owned_by_every_mounting_pod():
    api = MemoryApi()
    kubelet = secrets_driver.Kubelet(api)
    add(api, spc("auth-service-secrets"))
    for name in ("auth-service-a", "auth-service-b"):
        kubelet.pod_changed(add(api, pod(name, "auth-service-secrets", "auth-service-secrets")))
        assert waiting(api, name) is None
    secret = api.objects[f"/api/v1/namespaces/{NS}/secrets/auth-service-secrets"]
    assert set(secret["data"]) == {"DB_HOST"}
    assert [o["uid"] for o in secret["metadata"]["ownerReferences"]] == ["uid-auth-service-a", "uid-auth-service-b"]


def test_a_class_applied_after_the_pods_starts_them_when_it_comes():
    api = MemoryApi()
    kubelet = secrets_driver.Kubelet(api)
    kubelet.pod_changed(add(api, pod("user-service-a", "user-service-secrets", "user-service-secrets")))
    assert waiting(api, "user-service-a") == secrets_driver.CREATING
    kubelet.class_changed(add(api, spc("user-service-secrets")))
    assert waiting(api, "user-service-a") is None
    assert f"/api/v1/namespaces/{NS}/secrets/user-service-secrets" in api.objects


def test_a_pod_reading_a_secret_nobody_mounts_waits_in_create_container_config_error():
    api = MemoryApi()
    kubelet = secrets_driver.Kubelet(api)
    kubelet.pod_changed(add(api, pod("reader", "cdn-service-secrets", None)))
    assert waiting(api, "reader") == secrets_driver.BLOCKED
    add(api, spc("cdn-service-secrets"))
    kubelet.pod_changed(add(api, pod("cdn-service-a", "cdn-service-secrets", "cdn-service-secrets")))
    kubelet.secret_changed(api.objects[f"/api/v1/namespaces/{NS}/secrets/cdn-service-secrets"])
    assert waiting(api, "reader") is None


def test_a_started_pod_is_not_read_again_and_a_waiting_one_only_for_what_it_waits_for():
    api = MemoryApi()
    kubelet = secrets_driver.Kubelet(api)
    add(api, spc("auth-service-secrets"))
    started = add(api, pod("auth-service-a", "auth-service-secrets", "auth-service-secrets"))
    kubelet.pod_changed(started)
    waiter = add(api, pod("user-service-a", "user-service-secrets", "user-service-secrets"))
    kubelet.pod_changed(waiter)
    api.calls.clear()
    kubelet.pod_changed(started)  # kwok's status, a label: a started pod's changes ask for nothing
    kubelet.secret_changed(api.objects[f"/api/v1/namespaces/{NS}/secrets/auth-service-secrets"])
    kubelet.class_changed(add(api, spc("auth-service-secrets")))
    kubelet.try_again()  # the waiter waits for its class, which no Secret's loss holds up
    assert api.calls == []
    kubelet.class_changed(add(api, spc("user-service-secrets")))
    assert waiting(api, "user-service-a") is None
    assert ("GET", secrets_driver.SPC_PATH.format(ns=NS, name="user-service-secrets")) in api.calls
    kubelet.pod_gone(waiter)
    assert kubelet.waiting == {} and kubelet.problems == {} and kubelet.again == {}


def test_a_pod_whose_class_secret_went_with_its_last_owner_is_retried_and_mounts_it_again():
    api = MemoryApi()
    kubelet = secrets_driver.Kubelet(api)
    add(api, spc("bookmark-service-secrets"))
    # The Secret went (the garbage collector, its last owning pod gone) between the new pod's
    # mount and its containers' start: no event of that Secret comes again.
    api.call = deleting_after_mount(api.call, f"/api/v1/namespaces/{NS}/secrets/bookmark-service-secrets")
    kubelet.pod_changed(add(api, pod("bookmark-service-b", "bookmark-service-secrets", "bookmark-service-secrets")))
    assert waiting(api, "bookmark-service-b") == secrets_driver.BLOCKED
    kubelet.try_again()  # the kubelet's own retry: the mount syncs the Secret again
    assert waiting(api, "bookmark-service-b") is None
    assert kubelet.waiting == {}


def deleting_after_mount(call, secret_path: str):
    """CALL, except that the Secret at SECRET_PATH is removed once, right after it is first synced."""
    state = {"done": False}

    def wrapped(method: str, path: str, body: dict | None = None, patch: str | None = None):
        result = call(method, path, body, patch)
        if method in ("POST", "PATCH") and path.startswith(secret_path.rsplit("/", 1)[0]) and not state["done"]:
            state["done"] = True
            call.__self__.objects.pop(secret_path, None)
        return result
    return wrapped


def test_a_refused_call_is_logged_and_tried_again_without_holding_up_the_other_pods(capsys):
    api = MemoryApi()
    kubelet = secrets_driver.Kubelet(api)
    add(api, spc("search-service-secrets"))
    calls = api.call

    def terminating(method: str, path: str, body: dict | None = None, patch: str | None = None):
        if method == "POST" and "/namespaces/quikapp-gone/" in path:
            raise requests.HTTPError("403 Forbidden: namespace quikapp-gone is being terminated")
        return calls(method, path, body, patch)
    api.call = terminating
    doomed = pod("search-service-x", "search-service-secrets", "search-service-secrets")
    doomed["metadata"]["namespace"] = "quikapp-gone"
    api.objects[secrets_driver.SPC_PATH.format(ns="quikapp-gone", name="search-service-secrets")] = spc(
        "search-service-secrets")
    kubelet.pod_changed(doomed)
    kubelet.pod_changed(add(api, pod("search-service-a", "search-service-secrets", "search-service-secrets")))
    assert waiting(api, "search-service-a") is None  # mounted and started, after the refusal
    assert "quikapp-gone/search-service-x: 403 Forbidden" in capsys.readouterr().err
    assert set(kubelet.again) == {"uid-search-service-x"}
    kubelet.pod_gone(doomed)
    assert kubelet.again == {}
