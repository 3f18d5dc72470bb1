"""A Helm release's revisions as Helm stores them: one Secret per revision in the release's
namespace (`sh.helm.release.v1.NAME.vN`, type helm.sh/release.v1, labels owner=helm, name, status,
version), its `release` key the revision as gzipped JSON, base64-encoded once more inside the
Secret's data. Read to know a revision's status, age and manifest; written only to mark a pending
revision failed, as Helm itself records a failed one."""
from __future__ import annotations

import base64
import gzip
import json
from dataclasses import dataclass
from datetime import UTC, datetime

import yaml

from quikapp_charts.core.errors import UserError
from quikapp_charts.upgrade.target import Target

PENDING = ("pending-install", "pending-upgrade", "pending-rollback")


@dataclass
class Revision:
    number: int
    status: str
    updated: datetime  # when helm last wrote the revision (its start, for a pending one)
    description: str
    manifest: str
    secret: str  # the Secret's name
    payload: dict  # the whole stored revision

    @property
    def pending(self) -> bool:
        return self.status in PENDING

    def objects(self) -> list[dict]:
        return [d for d in yaml.safe_load_all(self.manifest) if isinstance(d, dict) and d.get("kind")]

    def age_seconds(self, now: datetime | None = None) -> float:
        return ((now or datetime.now(UTC)) - self.updated).total_seconds()


def parse_time(text: str) -> datetime:
    """Helm's RFC 3339 times carry nanoseconds, which datetime does not read: cut to microseconds."""
    head, _, rest = text.partition(".")
    if rest:
        digits = "".join(c for c in rest if c.isdigit())
        zone = rest[len(digits):]
        text = f"{head}.{digits[:6]}{zone}"
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def decode(data: str) -> dict:
    return json.loads(gzip.decompress(base64.b64decode(base64.b64decode(data))))


def encode(payload: dict) -> str:
    raw = gzip.compress(json.dumps(payload, separators=(",", ":")).encode(), mtime=0)
    return base64.b64encode(base64.b64encode(raw)).decode()


def revisions(target: Target) -> list[Revision]:
    """Every stored revision of the release, oldest first (empty when there is no release)."""
    secrets = target.get_json("get", "secrets", "-n", target.namespace,
                              "-l", f"owner=helm,name={target.release}")["items"]
    found = []
    for secret in secrets:
        try:
            payload = decode(secret["data"]["release"])
            info = payload.get("info") or {}
            found.append(Revision(int(payload["version"]), info.get("status", "unknown"),
                                  parse_time(info.get("last_deployed") or secret["metadata"]["creationTimestamp"]),
                                  info.get("description", ""), payload.get("manifest", ""),
                                  secret["metadata"]["name"], payload))
        except (KeyError, ValueError, OSError) as err:
            raise UserError(f"{target.where}: Secret {secret['metadata']['name']} is not a readable Helm "
                            f"revision: {err}") from None
    return sorted(found, key=lambda r: r.number)


def mark_failed(target: Target, revision: Revision, why: str) -> None:
    """Record REVISION as failed, as helm records an upgrade that failed: its status in the stored
    revision and in the Secret's label, with WHY as its description."""
    payload = dict(revision.payload)
    payload["info"] = dict(payload.get("info") or {}, status="failed", description=why)
    patch = {"metadata": {"labels": {"status": "failed"}}, "data": {"release": encode(payload)}}
    target.kubectl("patch", "secret", revision.secret, "-n", target.namespace, "--type=merge",
                   "-p", json.dumps(patch))
