"""`quikapp-charts release CHART PART [--app-version X.Y.Z] [--dry-run]`: cut a release in one go.

On a clean checkout: bump CHART and everything depending on it (chart_versions.py), write each
bumped chart's CHANGELOG.md and `artifacthub.io/changes` from the commits since its last release
tag (release/notes.py), regenerate what is generated from Chart.yaml, record the render snapshots,
commit, tag each bumped chart `CHART-X.Y.Z`, and package the bumped charts reproducibly (signed
with --sign). Publishing stays a step of its own (`quikapp-charts publish`). When a step fails, the
files it wrote are put back and nothing is committed or tagged.
"""
from __future__ import annotations

import contextlib
import subprocess
import sys
from pathlib import Path

import click

from quikapp_charts.catalogue import chart_docs, dependencies
from quikapp_charts.core import console, paths
from quikapp_charts.core.errors import CheckFailed, UserError
from quikapp_charts.core.files import write_atomically
from quikapp_charts.core.git import git
from quikapp_charts.environments import plan as env_plan
from quikapp_charts.environments import promotion
from quikapp_charts.release import archives, chart_versions, immutable, tags
from quikapp_charts.release import notes as release_notes
from quikapp_charts.release.archive_options import archive_options, signer_of

CHANGES = "artifacthub.io/changes"
SIGN_KEY = "artifacthub.io/signKey"
SNAPSHOTS = "tests/charts/test_snapshots.py"
KEY_URL = "https://charts.quikapp.dev/pubkey.asc"
UMBRELLA = "quikapp"
FIRST = "first"  # PART of a chart's first release: tagged at the version it carries


def first_release(chart: str, charts: dict) -> dict[str, tuple[str, str]]:
    """PART `first`: chart and every chart it includes that was never released, at their versions."""
    if chart not in charts:
        raise UserError(f"release: no chart '{chart}' under charts/ (known: {', '.join(sorted(charts))})")
    if tags.releases(chart):
        raise UserError(f"release: {chart} was released already ({tags.releases(chart)[-1][1]}); "
                        "give major, minor, patch or X.Y.Z")
    included = {folder.rsplit("/", 1)[-1] for folder in tags.chart_folders(charts[chart], charts)}
    return {name: (str(charts[name].version),) * 2 for name in included if not tags.releases(name)}


def plan(chart: str, part: str, app_version: str | None) -> tuple[dict, dict, dict]:
    """(changes, charts, commits per released chart)."""
    charts = chart_versions.load_charts()
    if app_version:
        app_version = chart_versions.check_app_version(app_version)
    if part == FIRST:
        if app_version:
            raise UserError("release: a first release keeps the versions it finds; --app-version needs a bump")
        planned = first_release(chart, charts)
    else:
        planned = chart_versions.plan(chart, part, charts, app_version)
    changes = {c.name: planned[c.name] for c in chart_versions.ordered(charts) if c.name in planned}
    commits = {name: release_notes.pending(charts[name], charts) for name in changes}
    return changes, charts, commits


def record_snapshots() -> None:
    if not (paths.ROOT / SNAPSHOTS).is_file():
        return
    result = subprocess.run([sys.executable, "-m", "pytest", SNAPSHOTS, "--snapshot-update", "-q", "-p", "no:cacheprovider"],
                            cwd=paths.ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        tail = [line for line in result.stdout.splitlines() if line.strip()][-1:] or ["no output"]
        raise UserError(f"{SNAPSHOTS}: recording the snapshots failed ({tail[0].strip()})")


def write_release(changes: dict, charts: dict, commits: dict, app_version: str | None,
                  signer: archives.Signer | None, key_url: str, created: list[Path]) -> None:
    """Chart.yaml files, changelogs, READMEs, dependency archives and snapshots of the release (no
    commit yet); the files it creates are added to created."""
    annotations = {name: {CHANGES: release_notes.changes_annotation(commits[name], not tags.releases(name))}
                   for name in changes}
    if signer:
        for name in changes:
            annotations[name][SIGN_KEY] = f"fingerprint: {signer.fingerprint}\nurl: {key_url}\n"
    chart_versions.apply(changes, charts, app_version, annotations)
    charts = chart_versions.load_charts()
    for name, (_, new) in changes.items():
        write_atomically(charts[name].directory / "CHANGELOG.md", release_notes.changelog(charts[name], charts, new))
    chart_docs.write_all()
    created.extend(dependencies.sync())  # last: the archives carry the files written above
    if any(old != new for old, new in changes.values()):
        record_snapshots()  # the helm.sh/chart labels; a first release changes no version


def charts_readmes(charts: dict) -> list[Path]:
    return [chart.directory / "README.md" for chart in charts.values()]


def put_back(created: list[Path]) -> None:
    """Undo a failed release on a checkout that was clean: tracked files back to HEAD, new files removed."""
    git("checkout", "HEAD", "--", ".", check=False)
    for path in created:
        if path.exists() and not git("ls-files", str(path), check=False).strip():
            path.unlink()


def cut(rows: list[dict], changes: dict, charts: dict, commits: dict, app_version: str | None,
        signer: archives.Signer | None, key_url: str) -> None:
    """Write, commit and tag the release; on failure put the files back."""
    created = [charts[name].directory / "CHANGELOG.md" for name in changes] + \
        [path for path in charts_readmes(charts) if not path.exists()]
    try:
        write_release(changes, charts, commits, app_version, signer, key_url, created)
        snapshots = ["tests/charts/__snapshots__"] if (paths.ROOT / "tests/charts/__snapshots__").is_dir() else []
        # A new umbrella release goes to the first stage (dev) with it; promote takes it further.
        if UMBRELLA in changes and promotion.raise_first_stage(UMBRELLA, changes[UMBRELLA][1]):
            snapshots.append(env_plan.FILE)
        # What the release changed and the files it made; nothing else of the checkout.
        git("add", "--update", "--", "charts", *snapshots)
        git("add", "--", *(str(path) for path in created if path.exists()))
        git("commit", "--quiet", "-m", "Release " + ", ".join(row["tag"] for row in rows))
    except BaseException:
        put_back(created)
        raise
    for row in rows:
        git("tag", "--annotate", row["tag"], "-m", f"{row['chart']} {row['to']}")


@click.command("release")
@click.argument("chart")
@click.argument("part")
@click.option("--app-version", metavar="X.Y.Z", help="The QuikApp release for every application chart.")
@archive_options
@click.option("--key-url", default=KEY_URL, show_default=True,
              help="Where the signing key's public part is published (Artifact Hub's signKey).")
@click.option("--dry-run", is_flag=True, help="Show the versions, tags and notes; write nothing.")
@console.output_option
def command(chart: str, part: str, app_version: str | None, out: Path, sign_key: str | None,
            keyring: Path | None, passphrase_file: Path | None, key_url: str, dry_run: bool, output: str) -> None:
    """Bump CHART (PART: major, minor, patch, X.Y.Z, or first), write notes, snapshots, commit, tag, package.

    PART `first` releases CHART and every chart it includes that has no release tag yet, each at the
    version it carries (`release quikapp first`: all seven)."""
    signer = signer_of("release", sign_key, keyring, passphrase_file)
    if not tags.is_repository():
        raise UserError(f"{paths.ROOT}: not a git repository; a release is a commit and tags")
    dirty = git("status", "--porcelain", "--untracked-files=no").splitlines()
    if dirty and not dry_run:
        raise UserError(f"release: commit or stash first; {len(dirty)} changed file(s), e.g. {dirty[0][3:]}")
    stale = chart_docs.drifted() + [line.split(":")[0] for line in dependencies.drift()]
    if stale:
        raise UserError(f"release: {', '.join(stale)} differ from what `quikapp-charts generate` writes; "
                        "generate and commit first")
    changes, charts, commits = plan(chart, part, app_version)
    taken = [tags.tag_name(name, new) for name, (_, new) in changes.items()
             if git("tag", "--list", tags.tag_name(name, new)).strip()]
    if taken:
        raise UserError(f"release: tag {', '.join(taken)} exists already; that version was released")
    if immutable.CHART in changes:
        refused = immutable.problem(changes[immutable.CHART][1])
        if refused:
            raise CheckFailed(refused)
    rows = [{"chart": name, "from": old, "to": new, "tag": tags.tag_name(name, new), "commits": len(commits[name])}
            for name, (old, new) in changes.items()]
    packaged = []
    if not dry_run:
        with signer or contextlib.nullcontext():
            cut(rows, changes, charts, commits, app_version, signer, key_url)
            packaged = archives.package_all(out, list(changes), signer)
    if output == "json":
        console.emit_json({"dryRun": dry_run, "appVersion": app_version, "charts": rows, "packaged": packaged})
        return
    console.print_table("release (dry run: nothing written)" if dry_run else f"released, packaged into {paths.shown(out)}",
                        ["chart", "from", "to", "tag", "commits"],
                        [[r["chart"], r["from"], r["to"], r["tag"], str(r["commits"])] for r in rows])
    if dry_run:
        for name in changes:
            click.echo(f"\n{CHANGES} of {name}:\n{release_notes.changes_annotation(commits[name], not tags.releases(name))}",
                       nl=False)
