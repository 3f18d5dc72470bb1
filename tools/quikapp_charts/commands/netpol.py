"""`quikapp-charts netpol ENV [--svg FILE] [--explain FROM TO[:PORT]]`: who may reach whom in ENV,
computed from its rendered NetworkPolicies (netpol_model), with the project's required flows
checked open and every other flow checked shut (flows). Exit 1 when a required flow is shut or a
forbidden one open, each with the policy and rule that decided it.
"""
from __future__ import annotations

from pathlib import Path

import click
from rich import box
from rich.table import Table

from quikapp_charts.core import console, rendering
from quikapp_charts.core.errors import CheckFailed, UserError
from quikapp_charts.core.files import write_atomically
from quikapp_charts.netpol import flows
from quikapp_charts.netpol import svg as netpol_svg


def _table(report: flows.Report) -> Table:
    table = Table(title=f"{report.env}: open connections, by source", title_justify="left",
                  box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    table.add_column("From")
    table.add_column("To (ports)")
    reaches: dict[str, dict[str, list[str]]] = {}
    for verdict in report.verdicts:
        row = reaches.setdefault(verdict.source.name, {})
        if verdict.open:
            row.setdefault(verdict.destination.name, []).append(str(verdict.port))
    for source in sorted(reaches):
        cells = [f"{name} ({','.join(ports)})" for name, ports in sorted(reaches[source].items())]
        table.add_row(source, ", ".join(cells) or "-")
    return table


def _explain(catalogue: flows.Topology, model, source: str, target: str) -> list[str]:
    by_name = {e.name: e for e in catalogue.endpoints}
    name, _, port_text = target.partition(":")
    for wanted in (source, name):
        if wanted not in by_name:
            raise UserError(f"--explain: no endpoint '{wanted}' (known: {', '.join(sorted(by_name))})")
    destination = by_name[name]
    ports = list(destination.ports)
    if port_text:
        number, _, protocol = port_text.partition("/")
        if not number.isdigit():
            raise UserError(f"--explain: port '{port_text}' must be a number, optionally /UDP")
        ports = [flows.Port(int(number), protocol.upper() or "TCP")]
    if not ports:
        raise UserError(f"--explain: {name} listens on no port; name one ({name}:PORT)")
    lines = []
    for port in ports:
        lines += model.verdict(by_name[source], destination, port).explain()
    return lines


@click.command("netpol", epilog=console.EXIT_CODES)
@click.argument("env")
@click.option("--svg", "svg", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the reachability matrix as an SVG picture to this file.")
@click.option("--explain", nargs=2, metavar="FROM TO[:PORT]",
              help="Say why one connection is open or shut: which policy, which rule.")
@console.output_option
def command(env: str, svg: Path | None, explain: tuple[str, str] | None, output: str) -> None:
    """Reachability in ENV from its rendered NetworkPolicies: a table of open connections (and an
    SVG matrix), the required flows checked open and all others shut."""
    rendered = rendering.render(env)
    catalogue, model, report = flows.analyse(env, rendered.objects, rendered.namespace, rendering.values_of(env))
    if explain:
        for line in _explain(catalogue, model, *explain):
            click.echo(line)
        return
    if svg is not None:
        write_atomically(svg, netpol_svg.picture(report, f"QuikApp {env} ({rendered.namespace}) reachability"))
    counts = report.counts
    violations = [*report.required_shut, *report.forbidden_open]
    if output == "json":
        console.emit_json({"env": env, "namespace": rendered.namespace, **counts,
                           "open": sorted(str(report.flow(v)) for v in report.verdicts if v.open),
                           "violations": [v.explain() for v in violations]})
    else:
        out = console.console()
        out.print(_table(report))
        for verdict in violations:
            kind = "required but shut" if report.flow(verdict) in report.required else "forbidden but open"
            out.print(f"[red]{kind}[/]: ", end="")
            out.print("\n  ".join(verdict.explain()), markup=False)
        out.print(f"{env} ({rendered.namespace}): {counts['requiredOpen']} of {counts['required']} required "
                  f"flows open, {counts['forbiddenShut']} of {counts['forbidden']} forbidden flows shut"
                  + (f"; picture: {svg}" if svg else ""))
    if violations:
        raise CheckFailed(f"{env}: {len(report.required_shut)} required flow(s) shut, "
                          f"{len(report.forbidden_open)} forbidden flow(s) open")
