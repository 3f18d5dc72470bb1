"""Helpers of the CLI tests (test_cli_*.py): run the real `quikapp-charts` entry point in a
subprocess (exit codes and one-line errors exactly as a shell sees them), and build a throw-away
copy of the repository for commands that write files or need broken values. No tests here."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from quikapp_charts import paths
from support import floors

CLI = [sys.executable, "-c", "from quikapp_charts.cli import main; main()"]


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def json(self):
        return json.loads(self.stdout)


def run(*args: str, root: Path | None = None, tmpdir: Path | None = None) -> Run:
    env = dict(os.environ)
    env.pop("QUIKAPP_CHARTS_ROOT", None)
    if root is not None:
        env["QUIKAPP_CHARTS_ROOT"] = str(root)
    if tmpdir is not None:
        env["TMPDIR"] = str(tmpdir)
    result = subprocess.run([*CLI, *args], capture_output=True, text=True, env=env,
                            cwd=root or paths.ROOT, timeout=300)
    return Run(result.returncode, result.stdout, result.stderr)


def assert_one_line_error(result: Run, code: int, *mentions: str) -> str:
    """The command failed with `error: ...` on one line of stderr, naming what it should."""
    assert result.code == code, (result.code, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, result.stderr
    for mention in mentions:
        assert mention in lines[0], lines[0]
    return lines[0]


def copy_repo(target: Path) -> Path:
    """The charts, values and tool pins of the working tree in target, using this checkout's
    pinned helm (.cache/bin), for commands that must not touch the real values/."""
    shutil.copytree(paths.CHARTS, target / "charts", symlinks=True)
    shutil.copytree(paths.VALUES, target / "values")
    (target / "tools").mkdir()
    shutil.copy(paths.ROOT / "tools" / "versions.env", target / "tools" / "versions.env")
    link_cache(target)
    return target


def link_cache(target: Path) -> None:
    """target/.cache/bin and .cache/modules: this checkout's pinned tools and Go module files."""
    (target / ".cache").mkdir(exist_ok=True)
    for folder in (paths.CACHE_BIN, paths.MODULE_FILES):
        if folder.is_dir():
            (target / ".cache" / folder.name).symlink_to(folder)


def add_to_values(values_file: Path, patch: dict) -> None:
    """Deep-merge patch into a values file (tests' broken or changed environments)."""
    data = yaml.safe_load(values_file.read_text()) or {}

    def merge(into: dict, extra: dict) -> None:
        for key, value in extra.items():
            if isinstance(value, dict) and isinstance(into.get(key), dict):
                merge(into[key], value)
            else:
                into[key] = value

    merge(data, patch)
    values_file.write_text(yaml.safe_dump(data, sort_keys=False))


def replica_floor(objects: list[dict]) -> int:
    """Sum over Deployments of their replica floors."""
    return sum(floors(objects).values())


def gpu_deployments(objects: list[dict]) -> set[str]:
    return {o["metadata"]["name"] for o in objects if o["kind"] == "Deployment"
            and any("nvidia.com/gpu" in (c.get("resources") or {}).get("limits", {})
                    for c in o["spec"]["template"]["spec"]["containers"])}
