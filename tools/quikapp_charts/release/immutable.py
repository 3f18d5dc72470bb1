"""The version gate's rule for changes the API server refuses in place: every environment rendered
with the umbrella chart at its last release tag and with the charts now; a field that cannot change
on a live object (a Deployment's selector, a claim's spec other than a larger storage request, a
Service's clusterIP, a Job's template) that differs is refused unless the umbrella's major version
rises above the tag's and a migration note says what to do: a line starting with `Migration:` in the
new version's section of charts/quikapp/CHANGELOG.md, or a commit since the tag whose subject does.
Self-contained: it asks nothing of the release notes but that line."""
from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import semver

from quikapp_charts.core import paths, rendering
from quikapp_charts.core.git import git
from quikapp_charts.core.resources import quantity
from quikapp_charts.release import tags

CHART = "quikapp"
MIGRATION = "migration:"


def _claim(old: dict, new: dict) -> list[str]:
    """A claim's spec may only grow its storage request."""
    found = []
    a, b = dict(old.get("spec") or {}), dict(new.get("spec") or {})
    size_a = quantity(str(((a.pop("resources", {}) or {}).get("requests") or {}).get("storage", "0")))
    size_b = quantity(str(((b.pop("resources", {}) or {}).get("requests") or {}).get("storage", "0")))
    if size_b < size_a:
        found.append("spec.resources.requests.storage (smaller)")
    found += [f"spec.{k}" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
    return found


def _fields(kind: str, old: dict, new: dict) -> list[str]:
    spec_a, spec_b = old.get("spec") or {}, new.get("spec") or {}
    if kind == "PersistentVolumeClaim":
        return _claim(old, new)
    fields = {"Deployment": ("selector",), "StatefulSet": ("selector", "serviceName", "volumeClaimTemplates"),
              "Service": ("clusterIP",), "Job": ("selector", "template")}.get(kind, ())
    return [f"spec.{f}" for f in fields if spec_a.get(f) != spec_b.get(f) and (f != "clusterIP" or spec_a.get(f))]


def refused_in_place(old: list[dict], new: list[dict]) -> list[str]:
    """`Kind/name: field` for every object in both renders whose change the API server refuses."""
    before = {(o["kind"], o["metadata"]["name"]): o for o in old}
    found = []
    for obj in new:
        key = (obj["kind"], obj["metadata"]["name"])
        if key in before:
            found += [f"{key[0]}/{key[1]}: {f}" for f in _fields(key[0], before[key], obj)]
    return found


def migration_noted(version: str, since: str, root: Path | None = None) -> bool:
    changelog = (root or paths.ROOT) / "charts" / CHART / "CHANGELOG.md"
    section, lines = False, changelog.read_text().splitlines() if changelog.is_file() else []
    for line in lines:
        if line.startswith("## "):
            section = line[3:].split()[0] == version
        elif section and line.lstrip("- ").lower().startswith(MIGRATION):
            return True
    subjects = git("log", "--format=%s", f"{since}..HEAD", root=root).splitlines()
    return any(s.lower().startswith(MIGRATION) for s in subjects)


def _chart_at(tag: str, into: Path, root: Path | None) -> Path:
    archive = subprocess.run(["git", "archive", "--format=tar", tag, "charts"], cwd=root or paths.ROOT,
                             capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into / "charts" / CHART


def problem(version: str, root: Path | None = None) -> str | None:
    """The gate's refusal for the umbrella at VERSION, or None (no release yet, nothing refused,
    or a major version above the tag's with a migration note)."""
    released = tags.releases(CHART, root)
    if not released:
        return None
    last, tag = released[-1]
    values_dir = (root or paths.ROOT) / "values"
    found = []
    with tempfile.TemporaryDirectory() as scratch:
        old_chart = _chart_at(tag, Path(scratch), root)
        for env in sorted(p.stem for p in values_dir.glob("*.yaml")):
            old = rendering.render(env, values_dir=values_dir, chart=old_chart).objects
            new = rendering.render(env, values_dir=values_dir, chart=(root or paths.ROOT) / "charts" / CHART).objects
            found += [f"{env} {change}" for change in refused_in_place(old, new)]
    if not found:
        return None
    if semver.Version.parse(version).major > last.major and migration_noted(version, tag, root):
        return None
    shown = ", ".join(found[:4]) + (f" and {len(found) - 4} more" if len(found) > 4 else "")
    return (f"{CHART}: {shown} changed since {tag}, which the API server refuses on a live object; raise the "
            f"major version and add a `Migration:` note to charts/{CHART}/CHANGELOG.md")
