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
kubelet reports it (its phase stays Running, where kwok's pod-ready stage leaves it alone), until the
Secret or class it waits for comes or changes (the kubelet's retry).
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
# The kubelet also retries a waiting pod on its own (with a back-off from 10 s). Here a pod that
# waits for a Secret its own class syncs (that Secret can go with the last pod that owned it just
# as the new pod adds itself as an owner, and then no event of the Secret comes again) and a pod
# whose last try failed on the API.
AGAIN_S = 5


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


def mount(api: Api, pod: dict) -> tuple[set[str], tuple[str, str] | None]:
    """Sync the Secrets of the pod's SecretProviderClass volumes, owned by the pod: the Secrets
    synced, and (the class, the kubelet's message) when a class does not exist (yet: Helm applies
    custom resources after Deployments)."""
    ns = pod["metadata"]["namespace"]
    owner = {"apiVersion": "v1", "kind": "Pod", "name": pod["metadata"]["name"], "uid": pod["metadata"]["uid"]}
    synced_names: set[str] = set()
    for volume in pod["spec"].get("volumes") or []:
        csi = volume.get("csi") or {}
        if csi.get("driver") != DRIVER:
            continue
        name = (csi.get("volumeAttributes") or {}).get("secretProviderClass", "")
        spc = api.call("GET", SPC_PATH.format(ns=ns, name=name))
        if spc is None:
            return synced_names, (name, f"MountVolume.SetUp failed for volume {volume['name']!r}: "
                                        f"secretproviderclass {name!r} not found")
        for synced in spc.get("spec", {}).get("secretObjects") or []:
            sync(api, ns, synced, owner)
            synced_names.add(synced["secretName"])
    return synced_names, None


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


def missing_secret(api: Api, pod: dict) -> tuple[str, str] | None:
    """(the Secret, the kubelet's message) for the first Secret reference of the pod's env that
    fails, or None."""
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
                return ref["name"], f'secret "{ref["name"]}" not found'
            if ref["key"] not in (secret.get("data") or {}):
                return ref["name"], f"couldn't find key {ref['key']} in Secret {ns}/{ref['name']}"
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


class Kubelet:
    """The pods' side, as a kubelet keeps it: a pod started (its classes mounted, its env's Secrets
    found) is not looked at again, however often it changes; a pod waiting is tried again when the
    class or the Secret it waits for comes or changes, not for its own changes (and every few
    seconds where no such event would come: `again`). Reading the cluster again for
    every event (each pod changes several times on its way up, and each Secret the stand-in
    creates is an event) kept the API server busier than the installs themselves. One lock: the pod
    watch and the Secret and class watches run in threads of their own."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.lock = threading.Lock()
        self.started: set[str] = set()
        self.problems: dict[str, tuple[str, str]] = {}  # uid -> (reason, message) it waits in
        self.waiting: dict[tuple[str, str, str], dict[str, dict]] = {}  # (ns, kind, name) -> uid -> pod
        # Pods the kubelet's own retry takes again every few seconds: those waiting for a Secret
        # their own class syncs, and those whose last try failed on the API (a namespace being
        # deleted refuses new Secrets, a pod just gone refuses its status).
        self.again: dict[str, dict] = {}

    def pod_changed(self, pod: dict) -> None:
        meta = pod["metadata"]
        if not pod["spec"].get("nodeName"):
            return
        if meta.get("deletionTimestamp") or pod.get("status", {}).get("phase") in ("Succeeded", "Failed"):
            self.pod_gone(pod)  # no container starts again
            return
        with self.lock:
            # A waiting pod is tried again for the class or Secret it waits for, not for its own changes.
            if meta["uid"] not in self.started and meta["uid"] not in self.problems:
                self._attempt(pod)

    def pod_gone(self, pod: dict) -> None:
        with self.lock:
            uid = pod["metadata"]["uid"]
            self.started.discard(uid)
            self.again.pop(uid, None)
            self.problems.pop(uid, None)
            self._unwait(uid)

    def class_changed(self, obj: dict) -> None:
        self._retry(obj, "class")

    def secret_changed(self, obj: dict) -> None:
        self._retry(obj, "secret")

    def try_again(self) -> None:
        with self.lock:
            for pod in list(self.again.values()):
                self._attempt(pod)

    def _retry(self, obj: dict, kind: str) -> None:
        key = (obj["metadata"]["namespace"], kind, obj["metadata"]["name"])
        with self.lock:
            for pod in list(self.waiting.get(key, {}).values()):
                self._attempt(pod)

    def _attempt(self, pod: dict) -> None:
        """One try; a failure on the API is logged and left to the next retry, so that one pod
        cannot hold up the others of a list or an event."""
        try:
            self._try(pod)
        except (requests.RequestException, KeyError, ValueError) as err:
            self.again[pod["metadata"]["uid"]] = pod
            print(f"{pod['metadata']['namespace']}/{pod['metadata']['name']}: {err}", file=sys.stderr, flush=True)

    def _try(self, pod: dict) -> None:
        uid, ns = pod["metadata"]["uid"], pod["metadata"]["namespace"]
        problem, waits_for = None, None
        synced, failed = mount(self.api, pod)
        if failed:
            problem, waits_for = (CREATING, failed[1]), ("class", failed[0])
        elif missing := missing_secret(self.api, pod):
            problem, waits_for = (BLOCKED, missing[1]), ("secret", missing[0])
        self.again.pop(uid, None)
        if waits_for and waits_for[0] == "secret" and waits_for[1] in synced:
            self.again[uid] = pod  # its own class's Secret went with its last owner: remount
        before = self.problems.get(uid) or (("", "") if blocked(pod) else None)
        if problem != before:
            set_containers(self.api, pod, problem)
        self._unwait(uid)
        if problem is None:
            self.problems.pop(uid, None)
            self.started.add(uid)
        else:
            self.problems[uid] = problem
            self.waiting.setdefault((ns, *waits_for), {})[uid] = pod

    def _unwait(self, uid: str) -> None:
        for key in [k for k, pods in self.waiting.items() if pods.pop(uid, None) is not None and not pods]:
            del self.waiting[key]


def watch(kind: type, on_change, on_delete=None) -> None:
    """List, then watch KIND in every namespace, calling on_change(obj) for each added or changed
    and on_delete(obj) for each deleted; again on a break. A watch breaks every 30 s without events
    (the client's read timeout); the list that follows passes on only what changed since it was
    last seen."""
    api = Api()
    seen: dict[str, str] = {}  # uid -> the resourceVersion last handled

    def process(obj: dict) -> None:
        uid, version = obj["metadata"]["uid"], obj["metadata"]["resourceVersion"]
        if seen.get(uid) != version:
            on_change(obj)
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
                    if on_delete:
                        on_delete(event.object.obj)
        except (requests.RequestException, pykube.exceptions.PyKubeError, KeyError, ValueError):
            time.sleep(1)  # the API server restarting or a watch expired: list again


def run() -> None:
    kubelet = Kubelet(Api())
    classes = pykube.object_factory(Api().client, "secrets-store.csi.x-k8s.io/v1", "SecretProviderClass")
    for kind, on_change in ((pykube.Secret, kubelet.secret_changed), (classes, kubelet.class_changed)):
        threading.Thread(target=watch, args=(kind, on_change), daemon=True).start()
    threading.Thread(target=try_again_every_few_seconds, args=(kubelet,), daemon=True).start()
    watch(pykube.Pod, kubelet.pod_changed, kubelet.pod_gone)


def try_again_every_few_seconds(kubelet: Kubelet) -> None:
    while True:
        time.sleep(AGAIN_S)
        try:
            kubelet.try_again()
        except (requests.RequestException, KeyError, ValueError):
            pass  # the API server restarting: next time


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
