"""The tool's structure, as the project's standards state it: commands on top of library modules
(no command module imported by another module), and no module over 400 lines."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "tools" / "quikapp_charts"
MODULES = sorted(PACKAGE.rglob("*.py"))


def dotted(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> set[str]:
    """The modules of the package that PATH imports, by dotted name."""
    package = dotted(path) if path.name == "__init__.py" else dotted(path).rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rsplit(".", 1)[0]
            module = f"{base}.{node.module}" if node.level and node.module else (node.module or base)
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("quikapp_charts")}


def is_command(path: Path) -> bool:
    """A module that defines the click command `command` (what cli.py adds as a subcommand)."""
    return any(isinstance(node, ast.FunctionDef) and node.name == "command"
               for node in ast.parse(path.read_text()).body)


COMMANDS = {dotted(p) for p in MODULES if is_command(p)}


def test_the_commands_are_found():
    assert {"quikapp_charts.render", "quikapp_charts.validate", "quikapp_charts.cluster.command"} <= COMMANDS


def test_the_command_line_lists_every_command_and_loads_each_by_its_name():
    """cli.py names the command modules (it imports one when its subcommand runs)."""
    import click

    from quikapp_charts import cli

    assert {f"quikapp_charts.{module}" for module in cli.COMMANDS.values()} == COMMANDS
    context = click.Context(cli.cli)
    for name in cli.COMMANDS:
        assert cli.cli.get_command(context, name).name == name


# The command line itself (cli.py, run by __main__.py) puts the commands together.
@pytest.mark.parametrize("path", [p for p in MODULES if p.name not in ("cli.py", "__main__.py")],
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_command_module_is_imported_by_another_module(path):
    assert imported(path) & COMMANDS == set()


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_is_over_400_lines(path):
    assert len(path.read_text().splitlines()) <= 400
