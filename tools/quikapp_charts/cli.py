"""The `quikapp-charts` command. Each subcommand lives in a module of its own."""
from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from . import (bump, capacity, diff, generate, list_services, netpol, new_env, package, preflight, publish,
               release, render, validate, versions)
from .cluster import command as cluster
from .console import EXIT_CODES
from .errors import CheckFailed, UserError


@click.group(epilog=EXIT_CODES)
@click.version_option(package_name="quikapp-charts")
def cli() -> None:
    """Generate, render, validate, diff, package and install the QuikApp charts."""


for _module in (generate, render, validate, list_services, netpol, diff, new_env, cluster, capacity, preflight,
                bump, package, publish, versions, release):
    cli.add_command(_module.command)


def main(args: Sequence[str] | None = None) -> None:
    """The command line: ARGS (sys.argv's by default); exits with the code the README lists."""
    try:
        cli.main(args=None if args is None else list(args), prog_name="quikapp-charts", standalone_mode=False)
    except (UserError, CheckFailed) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        sys.exit(130)
    except click.UsageError as exc:
        # One line, like every other bad input; `--help` shows the usage.
        hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx else ""
        click.echo(f"error: {exc.format_message()}{hint}", err=True)
        sys.exit(2)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
