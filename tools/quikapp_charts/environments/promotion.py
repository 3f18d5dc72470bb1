"""Promotion: one chart version moved stage by stage. `promote VERSION --to ENV`:

1. ENV is an Argo CD environment and every environment of the stage before ENV's runs VERSION;
2. the chart repository serves VERSION (`helm pull` from the URL of deploy/environments.yaml or
   --repo), and ENV's values file of that release (git tag quikapp-VERSION) renders with that chart,
   its values schema and template checks, as Argo CD would render it;
3. ENV's pin in deploy/environments.yaml is raised in one commit, which the ApplicationSets read;
4. the objects that change: ENV's render at its current pin against the one at VERSION.
Any refusal is one line and leaves the file and the history as they were."""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import semver

from quikapp_charts.checks import object_diff
from quikapp_charts.core import git, helm, rendering
from quikapp_charts.core.errors import CheckFailed, UserError
from quikapp_charts.environments import plan as env_plan
from quikapp_charts.release import tags


class Refused(CheckFailed):
    """The promotion may not go ahead (exit 1)."""


@dataclass
class Promotion:
    env: str
    version: str
    previous: str
    commit: str | None = None
    diff: list[object_diff.ObjectDiff] | None = None
    unchanged: int = 0


def check_order(plan: env_plan.Plan, env: env_plan.Environment, version: str) -> None:
    """Refused unless every environment of the stage before env's runs version."""
    behind = [e for e in plan.previous_stage(env) if e.chart_version != version]
    if behind:
        names = ", ".join(f"{e.name} (runs {e.chart_version})" for e in behind)
        raise Refused(f"promote {version} --to {env.name}: stage {behind[0].stage} has not run {version}: "
                      f"{names}; promote it there first")


def pull(chart: str, version: str, repository: str, into: Path) -> Path:
    """The chart archive of version from the repository; UserError when it serves none."""
    result = helm.run(["pull", chart, "--repo", repository, "--version", version, "--destination", str(into)],
                      where=f"{repository}", action=f"helm pull {chart} {version}", check=False)
    archives = sorted(into.glob(f"{chart}-*.tgz"))
    if result.returncode != 0 or not archives:
        raise UserError(f"promote {version}: {repository} serves no {chart} {version} "
                        f"({helm.error(result.stderr) or 'no archive'}); publish it first")
    return archives[0]


def values_of_release(chart: str, env: str, version: str, into: Path) -> Path:
    """values/ENV.yaml of the release tag, in a folder of its own; UserError when there is none."""
    tag = tags.tag_name(chart, version)
    if not git.git("tag", "--list", tag, check=False).strip():
        raise UserError(f"promote {version}: no release tag {tag} in this repository (its values are that tag's)")
    shown = git.run("show", f"{tag}:values/{env}.yaml")
    if shown.returncode != 0:
        raise Refused(f"promote {version} --to {env}: values/{env}.yaml is not in release {tag}")
    folder = into / "values"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{env}.yaml").write_bytes(shown.stdout)
    return folder


def render_release(plan: env_plan.Plan, env: str, version: str, repository: str, workdir: Path) -> object_diff.RenderedEnv:
    """ENV as Argo CD renders it at version: the published chart, the release's values."""
    where = workdir / version
    where.mkdir()
    archive = pull(plan.chart, version, repository, where)
    values_dir = values_of_release(plan.chart, env, version, where)
    try:
        rendered = rendering.render(env, values_dir=values_dir, chart=archive,
                                    extra=rendering.argocd(plan.get(env).tier))
    except UserError as exc:
        message = str(exc).split(": ", 1)[-1]
        raise Refused(f"promote {version} --to {env}: values/{env}.yaml of {tags.tag_name(plan.chart, version)} "
                      f"does not validate against chart {plan.chart} {version}: {message}") from None
    return object_diff.RenderedEnv(f"{env}@{version}", env, version, rendered.namespace, rendered.objects)


def promote(env_name: str, version: str, repository: str | None) -> Promotion:
    """Check, pin and commit; the Promotion says what changed (commit None: ran it already)."""
    if not semver.Version.is_valid(version):
        raise UserError(f"promote: '{version}' is not a version X.Y.Z")
    plan = env_plan.load()
    env = plan.get(env_name)
    result = Promotion(env.name, version, env.chart_version)
    if env.chart_version == version:
        return result
    check_order(plan, env, version)
    if git.git("status", "--porcelain", "--", env_plan.FILE).strip():
        raise UserError(f"{env_plan.FILE}: has changes that are not committed; commit or drop them first")
    repository = repository or plan.repository
    with tempfile.TemporaryDirectory(prefix="quikapp-promote-") as tmp:
        promoted = render_release(plan, env.name, version, repository, Path(tmp))
        try:
            current = render_release(plan, env.name, env.chart_version, repository, Path(tmp))
        except (UserError, CheckFailed):
            # The running release is gone from the repository or its tag: compare with nothing.
            current = object_diff.RenderedEnv(f"{env.name}@{env.chart_version}", env.name, env.chart_version,
                                              promoted.namespace, [])
    result.diff, result.unchanged = object_diff.diff(current, promoted)
    env_plan.set_pins([env.name], version)
    try:
        git.git("commit", "--quiet", "-m", f"Promote {plan.chart} {version} to {env.name} (from {env.chart_version})",
                "--", env_plan.FILE)
    except UserError:
        git.git("checkout", "HEAD", "--", env_plan.FILE, check=False)
        raise
    result.commit = git.git("rev-parse", "--short", "HEAD").strip()
    return result


def raise_first_stage(chart: str, version: str) -> list[str]:
    """Pin the first stage's environments to a new release of chart (what `release` does); the
    names pinned. Nothing when there is no deploy/environments.yaml or it pins another chart."""
    if not env_plan.exists():
        return []
    plan = env_plan.load()
    if plan.chart != chart:
        return []
    names = [e.name for e in plan.first_stage]
    env_plan.set_pins(names, version)
    return names
