"""The umbrella chart's values.yaml, what `helm show values charts/quikapp` shows: every top-level key
a user sets (`global` and the five stacks) with its defaults, each key with its one-line description
above it (`## `), as bitnami's charts show theirs. Written by `generate` from the library's defaults
and their descriptions (values_reference.py) and the stack charts' own top-level values with theirs
(values_schema.STACK_KEYS); `generate --check` keeps it in step.

`global`'s keys but `environment` are shown commented out (`# `), at the defaults the library merges
under them: set here, they would change what renders. Helm copies the umbrella's globals over a
stack's own `global` section, and the values schema's per-environment conditions (staging and live
must pin images) would meet an explicit default instead of an absent key, which the templates'
checks word. A stack's `catalogue:` is the chart's own and is not repeated here.
"""
from __future__ import annotations

import textwrap

import yaml

from quikapp_charts.catalogue.values_reference import Param
from quikapp_charts.catalogue.values_schema import STACK_KEYS

HEADER = """\
# QuikApp umbrella chart: the values a user sets, with their defaults. values/<env>.yaml of the chart
# repository sets them per environment. Written by `quikapp-charts generate` from the library's
# defaults and their descriptions (charts/quikapp-lib/templates/_defaults.tpl): do not edit by hand.
"""
# The stack's own layers, which the umbrella's values do not repeat.
STACK_INTERNAL = ("catalogue", "global", "quikapp-lib")
# The one global key set for real, as before the file was generated: the others stay as comments.
SET_GLOBALS = ("environment",)


def _leaf(key: str, value, indent: str) -> list[str]:
    if isinstance(value, (dict, list)) and value:
        # Lists and maps of scalars in flow style, maps of maps as blocks.
        dumped = yaml.safe_dump({key: value}, default_flow_style=None, sort_keys=False, width=100, allow_unicode=True)
        return [indent + line for line in dumped.splitlines()]
    # A scalar or an empty collection, as an item of a flow list: no document end marker.
    shown = yaml.safe_dump([value], default_flow_style=True, allow_unicode=True).strip()[1:-1]
    return [f"{indent}{key}: {shown}"]


def lookup(table: dict[str, str], path: str) -> str | None:
    """The description of a dotted path; `*` in a table key stands for one path segment."""
    if path in table:
        return table[path]
    parts = path.split(".")
    for key, text in table.items():
        pattern = key.split(".")
        if len(pattern) == len(parts) and all(p in ("*", part) for p, part in zip(pattern, parts, strict=True)):
            return text
    return None


def _lines(mapping: dict, table: dict[str, str], prefix: str = "", indent: str = "") -> list[str]:
    """mapping as YAML, each key with a description in table preceded by it as a comment; a map is
    opened key by key when its keys have descriptions of their own."""
    lines = []
    for key, value in mapping.items():
        path = f"{prefix}{key}"
        text = lookup(table, path)
        if text:  # wrapped to the charts' line length (yamllint in ct lint)
            lines += [f"{indent}## {piece}" for piece in textwrap.wrap(text, 110 - len(indent))]
        described = isinstance(value, dict) and any(lookup(table, f"{path}.{sub}") for sub in value)
        if described:
            lines.append(f"{indent}{key}:")
            lines += _lines(value, table, f"{path}.", indent + "  ")
        else:
            lines += _leaf(key, value, indent)
    return lines


def text(global_defaults: dict, global_params: tuple[Param, ...], stack_values: dict[str, dict]) -> str:
    """The umbrella's values.yaml: global_defaults (the library's `global`) described by global_params
    and, per stack, the top-level values of the stack chart besides its own layers (stack_values:
    stack -> its values.yaml)."""
    described = {param.path: param.description for param in global_params}
    lines = [HEADER.rstrip("\n"), "", "## Shared by every stack chart (Helm's global values); the keys",
             "## commented out show the defaults the library applies.", "global:"]
    for key, value in global_defaults.items():
        key_lines = _lines({key: value}, described)
        heading = len(key_lines) - len([line for line in key_lines if not line.startswith("## ")])
        lines += [f"  {line}" for line in key_lines[:heading]]
        lines += [f"  {line}" if key in SET_GLOBALS else f"  # {line}" for line in key_lines[heading:]]
    for stack, values in stack_values.items():
        settable = {key: value for key, value in values.items() if key not in STACK_INTERNAL}
        lines += ["", f"## The {stack} stack chart's values (its README lists a service's settings).", f"{stack}:"]
        lines += _lines(settable, STACK_KEYS, indent="  ")
    return "\n".join(lines) + "\n"
