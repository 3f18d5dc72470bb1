"""Release notes for the people who install the charts, from the commits that touched a chart or a
chart it includes, as the commit convention marks them (README: Releasing):

- the subject is a Conventional Commit, `TYPE(SCOPE)!: DESCRIPTION`, SCOPE the chart it is about;
  `feat` is listed as added, `fix` as fixed, every other type (refactor, perf, test, docs, build,
  ci, chore, style) is internal and left out;
- a `Changelog: KIND` trailer sets the kind (added, changed, deprecated, removed, fixed, security:
  Artifact Hub's), or `Changelog: skip` leaves the commit out, whatever its type;
- a `Breaking-Change: STEP` trailer (or `!` before the colon) lists the commit under "Breaking
  changes / upgrade steps", the trailer's text being what to do when upgrading.

The kind never comes from words of the subject. They are rendered from the jinja2 templates in
templates/ (core/report_templates.py): a CHANGELOG.md per chart (a section per release tag, the
newest on top), the notes of one release (Markdown a CI job posts as the release's text), and the
`artifacthub.io/changes` annotation."""
from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from quikapp_charts.core.errors import UserError
from quikapp_charts.core.git import git
from quikapp_charts.core.report_templates import render
from quikapp_charts.release import tags
from quikapp_charts.release.chart_versions import Chart

KINDS = ("added", "changed", "deprecated", "removed", "fixed", "security")
SKIP = "skip"
TYPE_KINDS = {"feat": "added", "fix": "fixed"}
CONVENTIONAL = re.compile(r"^(?P<type>[a-z]+)(?:\((?P<scope>[^()]+)\))?(?P<bang>!)?: (?P<text>\S.*)$")


@dataclass(frozen=True)
class BreakingChange:
    """What breaks on upgrade and the step that keeps a release working; source names where it was
    found (a commit's short sha, or the check that found it)."""
    text: str
    source: str


@dataclass(frozen=True)
class Entry:
    sha: str
    kind: str
    text: str
    scope: str
    breaking: tuple[str, ...]

    @property
    def description(self) -> str:
        return f"{self.scope}: {self.text}" if self.scope else self.text


def entry(commit: tags.Commit) -> Entry | None:
    """The commit as a release note, or None when the convention marks it internal."""
    trailer = commit.changelog.lower()
    if trailer and trailer not in (*KINDS, SKIP):
        raise UserError(f"commit {commit.sha[:12]} ({commit.subject}): Changelog: '{commit.changelog}' is none "
                        f"of {', '.join(KINDS)}, {SKIP}")
    if trailer == SKIP:
        return None
    match = CONVENTIONAL.match(commit.subject)
    breaking = tuple(commit.breaking) or ((match["text"],) if match and match["bang"] else ())
    kind = trailer or (TYPE_KINDS.get(match["type"]) if match else None)
    if kind is None and not breaking:
        return None
    text, scope = (match["text"], match["scope"] or "") if match else (commit.subject, "")
    return Entry(commit.sha, kind or "changed", text, scope, breaking)


def entries(commits: list[tags.Commit]) -> list[Entry]:
    return [found for found in map(entry, commits) if found]


def breaking_changes(found: list[Entry], checked: Sequence[BreakingChange] = ()) -> list[BreakingChange]:
    """The "Breaking changes / upgrade steps" of a release: each commit's Breaking-Change trailers,
    then `checked`, what a check of the charts themselves found (a field of an object that cannot
    change in place, for one); a check adds its findings here."""
    from_commits = [BreakingChange(step, e.sha[:12]) for e in found for step in e.breaking]
    return from_commits + [change for change in checked if change not in from_commits]


def section(version: str, date: str, commits: list[tags.Commit], first: bool,
            checked: Sequence[BreakingChange] = ()) -> dict:
    """One release for the templates: its version, date, breaking changes and entries by kind."""
    found = entries(commits)
    return {"version": version, "date": date, "first": first, "breaking": breaking_changes(found, checked),
            "kinds": [(kind, [e for e in found if e.kind == kind]) for kind in KINDS
                      if any(e.kind == kind for e in found)]}


def pending(chart: Chart, charts: dict[str, Chart], root: Path | None = None) -> list[tags.Commit]:
    """The commits since the chart's last release tag (the whole history before its first)."""
    released = tags.releases(chart.name, root)
    return tags.commits(released[-1][1] if released else None, tags.chart_folders(chart, charts), root)


def _today() -> str:
    return datetime.datetime.now(datetime.UTC).date().isoformat()


def sections(chart: Chart, charts: dict[str, Chart], new_version: str | None = None, date: str | None = None,
             root: Path | None = None, checked: Sequence[BreakingChange] = ()) -> list[dict]:
    """Every release of chart from its tags, oldest first, with new_version's (not tagged yet) last;
    checked: the breaking changes checks found for the newest."""
    folders = tags.chart_folders(chart, charts)
    found, previous = [], None
    releases = tags.releases(chart.name, root)
    for number, (version, tag) in enumerate(releases):
        day = git("log", "-1", "--format=%cs", tag, root=root).strip()
        newest = new_version is None and number == len(releases) - 1
        found.append(section(str(version), day, tags.commits(previous, folders, root, until=tag), previous is None,
                             checked if newest else ()))
        previous = tag
    if new_version and not tags.is_tagged(tags.tag_name(chart.name, new_version), root):
        found.append(section(new_version, date or _today(), tags.commits(previous, folders, root), previous is None,
                             checked))
    return found


def changelog(chart: Chart, charts: dict[str, Chart], new_version: str | None = None,
              date: str | None = None, root: Path | None = None, checked: Sequence[BreakingChange] = ()) -> str:
    """CHANGELOG.md of chart from its release tags, with new_version's section on top when given."""
    releases = sections(chart, charts, new_version, date, root, checked)
    return render("CHANGELOG.md.j2", chart=chart.name, releases=list(reversed(releases)))


def release_notes(chart: Chart, charts: dict[str, Chart], root: Path | None = None,
                  checked: Sequence[BreakingChange] = ()) -> str:
    """The notes of the chart's current version (tagged, or about to be), as Markdown."""
    version = str(chart.version)
    release = next(s for s in sections(chart, charts, version, None, root, checked) if s["version"] == version)
    return render("release-notes.md.j2", chart=chart.name, tag=tags.tag_name(chart.name, version),
                  app_version=chart.document.get("appVersion"), release=release)


class _Dumper(yaml.SafeDumper):
    """A text holding an apostrophe is double-quoted, so that it reads as written (`"go: the gateway's
    port"`, where PyYAML would write `'go: the gateway''s port'`); the others as PyYAML chooses."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    node = dumper.represent_str(value)
    if "'" in value:
        node.style = '"'
    return node


_Dumper.add_representer(str, _text)


def changes_annotation(commits: list[tags.Commit], first: bool = False) -> str:
    """The artifacthub.io/changes annotation's YAML text: plain YAML, no escapes."""
    found = sorted(entries(commits), key=lambda e: KINDS.index(e.kind))  # by kind, as the notes list them
    listed = [{"kind": e.kind, "description": e.description} for e in found]
    if not listed:
        listed = [{"kind": "added", "description": "First release"} if first else
                  {"kind": "changed", "description": "Rebuilt with the charts it includes"}]
    return yaml.dump(listed, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1000)
