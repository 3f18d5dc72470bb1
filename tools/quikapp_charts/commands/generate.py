"""`quikapp-charts generate [--check]`: write the service table into the stack charts' values.yaml
(`catalogue.services`), every chart's values.schema.json (values_schema.py) with the table's
service names, and the dependency archives under the charts' charts/ folders (dependencies.py).

Only the keys the table owns are written (tier, ports, replicas, autoscaling.maxReplicas and the
table's flags); everything else in an entry, and every comment, is kept as written (ruamel.yaml).
"""
from __future__ import annotations

import io
from pathlib import Path

import click
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from quikapp_charts.catalogue import chart_docs, dependencies, service_table, values_schema
from quikapp_charts.core import paths, yaml_roundtrip
from quikapp_charts.core.errors import CheckFailed, UserError
from quikapp_charts.core.files import write_atomically
from quikapp_charts.core.yaml_roundtrip import roundtrip

# What drifted, for the files generate writes besides the catalogue and the schemas.
GENERATED = {
    "README.md": "differs from the README generated from the values schema and the defaults",
    "Chart.yaml": f"{chart_docs.IMAGES} differs from the images the chart deploys",
}


def _set_owned(entry: CommentedMap, owned: dict) -> None:
    """Write the table-owned keys into entry, creating maps as needed, keeping all other keys."""
    for key, value in owned.items():
        if isinstance(value, dict):
            child = entry.get(key)
            if not isinstance(child, dict):
                child = CommentedMap()
                entry[key] = child
            if key == "ports":
                for stale in [p for p in service_table.GENERATED_PORTS if p in child and p not in value]:
                    del child[stale]
            _set_owned(child, value)
        else:
            entry[key] = value


def render_stack(values_file: Path, services: list[service_table.Service]) -> str:
    """The stack chart's values.yaml text with its `catalogue.services` map generated from the table."""
    yaml = roundtrip()
    try:
        document = yaml_roundtrip.load(values_file.read_text())
    except Exception as exc:  # ruamel raises many parser error types
        raise UserError(f"{paths.shown(values_file)}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(document, dict):
        raise UserError(f"{paths.shown(values_file)}: expected a mapping at the top")
    catalogue = document.get("catalogue")
    if not isinstance(catalogue, dict):
        raise UserError(f"{paths.shown(values_file)}: catalogue: expected a mapping (the chart's defaults and services)")
    old = catalogue.get("services") or CommentedMap()
    if not isinstance(old, dict):
        raise UserError(f"{paths.shown(values_file)}: catalogue.services: expected a mapping of service name to settings")
    new = CommentedMap()
    for service in services:
        written = old.get(service.name)
        if not isinstance(written, dict):
            written = CommentedMap()
        owned = service.catalogue_entry()
        # The table's keys first, in the table's order, then what was written by hand.
        entry = CommentedMap((key, written[key]) for key in owned if key in written)
        entry.update((key, value) for key, value in written.items() if key not in owned)
        _set_owned(entry, owned)
        new[service.name] = entry
    catalogue["services"] = new
    out = io.StringIO()
    yaml.dump(document, out)
    return out.getvalue()


def _differences(old, new, path: str = "") -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        found = []
        for key in list(old) + [k for k in new if k not in old]:
            sub = f"{path}.{key}" if path else str(key)
            if key not in new:
                found.append(f"{sub}: not in the service table")
            elif key not in old:
                found.append(f"{sub}: missing (table says {_short(new[key])})")
            else:
                found.extend(_differences(old[key], new[key], sub))
        return found
    if old != new:
        return [f"{path}: chart has {_short(old)}, table says {_short(new)}"]
    return []


def _short(value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_short(v)}" for k, v in value.items()) + "}"
    return repr(value)


def plan(table: Path | None = None, charts: Path | None = None) -> dict[Path, tuple[str, str]]:
    """For each generated file: (current text, generated text); current is "" for a missing file.
    The repository's service table and charts unless told others."""
    services = service_table.parse(table or paths.SERVICE_TABLE)
    charts = charts or paths.CHARTS
    by_stack: dict[str, list] = {stack: [] for stack in paths.STACKS}
    for service in services:
        by_stack[service.stack].append(service)
    result = {}
    for stack, members in by_stack.items():
        values_file = charts / stack / "values.yaml"
        if not values_file.is_file():
            raise UserError(f"{paths.shown(values_file)}: missing (stack chart {stack})")
        result[values_file] = (values_file.read_text(), render_stack(values_file, members))
    for chart, schema in values_schema.schemas(services).items():
        schema_file = charts / chart / "values.schema.json"
        current = schema_file.read_text() if schema_file.is_file() else ""
        result[schema_file] = (current, values_schema.dumps(schema))
    stack_texts = {stack: result[charts / stack / "values.yaml"][1] for stack in paths.STACKS}
    result.update(chart_docs.plan(charts, services, stack_texts))
    return result


@click.command("generate")
@click.option("--check", is_flag=True, help="Change nothing; exit 1 and name what drifted.")
def command(check: bool) -> None:
    """Write the service catalogue (charts/services.md) into the charts, and their dependency archives."""
    planned = plan()
    yaml = YAML(typ="safe")
    drift = []
    for values_file, (current, generated) in planned.items():
        if current == generated:
            continue
        name = values_file.relative_to(paths.ROOT)
        if check and values_file == paths.UMBRELLA / "values.yaml":
            drift.append(f"{name}: differs from the values generated from the defaults and their descriptions")
        elif check and values_file.name in GENERATED:
            drift.append(f"{name}: {GENERATED[values_file.name]}")
        elif check and values_file.suffix == ".json":
            drift.append(f"{name}: differs from the schema generated from the service table")
        elif check:
            old = ((yaml.load(current) or {}).get("catalogue") or {}).get("services") or {}
            new = ((yaml.load(generated) or {}).get("catalogue") or {}).get("services") or {}
            found = _differences(old, new, "catalogue.services") or ["formatting differs from the generated file"]
            drift.extend(f"{name}: {line}" for line in found)
        else:
            write_atomically(values_file, generated)
            click.echo(f"wrote {name}")
    if check:
        drift.extend(dependencies.drift())
    else:
        for archive in dependencies.sync():
            click.echo(f"{'wrote' if archive.exists() else 'removed'} {archive.relative_to(paths.ROOT)}")
    if drift:
        for line in drift:
            click.echo(line)
        raise CheckFailed(f"{len(drift)} difference(s) between {paths.SERVICE_TABLE.relative_to(paths.ROOT)} "
                          "and the charts; run `quikapp-charts generate`")
    if check:
        click.echo("charts match the service table; dependency archives match their charts")
