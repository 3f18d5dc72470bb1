"""The version gate against the release tags, and `release` cutting a release in one go, in fresh
clones of the repository."""
from __future__ import annotations

import json
import subprocess

import pytest
import yaml

from quikapp_charts.core import paths
from quikapp_charts.release import notes as release_notes
from quikapp_charts.release import tags
from release_support import cli, cli_process, fresh_clone, git, tag_releases

pytestmark = pytest.mark.slow

CHARTS = ["quikapp-lib", *paths.STACKS, "quikapp"]


@pytest.fixture
def released_clone(tmp_path):
    """A clone whose every chart's current version is released (tagged as chart-releaser tags)."""
    return tag_releases(fresh_clone(paths.ROOT, tmp_path / "clone"))


def versions(clone) -> tuple[int, list[dict], str]:
    result = cli(clone, "versions", "-o", "json")
    return result.returncode, json.loads(result.stdout), result.stderr


def test_this_repository_passes_its_version_gate():
    result = cli_process(paths.ROOT, "versions")  # as CI runs it: the exit status of a process
    assert result.returncode == 0, result.stderr


def test_a_chart_changed_since_its_release_must_carry_a_higher_version(released_clone):
    clone = released_clone
    code, rows, _ = versions(clone)
    assert code == 0 and all(row["released"] == f"{row['chart']}-{row['version']}" for row in rows)

    helpers = clone / "charts/quikapp-lib/values.yaml"
    helpers.write_text(helpers.read_text() + "# a later change\n")
    (clone / "charts/go/NOTES-draft.txt").write_text("untracked files count too\n")
    code, rows, stderr = versions(clone)
    assert code == 1
    lines = stderr.strip().splitlines()
    # The library, every stack that includes it and the umbrella: each named with its files.
    assert lines[0] == ("quikapp-lib: charts/quikapp-lib/values.yaml changed since quikapp-lib-0.1.0 "
                        "but the version is still 0.1.0; bump it (`quikapp-charts bump quikapp-lib patch`)")
    assert lines[4].startswith("go: charts/go/NOTES-draft.txt, charts/quikapp-lib/values.yaml changed since go-0.1.0")
    assert len(lines) == 8 and lines[-1] == "error: 7 chart(s) changed without a version above their last release"

    bumped = cli(clone, "bump", "quikapp-lib", "patch")
    assert bumped.returncode == 0, bumped.stderr
    code, rows, stderr = versions(clone)
    assert code == 0, stderr
    assert {row["chart"]: row["version"] for row in rows} == {chart: "0.1.1" for chart in CHARTS}

    # A version below the released one is refused as well.
    chart_yaml = clone / "charts/go/Chart.yaml"
    chart_yaml.write_text(chart_yaml.read_text().replace("version: 0.1.1", "version: 0.0.9", 1))
    code, _, stderr = versions(clone)
    assert code == 1 and "go: version 0.0.9 is below the released 0.1.0 (tag go-0.1.0)" in stderr


def commit_change(clone, relative: str, line: str, message: str) -> None:
    """A change as a contributor makes it: edit, `generate` (the umbrella's archive of the chart), commit
    (message: subject, then a blank line and the trailers)."""
    path = clone / relative
    path.write_text(path.read_text() + line)
    generated = cli(clone, "generate")
    assert generated.returncode == 0, generated.stderr
    git(clone, "add", "-A", ".")
    git(clone, "commit", "-qm", message)


def test_release_refuses_a_checkout_whose_generated_files_are_stale(released_clone):
    clone = released_clone
    values = clone / "charts/go/values.yaml"
    values.write_text(values.read_text() + "# tuned\n")
    git(clone, "commit", "-qam", "fix(go): tune without generate")
    result = cli(clone, "release", "go", "patch", "--dry-run")
    assert result.returncode == 2
    assert result.stderr.strip() == ("error: release: charts/quikapp/charts/go-0.1.0.tgz differ from what "
                                     "`quikapp-charts generate` writes; generate and commit first")


def test_release_dry_run_shows_the_plan_and_writes_nothing(released_clone):
    clone = released_clone
    commit_change(clone, "charts/go/values.yaml", "# tuned\n", "fix(go): the probe timeouts")
    head = git(clone, "rev-parse", "HEAD")
    result = cli(clone, "release", "go", "patch", "--dry-run", "-o", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert [(r["chart"], r["from"], r["to"], r["tag"], r["commits"]) for r in report["charts"]] == [
        ("go", "0.1.0", "0.1.1", "go-0.1.1", 1), ("quikapp", "0.1.0", "0.1.1", "quikapp-0.1.1", 1)]
    assert git(clone, "status", "--porcelain") == "" and git(clone, "rev-parse", "HEAD") == head
    assert git(clone, "tag", "--list", "*-0.1.1") == ""
    assert not (clone / "dist").exists()


def test_release_refuses_a_dirty_checkout(released_clone):
    clone = released_clone
    (clone / "charts/go/values.yaml").write_text((clone / "charts/go/values.yaml").read_text() + "# edit\n")
    result = cli_process(clone, "release", "go", "patch")
    assert result.returncode == 2
    assert result.stderr.strip() == "error: release: commit or stash first; 1 changed file(s), e.g. charts/go/values.yaml"
    assert git(clone, "tag", "--list", "go-0.1.1") == ""


def test_release_bumps_writes_notes_records_snapshots_commits_tags_and_packages(released_clone, signing_key):
    clone = released_clone
    secring, pubring = signing_key
    commit_change(clone, "charts/go/values.yaml", "# tuned\n", "fix(go): the probe timeouts")
    result = cli(clone, "release", "go", "patch", "--app-version", "2.7.0", "--out", str(clone / "dist"),
                 "--sign", "QuikApp Release", "--keyring", str(secring), "-o", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    # appVersion moved for every application chart, so each is released (quikapp-lib has none).
    assert {r["chart"]: r["to"] for r in report["charts"]} == {chart: "0.1.1" for chart in CHARTS if chart != "quikapp-lib"}
    assert git(clone, "status", "--porcelain") == ""   # snapshots recorded and committed
    subject = git(clone, "log", "-1", "--format=%s").strip()
    assert subject == "Release " + ", ".join(f"{c}-0.1.1" for c in CHARTS if c != "quikapp-lib")
    for chart in report["charts"]:
        assert git(clone, "rev-list", "-n1", chart["tag"]) == git(clone, "rev-parse", "HEAD")
    go = yaml.safe_load((clone / "charts/go/Chart.yaml").read_text())
    assert go["version"] == "0.1.1" and go["appVersion"] == "2.7.0"
    assert yaml.safe_load(go["annotations"]["artifacthub.io/changes"]) == [
        {"kind": "fixed", "description": "go: the probe timeouts"}]
    changelog = (clone / "charts/go/CHANGELOG.md").read_text()
    assert "\n## 0.1.1 (" in changelog and "- **go**: the probe timeouts (" in changelog
    # The release commit itself is no change of the next version; the gate is satisfied.
    assert cli(clone, "versions").returncode == 0
    assert sorted(p.name for p in (clone / "dist").iterdir()) == sorted(
        f"{c}-0.1.1{ext}" for c in CHARTS if c != "quikapp-lib" for ext in (".tgz", ".tgz.prov", ".md"))
    verified = subprocess.run([paths.tool("helm"), "verify", str(clone / "dist/quikapp-0.1.1.tgz"), "--keyring",
                               str(pubring)], capture_output=True, text=True)
    assert verified.returncode == 0, verified.stderr
    # Artifact Hub's signKey names the key that signed; the README and the images follow the release.
    fingerprint = verified.stdout.split("Using Key With Fingerprint: ")[1].split()[0]
    assert yaml.safe_load(go["annotations"]["artifacthub.io/signKey"]) == {
        "fingerprint": fingerprint, "url": "https://charts.quikapp.dev/pubkey.asc"}
    assert "quikapp.azurecr.io/search-service:2.7.0" in go["annotations"]["artifacthub.io/images"]
    assert "| Chart version | 0.1.1 |" in (clone / "charts/go/README.md").read_text()
    assert cli(clone, "generate", "--check").returncode == 0
    snapshot_text = "".join(p.read_text() for p in (clone / "tests/charts/__snapshots__").rglob("*") if p.is_file())
    assert 'helm.sh/chart: "go-0.1.1"' in snapshot_text and 'helm.sh/chart: "go-0.1.0"' not in snapshot_text


def test_a_first_release_cuts_every_chart_at_its_version_as_the_readme_says(tmp_path):
    clone = fresh_clone(paths.ROOT, tmp_path / "clone")
    for tag in git(clone, "tag", "--list").split():
        git(clone, "tag", "-d", tag)   # whatever the source holds: a repository never released
    result = cli(clone, "release", "quikapp", "first", "--out", str(clone / "dist"), "-o", "json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert [(r["chart"], r["from"], r["to"], r["tag"]) for r in report["charts"]] == [
        (chart, "0.1.0", "0.1.0", f"{chart}-0.1.0") for chart in CHARTS]
    head = git(clone, "rev-parse", "HEAD")
    assert all(git(clone, "rev-list", "-n1", f"{chart}-0.1.0") == head for chart in CHARTS)
    assert git(clone, "log", "-1", "--format=%s").strip() == "Release " + ", ".join(f"{c}-0.1.0" for c in CHARTS)
    assert git(clone, "status", "--porcelain") == ""
    go = yaml.safe_load((clone / "charts/go/Chart.yaml").read_text())
    # Every user-visible commit of the history before it, or "First release" when there is none.
    history = release_notes.entries(tags.commits(None, ["charts/go", "charts/quikapp-lib"], root=clone))
    listed = [{"kind": e.kind, "description": e.description} for e in history]
    assert yaml.safe_load(go["annotations"]["artifacthub.io/changes"]) == (
        sorted(listed, key=lambda e: release_notes.KINDS.index(e["kind"])) or
        [{"kind": "added", "description": "First release"}])
    assert "\n## 0.1.0 (" in (clone / "charts/go/CHANGELOG.md").read_text()
    notes = (clone / "dist/go-0.1.0.md").read_text()
    assert notes.startswith("# go 0.1.0\n\nReleased ") and f"as the tag `go-0.1.0`; appVersion {go['appVersion']}" in notes
    assert "\n## Breaking changes / upgrade steps\n\n" in notes
    assert all(f"{e.text} ({e.sha[:12]})" in notes for e in history)
    assert notes.endswith("\n\nFirst release.\n") == (not history)
    assert sorted(p.name for p in (clone / "dist").iterdir()) == sorted(
        f"{c}-0.1.0{ext}" for c in CHARTS for ext in (".tgz", ".md"))
    assert cli(clone, "versions").returncode == 0 and cli(clone, "generate", "--check").returncode == 0
    again = cli(clone, "release", "go", "first")
    assert again.returncode == 2
    assert again.stderr.strip() == "error: release: go was released already (go-0.1.0); give major, minor, patch or X.Y.Z"


# (file changed, commit message): user-visible by the convention or not, on go, the library, or no chart.
COMMITS = [
    ("charts/go/values.yaml", "feat(go): a readiness probe on the gateway's gRPC port"),
    ("charts/quikapp-lib/values.yaml", "perf(quikapp-lib): render the security contexts once"),
    ("charts/go/values.yaml", "fix(go): shorter probe timeouts\n\nChangelog: security"),
    ("README.md", "feat: describe the release flow"),
    ("charts/go/values.yaml", "refactor(go)!: one name for the gRPC port\n\n"
                              "Breaking-Change: rename ports.grpc-alt to ports.grpc in values files"),
    ("charts/go/values.yaml", "fix(go): a typo in a comment\n\nChangelog: skip"),
    ("charts/go/values.yaml", "Tune the probes for security"),
    ("charts/quikapp-lib/values.yaml", "chore(quikapp-lib): tidy\n\nChangelog: deprecated"),
]


def test_release_notes_list_exactly_the_user_visible_commits_by_their_kinds(released_clone):
    clone = released_clone
    shas = {}
    for number, (path, message) in enumerate(COMMITS):
        commit_change(clone, path, f"# change {number}\n", message)
        shas[message.split("\n")[0]] = git(clone, "rev-parse", "HEAD").strip()[:12]
    result = cli(clone, "release", "go", "patch", "--out", str(clone / "dist"))
    assert result.returncode == 0, result.stderr

    def sha(subject_start: str) -> str:
        return next(value for key, value in shas.items() if key.startswith(subject_start))
    body = (f"## Breaking changes / upgrade steps\n\n"
            f"- rename ports.grpc-alt to ports.grpc in values files ({sha('refactor(go)!')})\n\n"
            f"## Added\n\n- **go**: a readiness probe on the gateway's gRPC port ({sha('feat(go)')})\n\n"
            f"## Changed\n\n- **go**: one name for the gRPC port ({sha('refactor(go)!')})\n\n"
            f"## Deprecated\n\n- **quikapp-lib**: tidy ({sha('chore(quikapp-lib)')})\n\n"
            f"## Security\n\n- **go**: shorter probe timeouts ({sha('fix(go): shorter')})\n")
    notes = (clone / "dist/go-0.1.1.md").read_text()
    assert notes.startswith("# go 0.1.1\n\nReleased ") and notes.endswith("\n\n" + body)
    changelog = (clone / "charts/go/CHANGELOG.md").read_text()
    newest = changelog.split("\n## 0.1.1 (", 1)[1].split("\n## 0.1.0 (", 1)[0]
    assert newest.split("\n", 2)[2] == body.replace("## ", "### ")
    chart_text = (clone / "charts/go/Chart.yaml").read_text()
    assert "\\u" not in chart_text and 'description: "go: a readiness probe on the gateway\'s gRPC port"' in chart_text
    assert yaml.safe_load(yaml.safe_load(chart_text)["annotations"]["artifacthub.io/changes"]) == [
        {"kind": "added", "description": "go: a readiness probe on the gateway's gRPC port"},
        {"kind": "changed", "description": "go: one name for the gRPC port"},
        {"kind": "deprecated", "description": "quikapp-lib: tidy"},
        {"kind": "security", "description": "go: shorter probe timeouts"}]
    # The umbrella includes go and the library: the same notes, under its own name.
    assert (clone / "dist/quikapp-0.1.1.md").read_text().endswith("\n\n" + body)
