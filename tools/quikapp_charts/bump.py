"""`quikapp-charts bump CHART PART`: a new semver for a chart, carried to every chart that depends on it.

Bumping quikapp-lib bumps its version, re-pins it in the five stack charts and the umbrella, and
gives each of them a patch release (their packages change); bumping a stack chart does the same for
the umbrella. Chart.yaml files keep their comments (ruamel.yaml) and are written atomically.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import click
import semver

from . import console, paths
from .errors import UserError, write_atomically
from .yaml_roundtrip import roundtrip

PARTS = ("major", "minor", "patch")


@dataclass
class Chart:
    name: str
    path: Path
    document: dict

    @property
    def version(self) -> semver.Version:
        return semver.Version.parse(str(self.document["version"]))

    def dependencies(self) -> list[dict]:
        return list(self.document.get("dependencies") or [])


def load_charts(charts_dir: Path = paths.CHARTS) -> dict[str, Chart]:
    yaml = roundtrip()
    found = {}
    for chart_file in sorted(charts_dir.glob("*/Chart.yaml")):
        document = yaml.load(chart_file.read_text())
        name = document.get("name")
        try:
            semver.Version.parse(str(document.get("version")))
        except ValueError:
            raise UserError(f"{paths.shown(chart_file)}: version: '{document.get('version')}' is not semver") from None
        found[name] = Chart(name, chart_file, document)
    return found


def next_version(current: semver.Version, part: str) -> semver.Version:
    if part in PARTS:
        return current.next_version(part)
    try:
        wanted = semver.Version.parse(part.removeprefix("v"))
    except ValueError:
        raise UserError(f"bump: '{part}' is neither major, minor, patch nor a semver version") from None
    if wanted <= current:
        raise UserError(f"bump: {wanted} is not above the current version {current}")
    return wanted


def plan(chart_name: str, part: str, charts: dict[str, Chart]) -> dict[str, tuple[str, str]]:
    """chart -> (old version, new version) for the chart and everything that depends on it."""
    if chart_name not in charts:
        raise UserError(f"bump: no chart '{chart_name}' under charts/ (known: {', '.join(sorted(charts))})")
    changes = {chart_name: (str(charts[chart_name].version), str(next_version(charts[chart_name].version, part)))}
    pending = [chart_name]
    while pending:
        changed = pending.pop(0)
        for chart in charts.values():
            if chart.name in changes:
                continue
            if any(dep.get("name") == changed for dep in chart.dependencies()):
                changes[chart.name] = (str(chart.version), str(chart.version.bump_patch()))
                pending.append(chart.name)
    return changes


def apply(changes: dict[str, tuple[str, str]], charts: dict[str, Chart]) -> None:
    """Write the new versions and dependency pins; every file is rendered before any is written."""
    yaml = roundtrip()
    texts = {}
    for chart in charts.values():
        touched = False
        if chart.name in changes:
            chart.document["version"] = changes[chart.name][1]
            touched = True
        for dep in chart.dependencies():
            if dep.get("name") in changes:
                dep["version"] = changes[dep["name"]][1]
                touched = True
        if touched:
            out = io.StringIO()
            yaml.dump(chart.document, out)
            texts[chart.path] = out.getvalue()
    for path, text in texts.items():
        write_atomically(path, text)


@click.command("bump")
@click.argument("chart")
@click.argument("part")
@click.option("--dry-run", is_flag=True, help="Show the new versions; write nothing.")
@console.output_option
def command(chart: str, part: str, dry_run: bool, output: str) -> None:
    """Bump CHART's version (PART: major, minor, patch or X.Y.Z) and every chart depending on it."""
    charts = load_charts()
    changes = plan(chart, part, charts)
    if not dry_run:
        apply(changes, charts)
    rows = [{"chart": name, "from": old, "to": new} for name, (old, new) in changes.items()]
    if output == "json":
        console.emit_json({"dryRun": dry_run, "charts": rows})
        return
    console.print_table("planned versions (dry run)" if dry_run else "chart versions", ["chart", "from", "to"],
                        [[row["chart"], row["from"], row["to"]] for row in rows])
