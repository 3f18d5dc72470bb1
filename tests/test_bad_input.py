"""The bad-input corpus: broken values files (tests/bad_input/values) and broken service tables
(tests/bad_input/tables), each with the message it must produce on its first line (`# expect: ...`,
`<!-- expect: ... -->`).

Each runs through the real command in a workspace that holds the repository's charts and tools and
only the broken file: it must exit non-zero, print exactly one line naming the file and the key or
row (no traceback), and leave no file written or half-written.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from quikapp_charts import paths

CORPUS = Path(__file__).parent / "bad_input"
VALUES_CASES = sorted((CORPUS / "values").glob("*.yaml"))
TABLE_CASES = sorted((CORPUS / "tables").glob("*.md"))


def expected(case: Path) -> str:
    match = re.match(r"^(?:# |<!-- )expect: (.*?)(?: -->)?$", case.read_text().splitlines()[0])
    assert match, f"{case.name}: first line must say what to expect"
    return match[1]


def snapshot_tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts}


def run(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "quikapp_charts", *args], capture_output=True, text=True,
                          env={**os.environ, "QUIKAPP_CHARTS_ROOT": str(root)}, timeout=120)


def values_workspace(tmp: Path, case: Path) -> Path:
    root = tmp / case.stem
    (root / "values").mkdir(parents=True)
    os.symlink(paths.CHARTS, root / "charts")
    os.symlink(paths.ROOT / "tools", root / "tools")
    shutil.copy(case, root / "values" / case.name)
    return root


def table_workspace(tmp: Path, case: Path) -> Path:
    root = tmp / case.stem
    shutil.copytree(paths.CHARTS, root / "charts", symlinks=True)
    os.symlink(paths.ROOT / "tools", root / "tools")
    shutil.copy(case, root / "charts" / "services.md")
    return root


@pytest.fixture(scope="module")
def values_results(tmp_path_factory):
    """Every values case rendered (`render ENV --out DIR`), two at a time."""
    tmp = tmp_path_factory.mktemp("values-corpus")

    def attempt(case: Path):
        root = values_workspace(tmp, case)
        out = root / "out"
        out.mkdir()
        before = snapshot_tree(root / "values")
        result = run(root, "render", case.stem, "--out", str(out))
        return result, list(out.iterdir()), before == snapshot_tree(root / "values")

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(VALUES_CASES, pool.map(attempt, VALUES_CASES)))


@pytest.fixture(scope="module")
def table_results(tmp_path_factory):
    """Every table case through `generate` (which would write the charts)."""
    tmp = tmp_path_factory.mktemp("table-corpus")

    def attempt(case: Path):
        root = table_workspace(tmp, case)
        before = snapshot_tree(root / "charts")
        result = run(root, "generate")
        return result, before == snapshot_tree(root / "charts")

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(TABLE_CASES, pool.map(attempt, TABLE_CASES)))


def test_corpus_size():
    assert len(VALUES_CASES) >= 60
    assert len(TABLE_CASES) >= 20


def assert_one_clear_line(result: subprocess.CompletedProcess, prefix: str, expect: str):
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    line = lines[0]
    assert line.startswith(f"error: {prefix}"), line
    assert expect in line, line


@pytest.mark.parametrize("case", VALUES_CASES, ids=lambda p: p.stem)
def test_broken_values_file(values_results, case):
    result, written, values_untouched = values_results[case]
    assert_one_clear_line(result, f"values/{case.name}", expected(case))
    assert written == []
    assert values_untouched


@pytest.mark.parametrize("case", TABLE_CASES, ids=lambda p: p.stem)
def test_broken_service_table(table_results, case):
    result, charts_untouched = table_results[case]
    assert_one_clear_line(result, "charts/services.md:", expected(case))
    assert re.match(r"^error: charts/services\.md:\d+:\d+: ", result.stderr)
    assert charts_untouched


def test_a_typo_fails_plain_helm_template_naming_the_key(tmp_path):
    """Without our tooling: Helm itself applies the schema, so Argo CD stops on it too."""
    broken = tmp_path / "live.yaml"
    broken.write_text(paths.env_values_file("live").read_text().replace("backend-gateway:", "backend-gatway:"))
    for helm in ("helm", "helm3"):
        result = subprocess.run([paths.tool(helm), "template", "quikapp", str(paths.UMBRELLA), "-f", str(broken)],
                                capture_output=True, text=True)
        assert result.returncode != 0
        assert "at '/nestjs/services': additional properties 'backend-gatway' not allowed" in result.stderr
