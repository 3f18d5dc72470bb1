"""The scanners' figures per environment: kube-score (CRITICAL and WARNING, with the tests
.kube-score.yaml ignores, and CRITICAL without them) and checkov (passed and failed, with
.checkov.yaml), over `quikapp-charts render ENV` of every environment.

    python tools/benchmarks/scanner_figures.py
"""
from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

import yaml

from quikapp_charts.core import paths, rendering


def kube_score(render: Path, ignored: list[str]) -> tuple[int, int]:
    args = [str(paths.tool("kube-score")), "score", "--output-format", "ci", str(render)]
    for test in ignored:
        args += ["--ignore-test", test]
    lines = subprocess.run(args, capture_output=True, text=True).stdout.splitlines()
    return (sum(line.startswith("[CRITICAL]") for line in lines),
            sum(line.startswith("[WARNING]") for line in lines))


def checkov(folder: Path) -> dict[str, tuple[int, int]]:
    """file stem -> (passed, failed)."""
    cmd = [str(paths.CACHE / "checkov" / "bin" / "checkov"), "--config-file", str(paths.ROOT / ".checkov.yaml"),
           "--directory", str(folder), "--framework", "kubernetes", "--output", "json"]
    report = json.loads(subprocess.run(cmd, capture_output=True, text=True).stdout or "{}")
    reports = report if isinstance(report, list) else [report]
    counts: dict[str, list[int]] = {}
    for verdict, index in (("passed_checks", 0), ("failed_checks", 1)):
        for check in (c for r in reports for c in r.get("results", {}).get(verdict, [])):
            stem = Path(check["file_path"]).stem
            counts.setdefault(stem, [0, 0])[index] += 1
    return {stem: (p, f) for stem, (p, f) in counts.items()}


def main() -> None:
    ignored = yaml.safe_load((paths.ROOT / ".kube-score.yaml").read_text())["ignore-test"]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for env in paths.environments():
            render = folder / f"{env}.yaml"
            render.write_text(rendering.render(env).text)
            rows.append((env, *kube_score(render, ignored), kube_score(render, [])[0]))
        scanned = checkov(folder)
    print("| env | kube-score CRITICAL | kube-score WARNING | CRITICAL without .kube-score.yaml "
          "| checkov passed | checkov failed |")
    print("|---|---|---|---|---|---|")
    for env, critical, warning, raw in rows:
        passed, failed = scanned.get(env, (0, 0))
        print(f"| {env} | {critical} | {warning} | {raw} | {passed} | {failed} |")


if __name__ == "__main__":
    main()
