"""The local cluster's stand-in for the Secrets Store CSI driver's Secret sync, and for the kubelet's
check of a container's Secret references (kwok runs no kubelet).

A process of its own (`python -m quikapp_charts.cluster.secrets_driver CLUSTER_DIR`, started by
`cluster up`, stopped with the cluster's other processes) watches the pods. When a pod is bound to a
node it "mounts" its secrets-store CSI volumes, as the driver's NodePublishVolume does: each
secretObjects entry of the pod's SecretProviderClass becomes a Secret (a mock value per key), owned
by every pod that mounts it, so the garbage collector removes the Secret with its last mounting pod,
as the driver's own owner references do. A class that does not exist yet leaves the containers waiting
in ContainerCreating. Then it "starts the containers": a pod whose env reads a Secret or key that
does not exist gets its containers waiting in CreateContainerConfigError and Ready False, as the
kubelet reports it (its phase stays Running, where kwok's pod-ready stage leaves it alone), until a
Secret of its namespace appears or changes its keys, or a class appears or changes, and lets it try
again (the kubelet's retry).
"""
from __future__ import annotations

import base64
import subprocess
import sys
import threading
import time
from pathlib import Path

import pykube
import requests

from quikapp_charts.cluster.config import KUBECONFIG

DRIVER = "secrets-store.csi.k8s.io"
SPC_PATH = "/apis/secrets-store.csi.x-k8s.io/v1/namespaces/{ns}/secretproviderclasses/{name}"
PID_FILE = "secrets-driver.pid"  # in kwokctl's pids/ folder: the cluster's processes are found there
BLOCKED = "CreateContainerConfigError"
CREATING = "ContainerCreating"  # a volume that cannot be mounted yet


class Api:
    def __init__(self) -> None:
        self.client = pykube.HTTPClient(pykube.KubeConfig.from_file(str(KUBECONFIG)), timeout=30)

    def call(self, method: str, path: str, body: dict | None = None, patch: str | None = None):
        headers = {"Content-Type": patch or "application/json"}
        resp = self.client.session.request(method, self.client.url + path, json=body, headers=headers, timeout=30)
        if resp.status_code == 404:
            return None
        resp.raise_for_status()
        return resp.json()


def mock_value(object_name: str) -> str:
    return base64.b64encode(f"mock-{object_name}".encode()).decode()


def mount(api: Api, pod: dict) -> str | None:
    """Sync the Secrets of the pod's SecretProviderClass volumes, owned by the pod; the kubelet's
    message when a class does not exist (yet: Helm applies custom resources after Deployments)."""
    ns = pod["metadata"]["namespace"]
    owner = {"apiVersion": "v1", "kind": "Pod", "name": pod["metadata"]["name"], "uid": pod["metadata"]["uid"]}
    for volume in pod["spec"].get("volumes") or []:
        csi = volume.get("csi") or {}
        if csi.get("driver") != DRIVER:
            continue
        name = (csi.get("volumeAttributes") or {}).get("secretProviderClass", "")
        spc = api.call("GET", SPC_PATH.format(ns=ns, name=name))
        if spc is None:
            return f"MountVolume.SetUp failed for volume {volume['name']!r}: secretproviderclass {name!r} not found"
        for synced in spc.get("spec", {}).get("secretObjects") or []:
            sync(api, ns, synced, owner)
    return None


def sync(api: Api, ns: str, synced: dict, owner: dict) -> None:
    path = f"/api/v1/namespaces/{ns}/secrets"
    data = {item["key"]: mock_value(item["objectName"]) for item in synced.get("data") or []}
    secret = api.call("GET", f"{path}/{synced['secretName']}")
    if secret is None:
        api.call("POST", path, {"apiVersion": "v1", "kind": "Secret", "type": synced.get("type", "Opaque"),
                                "metadata": {"name": synced["secretName"], "ownerReferences": [owner],
                                             "labels": {"secrets-store.csi.k8s.io/managed": "true"}},
                                "data": data})
        return
    owners = secret["metadata"].get("ownerReferences") or []
    if all(o.get("uid") != owner["uid"] for o in owners):
        api.call("PATCH", f"{path}/{synced['secretName']}",
                 {"metadata": {"ownerReferences": [*owners, owner]}, "data": data},
                 patch="application/merge-patch+json")


def missing_secret(api: Api, pod: dict) -> str | None:
    """The kubelet's message for the first Secret reference of the pod's env that fails, or None."""
    ns = pod["metadata"]["namespace"]
    read: dict[str, dict | None] = {}  # several variables read one Secret: one GET
    for container in pod["spec"].get("containers") or []:
        for var in container.get("env") or []:
            ref = (var.get("valueFrom") or {}).get("secretKeyRef")
            if not ref or ref.get("optional"):
                continue
            if ref["name"] not in read:
                read[ref["name"]] = api.call("GET", f"/api/v1/namespaces/{ns}/secrets/{ref['name']}")
            secret = read[ref["name"]]
            if secret is None:
                return f'secret "{ref["name"]}" not found'
            if ref["key"] not in (secret.get("data") or {}):
                return f"couldn't find key {ref['key']} in Secret {ns}/{ref['name']}"
    return None


def set_containers(api: Api, pod: dict, problem: tuple[str, str] | None) -> None:
    """Containers waiting for (reason, message), or (None) running and ready."""
    ready = problem is None
    state = ({"running": {"startedAt": now()}} if ready else
             {"waiting": {"reason": problem[0], "message": problem[1]}})
    statuses = [{"name": c["name"], "image": c["image"], "ready": ready, "started": ready, "restartCount": 0,
                 "state": state} for c in pod["spec"]["containers"]]
    flag = "True" if ready else "False"
    status = {"containerStatuses": statuses, **({"phase": "Running"} if ready else {}),
              "conditions": [{"type": t, "status": flag, "lastTransitionTime": now()}
                             for t in ("Ready", "ContainersReady")]}
    meta = pod["metadata"]
    api.call("PATCH", f"/api/v1/namespaces/{meta['namespace']}/pods/{meta['name']}/status",
             {"status": status}, patch="application/strategic-merge-patch+json")


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def blocked(pod: dict) -> bool:
    return any((s.get("state") or {}).get("waiting", {}).get("reason") in (BLOCKED, CREATING)
               for s in pod.get("status", {}).get("containerStatuses") or [])


def handle(api: Api, pod: dict) -> None:
    if not pod["spec"].get("nodeName") or pod["metadata"].get("deletionTimestamp"):
        return
    if pod.get("status", {}).get("phase") in ("Succeeded", "Failed"):
        return
    failed = mount(api, pod)
    problem = (CREATING, failed) if failed else None
    if problem is None and (message := missing_secret(api, pod)):
        problem = (BLOCKED, message)
    if problem and not blocked(pod):
        set_containers(api, pod, problem)
    elif not problem and blocked(pod):
        set_containers(api, pod, None)


def watch(kind: type, on_event, what_counts=lambda obj: obj["metadata"]["resourceVersion"]) -> None:
    """List, then watch KIND in every namespace, calling on_event(obj) for each; again on a break.
    An object is passed on only when what_counts(obj) changed since it was last seen: a watch breaks
    every 30 s without events (the client's read timeout), and the list that follows would otherwise
    read every pod's secrets again."""
    api = Api()
    seen: dict[str, object] = {}  # uid -> what counted when it was last handled

    def process(obj: dict) -> None:
        uid, version = obj["metadata"]["uid"], what_counts(obj)
        if seen.get(uid) != version:
            on_event(api, obj)
            seen[uid] = version  # only once handled: a call that failed is tried again after the list

    while True:
        try:
            listed = api.call("GET", f"/{'api' if kind.version == 'v1' else 'apis'}/{kind.version}/{kind.endpoint}")
            for obj in listed["items"]:
                process(obj)
            query = pykube.query.Query(api.client, kind, namespace=pykube.all)
            for event in query.watch(since=listed["metadata"]["resourceVersion"]):
                if event.type in ("ADDED", "MODIFIED"):
                    process(event.object.obj)
                elif event.type == "DELETED":
                    seen.pop(event.object.obj["metadata"]["uid"], None)
        except (requests.RequestException, pykube.exceptions.PyKubeError, KeyError, ValueError):
            time.sleep(1)  # the API server restarting or a watch expired: list again


def retry_blocked(api: Api, obj: dict) -> None:
    """A Secret or a SecretProviderClass appeared or changed: the pods of its namespace waiting for
    one try again."""
    ns = obj["metadata"]["namespace"]
    for pod in api.call("GET", f"/api/v1/namespaces/{ns}/pods")["items"]:
        if blocked(pod):
            handle(api, pod)


def run() -> None:
    classes = pykube.object_factory(Api().client, "secrets-store.csi.x-k8s.io/v1", "SecretProviderClass")
    # A waiting pod waits for a Secret or key to exist, or for a class: a Secret's other changes
    # (the owners this stand-in adds to each synced Secret, its values) leave it waiting.
    watchers = ((pykube.Secret, lambda secret: sorted(secret.get("data") or {})),
                (classes, lambda spc: spc["metadata"].get("generation")))
    for kind, what_counts in watchers:
        threading.Thread(target=watch, args=(kind, retry_blocked, what_counts), daemon=True).start()
    watch(pykube.Pod, handle)


def start(cluster_dir: Path) -> None:
    """Run the stand-in beside the cluster's processes unless it already runs (its pid file is in
    kwokctl's pids/ folder and its command line names the cluster's folder, so `cluster down`
    stops it with the others)."""
    pids, logs = cluster_dir / "pids", cluster_dir / "logs"
    pid_file = pids / PID_FILE
    try:
        pid = int(pid_file.read_text().strip())
        if str(cluster_dir) in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"):
            return
    except (OSError, ValueError):
        pass
    pids.mkdir(parents=True, exist_ok=True)
    logs.mkdir(parents=True, exist_ok=True)
    with open(logs / "secrets-driver.log", "ab") as log:
        proc = subprocess.Popen([sys.executable, "-m", "quikapp_charts.cluster.secrets_driver", str(cluster_dir)],
                                stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    pid_file.write_text(f"{proc.pid}\n")


if __name__ == "__main__":
    Path(sys.argv[1]).is_dir() or sys.exit(f"{sys.argv[1]}: not the cluster's folder")
    run()
