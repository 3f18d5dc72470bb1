"""`quikapp-charts validate [ENV...|--all]`: render each environment as Argo CD does, which applies
the charts' values.schema.json and the library's template checks, then check every rendered object
against the Kubernetes schemas of the target version (strict), and tabulate what each environment
deploys.

Environments are checked in parallel threads: each waits for its helm process, and the Python work
(parsing the render, the schema check) is a small part of helm's, so one interpreter keeps up with
several renders. A refused environment is one line (helm's schema or check message); an invalid
object is one line `env: Kind/name: field: message`.
"""
from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field

import click
from rich import box
from rich.table import Table

from quikapp_charts.catalogue import values_reference
from quikapp_charts.checks import data_stores, kube_schemas
from quikapp_charts.core import console, paths, rendering
from quikapp_charts.core.errors import CheckFailed, UserError
from quikapp_charts.core.inventory import inventory
from quikapp_charts.environments import checks as fleet
from quikapp_charts.environments import plan as env_plan


@dataclass
class Result:
    env: str
    namespace: str = ""
    error: str | None = None  # helm refused the values (schema or template check): one line
    problems: list[str] = field(default_factory=list)  # objects the Kubernetes schemas reject
    summary: dict = field(default_factory=dict)
    seconds: float = 0.0
    facts: fleet.Facts | None = None  # for the checks across environments (--all)
    stores: tuple = field(default=(), repr=False)  # (global.environment, its data stores)

    @property
    def status(self) -> str:
        if self.error is not None:
            return "refused"
        return "invalid" if self.problems else "ok"

    @property
    def short(self) -> str:
        if self.error is not None:
            return "refused"
        if self.problems:
            return f"{len(self.problems)} invalid"
        return "ok"

    def to_json(self) -> dict:
        data = asdict(self)
        data.pop("facts")
        del data["stores"]
        data["result"] = self.status
        data["seconds"] = round(self.seconds, 2)
        return data


def check(env: str, plan: env_plan.Plan | None = None) -> Result:
    """Render and check one environment; never raises for what the check is about."""
    started = time.perf_counter()
    result = Result(env)
    try:
        rendered = rendering.render(env)
    except UserError as exc:
        result.error = " ".join(str(exc).split())
        try:
            result.namespace = rendering.namespace_of(env)
        except UserError:
            pass  # not even YAML: the error says so
        result.seconds = time.perf_counter() - started
        return result
    objects = rendered.objects
    result.namespace = rendered.namespace
    result.problems = kube_schemas.problems(objects, rendering.kube_version())
    result.summary = inventory(env, rendered.namespace, objects).summary
    if plan is not None:
        entry = plan.environments.get(env)
        result.facts = fleet.facts(env, rendered.namespace, objects, entry.capped_ceilings if entry else ())
    result.stores = data_stores.stores(objects)
    result.seconds = time.perf_counter() - started
    return result


def selected(envs: tuple[str, ...], every: bool) -> list[str]:
    """The environments to check, in the design's order; unknown names are bad input."""
    known = paths.environments()
    if every and envs:
        raise UserError("validate: give environment names or --all, not both")
    if every or not envs:
        return known
    for env in envs:
        rendering.values_file(env)  # an unknown environment is bad input, named with the known ones
    return list(dict.fromkeys(envs))


def run(envs: list[str], jobs: int, quiet: bool = True, plan: env_plan.Plan | None = None) -> list[Result]:
    """Check envs, up to `jobs` at a time; results in the order of envs."""
    results: dict[str, Result] = {}
    with console.steps("validating", len(envs), quiet) as progress:
        if jobs <= 1 or len(envs) == 1:
            for env in envs:
                results[env] = check(env, plan)
                progress.advance(env, results[env].short)
        else:
            with ThreadPoolExecutor(max_workers=min(jobs, len(envs))) as pool:
                futures = {pool.submit(check, env, plan): env for env in envs}
                for future in as_completed(futures):
                    result = future.result()
                    results[result.env] = result
                    progress.advance(result.env, result.short)
    ordered = [results[env] for env in envs]
    # Staging and live keep their data stores to themselves (checked when more than one is rendered).
    by_env = {r.env: r.stores for r in ordered if r.stores}
    protected = values_reference.load().pinned_environments
    for env, problems in data_stores.shared(by_env, protected).items():
        results[env].problems += problems
    # The charts protect by global.environment, Argo CD by deploy/environments.yaml's tier: they agree.
    for env, entry in (plan.environments.items() if plan else ()):
        if entry.production and env in by_env and by_env[env][0] not in protected:
            results[env].problems.append(
                f"values/{env}.yaml: global.environment {by_env[env][0]!r} is not a protected environment "
                f"({', '.join(protected)}), but deploy/environments.yaml runs {env} in the production tier")
    return ordered


def table(results: list[Result]) -> Table:
    """Narrow enough for an 80-column terminal; the namespace only where it is not quikapp-<env>."""
    t = Table(title=f"Kubernetes {rendering.kube_version()}, rendered as Argo CD renders",
              title_justify="left", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False,
              caption="Deploy: Deployments, GPU: of them on GPUs, Floor: replicas at the HPA "
                      "minimums, NetPol: NetworkPolicies", caption_justify="left")
    t.add_column("Env")
    for heading in ("Objects", "Deploy", "GPU", "Floor", "HPA", "PDB", "Ingress", "NetPol"):
        t.add_column(heading, justify="right")
    t.add_column("Result")
    keys = ("objects", "deployments", "gpuDeployments", "replicaFloor", "hpas", "pdbs", "ingresses",
            "networkPolicies")
    for r in results:
        cells = [str(r.summary[k]) if r.summary else "-" for k in keys]
        colour = "green" if r.status == "ok" else "red"
        t.add_row(r.env, *cells, f"[{colour}]{r.short}[/]")
    return t


def namespaces_line(results: list[Result]) -> str:
    other = [f"{r.env}: {r.namespace}" for r in results
             if r.namespace and r.namespace != f"quikapp-{r.env}"]
    return "Namespaces: quikapp-<env>" + (f", except {', '.join(other)}" if other else "")


def fleet_table(plan: env_plan.Plan, results: list[Result]) -> Table:
    """The Argo CD environments: where each runs and what, and each cluster's GPU floors against its pool."""
    found = {r.env: r.facts for r in results if r.facts}
    floors = fleet.gpu_floors(plan, found)
    t = Table(title="Argo CD environments (deploy/environments.yaml)", title_justify="left",
              box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False,
              caption="GPU floor: nvidia.com/gpu at the HPA minimums; per cluster, the sum against its pool",
              caption_justify="left")
    for heading in ("Stage", "Env", "Cluster", "Tier", "Chart", "Sync", "GPU floor"):
        t.add_column(heading, justify="right" if heading in ("Stage", "GPU floor") else "left")
    for env in plan.environments.values():
        facts = found.get(env.name)
        t.add_row(str(env.stage), env.name, env.cluster, env.tier, env.chart_version, env.sync,
                  str(facts.gpu_floor) if facts else "-")
    t.add_section()
    for cluster, pool in plan.gpu_pools.items():
        colour = "green" if floors[cluster] <= pool else "red"
        t.add_row("", "", cluster, "", "", "", f"[{colour}]{floors[cluster]} of {pool}[/]")
    return t


def fleet_json(plan: env_plan.Plan, results: list[Result], problems: list[str]) -> dict:
    found = {r.env: r.facts for r in results if r.facts}
    floors = fleet.gpu_floors(plan, found)
    return {"environments": [{**e.row(), "gpuFloor": found[e.name].gpu_floor if e.name in found else None}
                             for e in plan.environments.values()],
            "clusters": [{"cluster": c, "gpuPool": pool, "gpuFloors": floors[c]} for c, pool in plan.gpu_pools.items()],
            "problems": problems}


@click.command("validate", epilog=console.EXIT_CODES)
@click.argument("envs", nargs=-1, metavar="[ENV]...")
@click.option("--all", "every", is_flag=True,
              help="Every environment in values/ (the default), and the Argo CD environments against each "
                   "other and their clusters (deploy/environments.yaml).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=os.cpu_count() or 1,
              show_default="the number of CPUs", help="Environments checked at the same time.")
@click.option("--quiet", "-q", is_flag=True, help="No progress on stderr.")
@console.output_option
def command(envs: tuple[str, ...], every: bool, jobs: int, quiet: bool, output: str) -> None:
    """Render each environment (values schema and template checks included) and check every
    object against the Kubernetes schemas; a table of what each environment deploys."""
    names = selected(envs, every)
    plan = env_plan.load() if not envs and env_plan.exists() else None
    results = run(names, jobs, quiet, plan)
    failed = [r for r in results if r.status != "ok"]
    across = fleet.problems(plan, {r.env: r.facts for r in results if r.facts}) if plan else []
    if output == "json":
        console.emit_json({"kubeVersion": rendering.kube_version(), "ok": not failed and not across,
                           "environments": [r.to_json() for r in results],
                           **({"argocd": fleet_json(plan, results, across)} if plan else {})})
    else:
        print_text(results, plan, across)
    if failed:
        raise CheckFailed(f"{len(failed)} of {len(results)} environments have problems: "
                          + ", ".join(r.env for r in failed))
    if across:
        raise CheckFailed(f"{len(across)} problem(s) across the Argo CD environments")


def print_text(results: list[Result], plan: env_plan.Plan | None, across: list[str]) -> None:
    out = console.console()
    out.print(table(results))
    out.print(namespaces_line(results))
    for r in results:
        if r.error is not None:
            out.print(f"[red]{r.env}[/]: ", end="")
            out.print(r.error, markup=False)
        for problem in r.problems:
            out.print(f"[red]{r.env}[/]: ", end="")
            out.print(problem, markup=False)
    if not any(r.status != "ok" for r in results):
        out.print(f"[green]{len(results)} environment{'s' if len(results) > 1 else ''} valid[/]")
    if plan is None:
        return
    out.print()
    out.print(fleet_table(plan, results))
    for problem in across:
        out.print("[red]across[/]: ", end="")
        out.print(problem, markup=False)
    if not across:
        out.print("[green]the Argo CD environments fit their clusters and quotas, and their pinned releases render[/]")
