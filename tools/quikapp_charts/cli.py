"""The `quikapp-charts` command. Each subcommand lives in a module of its own, imported when the
subcommand runs (or --help lists them all), so that a command starts without the others' imports."""
from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

import click

from quikapp_charts.core.console import EXIT_CODES
from quikapp_charts.core.errors import CheckFailed, UserError

# Subcommand -> the module of quikapp_charts.commands whose `command` it is.
COMMANDS = {
    "generate": "generate", "render": "render", "validate": "validate", "list": "list_services",
    "netpol": "netpol", "diff": "diff", "new-env": "new_env", "cluster": "cluster",
    "capacity": "capacity", "preflight": "preflight", "bump": "bump", "package": "package",
    "publish": "publish", "versions": "versions", "release": "release", "promote": "promote",
    "plan": "plan", "recover": "recover",
}


class _Commands(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        command = importlib.import_module(f"{__package__}.commands.{COMMANDS[name]}").command
        if command.name != name:
            raise RuntimeError(f"{COMMANDS[name]}.command is `{command.name}`, listed as `{name}`")
        return command


@click.group(cls=_Commands, epilog=EXIT_CODES)
@click.version_option(package_name="quikapp-charts")
def cli() -> None:
    """Generate, render, validate, diff, package and install the QuikApp charts."""


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
