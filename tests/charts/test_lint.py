"""Every chart lints on its own (helm lint --strict, with helm 4 and helm 3) and as chart-testing
sees the repository (ct lint --all with ct.yaml, its yamllint rules and Chart.yaml schema)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from quikapp_charts.core import paths, rendering, result_cache
from support import run_helm

pytestmark = pytest.mark.slow

CHARTS = ["quikapp-lib", *paths.STACKS, "quikapp"]


@pytest.mark.parametrize("helm", ["helm", "helm3"])
@pytest.mark.parametrize("chart", CHARTS)
def test_helm_lint_strict(chart, helm):
    result = run_helm([paths.tool(helm), "lint", "--strict", str(paths.CHARTS / chart), "--kube-version",
                       rendering.kube_version()])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 chart(s) linted, 0 chart(s) failed" in result.stdout


@pytest.mark.parametrize("env", ["local", "live"])
def test_helm_lint_strict_with_environment_values(env):
    result = run_helm([paths.tool("helm"), "lint", "--strict", str(paths.UMBRELLA), "-f", str(paths.env_values_file(env)),
                       "--kube-version", rendering.kube_version()])
    assert result.returncode == 0, result.stdout + result.stderr


def ct_lint_inputs() -> list[str]:
    """What ct lint's verdict depends on besides its arguments and the checkout it runs in: the
    charts, its lint rules and Chart.yaml schema (tools/ct), and the helm, yamllint and yamale it
    runs, with every file installed beside them (the RECORD of each package lists them with their
    hashes)."""
    site = sorted(Path(sys.prefix).glob("lib/python*/site-packages/*.dist-info/RECORD"))
    return [*(f"{program}:{result_cache.binary_digest(program)}" for program in ("helm", "yamllint", "yamale")),
            f"python:{result_cache.binary_digest(os.path.realpath(sys.executable))}",
            f"charts:{result_cache.tree_digest(paths.CHARTS)}", f"ct:{result_cache.tree_digest(paths.ROOT / 'tools' / 'ct')}",
            *(f"{record.parent.name}:{result_cache.tree_digest(record)}" for record in site)]


def test_ct_lint_all(tmp_path):
    """ct lints every chart under chart-dirs with --all (in a git checkout); its verdict is kept in
    the render cache by everything it reads, so unchanged charts are not linted again."""
    archives_before = {p: p.read_bytes() for p in paths.CHARTS.rglob("*.tgz")}
    cmd = [paths.tool("ct"), "lint", "--all", "--config", str(paths.ROOT / "ct.yaml")]
    env = {**os.environ, "HOME": str(tmp_path)}
    cache = result_cache.folder()
    if cache is None:
        result = subprocess.run(cmd, capture_output=True, text=True, cwd=paths.ROOT, env=env)
    else:
        result = result_cache.run(cmd, cache, cwd=str(paths.ROOT), env=env, timeout=600, identity=ct_lint_inputs())
    archives_after = {p: p.read_bytes() for p in paths.CHARTS.rglob("*.tgz")}
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    for chart in CHARTS:
        assert f"charts/{chart} =>" in output or f"charts/{chart}" in output
    assert "All charts linted successfully" in output
    # Linting builds nothing into the tree (ct.yaml: skip-helm-dependencies): the committed
    # dependency archives stay as they are.
    assert archives_after == archives_before and list(paths.CHARTS.rglob("Chart.lock")) == []


def test_ruff_finds_nothing_in_the_python():
    """The tooling and the tests pass ruff (its rules are in pyproject.toml)."""
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "tools", "tests"],
                            capture_output=True, text=True, cwd=paths.ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_python_dependency_is_pinned():
    """tools/constraints.txt pins each dependency pyproject.toml declares, so a fresh machine
    installs the versions CI tested."""
    project = tomllib.loads((paths.ROOT / "pyproject.toml").read_text())["project"]
    declared = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    pins = {}
    for line in (paths.ROOT / "tools" / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    unpinned = [d for d in declared if re.sub(r"[-_.]+", "-", re.split(r"[<>=!~\[ ]", d)[0]).lower() not in pins]
    assert unpinned == [] and all(pins.values()), unpinned
