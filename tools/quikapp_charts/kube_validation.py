"""Validate rendered objects against the Kubernetes JSON schemas of the target version (strict:
an unknown field is an error), with kubernetes-validate's bundled schemas."""
from __future__ import annotations

import functools

import kubernetes_validate
from kubernetes_validate import utils as _kv_utils
from kubernetes_validate.utils import SchemaNotFoundError, ValidationError

# kubernetes-validate parses the schema files (the definitions file is megabytes) on every call;
# parsed schemas are never modified, so one parse per file serves every object.
_kv_utils.schema_contents = functools.lru_cache(maxsize=None)(_kv_utils.schema_contents)


def problems(objects: list[dict], kube_version: str) -> list[str]:
    """One line per invalid object: `Kind/name: field path: message`."""
    found = []
    for obj in objects:
        name = f"{obj.get('kind')}/{(obj.get('metadata') or {}).get('name')}"
        try:
            kubernetes_validate.validate(obj, kube_version, strict=True)
        except ValidationError as exc:
            path = ".".join(str(p) for p in exc.path) or "(top)"
            found.append(f"{name}: {path}: {exc.message}")
        except SchemaNotFoundError as exc:
            found.append(f"{name}: no Kubernetes {kube_version} schema for {exc}")
    return found
