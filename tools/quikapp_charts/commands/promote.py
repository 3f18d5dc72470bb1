"""`quikapp-charts promote VERSION --to ENV [--repo URL]`: move ENV to a published chart version,
once the stage before it runs that version (environments/promotion.py): one commit raising ENV's
pin in deploy/environments.yaml, and the objects that change."""
from __future__ import annotations

import json

import click

from quikapp_charts.checks import object_diff
from quikapp_charts.core import console
from quikapp_charts.environments import promotion


def _value(value) -> str:
    return json.dumps(value) if isinstance(value, (dict, list)) else str(value)


def print_diff(found: list[object_diff.ObjectDiff], unchanged: int) -> None:
    """Object by object, a line per field: + added, - removed, ~ changed."""
    for item in found:
        click.echo(f"{item.status} {item.kind}/{item.name}")
        if item.status != "changed":
            continue
        for change in item.changes:
            if change.op == "~":
                click.echo(f"  ~ {change.path}: {_value(change.old)} -> {_value(change.new)}")
            else:
                click.echo(f"  {change.op} {change.path}: {_value(change.old if change.op == '-' else change.new)}")
    click.echo(object_diff.summary_line(found, unchanged))


@click.command("promote", epilog=console.EXIT_CODES)
@click.argument("version")
@click.option("--to", "env", required=True, metavar="ENV", help="The environment to promote to.")
@click.option("--repo", "repository", metavar="URL",
              help="The chart repository (default: chart.repository of deploy/environments.yaml).")
@console.output_option
def command(version: str, env: str, repository: str | None, output: str) -> None:
    """Pin ENV to chart VERSION in one commit, once the previous stage runs it and ENV's values of
    that release validate against the published chart; prints the objects that change."""
    result = promotion.promote(env, version, repository)
    if output == "json":
        console.emit_json({"env": result.env, "from": result.previous, "to": result.version, "commit": result.commit,
                           "summary": object_diff.summary(result.diff or [], result.unchanged) if result.commit else None,
                           "objects": [d.to_json() for d in result.diff or []]})
        return
    if result.commit is None:
        click.echo(f"{env} runs {version} already; nothing to promote")
        return
    print_diff(result.diff or [], result.unchanged)
    click.echo(f"{env}: {result.previous} -> {version}, committed {result.commit}")
