"""The bad-input corpus: broken values files (tests/commands/bad_input/values) and broken service tables
(tests/commands/bad_input/tables), each with the message it must produce on its first line (`# expect: ...`,
`<!-- expect: ... -->`).

Each runs through the command in a workspace that holds the repository's charts and tools and only
the broken file: it must exit 2, print exactly one line naming the file and the key or row (no
traceback), and leave no file written or half-written. The corpus runs in this process (click's
runner, the same entry point); a few cases of each kind run again as a process of their own, for the
exit status and output a shell sees.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from quikapp_charts.core import paths
from support import Run, cli, cli_process, make_workspace, run_helm, snapshot_tree

pytestmark = pytest.mark.slow

CORPUS = Path(__file__).parent / "bad_input"
VALUES_CASES = sorted((CORPUS / "values").glob("*.yaml"))
TABLE_CASES = sorted((CORPUS / "tables").glob("*.md"))
# Run as processes too: a YAML error, a schema error, a template check, and two tables.
IN_A_PROCESS = {"duplicate-key", "global-unknown-key", "two-template-problems"}
IN_A_PROCESS |= {TABLE_CASES[0].stem, TABLE_CASES[-1].stem}


def expected(case: Path) -> str:
    match = re.match(r"^(?:# |<!-- )expect: (.*?)(?: -->)?$", case.read_text().splitlines()[0])
    assert match, f"{case.name}: first line must say what to expect"
    return match[1]


def values_workspace(tmp: Path, case: Path) -> Path:
    root = make_workspace(tmp / case.stem, values=False)
    shutil.copy(case, root / "values" / case.name)
    return root


def table_workspace(tmp: Path, case: Path) -> Path:
    root = make_workspace(tmp / case.stem, values=False)
    shutil.copy(case, root / "charts" / "services.md")
    return root


def render_case(tmp: Path, case: Path, run) -> tuple[Run, list[Path], bool]:
    """(the run, files written to --out, whether values/ is untouched)."""
    root = values_workspace(tmp, case)
    out = root / "out"
    out.mkdir()
    before = snapshot_tree(root / "values")
    result = run("render", case.stem, "--out", str(out), root=root)
    return result, list(out.iterdir()), before == snapshot_tree(root / "values")


def generate_case(tmp: Path, case: Path, run) -> tuple[Run, bool]:
    """(the run, whether charts/ is untouched)."""
    root = table_workspace(tmp, case)
    before = snapshot_tree(root / "charts")
    result = run("generate", root=root)
    return result, before == snapshot_tree(root / "charts")


def test_corpus_size():
    assert len(VALUES_CASES) >= 60
    assert len(TABLE_CASES) >= 20


def assert_one_clear_line(result: Run, prefix: str, expect: str):
    assert result.code == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    line = lines[0]
    assert line.startswith(f"error: {prefix}"), line
    assert expect in line, line


@pytest.mark.parametrize("case", VALUES_CASES, ids=lambda p: p.stem)
def test_broken_values_file(tmp_path, case):
    result, written, values_untouched = render_case(tmp_path, case, cli)
    assert_one_clear_line(result, f"values/{case.name}", expected(case))
    assert written == []
    assert values_untouched


@pytest.mark.parametrize("case", TABLE_CASES, ids=lambda p: p.stem)
def test_broken_service_table(tmp_path, case):
    result, charts_untouched = generate_case(tmp_path, case, cli)
    assert_one_clear_line(result, "charts/services.md:", expected(case))
    assert re.match(r"^error: charts/services\.md:\d+:\d+: ", result.stderr)
    assert charts_untouched


@pytest.mark.parametrize("case", [c for c in VALUES_CASES + TABLE_CASES if c.stem in IN_A_PROCESS],
                         ids=lambda p: p.stem)
def test_a_process_of_its_own_exits_2_with_one_line(tmp_path, case):
    if case.suffix == ".yaml":
        result, written, untouched = render_case(tmp_path, case, cli_process)
        assert written == []
        prefix = f"values/{case.name}"
    else:
        result, untouched = generate_case(tmp_path, case, cli_process)
        prefix = "charts/services.md:"
    assert_one_clear_line(result, prefix, expected(case))
    assert result.stdout == "" and untouched


def test_a_typo_fails_plain_helm_template_naming_the_key(tmp_path):
    """Without our tooling: Helm itself applies the schema, so Argo CD stops on it too."""
    broken = tmp_path / "live.yaml"
    broken.write_text(paths.env_values_file("live").read_text().replace("backend-gateway:", "backend-gatway:"))
    for helm in ("helm", "helm3"):
        result = run_helm([paths.tool(helm), "template", "quikapp", str(paths.UMBRELLA), "-f", str(broken)])
        assert result.returncode != 0
        assert "at '/nestjs/services': additional properties 'backend-gatway' not allowed" in result.stderr
