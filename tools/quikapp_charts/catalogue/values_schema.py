"""The charts' values.schema.json files, built from one description of the values and the service
table: closed wherever the keys are ours, service names enumerated per stack. Written by
`quikapp-charts generate` beside each chart's values.yaml; Helm applies them on template and install.

Only local `#/$defs/...` references are used (no file or remote $ref), so Argo CD and a packaged
chart need nothing else.
"""
from __future__ import annotations

import json

from quikapp_charts.catalogue import values_docs
from quikapp_charts.catalogue.service_table import Service
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
# global.environment of the environments whose images must be pinned (live calls itself production).
PINNED_ENVIRONMENTS = ("staging", "production", "live")


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
SECCOMP = closed({"type": {"enum": ["RuntimeDefault", "Localhost"]},
                  "localhostProfile": string(r"^[A-Za-z0-9._/-]+$")}, required=["type"])
# Pod Security "restricted", and nothing a values file could use to loosen it: no privileged mode,
# no privilege escalation, no added capability, no root, no host namespaces or paths (the service
# schema has no key for either), no sysctls.
POD_SECURITY_CONTEXT = closed({
    "runAsNonRoot": {"const": True},
    "runAsUser": NON_ROOT_ID,
    "runAsGroup": NON_ROOT_ID,
    "fsGroup": NON_ROOT_ID,
    "supplementalGroups": {"type": "array", "items": NON_ROOT_ID},
    "fsGroupChangePolicy": {"enum": ["OnRootMismatch", "Always"]},
    "seccompProfile": SECCOMP,
})
SECURITY_CONTEXT = closed({
    "allowPrivilegeEscalation": {"const": False},
    "privileged": {"const": False},
    "readOnlyRootFilesystem": {"const": True},
    "runAsNonRoot": {"const": True},
    "runAsUser": NON_ROOT_ID,
    "runAsGroup": NON_ROOT_ID,
    "capabilities": closed({
        "drop": {"type": "array", "items": string(r"^[A-Z_]+$"), "contains": {"const": "ALL"}},
        "add": {"type": "array", "maxItems": 0},
    }, required=["drop"]),
    "seccompProfile": SECCOMP,
})
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
# Pods outside the namespace that a policy admits: their namespace and their labels (the library's
# defaults name both; a values file can add labels, never remove them).
OUTSIDE_PEER = closed({"namespace": DNS_NAME, "podLabels": NODE_SELECTOR})

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

PROBE = closed({
    "path": string(HTTP_PATH),
    "port": PORT_NAME_STRING,
    "initialDelaySeconds": integer(0, 3600),
    "periodSeconds": integer(1, 3600),
    "timeoutSeconds": integer(1, 3600),
    "failureThreshold": integer(1, 100),
    "successThreshold": integer(1, 100),
})

SERVICE = closed({
    "enabled": BOOL,
    "tier": DNS_NAME,
    "image": closed({
        "registry": string(r"^[a-z0-9.-]*(:[0-9]+)?(/[a-z0-9._-]+)*$"),
        "repository": string(r"^([a-z0-9._-]+/)*[a-z0-9._-]*$"),
        "tag": {"oneOf": [IMAGE_TAG_STRING, {"const": ""}]},
        "digest": {"oneOf": [string(DIGEST), {"const": ""}]},
        "pullPolicy": {"enum": ["Always", "IfNotPresent", "Never"]},
    }),
    "ports": map_of(PORT, PORT_NAME),
    "servicePorts": {"type": "array", "items": PORT_NAME_STRING, "uniqueItems": True},
    "replicas": integer(0, 1000),
    "autoscaling": closed({
        "enabled": BOOL,
        "maxReplicas": integer(1, 1000),
        "cpuUtilization": UTILIZATION,
        "memoryUtilization": UTILIZATION,
        "podsMetrics": map_of(QUANTITY_VALUE, r"^[a-z_][a-z0-9_]*$"),
    }),
    "pdb": closed({
        "enabled": BOOL,
        "minAvailable": {"oneOf": [INT_OR_PERCENT, {"type": "null"}]},
        "maxUnavailable": INT_OR_PERCENT,
    }),
    "env": map_of(ENV_SOURCE, ENV_NAME),
    "resources": closed({"requests": RESOURCE_MAP, "limits": RESOURCE_MAP}),
    "probes": closed({"liveness": PROBE, "readiness": PROBE}),
    "metrics": closed({"enabled": BOOL, "port": PORT_NAME_STRING, "path": string(HTTP_PATH)}),
    "antiAffinity": {"enum": ["preferred", "required"]},
    "clustering": closed({
        "enabled": BOOL,
        "headlessPorts": {"type": "array", "items": PORT_NAME_STRING, "uniqueItems": True},
    }),
    "ingress": closed({
        "enabled": BOOL,
        "className": DNS_NAME,
        "host": {"oneOf": [string(HOSTNAME), {"const": ""}]},
        "path": string(HTTP_PATH),
        "pathType": {"enum": ["Prefix", "Exact", "ImplementationSpecific"]},
        "tlsSecret": {"oneOf": [DNS_NAME, {"const": ""}]},
        "websocket": BOOL,
        "websocketTimeoutSeconds": integer(1, 86400),
        "annotations": map_of({"type": ["string", "number", "boolean"]}, LABEL_KEY),
    }),
    "gpu": closed({
        "enabled": BOOL,
        "count": integer(0, 16),
        "nodeSelector": NODE_SELECTOR,
        "tolerations": TOLERATIONS,
    }),
    "modelStorage": closed({
        "enabled": BOOL,
        "claimName": {"oneOf": [DNS_NAME, {"const": ""}]},
        "mountPath": string(MOUNT_PATH),
        "size": string(QUANTITY),
        "storageClassName": {"oneOf": [DNS_NAME, {"const": ""}]},
        "accessModes": {"type": "array", "minItems": 1, "items": {
            "enum": ["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"]}},
    }),
    "keyVault": closed({"enabled": BOOL, "secretProviderClass": DNS_NAME, "mountPath": string(MOUNT_PATH)}),
    "callers": {"type": "array", "items": DNS_NAME, "uniqueItems": True},
    "egress": closed({
        "internet": BOOL,
        "dataStores": {"type": "array", "items": DNS_NAME, "uniqueItems": True},
    }),
    "writablePaths": map_of(string(MOUNT_PATH), DNS_LABEL),
    "podSecurityContext": POD_SECURITY_CONTEXT,
    "securityContext": SECURITY_CONTEXT,
    "terminationGracePeriodSeconds": integer(0, 3600),
    "ephemeralStorage": closed({"request": string(QUANTITY), "limit": string(QUANTITY),
                                "sizeLimit": string(QUANTITY)}),
    "podAnnotations": map_of({"type": "string"}, LABEL_KEY),
    "nodeSelector": NODE_SELECTOR,
    "tolerations": TOLERATIONS,
})

GLOBAL = closed({
    "environment": DNS_NAME,
    "namespace": DNS_NAME,
    "stacks": {"type": "array", "items": {"enum": list(paths.STACKS)}, "uniqueItems": True},
    "image": closed({
        "registry": string(r"^[a-z0-9.-]+(:[0-9]+)?(/[a-z0-9._-]+)*$"),
        "tag": IMAGE_TAG_STRING,
        "requirePinned": BOOL,
        "mutableTags": {"type": "array", "items": IMAGE_TAG_STRING},
    }),
    "replicaOverride": integer(0, 100),
    "zoneSpread": BOOL,
    "requireExplicitResources": BOOL,
    "secretName": DNS_NAME,
    "keyVault": closed({
        "create": BOOL,
        "className": DNS_NAME,
        "vaultName": string(r"^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$"),
        "tenantId": {"oneOf": [string(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"), {"const": ""}]},
        "clientId": {"oneOf": [string(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"), {"const": ""}]},
    }),
    "configMapName": DNS_NAME,
    "serviceAccountName": DNS_NAME,
    "config": {
        "type": "object",
        "properties": {
            "LOG_LEVEL": {"enum": ["debug", "info", "warn", "error"]},
            "KAFKA_BROKERS": {"oneOf": [string(BROKERS), {"const": ""}]},
            # quikapp-config's ENVIRONMENT comes from global.environment, never from here.
            "ENVIRONMENT": {"not": {}},
        },
        "patternProperties": {r"^[-._a-zA-Z0-9]+$": {"type": ["string", "number", "boolean"]}},
        "additionalProperties": False,
    },
    "resourceQuota": map_of(QUANTITY_VALUE, r"^(requests\.|limits\.)?[a-z0-9.-]+(/[a-z0-9-]+)?$"),
    "networkPolicy": closed({
        "enabled": BOOL,
        "dnsNamespace": DNS_NAME,
        "ingressController": OUTSIDE_PEER,
        "prometheus": OUTSIDE_PEER,
        "gatewayPort": PORT,
        "dataStores": map_of(closed({
            "namespace": DNS_NAME,
            "cidrs": {"type": "array", "items": string(CIDR), "uniqueItems": True},
            "ports": {"type": "array", "items": PORT, "uniqueItems": True, "minItems": 1},
        }), DNS_LABEL),
        "internet": closed({"except": {"type": "array", "items": string(CIDR), "uniqueItems": True}}),
    }),
    "smokeTest": closed({
        "postSync": BOOL,
        "image": string(r"^[a-z0-9./:@_-]+$"),
        "timeoutSeconds": integer(1, 300),
        "resources": closed({"requests": RESOURCE_MAP, "limits": RESOURCE_MAP}),
    }),
}, allOf=[{
    # Staging and live run pinned images whatever else the file says.
    "if": {"properties": {"environment": {"enum": list(PINNED_ENVIRONMENTS)}}, "required": ["environment"]},
    "then": {"properties": {"image": {"properties": {"requirePinned": {"const": True}}}}},
}])

DEFS = {"service": values_docs.describe_service(SERVICE), "global": values_docs.describe_global(GLOBAL)}
SERVICE_REF = {"$ref": "#/$defs/service"}


def stack_values(stack: str, services: list[Service]) -> dict:
    """The schema of one stack chart's values (also its section of the umbrella's values): the
    chart's layers under `catalogue`, the environment's beside it, each with the stack's services."""
    names = {
        "type": "object",
        "additionalProperties": False,
        "properties": {svc.name: SERVICE_REF for svc in services if svc.stack == stack},
    }
    layers = {"defaults": SERVICE_REF, "services": names}
    if stack == "python":
        layers["gpuDefaults"] = SERVICE_REF
    properties = {
        "enabled": BOOL,
        # The same closed schema as the umbrella's: a stack chart rendered on its own reads it too.
        "global": {"$ref": "#/$defs/global"},
        "catalogue": closed(dict(layers)),
        **layers,
        "quikapp-lib": {"type": "object"},
    }
    return values_docs.describe_stack(closed(properties))


def _document(title: str, body: dict) -> dict:
    return {"$schema": "http://json-schema.org/draft-07/schema#", "title": title, **body, "$defs": DEFS}


def schemas(services: list[Service]) -> dict[str, dict]:
    """chart name -> its values.schema.json document."""
    out = {}
    for stack in paths.STACKS:
        out[stack] = _document(f"QuikApp {stack} chart values", stack_values(stack, services))
    umbrella = {stack: {"description": f"The {stack} stack chart's values (its README lists them).",
                        **stack_values(stack, services)} for stack in paths.STACKS}
    umbrella["global"] = {"$ref": "#/$defs/global"}
    umbrella["quikapp-lib"] = {"type": "object"}
    out["quikapp"] = _document("QuikApp values (values/<env>.yaml)", closed(umbrella))
    return out


def dumps(schema: dict) -> str:
    return json.dumps(schema, indent=2) + "\n"
