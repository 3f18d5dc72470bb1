"""`quikapp-charts list [ENV]`: the services an environment deploys, by stack, with their replica
floor, HPA range, GPUs and ingress hosts (read from the rendered objects: see inventory.py).
"""
from __future__ import annotations

import click
from rich import box
from rich.table import Table

from quikapp_charts.core import console, rendering
from quikapp_charts.core.inventory import Inventory, inventory, stack_order


def _pdb(pdb: dict | None) -> str:
    if not pdb:
        return "-"
    return ", ".join(f"min {v} up" if k == "minAvailable" else f"max {v} down" for k, v in pdb.items())


def table(inv: Inventory) -> list[Table]:
    """One table per stack, in the catalogue's order; narrow enough for 80 columns."""
    tables = []
    stacks = sorted({s.stack for s in inv.services}, key=stack_order)
    for stack in stacks:
        rows = [s for s in inv.services if s.stack == stack]
        t = Table(title=f"{stack} ({len(rows)} services)", title_justify="left", title_style="bold",
                  box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        t.add_column("Service")
        t.add_column("Floor", justify="right")
        t.add_column("HPA", justify="right")
        t.add_column("PDB")
        t.add_column("GPU", justify="right")
        t.add_column("Ingress")
        for s in rows:
            t.add_row(s.name, str(s.replicas), f"{s.hpa['min']}-{s.hpa['max']}" if s.hpa else "-",
                      _pdb(s.pdb), str(s.gpu) if s.gpu else "-", ", ".join(s.hosts) or "-")
        tables.append(t)
    return tables


@click.command("list", epilog=console.EXIT_CODES)
@click.argument("env", default="local")
@console.output_option
def command(env: str, output: str) -> None:
    """The services ENV deploys (default local), by stack, read from its rendered objects:
    replica floor (the HPA's minimum when it autoscales), HPA range, PDB, GPUs, ingress hosts.
    --output json adds each service's tier and images."""
    rendered = rendering.render(env)
    inv = inventory(env, rendered.namespace, rendered.objects)
    if output == "json":
        console.emit_json(inv.to_json())
        return
    out = console.console()
    for t in table(inv):
        out.print(t)
        out.print()
    s = inv.summary
    out.print(f"{env} ({inv.namespace}): {s['deployments']} Deployments, {s['gpuDeployments']} on GPUs, "
              f"replica floor {s['replicaFloor']}, {s['hpas']} HPAs, {s['pdbs']} PDBs, "
              f"{s['ingresses']} Ingresses, {s['networkPolicies']} NetworkPolicies, {s['objects']} objects")
