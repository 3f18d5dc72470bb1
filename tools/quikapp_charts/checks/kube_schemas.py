"""Validate rendered objects against the Kubernetes JSON schemas of the target version (strict:
an unknown field is an error), with kubernetes-validate's bundled schemas; custom resources
(the Key Vault SecretProviderClass) against their CRD's schema, which tools/bootstrap.sh takes from
the driver's Go module into .cache/modules.

Each object is checked first by jsonschema-rs against the schema of its kind (compiled once per
kind, the definitions once per run): it accepts a valid object in microseconds. An object it does
not accept is checked again by jsonschema, as kubernetes_validate.validate checks it, whose verdict
and message are the ones reported: the errors are jsonschema's, and an object the fast check cannot
take (a value that is no JSON type) is still judged. jsonschema is imported only then.
"""
from __future__ import annotations

import functools
import importlib.util
import json
import re
from pathlib import Path

import jsonschema_rs
import yaml

from quikapp_charts.core import paths
from quikapp_charts.core.errors import UserError
from quikapp_charts.core.yaml_loader import SAFE_LOADER

# API groups of the custom resources the charts render, validated against their CRDs.
CUSTOM_RESOURCE_GROUPS = ("secrets-store.csi.x-k8s.io/",)


class _NoSchema(Exception):
    """The schema version has no schema for the object's apiVersion and kind."""


def _numbers(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version))


@functools.cache
def schema_folder(kube_version: str) -> Path:
    """kubernetes-validate's strict schemas for a Kubernetes version, as kubernetes_validate.validate
    chooses them: of the newest schema version whose major.minor is not newer than the target's
    (found without importing the package, which imports jsonschema)."""
    spec = importlib.util.find_spec("kubernetes_validate")
    root = Path(next(iter(spec.submodule_search_locations))) / "kubernetes-json-schema"
    versions = sorted({match[1] for entry in root.iterdir() if (match := re.match(r"^v([^-]*)", entry.name))},
                      key=_numbers)
    target = _numbers(kube_version)[:2]
    usable = [v for v in versions if _numbers(v)[:2] <= target]
    if target > _numbers(versions[-1])[:2] or not usable:
        raise UserError(f"Kubernetes {kube_version}: kubernetes-validate has schemas for "
                        f"{versions[0]} to {versions[-1]}; pin a version it knows")
    return root / f"v{usable[-1]}-local-strict"


@functools.cache
def _schema(kube_version: str, name: str) -> dict:
    """A schema file of the version, parsed once (never modified)."""
    path = schema_folder(kube_version) / name
    try:
        return json.loads(path.read_bytes())
    except FileNotFoundError:
        raise _NoSchema from None


def _kind_schema(kube_version: str, api_version: str, kind: str) -> dict:
    if not (isinstance(api_version, str) and isinstance(kind, str)):
        raise _NoSchema
    # As kubernetes-validate names the files: the API group's first label, e.g. apps-v1, rbac-v1.
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    return _schema(kube_version, f"{kind.lower()}-{group_version}.json")


@functools.cache
def _fast_kube_validator(kube_version: str, api_version: str, kind: str) -> jsonschema_rs.Validator:
    """jsonschema-rs over the kind's schema, its references into the definitions (formats not
    asserted, as jsonschema does not by default)."""
    return jsonschema_rs.validator_for(_kind_schema(kube_version, api_version, kind), validate_formats=False,
                                       registry=_definitions_registry(kube_version), offline=True)


@functools.cache
def _definitions_registry(kube_version: str) -> jsonschema_rs.Registry:
    definitions = _schema(kube_version, "_definitions.json")
    return jsonschema_rs.Registry([(definitions["$id"], definitions)])


@functools.cache
def _kube_validator(kube_version: str, api_version: str, kind: str):
    """The strict jsonschema validator kubernetes_validate.validate builds for one kind (it builds
    one per object): the kind's schema beside the definitions it refers to."""
    import jsonschema
    from referencing import Registry, Resource

    schema = _kind_schema(kube_version, api_version, kind)
    definitions = _schema(kube_version, "_definitions.json")
    registry = Resource.from_contents(definitions) @ (Resource.from_contents(schema) @ Registry())
    return jsonschema.validators.Draft202012Validator(schema, registry=registry)


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
def _custom_resource_schemas() -> dict[tuple[str, str], dict]:
    """(apiVersion, kind) -> the strict schema of each CRD version."""
    schemas = {}
    for path in paths.module_files(*paths.SECRETS_STORE_FILES):
        for doc in yaml.load_all(path.read_text(), Loader=SAFE_LOADER):
            if not doc or doc.get("kind") != "CustomResourceDefinition":
                continue
            spec = doc["spec"]
            for version in spec["versions"]:
                schemas[(f"{spec['group']}/{version['name']}", spec["names"]["kind"])] = \
                    _strict(version["schema"]["openAPIV3Schema"])
    return schemas


@functools.cache
def _fast_custom_validator(api_version: str, kind: str) -> jsonschema_rs.Validator:
    return jsonschema_rs.Draft7Validator(_custom_resource_schemas()[(api_version, kind)], validate_formats=False)


@functools.cache
def _custom_validator(api_version: str, kind: str):
    import jsonschema

    return jsonschema.Draft7Validator(_custom_resource_schemas()[(api_version, kind)])


def _accepted(fast: jsonschema_rs.Validator, obj: dict) -> bool:
    """Whether the fast check accepts obj; False when it cannot read it (jsonschema judges it)."""
    try:
        return fast.is_valid(obj)
    except (ValueError, TypeError, OverflowError):
        return False


def _error(validator, obj: dict) -> str | None:
    """jsonschema's verdict: `field path: message`, or None when it accepts obj."""
    import jsonschema

    try:
        validator.validate(obj)
    except jsonschema.ValidationError as exc:
        return f"{'.'.join(str(p) for p in exc.path) or '(top)'}: {exc.message}"
    return None


def problems(objects: list[dict], kube_version: str) -> list[str]:
    """One line per invalid object: `Kind/name: field path: message`."""
    found = []
    for obj in objects:
        name = f"{obj.get('kind')}/{(obj.get('metadata') or {}).get('name')}"
        api_version, kind = obj.get("apiVersion"), obj.get("kind")
        if str(api_version or "").startswith(CUSTOM_RESOURCE_GROUPS):
            if (api_version, kind) not in _custom_resource_schemas():
                found.append(f"{name}: no CRD schema for {api_version} {kind}")
                continue
            fast, reporting = _fast_custom_validator, _custom_validator
        else:
            fast, reporting = functools.partial(_fast_kube_validator, kube_version), \
                functools.partial(_kube_validator, kube_version)
        try:
            if _accepted(fast(api_version, kind), obj):
                continue
        except _NoSchema:
            found.append(f"{name}: no Kubernetes {kube_version} schema for {api_version} {kind}")
            continue
        error = _error(reporting(api_version, kind), obj)
        if error is not None:
            found.append(f"{name}: {error}")
    return found
