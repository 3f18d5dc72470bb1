"""The `quikapp-charts` command. Each subcommand lives in a module of its own."""
from __future__ import annotations

import importlib
import sys

import click

from .errors import CheckFailed, UserError

# module name -> click command attribute; one module per command.
COMMAND_MODULES = [
    "generate",
    "render",
    "validate",
    "list_services",
    "diff",
    "new_env",
    "cluster",
    "capacity",
    "bump",
    "package",
    "publish",
    "versions",
    "release",
]

EXIT_CODES = """Exit codes: 0 ok, 1 a check found problems, 2 bad input (one line names the file and key)."""


@click.group(epilog=EXIT_CODES)
@click.version_option(package_name="quikapp-charts")
def cli() -> None:
    """Generate, render, validate, diff, package and install the QuikApp charts."""


for _name in COMMAND_MODULES:
    try:
        _module = importlib.import_module(f"{__package__}.{_name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__package__}.{_name}":
            raise
        continue  # command not written yet
    cli.add_command(_module.command)


def main() -> None:
    try:
        cli(standalone_mode=False)
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
