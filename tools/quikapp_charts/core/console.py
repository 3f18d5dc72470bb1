"""Output shared by the daily commands: rich tables for people, `--output json` for machines, and
progress on stderr for work over several environments (stdout stays clean for pipes and JSON)."""
from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

EXIT_CODES = "Exit codes: 0 ok, 1 a check found problems, 2 bad input (one line names the file and key)."


def output_option(func):
    """`--output/-o text|json`: rich output for people (default) or one JSON document on stdout."""
    return click.option(
        "--output", "-o", "output", type=click.Choice(["text", "json"]), default="text",
        show_default=True, help="text for people, json for machines (one document on stdout).",
    )(func)


def console(stderr: bool = False) -> Console:
    """A rich console on the current stdout/stderr (created per call: click's test runner swaps
    them). Wide when not a terminal, so tables in CI logs are not folded at 80 columns."""
    stream = sys.stderr if stderr else sys.stdout
    terminal = stream.isatty()
    return Console(file=stream, width=None if terminal else 200, soft_wrap=not terminal,
                   highlight=False)


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=False))


class Steps:
    """Progress over a known number of steps, each named (an environment)."""

    def __init__(self, progress: Progress | None, task: Any, total: int, quiet: bool):
        self._progress, self._task, self._total, self._quiet = progress, task, total, quiet
        self._done = 0

    def advance(self, name: str, status: str) -> None:
        self._done += 1
        if self._progress is not None:
            self._progress.update(self._task, advance=1, description=f"{name}: {status}")
        elif not self._quiet:
            click.echo(f"[{self._done}/{self._total}] {name}: {status}", err=True)


@contextmanager
def steps(description: str, total: int, quiet: bool = False) -> Iterator[Steps]:
    """A progress bar on a terminal's stderr, one line per finished step otherwise (CI logs);
    nothing with quiet. Steps may finish in any order."""
    err = sys.stderr
    if quiet or not err.isatty() or total < 2:
        yield Steps(None, None, total, quiet or total < 2)
        return
    progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=console(stderr=True), transient=True)
    with progress:
        task = progress.add_task(description, total=total)
        yield Steps(progress, task, total, quiet)


def print_table(title: str, columns: list[str], rows: list[list[str]]) -> None:
    """A titled table of strings on stdout."""
    from rich.table import Table

    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    console().print(table)
