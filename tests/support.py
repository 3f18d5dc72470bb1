"""What the test modules share (conftest.py holds the fixtures): the rendered objects of an
environment, the replica floor, a throw-away repository to change, and the `quikapp-charts` command
run in this process (click's runner) or, where the exit status of a real process is the point, in a
subprocess."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import traceback
from dataclasses import dataclass
from pathlib import Path

import yaml
from click.testing import CliRunner

from quikapp_charts.cli import main
from quikapp_charts.core import paths, rendering, result_cache

ENVIRONMENTS = list(paths.ENVIRONMENTS)
REPOSITORY = paths.ROOT


class Objects:
    """The rendered objects of one environment, indexed by kind and name."""

    def __init__(self, rendered: rendering.Rendered):
        self.env = rendered.env
        self.namespace = rendered.namespace
        self.text = rendered.text
        self.all = rendered.objects
        self.by_kind: dict[str, dict[str, dict]] = {}
        for obj in self.all:
            self.by_kind.setdefault(obj["kind"], {})[obj["metadata"]["name"]] = obj

    def get(self, kind: str, name: str) -> dict | None:
        return self.by_kind.get(kind, {}).get(name)

    def names(self, kind: str) -> set[str]:
        return set(self.by_kind.get(kind, {}))


def floors(objects: list[dict]) -> dict[str, int]:
    """Deployment name -> its replica floor, as the design states it: the minReplicas of the HPA
    that scales it, else its spec.replicas (1 when unset)."""
    hpa_min = {o["spec"]["scaleTargetRef"]["name"]: o["spec"].get("minReplicas", 1)
               for o in objects if o.get("kind") == "HorizontalPodAutoscaler"
               and o["spec"]["scaleTargetRef"].get("kind") == "Deployment"}
    return {o["metadata"]["name"]: hpa_min.get(o["metadata"]["name"], o["spec"].get("replicas", 1))
            for o in objects if o.get("kind") == "Deployment"}


def strings_in(tree) -> list[str]:
    """Every string of a parsed YAML or JSON tree, mapping keys included, depth first."""
    found: list[str] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(reversed([item for pair in node.items() for item in pair]))
        elif isinstance(node, list):
            stack.extend(reversed(node))
        elif isinstance(node, str):
            found.append(node)
    return found


def gpu_deployments(objects: list[dict]) -> set[str]:
    return {o["metadata"]["name"] for o in objects if o["kind"] == "Deployment"
            and any("nvidia.com/gpu" in (c.get("resources") or {}).get("limits", {})
                    for c in o["spec"]["template"]["spec"]["containers"])}


# ------------------------------------------------------------------ a repository to change

def make_workspace(target: Path, *, values: bool = True) -> Path:
    """A repository in target that a test may break or change: a copy of charts/ (its in-repo
    symlinks kept) and of values/ (an empty values/ with values=False), tools/ and this checkout's
    pinned tools and Go module files (.cache/bin, .cache/modules) linked."""
    shutil.copytree(paths.CHARTS, target / "charts", symlinks=True)
    if values:
        shutil.copytree(paths.VALUES, target / "values")
    else:
        (target / "values").mkdir()
    (target / "tools").symlink_to(paths.ROOT / "tools")
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


def snapshot_tree(root: Path) -> dict[str, bytes]:
    """Every file under root with its bytes: compare two to prove nothing was written."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts}


# ------------------------------------------------------------------ the command

@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def json(self):
        return json.loads(self.stdout)


def cli(*args: str, root: Path | None = None, tmpdir: Path | None = None, env: dict | None = None) -> Run:
    """`quikapp-charts ARGS` in this process, as the entry point runs it (one-line errors, exit
    codes), against the repository or the one in root (QUIKAPP_CHARTS_ROOT for the processes it
    starts), with temporary files in tmpdir and the variables of env set. An exception that
    escapes shows as a traceback on stderr, as it would in a shell."""
    saved_tmp = tempfile.tempdir
    paths.set_root(root or REPOSITORY)
    if tmpdir is not None:
        tempfile.tempdir = str(tmpdir)
    try:
        variables = {**(env or {}), "QUIKAPP_CHARTS_ROOT": str(root or REPOSITORY)}
        with CliRunner().isolation(env=variables) as (out, err, _):
            try:
                main(args)
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            except Exception:  # noqa: BLE001 - what a shell would show
                sys.stderr.write(traceback.format_exc())
                code = 1
            sys.stdout.flush()
            sys.stderr.flush()
            return Run(code, out.getvalue().decode(), err.getvalue().decode())
    finally:
        paths.set_root(REPOSITORY)
        tempfile.tempdir = saved_tmp


def run_helm(cmd: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    """A helm command (its path first) in a process of its own; a `helm template` is answered from
    the render cache as the tool's own renders are (quikapp_charts.core.result_cache)."""
    cache = result_cache.folder()
    if cache is not None and result_cache.cacheable(cmd):
        return result_cache.run(cmd, cache, cwd=str(cwd) if cwd else None)
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd)


def cli_process(*args: str, root: Path | None = None, tmpdir: Path | None = None) -> Run:
    """`quikapp-charts ARGS` in a process of its own: the exit status and output a shell sees."""
    env = dict(os.environ)
    env.pop("QUIKAPP_CHARTS_ROOT", None)
    if root is not None:
        env["QUIKAPP_CHARTS_ROOT"] = str(root)
    if tmpdir is not None:
        env["TMPDIR"] = str(tmpdir)
    result = subprocess.run([sys.executable, "-m", "quikapp_charts", *args], capture_output=True, text=True,
                            env=env, cwd=root or REPOSITORY, timeout=300)
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
