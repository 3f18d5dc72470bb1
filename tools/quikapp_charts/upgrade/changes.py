"""What an upgrade changes, object by object: the live object against what a server-side apply of
the new render would make of it (the API server's dry run: defaults filled in, fields other
managers own left as they are), as field paths; the Deployments that restart and the field that
makes them; and the changes the API server refuses in place, with the remedy."""
from __future__ import annotations

from dataclasses import dataclass, field

# Set by the API server or by controllers, never by the chart: not a change of the upgrade.
IGNORED_METADATA = ("resourceVersion", "generation", "managedFields", "creationTimestamp", "uid",
                    "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds", "finalizers", "ownerReferences")
IGNORED_ANNOTATIONS = ("deployment.kubernetes.io/revision", "pv.kubernetes.io/bind-completed",
                       "pv.kubernetes.io/bound-by-controller", "volume.beta.kubernetes.io/storage-provisioner",
                       "volume.kubernetes.io/storage-provisioner", "meta.helm.sh/release-name",
                       "meta.helm.sh/release-namespace")

# What the API server refuses to change in place, by kind and path prefix, and what to do instead.
REMEDIES = {
    "Deployment": ("spec.selector", "delete it with `kubectl delete deployment NAME --cascade=orphan` "
                   "(its pods keep running), then upgrade: the new Deployment adopts them"),
    "PersistentVolumeClaim": ("spec", "a claim's spec only grows its storage; copy the data to a new "
                              "claim under another name, or keep the size"),
    "Service": ("spec.clusterIP", "delete the Service and let the upgrade create it (a new cluster IP)"),
    "Job": ("spec.template", "delete the Job (`kubectl delete job NAME`) before the upgrade"),
    "StatefulSet": ("spec", "delete it with --cascade=orphan, then upgrade"),
}


def clean(obj: dict) -> dict:
    """OBJ without status and the metadata the API server and controllers keep."""
    out = {k: v for k, v in obj.items() if k != "status"}
    meta = {k: v for k, v in (obj.get("metadata") or {}).items() if k not in IGNORED_METADATA}
    annotations = {k: v for k, v in (meta.get("annotations") or {}).items() if k not in IGNORED_ANNOTATIONS}
    meta.pop("annotations", None)
    if annotations:
        meta["annotations"] = annotations
    out["metadata"] = meta
    return out


def _item_name(item) -> str | None:
    return item.get("name") if isinstance(item, dict) and isinstance(item.get("name"), str) else None


def paths_between(old, new, prefix: str = "") -> list[str]:
    """The field paths where OLD and NEW differ; list items with a name are matched by it
    (`containers[ml-service].image`), others by position."""
    if isinstance(old, dict) and isinstance(new, dict):
        found = []
        for k in sorted(set(old) | set(new)):
            found += paths_between(old.get(k), new.get(k), f"{prefix}.{k}" if prefix else str(k))
        return found
    if isinstance(old, list) and isinstance(new, list):
        names_old, names_new = [_item_name(i) for i in old], [_item_name(i) for i in new]
        if all(names_old) and all(names_new) and len(set(names_old)) == len(old) and len(set(names_new)) == len(new):
            by_old, by_new = dict(zip(names_old, old, strict=True)), dict(zip(names_new, new, strict=True))
            found = []
            for n in list(dict.fromkeys(names_old + names_new)):
                found += paths_between(by_old.get(n), by_new.get(n), f"{prefix}[{n}]")
            return found
        if len(old) == len(new):
            return [p for i, (a, b) in enumerate(zip(old, new, strict=True)) for p in paths_between(a, b, f"{prefix}[{i}]")]
    return [] if old == new else [prefix]


@dataclass
class Change:
    kind: str
    name: str
    action: str  # created, changed, deleted, blocked, unchanged
    paths: list[str] = field(default_factory=list)
    message: str = ""  # the API server's refusal, for blocked
    remedy: str = ""

    @property
    def restarts(self) -> bool:
        return self.kind == "Deployment" and any(p.startswith("spec.template.") for p in self.paths)

    def causes(self) -> list[str]:
        """What about the pod template changes, shortened: image, env, checksum/config, resources..."""
        found = []
        for p in self.paths:
            if not p.startswith("spec.template."):
                continue
            tail = p.removeprefix("spec.template.")
            if tail.startswith("metadata.annotations."):
                cause = tail.removeprefix("metadata.annotations.")
            elif ".containers[" in f".{tail}":
                rest = tail.split("]", 1)[1].lstrip(".")
                cause = rest.split(".")[0].split("[")[0] or "containers"
                cause = f"{cause} ({rest})" if cause == "env" else cause
            else:
                cause = tail.split(".")[1] if tail.startswith("spec.") else tail
            found.append(cause)
        return list(dict.fromkeys(found))

    def as_dict(self) -> dict:
        data = {"kind": self.kind, "name": self.name, "action": self.action, "paths": self.paths}
        if self.action == "blocked":
            data |= {"message": self.message, "remedy": self.remedy}
        if self.kind == "Deployment":
            data["restarts"] = self.restarts
            data["causes"] = self.causes()
        return data


def blocked(kind: str, name: str, message: str) -> Change | None:
    """A refusal of the API server that a change of the object cannot pass in place, as a Change."""
    lowered = message.lower()
    if "immutable" not in lowered and "forbidden" not in lowered and "invalid" not in lowered:
        return None
    remedy = REMEDIES.get(kind, ("", "delete the object and let the upgrade create it again"))[1]
    return Change(kind, name, "blocked", message=message.splitlines()[0], remedy=remedy)


def compare(kind: str, name: str, live: dict | None, applied: dict) -> Change:
    if live is None:
        return Change(kind, name, "created")
    paths = paths_between(clean(live), clean(applied))
    return Change(kind, name, "changed" if paths else "unchanged", paths)
