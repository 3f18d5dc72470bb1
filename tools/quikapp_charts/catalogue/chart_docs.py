"""What `generate` writes for the charts to describe themselves: a README.md per chart (`helm show
readme`, Artifact Hub) with the values tables made from the schema's descriptions (values_reference.py)
and the defaults, and the `artifacthub.io/images` annotation in each application chart's Chart.yaml:
every image the chart deploys, tagged with the chart's appVersion (the README's appVersion policy).
"""
from __future__ import annotations

import io
import json
from pathlib import Path

import yaml

from quikapp_charts.catalogue import service_table, umbrella_values, values_reference, values_schema
from quikapp_charts.catalogue.service_table import Service
from quikapp_charts.core import paths, yaml_roundtrip
from quikapp_charts.core.errors import UserError
from quikapp_charts.core.files import write_atomically
from quikapp_charts.core.mappings import merged
from quikapp_charts.core.report_templates import render
from quikapp_charts.core.yaml_loader import SAFE_LOADER
from quikapp_charts.core.yaml_roundtrip import roundtrip
from quikapp_charts.release.chart_versions import set_annotation

IMAGES = "artifacthub.io/images"


def type_of(schema: dict) -> str:
    if "$ref" in schema:
        return "service entry" if schema["$ref"].endswith("/service") else "object"
    if "enum" in schema:
        return "one of " + ", ".join(str(v) for v in schema["enum"])
    if "const" in schema:
        return json.dumps(schema["const"])
    if schema.get("not") == {}:
        return "(not settable)"
    if "oneOf" in schema:
        return " or ".join(dict.fromkeys(type_of(branch) for branch in schema["oneOf"]))
    kind = schema.get("type", "any")
    if kind == "object" and ("patternProperties" in schema or isinstance(schema.get("additionalProperties"), dict)):
        return "map"
    if kind == "array":
        return f"list of {type_of(schema.get('items') or {})}"
    return "/".join(kind) if isinstance(kind, list) else kind


def shown_default(value) -> str:
    if value is None:
        return "null"
    text = json.dumps(value, separators=(", ", ": "))
    return text if len(text) <= 48 else text[:45] + "..."


def rows(schema: dict, defaults: dict | None, prefix: str = "") -> list[dict]:
    """A values table: every key of a schema, depth first, with its type, default and description."""
    out = []
    for key, sub in (schema.get("properties") or {}).items():
        path = f"{prefix}{key}"
        present = isinstance(defaults, dict) and key in defaults
        value = defaults.get(key) if present else None
        if key in ("global", "quikapp-lib") and prefix:
            continue  # a stack's copy of the shared keys: documented once, at the top
        entry = "$ref" in sub
        # A stack's services are listed in the README's services table; their keys in the settings table.
        nested = isinstance(sub.get("properties"), dict) and key != "services"
        out.append({"key": path, "type": type_of(sub), "description": sub.get("description", ""),
                    "default": "" if nested or entry or not present else shown_default(value)})
        if nested:
            out += rows(sub, value if isinstance(value, dict) else {}, path + ".")
    return out


def images(names: list[str], stacks: dict[str, dict], services: list[Service], lib: dict[str, dict],
           app_version: str) -> list[dict]:
    """{name, image} of every container the charts named deploy, as quikapp.part.container.image resolves it."""
    found = []
    for service in services:
        if service.stack not in names and "quikapp" not in names:
            continue
        values = stacks[service.stack]
        layers = [lib["service"]]
        # The merge order: the chart's catalogue, then the layers an environment file writes.
        for level in (values.get("catalogue") or {}, values):
            layers.append(level.get("defaults") or {})
            if service.gpu:
                layers.append(level.get("gpuDefaults") or {})
            layers.append((level.get("services") or {}).get(service.name) or {})
        settings = {}
        for layer in layers:
            settings = merged(settings, layer)
        if settings.get("enabled") is False:
            continue
        image = settings.get("image") or {}
        registry = image.get("registry") or lib["global"]["image"]["registry"]
        repository = image.get("repository") or service.name
        ref = f"@{image['digest']}" if image.get("digest") else f":{image.get('tag') or app_version}"
        found.append({"name": service.name, "image": f"{registry}/{repository}{ref}"})
    if "quikapp" in names:
        found.append({"name": "smoke-test", "image": lib["global"]["smokeTest"]["image"]})
    return found


def _chart_text(chart_file: Path, annotation: str) -> str:
    yaml_rt = roundtrip()
    document = yaml_roundtrip.load(chart_file.read_text())
    set_annotation(document, IMAGES, annotation)
    out = io.StringIO()
    yaml_rt.dump(document, out)
    return out.getvalue()


def plan(charts: Path, services: list[Service], stack_texts: dict[str, str]) -> dict[Path, tuple[str, str]]:
    """README.md of every chart and Chart.yaml with its images annotation: (current, generated).
    stack_texts: each stack chart's values.yaml as generate is about to write it."""
    reference = values_reference.load(charts)
    lib = reference.defaults
    stacks = {stack: yaml.load(text, Loader=SAFE_LOADER) or {} for stack, text in stack_texts.items()}
    metadata = {p.parent.name: yaml.load(p.read_text(), Loader=SAFE_LOADER) for p in charts.glob("*/Chart.yaml")}
    app_versions = {name: str(meta["appVersion"]) for name, meta in metadata.items() if "appVersion" in meta}
    if len(set(app_versions.values())) > 1:
        listed = ", ".join(f"{name} {version}" for name, version in sorted(app_versions.items()))
        raise UserError(f"{paths.shown(charts)}: the application charts carry different appVersions ({listed}); "
                        "`quikapp-charts bump CHART PART --app-version X.Y.Z` sets them together")
    schemas = values_schema.schemas(services, charts)
    defs = schemas["quikapp"]["$defs"]
    result = {}
    umbrella = charts / "quikapp" / "values.yaml"
    if umbrella.parent.is_dir():
        generated = umbrella_values.text(lib["global"], reference.params["global"],
                                         {stack: stacks.get(stack) or {} for stack in paths.STACKS})
        result[umbrella] = (umbrella.read_text() if umbrella.is_file() else "", generated)
        stacks["quikapp"] = yaml.load(generated, Loader=SAFE_LOADER)
    for name, meta in sorted(metadata.items()):
        context = {"chart": meta, "services": [s for s in services if name in (s.stack, "quikapp")],
                   "global_rows": rows(defs["global"], lib["global"]) if name in ("quikapp", "quikapp-lib") else [],
                   "stacks": list(paths.STACKS)}
        catalogue = (stacks.get(name) or {}).get("catalogue") or {}
        service_defaults = merged(lib["service"], catalogue.get("defaults") or {})
        context["service_rows"] = rows(defs["service"], service_defaults)
        own_values = stacks.get(name) or yaml.load((charts / name / "values.yaml").read_text(), Loader=SAFE_LOADER) or {}
        context["top_rows"] = rows({"properties": {k: v for k, v in schemas[name]["properties"].items()
                                                   if k not in ("global", "quikapp-lib")}},
                                   own_values) if name in schemas else []
        readme = charts / name / "README.md"
        text = render("chart-README.md.j2", **context).rstrip("\n") + "\n"
        result[readme] = (readme.read_text() if readme.is_file() else "", text)
        if "appVersion" in meta:
            listed = images([name], stacks, services, lib, app_versions[name])
            annotation = yaml.safe_dump(listed, sort_keys=False, width=200)
            chart_file = charts / name / "Chart.yaml"
            result[chart_file] = (chart_file.read_text(), _chart_text(chart_file, annotation))
    return result


def _current_plan(charts: Path) -> dict[Path, tuple[str, str]]:
    services = service_table.parse(charts / "services.md")
    stack_texts = {stack: (charts / stack / "values.yaml").read_text() for stack in paths.STACKS}
    return plan(charts, services, stack_texts)


def drifted(charts: Path | None = None) -> list[str]:
    """The READMEs and Chart.yaml files that differ from what generate writes."""
    return [paths.shown(path) for path, (current, generated) in _current_plan(charts or paths.CHARTS).items()
            if current != generated]


def write_all(charts: Path | None = None) -> list[Path]:
    """Write the READMEs and images annotations for the charts as they are (after a bump)."""
    written = []
    for path, (current, generated) in _current_plan(charts or paths.CHARTS).items():
        if current != generated:
            write_atomically(path, generated)
            written.append(path)
    return written
