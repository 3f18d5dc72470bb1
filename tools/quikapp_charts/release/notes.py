"""Release notes rendered from the jinja2 templates in templates/ (core/report_templates.py): a CHANGELOG.md
per chart (one section per release tag, the new version on top) and the `artifacthub.io/changes`
annotation of the version being tags."""
from __future__ import annotations

import datetime
import re
from pathlib import Path

from quikapp_charts.core.git import git
from quikapp_charts.core.report_templates import render
from quikapp_charts.release import tags
from quikapp_charts.release.chart_versions import Chart

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


def _entries(commits: list[tags.Commit]) -> list[dict]:
    return [{"sha": c.sha, "subject": c.subject, "kind": kind_of(c.subject)} for c in commits]


def pending(chart: Chart, charts: dict[str, Chart], root: Path | None = None) -> list[tags.Commit]:
    """The commits since the chart's last release tag (the whole history before its first)."""
    released = tags.releases(chart.name, root)
    return tags.commits(released[-1][1] if released else None, tags.chart_folders(chart, charts), root)


def changelog(chart: Chart, charts: dict[str, Chart], new_version: str | None = None,
              date: str | None = None, root: Path | None = None) -> str:
    """CHANGELOG.md of chart from its release tags, with new_version's section on top when given."""
    folders = tags.chart_folders(chart, charts)
    sections, previous = [], None
    for version, tag in tags.releases(chart.name, root):
        day = git("log", "-1", "--format=%cs", tag, root=root).strip()
        sections.append({"version": str(version), "date": day,
                         "commits": _entries(tags.commits(previous, folders, root, until=tag))})
        previous = tag
    if new_version:
        today = date or datetime.datetime.now(datetime.UTC).date().isoformat()
        sections.append({"version": new_version, "date": today,
                         "commits": _entries(tags.commits(previous, folders, root))})
    return render("CHANGELOG.md.j2", chart=chart.name, releases=list(reversed(sections)))


def changes_annotation(commits: list[tags.Commit]) -> str:
    """The artifacthub.io/changes annotation's YAML text."""
    return render("artifacthub-changes.yaml.j2", commits=_entries(commits))
