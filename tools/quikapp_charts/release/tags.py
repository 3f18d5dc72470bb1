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


def commits(since: str | None, folders: list[str], root: Path | None = None, until: str = "HEAD") -> list[Commit]:
    """Commits touching folders after `since` (a tag; None for the whole history) up to `until`, newest
    first, without the release commits."""
    span = f"{since}..{until}" if since else until
    out = git("log", "--format=%H%x1f%s%x1f%cs", span, "--", *folders, root=root)
    found = []
    for line in out.splitlines():
        sha, subject, date = line.split("\x1f")
        if not subject.startswith(RELEASE_SUBJECT):
            found.append(Commit(sha, subject, date))
    return found


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
