"""What was released: a git tag per chart version, `CHART-X.Y.Z` (as chart-releaser names them),
the files that changed since, the commits since, and the version gate built on them.

A chart's files are its own folder and the folders of the charts it depends on (their files are in
its archive through the dependency archives under charts/). The gate: a chart whose files differ from its last
released version must carry a higher version than that release.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import semver

from quikapp_charts.core import paths
from quikapp_charts.core.errors import UserError
from quikapp_charts.core.git import git, is_repository
from quikapp_charts.release.chart_versions import Chart, ordered

# The subject of the commit `quikapp-charts release` makes; such commits are not changes of their own.
RELEASE_SUBJECT = "Release "


def tag_name(chart: str, version: str) -> str:
    return f"{chart}-{version}"


def releases(chart: str, root: Path | None = None) -> list[tuple[semver.Version, str]]:
    """(version, tag) of every released version of chart, oldest first."""
    found = []
    for tag in git("tag", "--list", f"{chart}-*", root=root).split():
        try:
            found.append((semver.Version.parse(tag[len(chart) + 1:]), tag))
        except ValueError:
            continue  # another chart's tag (quikapp-lib-... for quikapp) or not a version
    return sorted(found)


def chart_folders(chart: Chart, charts: dict[str, Chart]) -> list[str]:
    """The repository paths whose files end up in chart's archive: its folder and its dependencies'."""
    folders, pending = [], [chart]
    while pending:
        current = pending.pop(0)
        folder = paths.shown(current.directory)
        if folder in folders:
            continue
        folders.append(folder)
        pending += [charts[dep["name"]] for dep in current.dependencies() if dep.get("name") in charts]
    return folders


def changed_files(since: str, folders: list[str], root: Path | None = None) -> list[str]:
    """Files under folders that differ between the tag and the working tree (untracked ones included)."""
    changed = git("diff", "--name-only", since, "--", *folders, root=root).split("\n")
    untracked = git("ls-files", "--others", "--exclude-standard", "--", *folders, root=root).split("\n")
    return sorted({name for name in changed + untracked if name})


@dataclass
class Commit:
    sha: str
    subject: str
    date: str
    changelog: str = ""   # the `Changelog:` trailer (README: Releasing)
    # The `Breaking-Change:` trailers: what breaks and the upgrade step, one per trailer.
    breaking: list[str] = field(default_factory=list)


# Fields by unit separators, records by record separators: a trailer may hold any other character.
_TRAILER = "%(trailers:key={},valueonly,unfold,separator=%x1d)"
_FORMAT = "%x1f".join(["%H", "%s", "%cs", _TRAILER.format("Changelog"), _TRAILER.format("Breaking-Change")]) + "%x1e"


def commits(since: str | None, folders: list[str], root: Path | None = None, until: str = "HEAD") -> list[Commit]:
    """Commits touching folders after `since` (a tag; None for the whole history) up to `until`, newest
    first, without the release commits."""
    span = f"{since}..{until}" if since else until
    out = git("log", f"--format={_FORMAT}", span, "--", *folders, root=root)
    found = []
    for record in out.split("\x1e"):
        if not record.strip():
            continue
        sha, subject, date, changelog, breaking = record.strip("\n").split("\x1f")
        if not subject.startswith(RELEASE_SUBJECT):
            found.append(Commit(sha, subject, date, changelog.split("\x1d")[0].strip(),
                                [step.strip() for step in breaking.split("\x1d") if step.strip()]))
    return found


def is_tagged(tag: str, root: Path | None = None) -> bool:
    return bool(git("tag", "--list", tag, root=root).strip())


def unreleased(charts: dict[str, Chart], wanted: list[Chart], root: Path | None = None) -> list[str]:
    """One line per chart of wanted whose archive is no release: its version has no tag, or its
    files (its folder and those of the charts it includes) differ from the tag's."""
    problems = []
    for chart in wanted:
        tag = tag_name(chart.name, str(chart.version))
        if not is_tagged(tag, root):
            problems.append(f"{tag}.tgz: version {chart.version} of {chart.name} has no release tag {tag}; cut it "
                            f"with `quikapp-charts release {chart.name} PART` (PART `first` for a first release)")
            continue
        changed = changed_files(tag, chart_folders(chart, charts), root)
        if changed:
            shown = ", ".join(changed[:3]) + (f" and {len(changed) - 3} more" if len(changed) > 3 else "")
            problems.append(f"{tag}.tgz: {shown} changed since the tag {tag}; release a new version "
                            f"(`quikapp-charts release {chart.name} patch`)")
    return problems


@dataclass
class Status:
    chart: str
    version: str
    released: str | None = None   # the last released version's tag
    changed: list[str] = field(default_factory=list)

    @property
    def problem(self) -> str | None:
        if not self.released:
            return None
        last = semver.Version.parse(self.released[len(self.chart) + 1:])
        current = semver.Version.parse(self.version)
        if current < last:
            return f"{self.chart}: version {self.version} is below the released {last} (tag {self.released})"
        if self.changed and current == last:
            shown = ", ".join(self.changed[:8]) + (f" and {len(self.changed) - 8} more" if len(self.changed) > 8 else "")
            return (f"{self.chart}: {shown} changed since {self.released} but the version is still {self.version}; "
                    f"bump it (`quikapp-charts bump {self.chart} patch`)")
        return None


def status(charts: dict[str, Chart], root: Path | None = None) -> list[Status]:
    """Per chart: its version, its last release and the files changed since."""
    if not is_repository(root):
        raise UserError(f"{root or paths.ROOT}: not a git repository; versions are checked against its tags")
    rows = []
    for chart in ordered(charts):
        row = Status(chart.name, str(chart.version))
        released = releases(chart.name, root)
        if released:
            row.released = released[-1][1]
            row.changed = changed_files(row.released, chart_folders(chart, charts), root)
        rows.append(row)
    return rows
