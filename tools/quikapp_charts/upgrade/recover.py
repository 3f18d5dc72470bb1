"""Get a release out of `pending-install`, `pending-upgrade` or `pending-rollback` (a helm killed
mid-operation: a CI job's timeout, a lost runner), so that the next upgrade runs.

The pending revision is compared with the live objects and with the last deployed revision: the
objects it changes or adds are those whose rendering differs from the deployed revision's, and one
of them was applied when the cluster holds it newer than the pending revision's start (helm's field
manager wrote it since) or, for an object the deployed revision lacks, at all. Nothing applied: the
pending revision is marked failed, which is what it is, and the cluster is already the deployed
revision. Something applied: it is marked failed and the release rolled back to the last deployed
revision, with every claim that only the pending revision has kept (a rollback deletes what the
target revision lacks; a claim or its volume is never deleted here)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from quikapp_charts.core.errors import CheckFailed, UserError
from quikapp_charts.upgrade import releases
from quikapp_charts.upgrade.api import Api
from quikapp_charts.upgrade.target import Target

KEEP = "helm.sh/resource-policy"


def key(obj: dict) -> tuple[str, str, str]:
    return obj["kind"], obj["metadata"].get("namespace", ""), obj["metadata"]["name"]


def label(k: tuple[str, str, str]) -> str:
    return f"{k[0]}/{k[2]}"


@dataclass
class Outcome:
    found: list[str] = field(default_factory=list)
    done: list[str] = field(default_factory=list)


def _helm_wrote_since(obj: dict | None, since: datetime) -> bool:
    """Whether helm's field manager applied OBJ at or after SINCE (to the second, as Kubernetes
    records it)."""
    if obj is None:
        return False
    floor = since.replace(microsecond=0)
    for entry in obj["metadata"].get("managedFields") or []:
        if entry.get("manager", "").startswith("helm") and entry.get("time"):
            if releases.parse_time(entry["time"]) >= floor:
                return True
    return False


def applied_objects(target: Target, api: Api, pending: releases.Revision,
                    deployed: releases.Revision | None) -> tuple[list[tuple], list[tuple]]:
    """(what the pending revision changes or adds, of that what the cluster shows applied)."""
    before = {key(o): o for o in (deployed.objects() if deployed else [])}
    changed, applied = [], []
    for obj in pending.objects():
        k = key(obj)
        if before.get(k) == obj:
            continue
        changed.append(k)
        live = api.live(obj, target.namespace)
        if (k not in before and live is not None) or _helm_wrote_since(live, pending.updated):
            applied.append(k)
    return changed, applied


def recover(target: Target, api: Api, timeout_s: float, force: bool, wait_timeout: str) -> Outcome:
    """Find the release's state and get it out of a pending one (see the module's text)."""
    history = releases.revisions(target)
    if not history:
        raise UserError(f"{target.where}: no such release (no Helm revision stored there)")
    out = Outcome()
    last = history[-1]
    if not last.pending:
        out.found.append(f"{target.where}: revision {last.number} is {last.status}; nothing to recover")
        return out
    age = last.age_seconds()
    out.found.append(f"{target.where}: revision {last.number} is {last.status} since {age:.0f}s "
                     f"({last.description or 'no description'})")
    if age < timeout_s and not force:
        raise CheckFailed(f"{target.where}: revision {last.number} is {last.status} for {age:.0f}s, less than "
                          f"--timeout {timeout_s:.0f}s: another helm may still be running; wait, or --force")
    deployed = next((r for r in reversed(history[:-1]) if r.status in ("deployed", "superseded")), None)
    changed, applied = applied_objects(target, api, last, deployed)
    base = f"revision {deployed.number}" if deployed else "no deployed revision"
    out.found.append(f"compared with {base} and the cluster: {len(changed)} objects changed or added, "
                     f"{len(applied)} of them applied"
                     + (f" ({', '.join(label(k) for k in applied[:5])}{', ...' if len(applied) > 5 else ''})"
                        if applied else ""))
    reason = f"interrupted while {last.status}; recovered by quikapp-charts recover"
    releases.mark_failed(target, last, reason)
    out.done.append(f"marked revision {last.number} failed")
    if deployed is None or not applied:
        if deployed is None and applied:
            out.done.append("left what it applied in place: the next `helm upgrade --install` takes it over")
        return out
    _keep_new_claims(target, api, last, deployed, out)
    target.helm("rollback", target.release, str(deployed.number), "-n", target.namespace, "--wait",
                "--timeout", wait_timeout, "--force-conflicts")
    now = releases.revisions(target)[-1]
    out.done.append(f"rolled back to revision {deployed.number}: revision {now.number} is {now.status}")
    return out


def _keep_new_claims(target: Target, api: Api, pending: releases.Revision, deployed: releases.Revision,
                     out: Outcome) -> None:
    """A rollback deletes the objects its target revision lacks: a claim only the pending revision
    has is annotated to be kept instead (its volume and data stay)."""
    before = {key(o) for o in deployed.objects()}
    for obj in pending.objects():
        if obj["kind"] == "PersistentVolumeClaim" and key(obj) not in before and api.live(obj, target.namespace):
            namespace = obj["metadata"].get("namespace") or target.namespace
            target.kubectl("annotate", "pvc", obj["metadata"]["name"], "-n", namespace, f"{KEEP}=keep", "--overwrite")
            out.done.append(f"kept claim {obj['metadata']['name']} (only the interrupted revision has it)")
