"""Validate rendered objects against the Kubernetes JSON schemas of the target version (strict:
an unknown field is an error), with kubernetes-validate's bundled schemas; custom resources
(the Key Vault SecretProviderClass) against their CRD's schema, which tools/bootstrap.sh takes from
the driver's Go module into .cache/modules.

Each object is checked first by jsonschema-rs against the same schema (compiled once per kind, the
definitions once per run): it accepts a valid object in microseconds. An object it does not accept
is checked again by jsonschema, whose verdict and message are the ones reported, so the errors are
jsonschema's and an object the fast check cannot take (a value that is no JSON type) is still
judged."""
from __future__ import annotations

import functools
import re

import jsonschema
import jsonschema_rs
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
def _custom_resource_validators() -> dict[tuple[str, str], tuple[jsonschema_rs.Validator, jsonschema.Validator]]:
    """(apiVersion, kind) -> (the fast check, the reporting validator) of each CRD version."""
    validators = {}
    for path in paths.module_files(*paths.SECRETS_STORE_FILES):
        for doc in yaml.safe_load_all(path.read_text()):
            if not doc or doc.get("kind") != "CustomResourceDefinition":
                continue
            spec = doc["spec"]
            for version in spec["versions"]:
                schema = _strict(version["schema"]["openAPIV3Schema"])
                validators[(f"{spec['group']}/{version['name']}", spec["names"]["kind"])] = (
                    jsonschema_rs.Draft7Validator(schema, validate_formats=False),
                    jsonschema.Draft7Validator(schema))
    return validators


def _schema_folder(kube_version: str) -> tuple[str, str]:
    """(the version as kubernetes-validate is asked for it, its strict schema folder): the newest
    schema version not newer than the target, as kubernetes_validate.validate chooses it."""
    desired = kube_version.removeprefix("v")
    if _kv_utils.major_minor(desired) > _kv_utils.latest_version():
        raise _kv_utils.VersionNotSupportedError(version=_kv_utils.major_minor(desired))
    version = [v for v in _kv_utils.all_versions()
               if _kv_utils.major_minor(v) <= _kv_utils.major_minor(desired)][-1]
    return desired, f"kubernetes-json-schema/v{version}-local-strict"


def _kind_schema(kube_version: str, api_version: str, kind: str) -> dict:
    """The strict schema of one kind; SchemaNotFoundError when the version has none."""
    desired, folder = _schema_folder(kube_version)
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    try:
        return _kv_utils.schema_contents(f"{folder}/{kind.lower()}-{group_version}.json", desired)
    except FileNotFoundError:
        raise SchemaNotFoundError(version=_kv_utils.major_minor(desired), kind=kind,
                                  api_version=api_version) from None


def _definitions(kube_version: str) -> dict:
    desired, folder = _schema_folder(kube_version)
    return _kv_utils.schema_contents(f"{folder}/_definitions.json", desired)


@functools.cache
def _kube_validator(kube_version: str, api_version: str, kind: str) -> jsonschema.Validator:
    """The strict validator kubernetes_validate.validate builds for one kind, built once per kind:
    it builds one per object, resolving the schema's references into the definitions again each
    time. The same schema files, version choice and errors."""
    schema = _kind_schema(kube_version, api_version, kind)
    registry = Resource.from_contents(_definitions(kube_version)) @ (Resource.from_contents(schema) @ Registry())
    return jsonschema.validators.Draft202012Validator(schema, registry=registry)


@functools.cache
def _definitions_registry(kube_version: str) -> jsonschema_rs.Registry:
    definitions = _definitions(kube_version)
    return jsonschema_rs.Registry([(definitions["$id"], definitions)])


@functools.cache
def _fast_kube_validator(kube_version: str, api_version: str, kind: str) -> jsonschema_rs.Validator:
    """jsonschema-rs over the schema _kube_validator uses (formats not asserted, as there)."""
    return jsonschema_rs.validator_for(_kind_schema(kube_version, api_version, kind), validate_formats=False,
                                       registry=_definitions_registry(kube_version), offline=True)


def _accepted(fast: jsonschema_rs.Validator, obj: dict) -> bool:
    """Whether the fast check accepts obj; False when it cannot read it (jsonschema judges it)."""
    try:
        return fast.is_valid(obj)
    except (ValueError, TypeError, OverflowError):
        return False


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
                fast, reporting = custom
                if not _accepted(fast, obj):
                    reporting.validate(obj)
            elif not _accepted(_fast_kube_validator(kube_version, obj["apiVersion"], obj["kind"]), obj):
                _kube_validator(kube_version, obj["apiVersion"], obj["kind"]).validate(obj)
        except (ValidationError, jsonschema.ValidationError) as exc:
            path = ".".join(str(p) for p in exc.path) or "(top)"
            found.append(f"{name}: {path}: {exc.message}")
        except SchemaNotFoundError as exc:
            found.append(f"{name}: no Kubernetes {kube_version} schema for {exc}")
    return found
