"""The charts' Chart.yaml files: versions, dependency pins and appVersion, read and written with
their comments kept (ruamel.yaml), every file rendered before any is written.

A bump carries itself down the dependency chain: bumping quikapp-lib re-pins it in the five stack
charts and the umbrella and gives each of them a patch release (their packages change); bumping a
stack chart does the same for the umbrella.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import semver
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

from quikapp_charts.core import paths, yaml_roundtrip
from quikapp_charts.core.errors import UserError
from quikapp_charts.core.files import write_atomically
from quikapp_charts.core.yaml_roundtrip import roundtrip

PARTS = ("major", "minor", "patch")
# Library first, the umbrella last: the order a reader expects them in.
ORDER = ("quikapp-lib", *paths.STACKS, "quikapp")


@dataclass
class Chart:
    name: str
    path: Path
    document: dict

    @property
    def version(self) -> semver.Version:
        return semver.Version.parse(str(self.document["version"]))

    @property
    def directory(self) -> Path:
        return self.path.parent

    def dependencies(self) -> list[dict]:
        return list(self.document.get("dependencies") or [])


def load_charts(charts_dir: Path | None = None) -> dict[str, Chart]:
    found = {}
    for chart_file in sorted((charts_dir or paths.CHARTS).glob("*/Chart.yaml")):
        try:
            document = yaml_roundtrip.load(chart_file.read_text())
        except Exception as exc:  # ruamel raises many parser error types
            raise UserError(f"{paths.shown(chart_file)}: not valid YAML ({str(exc).splitlines()[0]})") from None
        name = document.get("name") if isinstance(document, dict) else None
        if not name:
            raise UserError(f"{paths.shown(chart_file)}: name: missing")
        try:
            semver.Version.parse(str(document.get("version")))
        except ValueError:
            raise UserError(f"{paths.shown(chart_file)}: version: '{document.get('version')}' is not semver") from None
        found[name] = Chart(name, chart_file, document)
    return found


def ordered(charts: dict[str, Chart]) -> list[Chart]:
    """Charts in ORDER, any others after them by name."""
    return [charts[n] for n in ORDER if n in charts] + [charts[n] for n in sorted(charts) if n not in ORDER]


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


def dependents(chart_name: str, charts: dict[str, Chart]) -> list[str]:
    """Every chart that depends on chart_name, directly or through another chart."""
    found, pending = [], [chart_name]
    while pending:
        changed = pending.pop(0)
        for chart in charts.values():
            if chart.name not in found and chart.name != chart_name and \
                    any(dep.get("name") == changed for dep in chart.dependencies()):
                found.append(chart.name)
                pending.append(chart.name)
    return found


def plan(chart_name: str, part: str, charts: dict[str, Chart],
         app_version: str | None = None) -> dict[str, tuple[str, str]]:
    """chart -> (old version, new version) for the chart and everything that depends on it; with
    app_version, also a patch release of every application chart whose appVersion changes."""
    if chart_name not in charts:
        raise UserError(f"bump: no chart '{chart_name}' under charts/ (known: {', '.join(sorted(charts))})")
    changes = {chart_name: (str(charts[chart_name].version), str(next_version(charts[chart_name].version, part)))}
    moved = [chart_name]
    if app_version:
        moved += [c.name for c in ordered(charts) if "appVersion" in c.document
                  and str(c.document["appVersion"]) != app_version and c.name != chart_name]
    for name in moved:
        for changed in [name, *dependents(name, charts)]:
            if changed not in changes:
                changes[changed] = (str(charts[changed].version), str(charts[changed].version.bump_patch()))
    return changes


def check_app_version(value: str) -> str:
    """The appVersion policy: the QuikApp release the default image tags come from, as semver."""
    try:
        semver.Version.parse(value.removeprefix("v"))
    except ValueError:
        raise UserError(f"bump: --app-version '{value}' is not a semver version (the QuikApp release, e.g. 2.7.0)") from None
    return value.removeprefix("v")


def apply(changes: dict[str, tuple[str, str]], charts: dict[str, Chart], app_version: str | None = None,
          annotations: dict[str, dict[str, str]] | None = None) -> list[Path]:
    """Write the new versions, dependency pins, (for the application charts among the changed
    ones) appVersion and annotations (chart -> key -> text); every file is rendered before any is
    written. Returns the written files."""
    texts = render_changes(changes, charts, app_version, annotations)
    for path, text in texts.items():
        write_atomically(path, text)
    return list(texts)


def set_annotation(document: dict, key: str, text: str) -> None:
    """Set an annotation of a Chart.yaml document, multi-line text as a literal block."""
    if not isinstance(document.get("annotations"), dict):
        document["annotations"] = CommentedMap()
    document["annotations"][key] = LiteralScalarString(text) if "\n" in text else text


def render_changes(changes: dict[str, tuple[str, str]], charts: dict[str, Chart],
                   app_version: str | None = None,
                   annotations: dict[str, dict[str, str]] | None = None) -> dict[Path, str]:
    yaml = roundtrip()
    texts = {}
    for chart in charts.values():
        touched = False
        if chart.name in changes:
            chart.document["version"] = changes[chart.name][1]
            if app_version and "appVersion" in chart.document:
                chart.document["appVersion"] = DoubleQuotedScalarString(app_version)
            touched = True
        for key, text in ((annotations or {}).get(chart.name) or {}).items():
            set_annotation(chart.document, key, text)
            touched = True
        for dep in chart.dependencies():
            if dep.get("name") in changes:
                dep["version"] = changes[dep["name"]][1]
                touched = True
        if touched:
            out = io.StringIO()
            yaml.dump(chart.document, out)
            texts[chart.path] = out.getvalue()
    return texts
