"""The Secrets Store driver stand-in's decisions (quikapp_charts.cluster.secrets_driver), on an API
held in memory: what it creates, patches and reports for a pod, in the order Helm applies a
release (Deployments' pods before their SecretProviderClasses). The removal of a Secret with its last
owning pod is the garbage collector's, shown on the cluster in test_secrets_lifecycle.py."""
from __future__ import annotations

import copy
import re

from quikapp_charts.cluster import secrets_driver

NS = "quikapp-dev"


class MemoryApi:
    """GET, POST and PATCH of the paths the stand-in uses, over dicts."""

    def __init__(self) -> None:
        self.objects: dict[str, dict] = {}

    def call(self, method: str, path: str, body: dict | None = None, patch: str | None = None):
        if method == "GET" and path.endswith("/pods"):
            return {"items": [copy.deepcopy(o) for p, o in self.objects.items() if re.search(r"/pods/[^/]+$", p)]}
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
    add(api, spc("auth-service-secrets"))
    for name in ("auth-service-a", "auth-service-b"):
        secrets_driver.handle(api, add(api, pod(name, "auth-service-secrets", "auth-service-secrets")))
        assert waiting(api, name) is None
    secret = api.objects[f"/api/v1/namespaces/{NS}/secrets/auth-service-secrets"]
    assert set(secret["data"]) == {"DB_HOST"}
    assert [o["uid"] for o in secret["metadata"]["ownerReferences"]] == ["uid-auth-service-a", "uid-auth-service-b"]


def test_a_class_applied_after_the_pods_starts_them_when_it_comes():
    api = MemoryApi()
    secrets_driver.handle(api, add(api, pod("user-service-a", "user-service-secrets", "user-service-secrets")))
    assert waiting(api, "user-service-a") == secrets_driver.CREATING
    secrets_driver.retry_blocked(api, add(api, spc("user-service-secrets")))
    assert waiting(api, "user-service-a") is None
    assert f"/api/v1/namespaces/{NS}/secrets/user-service-secrets" in api.objects


def test_a_pod_reading_a_secret_nobody_mounts_waits_in_create_container_config_error():
    api = MemoryApi()
    secrets_driver.handle(api, add(api, pod("reader", "cdn-service-secrets", None)))
    assert waiting(api, "reader") == secrets_driver.BLOCKED
    add(api, spc("cdn-service-secrets"))
    secrets_driver.handle(api, add(api, pod("cdn-service-a", "cdn-service-secrets", "cdn-service-secrets")))
    secrets_driver.retry_blocked(api, api.objects[f"/api/v1/namespaces/{NS}/secrets/cdn-service-secrets"])
    assert waiting(api, "reader") is None
