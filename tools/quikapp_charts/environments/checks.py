"""`validate --all` across environments: what no single render shows.

- Every Argo CD environment has its values file, whose global.namespace is the plan's.
- No two environments share a namespace on one cluster (they would own each other's objects).
- The GPU floors of the environments on a cluster fit its GPU pool (pods at their HPA minimums
  must always schedule; the GPU nodes are tainted, so nothing else takes them).
- Every environment fits its quota at its HPA ceilings with every Deployment rolling at once, or
  names in cappedCeilings the services whose ceilings its quota caps (capacity/demand.py).
- Every environment's values of the release it is pinned to render with that release's chart, as
  its Application renders them (the PostSync Job, the tier's PriorityClass): the git tag
  quikapp-<version> (what the chart repository was published from); a version that is
  not released yet must be the chart's version in the working tree, which `validate` renders.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import yaml

from quikapp_charts.capacity import demand
from quikapp_charts.checks import object_diff
from quikapp_charts.core import git, paths, rendering
from quikapp_charts.core.errors import UserError
from quikapp_charts.core.resources import GPU
from quikapp_charts.environments.plan import Plan
from quikapp_charts.release import tags


@dataclass
class Facts:
    """What the checks need of one environment's render."""

    env: str
    gpu_floor: int
    quota_problem: str | None  # does not fit at its ceilings, as its entry does not admit
    unreachable: list[str] = field(default_factory=list)


def facts(env: str, namespace: str, objects: list[dict], capped: tuple[str, ...] = ()) -> Facts:
    model = demand.model(env, namespace, objects)
    floor = int(model.figures("floor").total.get(f"requests.{GPU}", Decimal(0)))
    unreachable = [u["name"] for u in model.unreachable()]
    over = model.over_quota(model.figures("max", surge=True))
    problem = None
    uncapped = [name for name in unreachable if name not in capped]
    if uncapped:
        problem = (f"the quota makes {len(uncapped)} HPA ceiling(s) unreachable ({', '.join(uncapped)}); "
                   "raise the quota, lower the ceilings or name them in cappedCeilings")
    elif over and not capped:
        problem = ("the quota is short at the HPA ceilings with a rolling surge ("
                   + ", ".join(f"{key} {demand.show(key, used)} > {demand.show(key, hard)}" for key, used, hard in over)
                   + ")")
    return Facts(env, floor, problem, unreachable)


def _namespaces(plan: Plan) -> list[str]:
    problems, seen = [], {}
    for env in plan.environments.values():
        other = seen.setdefault((env.cluster, env.namespace), env.name)
        if other != env.name:
            problems.append(f"{env.name}: namespace {env.namespace} on cluster {env.cluster} is {other}'s too")
        file = paths.env_values_file(env.name)
        if not file.is_file():
            problems.append(f"{env.name}: no values/{env.name}.yaml")
        elif rendering.namespace_of(env.name) != env.namespace:
            problems.append(f"{env.name}: values/{env.name}.yaml deploys into {rendering.namespace_of(env.name)}, "
                            f"deploy/environments.yaml says {env.namespace}")
    return problems


def gpu_floors(plan: Plan, found: dict[str, Facts]) -> dict[str, int]:
    """Per cluster, the GPUs its environments take at their floors."""
    return {cluster: sum(found[e.name].gpu_floor for e in plan.on_cluster(cluster) if e.name in found)
            for cluster in plan.gpu_pools}


def _pinned(plan: Plan) -> list[str]:
    """Each environment's values of its pinned release, rendered with that release's chart."""
    problems = []
    current = str(yaml.safe_load((paths.UMBRELLA / "Chart.yaml").read_text())["version"])
    for env in plan.environments.values():
        version = env.chart_version
        tag = tags.tag_name(plan.chart, version)
        if git.git("tag", "--list", tag, check=False).strip():
            try:
                object_diff.render_at(env.name, tag, rendering.argocd(env.tier))  # as its Application renders
            except UserError as exc:
                problems.append(f"{env.name}: pinned to {version}: {exc}")
        elif version != current:
            problems.append(f"{env.name}: pinned to {plan.chart} {version}, which is neither released "
                            f"(no tag {tag}) nor the chart's version here ({current})")
    return problems


def problems(plan: Plan, found: dict[str, Facts]) -> list[str]:
    """Every problem across the environments, one line each."""
    result = _namespaces(plan)
    for cluster, floor in gpu_floors(plan, found).items():
        if floor > plan.gpu_pools[cluster]:
            names = ", ".join(e.name for e in plan.on_cluster(cluster))
            result.append(f"cluster {cluster}: the GPU floors of {names} take {floor} GPUs, "
                          f"its pool has {plan.gpu_pools[cluster]}")
    for item in found.values():
        if item.quota_problem:
            result.append(f"{item.env}: {item.quota_problem}")
    return result + _pinned(plan)
