"""The one runner of git, in the repository (paths.ROOT) or another work tree."""
from __future__ import annotations

import subprocess
from pathlib import Path

from quikapp_charts.core import paths
from quikapp_charts.core.errors import UserError


def run(*args: str, root: Path | None = None) -> subprocess.CompletedProcess:
    """git ARGS in ROOT, its output as bytes (an archive is binary), whatever its exit status."""
    return subprocess.run(["git", "-C", str(root or paths.ROOT), *args], capture_output=True)


def git(*args: str, root: Path | None = None, check: bool = True) -> str:
    """git ARGS in ROOT, its standard output as text; with check, a failure is a one-line UserError."""
    result = run(*args, root=root)
    if check and result.returncode != 0:
        detail = " ".join(result.stderr.decode(errors="replace").split()) or f"exit {result.returncode}"
        raise UserError(f"git {' '.join(args[:2])}: {detail}")
    return result.stdout.decode()


def is_repository(root: Path | None = None) -> bool:
    return run("rev-parse", "--git-dir", root=root).returncode == 0
