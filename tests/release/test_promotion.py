"""Promotion in a scratch clone with a chart repository on 127.0.0.1: N and N+1 released and
published, N+1 goes to dev with its release, is refused for live, then goes stage by stage to live,
one commit per step; every refusal is one line and leaves the pins and the history alone."""
from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml

from quikapp_charts.core import paths
from release_support import cli, fresh_clone, git, helm_env, rebuilt

pytestmark = pytest.mark.slow

CHARTS = ["quikapp-lib", *paths.STACKS, "quikapp"]
N, NEXT = "0.1.0", "0.1.1"


def pins(clone) -> dict[str, str]:
    plan = yaml.safe_load((clone / "deploy/environments.yaml").read_text())
    return {env: entry["chartVersion"] for env, entry in plan["environments"].items()}


def publish(clone, dist, repo) -> None:
    folder, url = repo
    result = cli(clone, "publish", str(dist), "--repo-dir", str(folder), "--url", url)
    assert result.returncode == 0, result.stderr


def place_unreleased(archive, repo) -> None:
    """An archive put into the repository by other means than `publish`, which refuses a version
    that has no release tag here."""
    folder, url = repo
    shutil.copy(archive, folder / archive.name)
    subprocess.run([paths.tool("helm"), "repo", "index", str(folder), "--url", url, "--merge", str(folder / "index.yaml")],
                   check=True, capture_output=True)


@pytest.fixture
def promoted_clone(tmp_path, served):
    """A clone with N (every chart tagged) and N+1 (`release quikapp patch` after a change to qa's
    values) published to the served repository; (clone, url, helm environment)."""
    clone = fresh_clone(paths.ROOT, tmp_path / "clone")
    for chart in CHARTS:
        git(clone, "tag", f"{chart}-{N}")
    env = helm_env(tmp_path)
    packaged = cli(clone, "package", "quikapp", "--out", str(tmp_path / "dist-n"))
    assert packaged.returncode == 0, packaged.stderr
    publish(clone, tmp_path / "dist-n", served)
    qa = clone / "values/qa.yaml"
    qa.write_text(qa.read_text().replace("LOG_LEVEL: debug", "LOG_LEVEL: info", 1))
    git(clone, "commit", "-qam", "qa: info logs")
    released = cli(clone, "release", "quikapp", "patch", "--out", str(tmp_path / "dist-next"))
    assert released.returncode == 0, released.stderr
    publish(clone, tmp_path / "dist-next", served)
    return clone, served[1], env


def promote(clone, url, env, version, target):
    return cli(clone, "promote", version, "--to", target, "--repo", url, env=env)


def refused(result, code: int, text: str) -> None:
    assert result.returncode == code, result.stderr
    assert result.stderr == f"error: {text}\n"


def test_a_version_goes_stage_by_stage_from_dev_to_live(promoted_clone):
    clone, url, env = promoted_clone
    # The release pinned the first stage, in its own commit.
    assert pins(clone) == {"dev": NEXT, **{e: N for e in ("qa", "uat1", "uat2", "uat3", "staging", "live")}}
    assert git(clone, "log", "-1", "--format=%s").startswith("Release ")
    head = git(clone, "rev-parse", "HEAD")
    result = promote(clone, url, env, NEXT, "dev")
    assert (result.returncode, result.stdout) == (0, f"dev runs {NEXT} already; nothing to promote\n")
    refused(promote(clone, url, env, NEXT, "live"), 1,
            f"promote {NEXT} --to live: stage 4 has not run {NEXT}: staging (runs {N}); promote it there first")
    assert git(clone, "rev-parse", "HEAD") == head

    result = promote(clone, url, env, NEXT, "qa")
    assert result.returncode == 0, result.stderr
    # The objects that change: qa's config of the new release, and every chart label.
    assert "changed ConfigMap/quikapp-config\n" in result.stdout
    assert "  ~ data.LOG_LEVEL: debug -> info\n" in result.stdout
    assert f'  ~ metadata.labels["helm.sh/chart"]: quikapp-{N} -> quikapp-{NEXT}\n' in result.stdout
    assert result.stdout.splitlines()[-1].startswith(f"qa: {N} -> {NEXT}, committed ")
    assert git(clone, "log", "-1", "--format=%s").strip() == f"Promote quikapp {NEXT} to qa (from {N})"
    assert git(clone, "diff", "--name-only", "HEAD~1", "HEAD").split() == ["deploy/environments.yaml"]
    assert git(clone, "status", "--porcelain") == ""

    assert promote(clone, url, env, NEXT, "uat1").returncode == 0
    refused(promote(clone, url, env, NEXT, "staging"), 1,
            f"promote {NEXT} --to staging: stage 3 has not run {NEXT}: uat2 (runs {N}), uat3 (runs {N}); "
            "promote it there first")
    for target in ("uat2", "uat3", "staging", "live"):
        result = promote(clone, url, env, NEXT, target)
        assert result.returncode == 0, (target, result.stderr)
    assert set(pins(clone).values()) == {NEXT}
    subjects = git(clone, "log", "-6", "--format=%s").splitlines()
    assert subjects == [f"Promote quikapp {NEXT} to {e} (from {N})" for e in ("live", "staging", "uat3", "uat2", "uat1", "qa")]


def test_promote_refuses_with_one_line(promoted_clone, tmp_path, served):
    clone, url, env = promoted_clone
    head, before = git(clone, "rev-parse", "HEAD").strip(), pins(clone)
    refused(promote(clone, url, env, NEXT, "local"), 2,
            "deploy/environments.yaml: 'local' is not an Argo CD environment (the file lists dev, qa, uat1, uat2, "
            "uat3, staging, live)")
    refused(promote(clone, url, env, "next", "qa"), 2, "promote: 'next' is not a version X.Y.Z")
    result = promote(clone, url, env, "0.1.2", "dev")
    assert result.returncode == 2 and result.stderr.startswith(f"error: promote 0.1.2: {url} serves no quikapp 0.1.2 (")
    assert result.stderr.endswith("); publish it first\n") and result.stderr.count("\n") == 1
    # Published, but no release of this repository: its values are unknown.
    place_unreleased(rebuilt(tmp_path / "dist-next/quikapp-0.1.1.tgz", tmp_path / "dist-2", "0.1.2"), served)
    refused(promote(clone, url, env, "0.1.2", "dev"), 2,
            "promote 0.1.2: no release tag quikapp-0.1.2 in this repository (its values are that tag's)")
    # A release whose values the published chart refuses (a key that chart's schema does not know).
    dev = clone / "values/dev.yaml"
    dev.write_text(dev.read_text().replace("global:\n", "global:\n  zoneSpreading: true\n", 1))
    git(clone, "commit", "-qam", "dev: a key of a later chart")
    git(clone, "tag", "quikapp-0.1.2")
    refused(promote(clone, url, env, "0.1.2", "dev"), 1,
            "promote 0.1.2 --to dev: values/dev.yaml of quikapp-0.1.2 does not validate against chart quikapp "
            "0.1.2: global: additional properties 'zoneSpreading' not allowed")
    git(clone, "reset", "-q", "--hard", head)
    # An environment added after the release: that release has no values for it.
    plan = clone / "deploy/environments.yaml"
    plan.write_text(plan.read_text() + "  perf:\n    cluster: quikapp-nonprod\n    namespace: quikapp-perf\n"
                    "    tier: non-production\n    sync: automated\n    stage: 1\n    chartVersion: 0.1.0\n")
    git(clone, "commit", "-qam", "perf, a new environment")
    refused(promote(clone, url, env, NEXT, "perf"), 1,
            f"promote {NEXT} --to perf: values/perf.yaml is not in release quikapp-{NEXT}")
    git(clone, "reset", "-q", "--hard", head)
    # A pin edited by hand and not committed: promote would commit it unseen.
    plan.write_text(plan.read_text() + "# draft\n")
    refused(promote(clone, url, env, NEXT, "qa"), 2,
            "deploy/environments.yaml: has changes that are not committed; commit or drop them first")
    plan.write_text(plan.read_text().removesuffix("# draft\n"))
    assert git(clone, "rev-parse", "HEAD").strip() == head and pins(clone) == before
