"""The schema of every TYPE an `## @param PATH TYPE DESCRIPTION` line may name (values_reference.py):

    NAME                    a type of TYPES below (dns-name, port, env-map ...)
    integer[MIN,MAX]        an integer in that range
    enum[A,B,...]           one of these strings
    const:JSON              exactly this value (true, false, ...)
    list[TYPE], set[TYPE]   an array of TYPE (set: each item once)
    object                  a closed object: its keys are the @param lines under it
    object[required:A,B]    the same, with these keys required
    TYPE?                   TYPE or the empty string (unset: a default applies)
    TYPE|null               TYPE or null

Strings that reach a manifest (names, keys, paths, hosts) are printable ASCII of a known set, so no
newline, control character, quote or `$(` can turn a value into YAML or a command.
"""
from __future__ import annotations

import json
import re

from quikapp_charts.core import paths

DNS_LABEL = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"  # at most 63 characters (a map key; DNS_NAME below)
QUANTITY = r"^[0-9]+(\.[0-9]+)?(m|k|Ki|Mi|Gi|Ti|M|G|T)?$"
ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
PORT_NAME = r"^[a-z]([-a-z0-9]{0,13}[a-z0-9])?$"
DIGEST = r"^sha256:[a-f0-9]{64}$"
HOSTNAME = r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}$"
BROKERS = r"^([a-z0-9.-]+:[0-9]{1,5})(,[a-z0-9.-]+:[0-9]{1,5})*$"
# Strings that reach a manifest as names, keys, paths or hosts: printable ASCII of a known set, so
# no newline, control character, quote or `$(` can turn a value into YAML or a command.
HTTP_PATH = r"^/[A-Za-z0-9._~%/+=@:,-]*$"
MOUNT_PATH = r"^(/[A-Za-z0-9_][A-Za-z0-9._-]*)+$"  # absolute, no `..`, never `/` itself
QUALIFIED_NAME = (r"([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
                  r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?")
LABEL_KEY = f"^{QUALIFIED_NAME}$"  # also annotation keys
CIDR = r"^([0-9]{1,3}\.){3}[0-9]{1,3}/([0-9]|[12][0-9]|3[0-2])$"


def closed(properties: dict, **extra) -> dict:
    return {"type": "object", "additionalProperties": False, "properties": properties, **extra}


def map_of(value: dict, key_pattern: str | None = None) -> dict:
    """A map of any keys (or keys matching key_pattern) to value. patternProperties rather than
    propertyNames: Helm reports a refused key there as `additional properties 'x' not allowed` at
    the map's own path."""
    if key_pattern is None:
        return {"type": "object", "additionalProperties": value}
    return {"type": "object", "patternProperties": {key_pattern: value}, "additionalProperties": False}


def string(pattern: str | None = None, **extra) -> dict:
    return {"type": "string", **({"pattern": pattern} if pattern else {}), **extra}


# Helm compiles the values schema on every render, and Go's regexp compiles a repetition count such
# as {0,61} into that many copies of its character class: most of the schema's cost. A string is
# therefore bounded by maxLength and its pattern repeats with `*` (as strict, and a name too long
# is told its limit); a map key, which maxLength cannot bound, keeps the counted pattern above.
DNS_NAME = string(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", maxLength=63)
LABEL_VALUE_STRING = string(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$", maxLength=63)
IMAGE_TAG_STRING = string(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$", maxLength=128)
PORT_NAME_STRING = string(r"^[a-z]([-a-z0-9]*[a-z0-9])?$", maxLength=15)


def integer(minimum: int, maximum: int) -> dict:
    return {"type": "integer", "minimum": minimum, "maximum": maximum}


BOOL = {"type": "boolean"}
PORT = integer(1, 65535)
QUANTITY_VALUE = {"oneOf": [string(QUANTITY), {"type": "integer", "minimum": 0}]}
INT_OR_PERCENT = {"oneOf": [{"type": "integer", "minimum": 0}, string(r"^[0-9]{1,3}%$")]}
UTILIZATION = {"oneOf": [integer(1, 100), {"const": False}]}
RESOURCE_MAP = map_of(QUANTITY_VALUE, r"^([a-z0-9.-]+/)?[a-z0-9-]+$")
NON_ROOT_ID = integer(1, 2147483647)
# A toleration names its taint: an empty key with `Exists` would tolerate every taint of every node.
TOLERATION = closed({
    "key": string(LABEL_KEY),
    "operator": {"enum": ["Exists", "Equal"]},
    "value": LABEL_VALUE_STRING,
    "effect": {"enum": ["NoSchedule", "PreferNoSchedule", "NoExecute"]},
    "tolerationSeconds": integer(0, 86400),
}, required=["key"])
TOLERATIONS = {"type": "array", "items": TOLERATION}
NODE_SELECTOR = map_of(LABEL_VALUE_STRING, LABEL_KEY)

ENV_SOURCE = {
    "oneOf": [
        {"type": ["string", "number", "boolean"]},
        closed({"secret": string(ENV_NAME.replace("A-Za-z_", "A-Za-z0-9_.-")), "name": DNS_NAME},
               required=["secret"]),
        closed({"config": string(r"^[-._a-zA-Z0-9]+$"), "name": DNS_NAME}, required=["config"]),
        closed({"field": string(r"^(metadata|spec|status)\.[A-Za-z.]+$")}, required=["field"]),
        closed({"value": {"type": ["string", "number", "boolean"]}}, required=["value"]),
        closed({"unset": {"const": True}}, required=["unset"]),
    ]
}


def _scalar_map(key_pattern: str) -> dict:
    return map_of({"type": ["string", "number", "boolean"]}, key_pattern)


TYPES = {
    "boolean": BOOL,
    "dns-name": DNS_NAME,
    "port": PORT,
    "port-name": PORT_NAME_STRING,
    "ports": map_of(PORT, PORT_NAME),
    "image-tag": IMAGE_TAG_STRING,
    "digest": string(DIGEST),
    "registry": string(r"^[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._-]+)*$"),
    "registry-or-empty": string(r"^[a-z0-9.-]*(:[0-9]+)?(/[a-z0-9._-]+)*$"),
    "repository": string(r"^([a-z0-9._-]+/)*[a-z0-9._-]*$"),
    "label-value": LABEL_VALUE_STRING,
    "quantity": QUANTITY_VALUE,
    "quantity-string": string(QUANTITY),
    "int-or-percent": INT_OR_PERCENT,
    "utilization": UTILIZATION,
    "resource-map": RESOURCE_MAP,
    "resource-quota": map_of(QUANTITY_VALUE, r"^(requests\.|limits\.)?[a-z0-9.-]+(/[a-z0-9-]+)?$"),
    "pods-metrics": map_of(QUANTITY_VALUE, r"^[a-z_][a-z0-9_]*$"),
    "non-root-id": NON_ROOT_ID,
    "node-selector": NODE_SELECTOR,
    "tolerations": TOLERATIONS,
    "env-map": map_of(ENV_SOURCE, ENV_NAME),
    "http-path": string(HTTP_PATH),
    "mount-path": string(MOUNT_PATH),
    "writable-paths": map_of(string(MOUNT_PATH), DNS_LABEL),
    "hostname": string(HOSTNAME),
    "cidr": string(CIDR),
    "brokers": string(BROKERS),
    "annotations": _scalar_map(LABEL_KEY),
    "pod-annotations": map_of({"type": "string"}, LABEL_KEY),
    "access-modes": {"type": "array", "minItems": 1, "items": {
        "enum": ["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"]}},
    "seccomp-file": string(r"^[A-Za-z0-9._/-]+$"),
    "capabilities-drop": {"type": "array", "items": string(r"^[A-Z_]+$"), "contains": {"const": "ALL"}},
    "no-items": {"type": "array", "maxItems": 0},
    "stack-names": {"type": "array", "items": {"enum": list(paths.STACKS)}, "uniqueItems": True},
    "vault-name": string(r"^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$"),
    "uuid": string(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"),
    "config-entries": {"type": "object", "patternProperties": {r"^[-._a-zA-Z0-9]+$": {"type": ["string", "number", "boolean"]}},
                       "additionalProperties": False},
    "never": {"not": {}},
    "data-stores": map_of(closed({
        "namespace": DNS_NAME,
        "cidrs": {"type": "array", "items": string(CIDR), "uniqueItems": True},
        "ports": {"type": "array", "items": PORT, "uniqueItems": True, "minItems": 1},
    }), DNS_LABEL),
    "smoke-test-image": string(r"^[a-z0-9./:@_-]+$"),
}
_RANGE = re.compile(r"^integer\[(-?\d+),(-?\d+)\]$")
_WRAPPED = re.compile(r"^(list|set|enum)\[(.+)\]$")
_OBJECT = re.compile(r"^object(\[required:([\w,-]+)\])?$")


def schema_of(expression: str) -> dict:
    """The JSON schema of a TYPE expression; ValueError naming what is wrong."""
    if expression.endswith("?"):
        return {"oneOf": [schema_of(expression[:-1]), {"const": ""}]}
    if expression.endswith("|null"):
        return {"oneOf": [schema_of(expression[:-5]), {"type": "null"}]}
    if expression.startswith("const:"):
        try:
            return {"const": json.loads(expression[6:])}
        except ValueError:
            raise ValueError(f"const:{expression[6:]} is not a JSON value") from None
    if match := _RANGE.match(expression):
        return integer(int(match[1]), int(match[2]))
    if match := _OBJECT.match(expression):
        return closed({}, **({"required": match[2].split(",")} if match[2] else {}))
    if match := _WRAPPED.match(expression):
        kind, inner = match[1], match[2]
        if kind == "enum":
            return {"enum": inner.split(",")}
        return {"type": "array", "items": schema_of(inner), **({"uniqueItems": True} if kind == "set" else {})}
    if expression not in TYPES:
        raise ValueError(f"unknown type '{expression}' (known: {', '.join(sorted(TYPES))}, "
                         "integer[A,B], enum[...], const:JSON, list[T], set[T], object, T?, T|null)")
    return TYPES[expression]


def has_children(expression: str) -> bool:
    """Whether keys of this type are described one by one (@param lines under it)."""
    return bool(_OBJECT.match(expression)) or expression == "config-entries"
