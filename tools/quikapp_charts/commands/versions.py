"""`quikapp-charts versions`: each chart's version against its last release (the git tag
CHART-X.Y.Z); exit 1, naming the chart and the files, when a chart changed without a higher version."""
from __future__ import annotations

import click

from quikapp_charts.core import console
from quikapp_charts.core.errors import CheckFailed
from quikapp_charts.release import chart_versions, immutable, tags


@click.command("versions")
@console.output_option
def command(output: str) -> None:
    """Check that every chart changed since its last release carries a higher version."""
    rows = tags.status(chart_versions.load_charts())
    problems = [row.problem for row in rows if row.problem]
    umbrella = next((row for row in rows if row.chart == immutable.CHART), None)
    if umbrella and umbrella.changed and not umbrella.problem:
        problems += [p for p in [immutable.problem(umbrella.version)] if p]
    if output == "json":
        console.emit_json([{"chart": r.chart, "version": r.version, "released": r.released, "changed": r.changed,
                            "problem": r.problem} for r in rows])
    else:
        console.print_table("chart versions against their last release", ["chart", "version", "released", "changed files"],
                            [[r.chart, r.version, r.released or "never", str(len(r.changed))] for r in rows])
    if problems:
        for problem in problems:
            click.echo(problem, err=True)
        raise CheckFailed(f"{len(problems)} chart(s) changed without a version above their last release")
