"""`quikapp-charts plan ENV [--kubeconfig FILE] [--chart DIR | --version X.Y.Z] [-f FILE] [--set K=V]
[-o text|json|html]`: what upgrading ENV's release to this chart and values would do to the
running cluster (upgrade/plan.py). Exit 0 when nothing blocks it, 1 when something does."""
from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

import click

from quikapp_charts.core import console, paths, report_templates, rendering
from quikapp_charts.core.errors import CheckFailed, UserError
from quikapp_charts.core.files import write_atomically
from quikapp_charts.release import tags
from quikapp_charts.upgrade import plan as planning
from quikapp_charts.upgrade.api import Api
from quikapp_charts.upgrade.target import RELEASE, Target


def _chart_at(version: str, into: Path) -> Path:
    """The umbrella chart as tagged for VERSION (its dependency archives are committed with it)."""
    tag = tags.tag_name("quikapp", version)
    archive = subprocess.run(["git", "archive", "--format=tar", tag, "charts/quikapp"], cwd=paths.ROOT,
                             capture_output=True)
    if archive.returncode != 0:
        raise UserError(f"--version {version}: no release tag {tag} in this repository")
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into / "charts" / "quikapp"


def _text(report: dict) -> None:
    out = console.console()
    out.print(f"[bold]{report['env']}[/bold]: release {report['release']} in {report['namespace']}"
              + (f", revision {report['revision']} deployed" if report["revision"] else ", no deployed revision"))
    counts: dict[str, int] = {}
    for c in report["changes"]:
        counts[c["action"]] = counts.get(c["action"], 0) + 1
    out.print("objects: " + (", ".join(f"{n} {a}" for a, n in sorted(counts.items())) or "no change"))
    for c in report["changes"]:
        if c["action"] == "changed":
            out.print(f"  changed {c['kind']}/{c['name']}: {', '.join(c['paths'][:6])}"
                      + (" ..." if len(c["paths"]) > 6 else ""))
        elif c["action"] in ("created", "deleted"):
            out.print(f"  {c['action']} {c['kind']}/{c['name']}")
    out.print(f"restarts: {len(report['restarts'])} Deployments")
    for d in report["restarts"]:
        out.print(f"  {d['name']}: {', '.join(d['causes'])}")
    for line in report["reachNoPod"]:
        out.print(f"reaches no pod: {line}")
    for b in report["blocked"]:
        out.print(f"[red]blocked[/red] {b['kind']}/{b['name']}: {b['message']}; remedy: {b['remedy']}")
    for row in report["room"]:
        out.print(f"room: surge of {len(row['deployments'])} Deployments ({row['surgePods']} pods) on "
                  f"{row['nodes']} nodes: " + verdict(row, "fits", "does not fit"))
    for row in report["quota"]:
        out.print(f"quota {row['quota']}: " + verdict(row, "the surge fits", "short"))
    for b in report["budgets"]:
        out.print(f"budget {b['name']} allows no eviction now (a rollout by draining nodes would wait)")
    flows = report["flows"]
    out.print(f"network flows: {len(flows['opened'])} opened, {len(flows['closed'])} closed")
    for f in flows["opened"]:
        out.print(f"  opened {f}")
    for f in flows["closed"]:
        out.print(f"  closed {f}")
    for api in report["unservedApis"]:
        out.print(f"[red]not served[/red]: {api} (in the stored release)")


def verdict(row: dict, fits: str, short: str) -> str:
    """A room or quota row's verdict: FITS, or SHORT in red with what is short."""
    return fits if row["fits"] else f"[red]{short}[/red]: " + "; ".join(row["short"])


@click.command("plan", epilog=console.EXIT_CODES)
@click.argument("env")
@click.option("--kubeconfig", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="The cluster's kubeconfig (default: kubectl's, $KUBECONFIG or ~/.kube/config).")
@click.option("--chart", type=click.Path(path_type=Path, exists=True, file_okay=False),
              help="The umbrella chart to upgrade to (default: charts/quikapp).")
@click.option("--version", "version", metavar="X.Y.Z", help="The umbrella chart of release tag quikapp-X.Y.Z.")
@click.option("--values", "-f", "values", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="More values files after ENV's, as helm -f.")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="As helm --set.")
@click.option("--namespace", "-n", help="The namespace helm records the release in (default: ENV's global.namespace).")
@click.option("--release", default=RELEASE, show_default=True)
@click.option("--output", "-o", type=click.Choice(["text", "json", "html"]), default="text", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write json or html to this file.")
def command(env: str, kubeconfig: Path | None, chart: Path | None, version: str | None, values: tuple[str, ...],
            sets: tuple[str, ...], namespace: str | None, release: str, output: str, out: Path | None) -> None:
    """What upgrading ENV's release would do: objects created, changed (fields) and deleted; the
    Deployments that restart and why; changes refused in place; room for the surge; flows opened and
    closed; APIs no longer served. Exit 1 when something blocks the upgrade."""
    if chart and version:
        raise UserError("--chart and --version: give one of them")
    if out is not None and output == "text":
        raise UserError("--out: needs --output json or html")
    extra = [a for v in values for a in ("-f", v)] + [a for s in sets for a in ("--set", s)]
    ns = namespace or rendering.namespace_of(env)
    with tempfile.TemporaryDirectory() as scratch:
        source = _chart_at(version, Path(scratch)) if version else chart
        rendered = rendering.render(env, chart=source, extra=extra)
    target = Target(ns, kubeconfig, release)
    report = planning.plan(target, Api(kubeconfig), env, rendered.objects, rendering.values_of(env))
    if output == "text":
        _text(report)
    else:
        document = (report_templates.render("plan.html.j2", r=report) if output == "html"
                    else json.dumps(report, indent=2) + "\n")
        if out is None:
            click.echo(document, nl=False)
        else:
            write_atomically(out, document)
    if report["verdict"]:
        raise CheckFailed(report["verdict"])
    if output == "text":
        click.echo(f"{env}: nothing blocks the upgrade.")
