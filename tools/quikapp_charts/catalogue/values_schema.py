"""The charts' values.schema.json files, built from the library's described defaults
(values_reference.py: each key's type and description beside its default) and the service table:
closed wherever the keys are ours, service names enumerated per stack. Written by `quikapp-charts
generate` beside each chart's values.yaml; Helm applies them on template and install.

Only local `#/$defs/...` references are used (no file or remote $ref), so Argo CD and a packaged
chart need nothing else.
"""
from __future__ import annotations

import json
from pathlib import Path

from quikapp_charts.catalogue import values_reference, values_types
from quikapp_charts.catalogue.service_table import Service
from quikapp_charts.catalogue.values_types import BOOL, closed
from quikapp_charts.core import paths

SERVICE_REF = {"$ref": "#/$defs/service"}
# The keys of a stack chart's own values, described here beside their schema in stack_values.
STACK_KEYS = {
    "enabled": "Install this stack (the umbrella's dependency condition).",
    "global": "Shared values, set in the umbrella's `global` (see there).",
    "catalogue": "The chart's own layers of every service's settings; environment files never write it.",
    "catalogue.defaults": "The stack's settings of every service, over the library's defaults.",
    "catalogue.gpuDefaults": "The stack's settings of every GPU service, over `catalogue.defaults`.",
    "catalogue.services": "The stack's services by name (the services table above; generated from charts/services.md).",
    "defaults": "An environment's settings of every service of the stack, over the whole catalogue.",
    "gpuDefaults": "An environment's settings of every GPU service of the stack, over `defaults`.",
    "services": "An environment's settings of single services by name, over everything else.",
    "quikapp-lib": "Values of the library chart (none are read).",
}


def section(params: tuple[values_reference.Param, ...]) -> dict:
    """The closed schema of one section of the reference, every key with its description."""
    root = closed({})
    for param in params:
        *parents, key = param.path.split(".")
        for parent in _objects(root, parents):
            node = {"description": param.description, **values_types.schema_of(param.type)}
            if values_types.has_children(param.type):
                node["properties"] = {}
            parent["properties"][key] = node
    return root


def _objects(node: dict, path: list[str]) -> list[dict]:
    """The object nodes at PATH below NODE (`*`: each child object)."""
    if not path:
        return [node]
    head, rest = path[0], path[1:]
    children = node["properties"].values() if head == "*" else [node["properties"][head]]
    return [found for child in children for found in _objects(child, rest)]


def defs(charts: Path | None = None) -> dict:
    """The `$defs` every schema carries: a service entry and `global`."""
    reference = values_reference.load(charts)
    # Staging and live run pinned images whatever else the file says.
    pinned = {"if": {"properties": {"environment": {"enum": list(reference.pinned_environments)}},
                     "required": ["environment"]},
              "then": {"properties": {"image": {"properties": {"requirePinned": {"const": True}}}}}}
    return {"service": section(reference.params["service"]),
            "global": {**section(reference.params["global"]), "allOf": [pinned]}}


def stack_values(stack: str, services: list[Service]) -> dict:
    """The schema of one stack chart's values (also its section of the umbrella's values): the
    chart's layers under `catalogue`, the environment's beside it, each with the stack's services."""
    def described(key: str, schema: dict) -> dict:
        return {"description": STACK_KEYS[key], **schema}

    names = closed({svc.name: SERVICE_REF for svc in services if svc.stack == stack})
    layers = {"defaults": SERVICE_REF, "services": names}
    if stack == "python":
        layers["gpuDefaults"] = SERVICE_REF
    properties = {
        "enabled": BOOL,
        # The same closed schema as the umbrella's: a stack chart rendered on its own reads it too.
        "global": {"$ref": "#/$defs/global"},
        "catalogue": closed({key: described(f"catalogue.{key}", schema) for key, schema in layers.items()}),
        **layers,
        "quikapp-lib": {"type": "object"},
    }
    return closed({key: described(key, schema) for key, schema in properties.items()})


def schemas(services: list[Service], charts: Path | None = None) -> dict[str, dict]:
    """chart name -> its values.schema.json document."""
    shared = defs(charts)

    def document(title: str, body: dict) -> dict:
        return {"$schema": "http://json-schema.org/draft-07/schema#", "title": title, **body, "$defs": shared}

    out = {}
    for stack in paths.STACKS:
        out[stack] = document(f"QuikApp {stack} chart values", stack_values(stack, services))
    umbrella = {stack: {"description": f"The {stack} stack chart's values (its README lists them).",
                        **stack_values(stack, services)} for stack in paths.STACKS}
    umbrella["global"] = {"$ref": "#/$defs/global"}
    umbrella["quikapp-lib"] = {"type": "object"}
    out["quikapp"] = document("QuikApp values (values/<env>.yaml)", closed(umbrella))
    return out


def dumps(schema: dict) -> str:
    return json.dumps(schema, indent=2) + "\n"
