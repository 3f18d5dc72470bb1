"""`quikapp-charts recover ENV [--timeout 10m] [--force]`: a release an interrupted helm left in
`pending-install`, `pending-upgrade` or `pending-rollback` gets back to a state the next upgrade
runs from (upgrade/recover.py says how). Exit 1 while the pending revision is younger than
--timeout (another helm may still be running) unless --force."""
from __future__ import annotations

import re
from pathlib import Path

import click

from quikapp_charts.core import console, rendering
from quikapp_charts.core.errors import UserError
from quikapp_charts.upgrade import recover as recovery
from quikapp_charts.upgrade.api import Api
from quikapp_charts.upgrade.target import RELEASE, Target

UNITS = {"h": 3600, "m": 60, "s": 1}


def seconds(text: str) -> float:
    """A Go-style duration as helm takes it (10m, 90s, 1h30m) in seconds; UserError otherwise."""
    parts = re.findall(r"(\d+)([hms])", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise UserError(f"--timeout {text}: not a duration such as 10m, 90s or 1h30m")
    return float(sum(int(n) * UNITS[u] for n, u in parts))


@click.command("recover", epilog=console.EXIT_CODES)
@click.argument("env")
@click.option("--timeout", default="10m", show_default=True,
              help="A pending revision younger than this may belong to a helm still running: left alone. "
                   "Also the rollback's --wait timeout.")
@click.option("--force", is_flag=True, help="Recover a pending revision younger than --timeout.")
@click.option("--kubeconfig", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="The cluster's kubeconfig (default: kubectl's, $KUBECONFIG or ~/.kube/config).")
@click.option("--namespace", "-n", help="The namespace helm records the release in (default: ENV's global.namespace).")
@click.option("--release", default=RELEASE, show_default=True, help="The release name.")
def command(env: str, timeout: str, force: bool, kubeconfig: Path | None, namespace: str | None,
            release: str) -> None:
    """Get ENV's release out of a pending state: roll it back to its last deployed revision, or mark
    the pending revision failed when nothing of it was applied. Never deletes a claim or a volume."""
    limit = seconds(timeout)
    target = Target(namespace or rendering.namespace_of(env), kubeconfig, release)
    target.reachable()
    outcome = recovery.recover(target, Api(kubeconfig), limit, force, timeout)
    for line in outcome.found:
        click.echo(f"found: {line}")
    for line in outcome.done:
        click.echo(f"done: {line}")
    if outcome.done:
        click.echo(f"{target.where}: the next `helm upgrade` can run")
