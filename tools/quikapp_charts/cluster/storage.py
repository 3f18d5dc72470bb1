"""Storage and secrets mocks: the quikapp-models StorageClass, static PersistentVolumes for the
claims a release renders, and the Secrets Store CSI driver's SecretProviderClass CRD."""
from __future__ import annotations

import os

import yaml

from quikapp_charts.cluster import api
from quikapp_charts.cluster.config import STORAGE_CLASS
from quikapp_charts.cluster.kube import apply, kubectl, kubectl_json
from quikapp_charts.core import paths


def storage_class(name: str, default: bool) -> dict:
    annotations = {"storageclass.kubernetes.io/is-default-class": "true"} if default else {}
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {"name": name, "annotations": annotations,
                     "labels": {"app.kubernetes.io/managed-by": "quikapp-charts-cluster"}},
        "provisioner": "kubernetes.io/no-provisioner",
        "volumeBindingMode": "Immediate",
        "reclaimPolicy": "Retain",
    }


def ensure_storage_class() -> None:
    apply([storage_class(STORAGE_CLASS, default=True)])


def ensure_secrets_store() -> None:
    """The SecretProviderClass CRD and the secrets-store CSIDriver, as the driver's release ships them."""
    objects = [d for path in paths.module_files(*paths.SECRETS_STORE_FILES) for d in yaml.safe_load_all(path.read_text())
               if isinstance(d, dict)]
    apply(objects)
    kubectl("wait", "--for=condition=Established", "--timeout=180s",
            "crd/secretproviderclasses.secrets-store.csi.x-k8s.io")


def persistent_volume(name: str, claim_spec: dict, storage_class: str, claim_ref: dict | None) -> dict:
    spec = {
        "capacity": {"storage": (claim_spec.get("resources", {}).get("requests") or {}).get("storage", "1Gi")},
        "accessModes": claim_spec.get("accessModes") or ["ReadWriteOnce"],
        "volumeMode": claim_spec.get("volumeMode", "Filesystem"),
        "storageClassName": storage_class,
        "persistentVolumeReclaimPolicy": "Retain",
        "hostPath": {"path": f"/var/lib/quikapp-models/{name}", "type": "DirectoryOrCreate"},
    }
    if claim_ref:
        spec["claimRef"] = claim_ref
    return {"apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": {"name": name, "labels": {"app.kubernetes.io/managed-by": "quikapp-charts-cluster"}},
            "spec": spec}


def storage_classes_for(claims: list[dict]) -> list[dict]:
    """A no-provisioner StorageClass for each class the claims name that the cluster lacks."""
    classes = {sc["metadata"]["name"] for sc in kubectl_json("get", "storageclass")["items"]}
    wanted = {c.get("spec", {}).get("storageClassName") or STORAGE_CLASS for c in claims}
    return [storage_class(name, default=False) for name in sorted(wanted - classes)]


def claimed_volumes(namespace: str) -> list[dict]:
    """The PersistentVolumes whose claim is, or was, in NAMESPACE."""
    return [pv for pv in api.get("/api/v1/persistentvolumes")["items"]
            if (pv["spec"].get("claimRef") or {}).get("namespace") == namespace]


def volumes_for_claims(claims: list[dict], namespace: str) -> None:
    """One static PersistentVolume pre-bound to each claim (and its StorageClass if missing)."""
    objects = storage_classes_for(claims)
    for claim in claims:
        name = claim["metadata"]["name"]
        spec = claim.get("spec", {})
        ref = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "namespace": namespace, "name": name}
        objects.append(persistent_volume(f"{namespace}-{name}"[:253], spec,
                                         spec.get("storageClassName") or STORAGE_CLASS, ref))
    # A volume released by an earlier install of the same claim binds again.
    for pv in kubectl_json("get", "pv", "-l", "app.kubernetes.io/managed-by=quikapp-charts-cluster")["items"]:
        ref = pv["spec"].get("claimRef") or {}
        if pv.get("status", {}).get("phase") == "Released" and ref.get("namespace") == namespace:
            kubectl("patch", "pv", pv["metadata"]["name"], "--type=json",
                    "-p", '[{"op":"remove","path":"/spec/claimRef/uid"},'
                          '{"op":"remove","path":"/spec/claimRef/resourceVersion"}]', check=False)
    if objects:
        apply(objects)


def spare_volumes(claims: list[dict], copies: int = 1) -> None:
    """Unbound PersistentVolumes that COPIES installs of these claims can bind, in any namespace
    (for installs whose namespace is not known beforehand, such as `ct install`'s)."""
    objects = storage_classes_for(claims)
    available: dict[tuple, int] = {}
    for pv in kubectl_json("get", "pv", "-l", "quikapp.io/spare=true")["items"]:
        if pv.get("status", {}).get("phase") == "Available":
            key = (pv["spec"]["storageClassName"], pv["spec"]["capacity"]["storage"],
                   tuple(pv["spec"]["accessModes"]))
            available[key] = available.get(key, 0) + 1
    needed: dict[tuple, tuple[int, dict]] = {}
    for claim in claims:
        spec = claim.get("spec", {})
        pv = persistent_volume("x", spec, spec.get("storageClassName") or STORAGE_CLASS, None)
        key = (pv["spec"]["storageClassName"], pv["spec"]["capacity"]["storage"], tuple(pv["spec"]["accessModes"]))
        count, _ = needed.get(key, (0, spec))
        needed[key] = (count + copies, spec)
    for key, (count, spec) in needed.items():
        for _ in range(count - available.get(key, 0)):
            name = f"spare-{key[0]}-{os.urandom(4).hex()}"
            pv = persistent_volume(name, spec, key[0], None)
            pv["metadata"]["labels"]["quikapp.io/spare"] = "true"
            objects.append(pv)
    if objects:
        apply(objects)
