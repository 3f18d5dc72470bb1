"""Release notes rendered from the jinja2 templates in templates/ (templating.py): a CHANGELOG.md
per chart (one section per release tag, the new version on top) and the `artifacthub.io/changes`
annotation of the version being released."""
from __future__ import annotations

import datetime
import re
from pathlib import Path

from . import released
from .chart_versions import Chart
from .templating import render

# Artifact Hub's change kinds, from the commit subject's first word.
KINDS = (
    (re.compile(r"^(add|new|introduce)", re.IGNORECASE), "added"),
    (re.compile(r"^fix", re.IGNORECASE), "fixed"),
    (re.compile(r"^(remove|drop|delete)", re.IGNORECASE), "removed"),
    (re.compile(r"^deprecate", re.IGNORECASE), "deprecated"),
    (re.compile(r"\b(security|CVE-\d+)", re.IGNORECASE), "security"),
)


def kind_of(subject: str) -> str:
    # The part after a "scope: " prefix is the change itself ("generate: add ..." is an addition).
    text = subject.split(": ", 1)[1] if re.match(r"^[\w./-]+: ", subject) else subject
    return next((kind for pattern, kind in KINDS if pattern.search(text)), "changed")


def _entries(commits: list[released.Commit]) -> list[dict]:
    return [{"sha": c.sha, "subject": c.subject, "kind": kind_of(c.subject)} for c in commits]


def pending(chart: Chart, charts: dict[str, Chart], root: Path | None = None) -> list[released.Commit]:
    """The commits since the chart's last release tag (the whole history before its first)."""
    tags = released.releases(chart.name, root)
    return released.commits(tags[-1][1] if tags else None, released.chart_folders(chart, charts), root)


def changelog(chart: Chart, charts: dict[str, Chart], new_version: str | None = None,
              date: str | None = None, root: Path | None = None) -> str:
    """CHANGELOG.md of chart from its release tags, with new_version's section on top when given."""
    folders = released.chart_folders(chart, charts)
    sections, previous = [], None
    for version, tag in released.releases(chart.name, root):
        day = released.git("log", "-1", "--format=%cs", tag, root=root).strip()
        sections.append({"version": str(version), "date": day,
                         "commits": _entries(released.commits(previous, folders, root, until=tag))})
        previous = tag
    if new_version:
        today = date or datetime.datetime.now(datetime.UTC).date().isoformat()
        sections.append({"version": new_version, "date": today,
                         "commits": _entries(released.commits(previous, folders, root))})
    return render("CHANGELOG.md.j2", chart=chart.name, releases=list(reversed(sections)))


def changes_annotation(commits: list[released.Commit]) -> str:
    """The artifacthub.io/changes annotation's YAML text."""
    return render("artifacthub-changes.yaml.j2", commits=_entries(commits))
