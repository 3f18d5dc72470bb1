"""`quikapp-charts diff ENV_A ENV_B` and `quikapp-charts diff ENV --since GIT_REF`: what changes,
object by object (checks/object_diff.py), shown as one line per field path, grouped by kind."""
from __future__ import annotations

import difflib
import json
from typing import Any

import click
import yaml
from rich.text import Text

from quikapp_charts.checks.object_diff import Change, ObjectDiff, RenderedEnv, diff, render_at, render_now, summary, summary_line
from quikapp_charts.core import console, rendering
from quikapp_charts.core.errors import CheckFailed, UserError


def _fmt(value: Any) -> str:
    if isinstance(value, str):
        if value and "\n" not in value and value.strip() == value:
            try:
                if yaml.safe_load(value) == value:
                    return value
            except yaml.YAMLError:
                pass
        return json.dumps(value)
    return json.dumps(value, sort_keys=True)


def _lines(change: Change) -> list[Text]:
    style = {"+": "green", "-": "red", "~": "yellow"}[change.op]
    multiline = any(isinstance(v, str) and "\n" in v for v in (change.old, change.new))
    if change.op == "~" and multiline:
        out = [Text(f"  ~ {change.path}:", style=style)]
        for line in difflib.unified_diff(str(change.old).splitlines(), str(change.new).splitlines(),
                                         lineterm="", n=1):
            if line.startswith(("---", "+++")):
                continue
            colour = "green" if line.startswith("+") else "red" if line.startswith("-") else "dim"
            out.append(Text(f"      {line}", style=colour))
        return out
    if change.op == "~":
        body = f"{_fmt(change.old)} -> {_fmt(change.new)}"
    else:
        body = _fmt(change.new if change.op == "+" else change.old)
    return [Text(f"  {change.op} {change.path}: {body}", style=style)]


def show(a: RenderedEnv, b: RenderedEnv, found: list[ObjectDiff], unchanged: int, brief: bool) -> None:
    out = console.console()
    out.print(Text(f"{a.label} -> {b.label}", style="bold"))
    if a.namespace != b.namespace:
        out.print(Text(f"namespace: {a.namespace} -> {b.namespace}", style="yellow"))
    kind = None
    marks = {"added": ("+", "green"), "removed": ("-", "red"), "changed": ("~", "yellow")}
    for item in found:
        if item.kind != kind:
            kind = item.kind
            counts: dict[str, int] = {}
            for other in found:
                if other.kind == kind:
                    counts[other.status] = counts.get(other.status, 0) + 1
            out.print()
            out.print(Text(f"{kind} ({', '.join(f'{n} {s}' for s, n in counts.items())})",
                           style="bold"))
        mark, colour = marks[item.status]
        out.print(Text(f"{mark} {item.kind}/{item.name}" + ("" if item.status == "changed"
                                                          else f" ({item.status})"), style=colour))
        if not brief:
            for change in item.changes:
                for line in _lines(change):
                    out.print(line)
    out.print()
    out.print(summary_line(found, unchanged))


@click.command("diff", epilog=console.EXIT_CODES)
@click.argument("env_a", metavar="ENV_A")
@click.argument("env_b", metavar="[ENV_B]", required=False)
@click.option("--since", "ref", metavar="GIT_REF",
              help="Compare ENV_A rendered from this git revision with the working tree.")
@click.option("--brief", is_flag=True, help="Only the objects, not their fields.")
@click.option("--exit-code", is_flag=True, help="Exit 1 when there are differences (like git diff).")
@console.output_option
def command(env_a: str, env_b: str | None, ref: str | None, brief: bool, exit_code: bool,
            output: str) -> None:
    """Object-level differences: between ENV_A and ENV_B, or in ENV_A between GIT_REF and now.

    Every difference is a field path, grouped by Kind/name:
    `+ path: value`, `- path: value`, `~ path: old -> new`."""
    if (env_b is None) == (ref is None):
        raise UserError("diff: give two environments (diff ENV_A ENV_B) or one and --since GIT_REF")
    if ref is not None:
        rendering.values_of(env_a)  # an unknown environment is bad input before any git work
        a, b = render_at(env_a, ref), render_now(env_a)
        b.label = f"{env_a} (working tree)"
    else:
        a, b = render_now(env_a), render_now(env_b)
    found, unchanged = diff(a, b)
    if output == "json":
        console.emit_json({"from": a.to_json(), "to": b.to_json(),
                           "summary": summary(found, unchanged),
                           "objects": [item.to_json() for item in found]})
    else:
        show(a, b, found, unchanged, brief)
    if exit_code and found:
        raise CheckFailed(summary_line(found, unchanged))
