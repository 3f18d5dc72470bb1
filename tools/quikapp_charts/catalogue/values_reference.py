"""The one description of every values key of a service entry and of `global`: the library's
defaults (charts/quikapp-lib/templates/_defaults.tpl), where each key stands under a line

    ## @param PATH TYPE DESCRIPTION

PATH is the key's dotted path inside the define (`*` stands for every child of the object before
it), TYPE names its schema (catalogue/values_types.py), DESCRIPTION is one line for the schema and
the README tables. A key with no default (a setting only values files write) has its @param line
alone. Helm reads the same text as the defaults (the @param lines are YAML comments), and
`quikapp-charts generate` builds the values schemas and the README tables from it, so a key's
default, type and description stand together in one place.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from quikapp_charts.catalogue import values_types
from quikapp_charts.core import paths
from quikapp_charts.core.errors import UserError
from quikapp_charts.core.yaml_loader import SAFE_LOADER

# The defines of _defaults.tpl and the section of the values each describes.
SECTIONS = {"quikapp.defaults.service": "service", "quikapp.defaults.global": "global"}
# The environments whose images the template checks and the schema require pinned.
PINNED = "quikapp.defaults.pinnedEnvironments"
DEFINE = re.compile(r'\{\{-? define "(?P<name>[^"]+)" -?\}\}\n(?P<body>.*?)\n\{\{-? end -?\}\}', re.DOTALL)
PARAM = re.compile(r"^\s*## @param (?P<path>\S+) (?P<type>\S+) (?P<text>\S.*)$")


@dataclass(frozen=True)
class Param:
    path: str
    type: str
    description: str
    line: int


@dataclass(frozen=True)
class Reference:
    """Per section ("service", "global"): the defaults, and the keys in the order they stand; and
    the environments that must run pinned images."""

    defaults: dict[str, dict]
    params: dict[str, tuple[Param, ...]]
    pinned_environments: tuple[str, ...]


def source(charts: Path | None = None) -> Path:
    return (charts or paths.CHARTS) / "quikapp-lib" / "templates" / "_defaults.tpl"


def load(charts: Path | None = None) -> Reference:
    """The reference of the charts' library (the repository's by default)."""
    path = source(charts)
    try:
        text = path.read_text()
    except OSError as exc:
        raise UserError(f"{paths.shown(path)}: cannot read the library's defaults ({exc.strerror})") from None
    return _parse(paths.shown(path), text)


@functools.cache
def _parse(shown: str, text: str) -> Reference:
    defaults, params, pinned = {}, {}, None
    for match in DEFINE.finditer(text):
        if match["name"] == PINNED:
            pinned = tuple(yaml.load(match["body"], Loader=SAFE_LOADER) or ())
        section = SECTIONS.get(match["name"])
        if section is None:
            continue
        if "{{" in match["body"]:
            raise UserError(f"{shown}: {match['name']} must stay plain YAML (the schemas and READMEs read it)")
        first_line = text.count("\n", 0, match.start("body")) + 1
        defaults[section] = yaml.load(match["body"], Loader=SAFE_LOADER) or {}
        params[section] = _params(shown, match["body"], first_line)
        _check(shown, section, defaults[section], params[section])
    if set(defaults) != set(SECTIONS.values()) or pinned is None:
        raise UserError(f"{shown}: {', '.join([*SECTIONS, PINNED])} not found")
    return Reference(defaults, params, pinned)


def _params(shown: str, body: str, first_line: int) -> tuple[Param, ...]:
    found, seen = [], {}
    for number, line in enumerate(body.split("\n"), first_line):
        if "@param" not in line:
            continue
        match = PARAM.match(line)
        if match is None:
            raise UserError(f"{shown}:{number}: an @param line is `## @param PATH TYPE DESCRIPTION`")
        if match["path"] in seen:
            raise UserError(f"{shown}:{number}: {match['path']} is described twice (first on line {seen[match['path']]})")
        try:
            values_types.schema_of(match["type"])
        except ValueError as exc:
            raise UserError(f"{shown}:{number}: {match['path']}: {exc}") from None
        seen[match["path"]] = number
        found.append(Param(match["path"], match["type"], match["text"].strip(), number))
    return tuple(found)


def _check(shown: str, section: str, defaults: dict, params: tuple[Param, ...]) -> None:
    """Every key with a default is described, and every described key's parent is an object."""
    described = {p.path: p for p in params}
    for param in params:
        parent = param.path.rpartition(".")[0]
        if parent and not _is_object(described, parent):
            raise UserError(f"{shown}:{param.line}: {param.path}: {parent} is not described as an object")
    for path in _default_paths(defaults, described):
        if path not in described and _generalised(path) not in described:
            raise UserError(f"{shown}: {section} key {path} has a default but no `## @param` line")


def _is_object(described: dict[str, Param], path: str) -> bool:
    if path.endswith(".*"):
        return _is_object(described, path[:-2])
    param = described.get(path) or described.get(_generalised(path))
    return param is not None and values_types.has_children(param.type)


def _generalised(path: str) -> str:
    """PATH with its second-last segment as `*` (probes.liveness.path -> probes.*.path)."""
    parts = path.split(".")
    return ".".join([*parts[:-2], "*", parts[-1]]) if len(parts) > 2 else path


def _default_paths(defaults: dict, described: dict[str, Param], prefix: str = "") -> list[str]:
    """The dotted paths of the defaults, into the objects whose keys are described one by one."""
    out = []
    for key, value in defaults.items():
        path = f"{prefix}{key}"
        out.append(path)
        if isinstance(value, dict) and _is_object(described, path):
            out += _default_paths(value, described, path + ".")
    return out
