"""kube-score (its default tests) over every environment's render: no CRITICAL finding, with the
tests .kube-score.yaml ignores, each for the reason written there."""
from __future__ import annotations

import subprocess

import pytest
import yaml

from quikapp_charts.core import paths
from support import ENVIRONMENTS

pytestmark = pytest.mark.slow

CONFIG = paths.ROOT / ".kube-score.yaml"


def kube_score(render_file) -> list[str]:
    """kube-score's CI lines ([CRITICAL] ..., [WARNING] ...) for one render file."""
    ignored = yaml.safe_load(CONFIG.read_text())["ignore-test"]
    args = [str(paths.tool("kube-score")), "score", "--output-format", "ci", str(render_file)]
    for test in ignored:
        args += ["--ignore-test", test]
    result = subprocess.run(args, capture_output=True, text=True)
    assert result.returncode in (0, 1), result.stderr  # 1: findings, which the lines give
    return result.stdout.splitlines()


def test_every_ignored_test_has_its_reason():
    text = CONFIG.read_text()
    for test in yaml.safe_load(text)["ignore-test"]:
        assert f"# {test}: " in text, f"{test}: ignored without a reason"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_kube_score_finds_nothing_critical(tmp_path, rendered, env):
    render = tmp_path / f"{env}.yaml"
    render.write_text(rendered[env].text)
    lines = kube_score(render)
    assert any(line.startswith("[OK]") for line in lines), lines[:5]
    critical = [line for line in lines if line.startswith("[CRITICAL]")]
    assert critical == [], f"{env}: {len(critical)} CRITICAL, e.g. {critical[:3]}"
