"""`quikapp-charts bump CHART PART [--app-version X.Y.Z]`: a new semver for a chart, carried to every
chart that depends on it (chart_versions.py) and to the dependency archives that carry it
(dependencies.py); with --app-version, the QuikApp release every
application chart describes (the README's appVersion policy)."""
from __future__ import annotations

import click

from quikapp_charts.catalogue import chart_docs, dependencies
from quikapp_charts.core import console, paths
from quikapp_charts.release import chart_versions


@click.command("bump")
@click.argument("chart")
@click.argument("part")
@click.option("--app-version", metavar="X.Y.Z",
              help="The QuikApp release (the image tag live runs) for every application chart.")
@click.option("--dry-run", is_flag=True, help="Show the new versions; write nothing.")
@console.output_option
def command(chart: str, part: str, app_version: str | None, dry_run: bool, output: str) -> None:
    """Bump CHART's version (PART: major, minor, patch or X.Y.Z) and every chart depending on it."""
    charts = chart_versions.load_charts()
    if app_version:
        app_version = chart_versions.check_app_version(app_version)
    changes = chart_versions.plan(chart, part, charts, app_version)
    if not dry_run:
        chart_versions.apply(changes, charts, app_version)
        chart_docs.write_all()  # the READMEs name the versions; the images carry appVersion
        dependencies.sync()  # after the READMEs: the archives carry them
    rows = [{"chart": name, "from": old, "to": new} for name, (old, new) in changes.items()]
    if output == "json":
        console.emit_json({"dryRun": dry_run, "appVersion": app_version, "charts": rows})
        return
    title = "planned versions (dry run)" if dry_run else "chart versions"
    if app_version:
        title += f", appVersion {app_version}"
    console.print_table(title, ["chart", "from", "to"], [[row["chart"], row["from"], row["to"]] for row in rows])
    if not dry_run:
        click.echo("The helm.sh/chart labels changed: record them with `make snapshots` "
                   f"(or use `quikapp-charts release`), then commit {paths.shown(paths.CHARTS)}.", err=True)
