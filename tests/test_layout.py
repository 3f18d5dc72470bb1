"""The tool's layout, as the README's table states it: a package per concern, each importing only the
packages below it; one module per subcommand in `commands/`, none imported by another module; no
module over 400 lines and no function over 60, in tools/ and tests/ alike."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "tools" / "quikapp_charts"
MODULES = sorted(PACKAGE.rglob("*.py"))
SOURCES = sorted([*(ROOT / "tools").rglob("*.py"), *(ROOT / "tests").rglob("*.py")])

# What each package may import besides itself, bottom up. `commands` may import every package but
# not another command; cli.py, at the top, loads the commands by name.
MAY_IMPORT = {
    "core": set(),
    "release": {"core"},
    "catalogue": {"core", "release"},
    "cluster": {"core"},
    "netpol": {"core", "release", "catalogue"},
    "capacity": {"core", "cluster"},
    "checks": {"core", "cluster", "capacity"},
    "environments": {"core", "release", "catalogue", "cluster", "netpol", "capacity", "checks"},
    "upgrade": {"core", "release", "catalogue", "cluster", "netpol", "capacity", "checks"},
    "commands": {"core", "release", "catalogue", "cluster", "netpol", "capacity", "checks", "environments",
                 "upgrade"},
}


def dotted(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> set[str]:
    """The modules of the package that PATH imports, by dotted name (`from X import name` counts as X
    and as X.name, since the name may be a module)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            assert node.level == 0, f"{path.name}: relative import of {node.module}; the package imports absolutely"
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("quikapp_charts")}


def is_command(path: Path) -> bool:
    """A module that defines the click command `command` (what cli.py adds as a subcommand)."""
    return any(isinstance(node, ast.FunctionDef) and node.name == "command"
               for node in ast.parse(path.read_text()).body)


COMMANDS = {dotted(p) for p in MODULES if is_command(p)}


def package_of(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in MAY_IMPORT) else ""


def test_every_command_lives_in_commands_and_every_package_is_listed():
    assert COMMANDS and all(name.startswith("quikapp_charts.commands.") for name in COMMANDS)
    packages = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert packages == set(MAY_IMPORT)


def test_the_command_line_lists_every_command_and_loads_each_by_its_name():
    """cli.py names the command modules (it imports one when its subcommand runs)."""
    import click

    from quikapp_charts import cli

    assert {f"quikapp_charts.commands.{module}" for module in cli.COMMANDS.values()} == COMMANDS
    context = click.Context(cli.cli)
    for name in cli.COMMANDS:
        assert cli.cli.get_command(context, name).name == name


@pytest.mark.parametrize("path", [p for p in MODULES if p.parent != PACKAGE],
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_a_package_imports_only_the_packages_below_it(path):
    own = package_of(dotted(path))
    allowed = MAY_IMPORT[own] | {own}
    wrong = {name for name in imported(path) if package_of(name) not in allowed}
    assert wrong == set(), f"{own} may import {sorted(allowed)}"


@pytest.mark.parametrize("path", [p for p in MODULES if p.name not in ("cli.py", "__main__.py")],
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_command_module_is_imported_by_another_module(path):
    assert imported(path) & COMMANDS == set()


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_and_functions_are_short_enough_to_read(path):
    text = path.read_text()
    assert len(text.splitlines()) <= 400
    long = [f"{node.name} ({node.end_lineno - node.lineno + 1} lines)" for node in ast.walk(ast.parse(text))
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno - node.lineno >= 60]
    assert long == []
