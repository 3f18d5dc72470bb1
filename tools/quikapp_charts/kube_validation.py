"""Validate rendered objects against the Kubernetes JSON schemas of the target version (strict:
an unknown field is an error), with kubernetes-validate's bundled schemas; custom resources
(the Key Vault SecretProviderClass) against their CRD's schema, which tools/bootstrap.sh takes from
the driver's Go module into .cache/modules."""
from __future__ import annotations

import functools
import re

import jsonschema
import yaml
from kubernetes_validate import utils as _kv_utils
from kubernetes_validate.utils import SchemaNotFoundError, ValidationError
from referencing import Registry, Resource

from . import paths

# kubernetes-validate parses the schema files (the definitions file is megabytes) on every call;
# parsed schemas are never modified, so one parse per file serves every object.
_kv_utils.schema_contents = functools.lru_cache(maxsize=None)(_kv_utils.schema_contents)
# It also lists its schema folders twice per object to pick the version; the list never changes.
_kv_utils.all_versions = functools.lru_cache(maxsize=None)(_kv_utils.all_versions)


# API groups of the custom resources the charts render, validated against their CRDs.
CUSTOM_RESOURCE_GROUPS = ("secrets-store.csi.x-k8s.io/",)


def _strict(schema):
    """A CRD's structural schema with unknown fields refused (the API server would drop them)."""
    if isinstance(schema, dict):
        schema = {key: _strict(value) for key, value in schema.items()}
        if "properties" in schema and "additionalProperties" not in schema \
                and not schema.get("x-kubernetes-preserve-unknown-fields"):
            schema["additionalProperties"] = False
    elif isinstance(schema, list):
        schema = [_strict(item) for item in schema]
    return schema


@functools.cache
def _custom_resource_validators() -> dict[tuple[str, str], jsonschema.Validator]:
    validators = {}
    for path in paths.module_files(*paths.SECRETS_STORE_FILES):
        for doc in yaml.safe_load_all(path.read_text()):
            if not doc or doc.get("kind") != "CustomResourceDefinition":
                continue
            spec = doc["spec"]
            for version in spec["versions"]:
                schema = _strict(version["schema"]["openAPIV3Schema"])
                validators[(f"{spec['group']}/{version['name']}", spec["names"]["kind"])] = \
                    jsonschema.Draft7Validator(schema)
    return validators


@functools.cache
def _kube_validator(kube_version: str, api_version: str, kind: str) -> jsonschema.Validator:
    """The strict validator kubernetes_validate.validate builds for one kind, built once per kind:
    it builds one per object, resolving the schema's references into the definitions again each
    time (most of `validate --all`). The same schema files, version choice and errors."""
    desired = kube_version.removeprefix("v")
    if _kv_utils.major_minor(desired) > _kv_utils.latest_version():
        raise _kv_utils.VersionNotSupportedError(version=_kv_utils.major_minor(desired))
    version = [v for v in _kv_utils.all_versions()
               if _kv_utils.major_minor(v) <= _kv_utils.major_minor(desired)][-1]
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    folder = f"kubernetes-json-schema/v{version}-local-strict"
    try:
        schema = _kv_utils.schema_contents(f"{folder}/{kind.lower()}-{group_version}.json", desired)
    except FileNotFoundError:
        raise SchemaNotFoundError(version=_kv_utils.major_minor(desired), kind=kind,
                                  api_version=api_version) from None
    definitions = _kv_utils.schema_contents(f"{folder}/_definitions.json", desired)
    registry = Resource.from_contents(definitions) @ (Resource.from_contents(schema) @ Registry())
    return jsonschema.validators.Draft202012Validator(schema, registry=registry)


def problems(objects: list[dict], kube_version: str) -> list[str]:
    """One line per invalid object: `Kind/name: field path: message`."""
    found = []
    for obj in objects:
        name = f"{obj.get('kind')}/{(obj.get('metadata') or {}).get('name')}"
        try:
            if str(obj.get("apiVersion", "")).startswith(CUSTOM_RESOURCE_GROUPS):
                custom = _custom_resource_validators().get((obj["apiVersion"], obj.get("kind")))
                if custom is None:
                    found.append(f"{name}: no CRD schema for {obj['apiVersion']} {obj.get('kind')}")
                    continue
                custom.validate(obj)
            else:
                _kube_validator(kube_version, obj["apiVersion"], obj["kind"]).validate(obj)
        except (ValidationError, jsonschema.ValidationError) as exc:
            path = ".".join(str(p) for p in exc.path) or "(top)"
            found.append(f"{name}: {path}: {exc.message}")
        except SchemaNotFoundError as exc:
            found.append(f"{name}: no Kubernetes {kube_version} schema for {exc}")
    return found
