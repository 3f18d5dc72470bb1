"""`quikapp-charts capacity ENV [--at floor|max|PCT] [--pool SPEC] [--schedule] [-o text|json|html]`:
does ENV fit at its replica floor, at its HPA ceilings, or part-way between, with a rolling-update
surge, against its ResourceQuota (and a node pool)? Arithmetic from the rendered objects (see
capacity/demand.py); with --schedule, the real kube-scheduler's placement on the local cluster (see
capacity/schedule.py). Exit 1 with the reason on one line when it does not fit."""
from __future__ import annotations

import json
from pathlib import Path

import click
from rich import box
from rich.table import Table

from quikapp_charts.capacity import demand, node_pool
from quikapp_charts.capacity import report as capacity_report
from quikapp_charts.capacity import schedule as capacity_schedule
from quikapp_charts.capacity.demand import point_label, show
from quikapp_charts.core import console, rendering
from quikapp_charts.core.errors import CheckFailed, UserError
from quikapp_charts.core.files import write_atomically
from quikapp_charts.core.resources import GPU

SHORT = {"requests.cpu": "CPU req", "limits.cpu": "CPU lim", "requests.memory": "Mem req",
         "limits.memory": "Mem lim", f"requests.{GPU}": "GPUs", "pods": "Pods",
         "persistentvolumeclaims": "Claims", "requests.storage": "Storage"}


def _stack_table(model: demand.Demand, point: str) -> Table:
    points = capacity_report.points_of(point)
    t = Table(title=f"{model.env} ({model.namespace}): requests by stack, "
                    + " / ".join(point_label(p) for p in points),
              title_justify="left", title_style="bold", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    t.add_column("Stack")
    keys = ["pods", "requests.cpu", "requests.memory", f"requests.{GPU}", "limits.cpu", "limits.memory"]
    for key in keys:
        t.add_column(SHORT[key], justify="right")
    figures = [model.figures(p) for p in points]
    surged = [model.figures(p, surge=True) for p in points]

    def cells(rows: list[dict]) -> list[str]:
        return [" / ".join(show(k, r[k]) for r in rows) for k in keys]

    for stack in model.stacks:
        t.add_row(stack, *cells([f.per_stack[stack] for f in figures]))
    t.add_section()
    t.add_row("total", *cells([f.total for f in figures]), style="bold")
    t.add_row("+ surge", *cells([f.total for f in surged]))
    return t


def _quota_table(report: dict) -> Table:
    t = Table(title=f"ResourceQuota {report['quotaName'] or '(none rendered)'}", title_justify="left",
              title_style="bold", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    t.add_column("Key")
    t.add_column("Hard", justify="right")
    for p in report["points"]:
        t.add_column(p, justify="right")
        t.add_column("+surge", justify="right")
    for row in report["quota"]:
        cells = []
        for p in report["points"]:
            for suffix in ("", "+surge"):
                used = row["used"][p + suffix]
                cells.append(used["text"] if used["fits"] else f"[red]{used['text']}![/red]")
        t.add_row(row["key"], row["hardText"], *cells)
    return t


def _unreachable_lines(report: dict) -> list[str]:
    found = report["unreachable"]
    if not found:
        return ["Every HPA ceiling is within the quota, all at once."]
    lines = [f"HPA ceilings the quota makes unreachable with every HPA at its ceiling: {len(found)} of "
             f"{sum(1 for w in report['workloads'] if w['autoscaled'] and w['max'] > w['floor'])}"]
    by_keys: dict[tuple, list[str]] = {}
    for u in found:
        by_keys.setdefault(tuple(u["together"]), []).append(u["name"])
    for keys, names in by_keys.items():
        lines.append(f"  short of {', '.join(keys) or '(alone)'}: {', '.join(names)}")
    alone = [u for u in found if u["alone"] < u["ceiling"]]
    for u in alone:
        lines.append(f"  {u['name']} reaches {u['alone']} of {u['ceiling']} even with every other "
                     f"service at its floor")
    return lines


def _text(report: dict, model: demand.Demand, point: str) -> None:
    out = console.console()
    out.print(_stack_table(model, point))
    out.print()
    if report["quota"]:
        out.print(_quota_table(report))
        out.print()
        for line in _unreachable_lines(report):
            out.print(line)
        out.print()
    gpu = report["gpuNodes"]
    if gpu:
        out.print(f"GPU nodes: {gpu['gpus']} GPUs at {report['point']} with the surge need {gpu['nodes']} "
                  f"nodes of {gpu['perNode']} GPUs.")
        out.print()
    schedule = report["schedule"]
    if schedule:
        _schedule_text(out, schedule, report["point"])
    pool = report["pool"]
    if pool:
        shape = ", ".join(f"{p['name']} {p['count']} x {p['cores']}c {p['memoryGi']}Gi"
                          + (f" {p['gpus']} GPUs" if p["gpus"] else "") for p in pool["pools"])
        out.print(f"Pool {shape}: " + ("holds it by arithmetic" if not pool["problems"]
                                       else "; ".join(pool["problems"])))


def _schedule_text(out, s: dict, point: str) -> None:
    refused = sum(q["refused"] for q in s["refusedByQuota"])
    out.print(f"[bold]Scheduler[/bold] (the pods at {point}, no surge): {s['scheduled']} of {s['pods']} pods "
              f"placed on {s['poolNodes']} nodes ({s['zones']} zones) in {s['seconds']}s; {len(s['pending'])} "
              f"pending, {refused} refused by the quota; GPU nodes idle: {', '.join(s['idleGpuNodes']) or 'none'}")
    groups: dict[tuple, int] = {}
    for pod in s["pending"]:
        groups[(pod["deployment"], pod["message"])] = groups.get((pod["deployment"], pod["message"]), 0) + 1
    if groups and s["otherNodes"]:
        out.print(f"  (the scheduler's counts include the cluster's {s['otherNodes']} other nodes, which the "
                  f"pods' nodeSelector for the pool excludes)")
    for (deployment, message), count in groups.items():
        out.print(f"  pending {deployment} x{count}: {message}")
    for q in s["refusedByQuota"]:
        out.print(f"  refused {q['deployment']} x{q['refused']}: {q['message']}")
    t = Table(title="Utilisation per pool (requests / allocatable)", title_justify="left", title_style="bold",
              box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for column in ("Pool", "Nodes", "Pods", "Empty nodes", "CPU", "Memory", "GPUs", "Busiest CPU", "Busiest memory"):
        t.add_column(column, justify="left" if column == "Pool" else "right")
    for p in s["pools"]:
        t.add_row(p["pool"], str(p["nodes"]), str(p["pods"]), str(p["emptyNodes"]),
                  *("-" if p[k] is None else f"{p[k]:.0%}" for k in ("cpu", "memory", "gpu", "busiestCpu", "busiestMemory")))
    out.print(t)
    out.print()
    t = Table(title="Spread of the Deployments with pod anti-affinity", title_justify="left",
              title_style="bold", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for column in ("Deployment", "Anti-affinity", "Pods", "Nodes", "Most on a node", "Zones"):
        t.add_column(column, justify="right" if column in ("Pods", "Nodes", "Most on a node") else "left")
    for row in s["spread"]:
        t.add_row(row["deployment"], row["antiAffinity"], str(row["pods"]), str(row["nodes"]),
                  str(row["maxPerNode"]), " ".join(f"{z}:{n}" for z, n in row["zones"].items()))
    out.print(t)
    out.print()


def _emit(env: str, report: dict, model: demand.Demand, point: str, output: str, out: Path | None) -> None:
    if output == "html" or (output == "json" and out is not None):
        document = capacity_report.html(report) if output == "html" else json.dumps(report, indent=2) + "\n"
        if out is None:
            click.echo(document, nl=False)
        else:
            write_atomically(out, document)
            click.echo(f"{env}: wrote {out}", err=True)
    elif output == "json":
        console.emit_json(report)
    else:
        _text(report, model, point)


@click.command("capacity", epilog=console.EXIT_CODES)
@click.argument("env")
@click.option("--at", "at", default="max", show_default=True,
              help="floor, max, or PCT: that percentage of the way from each HPA floor to its ceiling.")
@click.option("--pool", "pool_spec", metavar="SPEC",
              help=f"Node pools, e.g. {node_pool.DEFAULT_SPEC}: also check the pods fit on them.")
@click.option("--schedule", is_flag=True,
              help="Also place the pods with the real scheduler on the local cluster, on --pool "
                   f"(default {node_pool.DEFAULT_SPEC}); the pool and namespace are removed afterwards.")
@click.option("--zones", type=click.IntRange(1, 10), default=node_pool.DEFAULT_ZONES, show_default=True,
              help="Zones the pool's nodes are spread over (--schedule).")
@click.option("--output", "-o", "output", type=click.Choice(["text", "json", "html"]), default="text",
              show_default=True, help="text for people, json for machines, html: one self-contained page.")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the output to this file instead of stdout.")
def command(env: str, at: str, pool_spec: str | None, schedule: bool, zones: int, output: str,
            out: Path | None) -> None:
    """Requests and limits (CPU, memory, GPUs, pods, claims) of ENV per stack and in total, at the
    floor, at the HPA ceilings and at --at, each with a rolling-update surge, against its
    ResourceQuota; which HPA ceilings the quota makes unreachable. Exit 1 when ENV does not fit at
    --at (with its surge), with the reason."""
    point = demand.parse_point(at)
    pools = node_pool.parse(pool_spec or node_pool.DEFAULT_SPEC) if pool_spec or schedule else None
    if out is not None and output == "text":
        raise UserError("--out: needs --output json or html")
    if out is not None and (out.is_dir() or not out.parent.is_dir()):
        raise UserError(f"--out {out}: not a file in an existing directory")
    rendering.values_file(env)  # an unknown environment fails before any node is added

    def render() -> tuple[demand.Demand, list[dict]]:
        rendered = rendering.render(env)
        return demand.model(env, rendered.namespace, rendered.objects), rendered.objects

    if not schedule:
        model, _ = render()
        report = capacity_report.report(model, point, pools, None)
        _emit(env, report, model, point, output, out)
    else:
        # The answer is out before the pool and namespace are removed (which still happens before exit).
        with capacity_schedule.schedule(env, render, point, pools, zones) as (model, placement):
            report = capacity_report.report(model, point, pools, placement)
            _emit(env, report, model, point, output, out)
    if report["verdict"]:
        raise CheckFailed(report["verdict"])
    if output == "text":
        click.echo(f"{env} fits at {point_label(point)} with a rolling-update surge.")
