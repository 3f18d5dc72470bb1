"""Running the cluster's tools (kubectl, helm, kwokctl, kind) against it, and waiting for it."""
from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import click
import yaml

from quikapp_charts.cluster.config import CLUSTER_NAME, KUBECONFIG, KWOK_WORKDIR
from quikapp_charts.core import external_tools, paths
from quikapp_charts.core import helm as helm_runner
from quikapp_charts.core.errors import UserError


def say(message: str) -> None:
    click.echo(f"[cluster] {message}", err=True)


def tool_env() -> dict[str, str]:
    """The environment for every tool: our builds first on PATH, our kubeconfig and kwok workdir."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(paths.CACHE_BIN), env.get("PATH", "")])
    env["KUBECONFIG"] = str(KUBECONFIG)
    env["KWOK_WORKDIR"] = str(KWOK_WORKDIR)
    # helm --wait polls every object of the release; its client-side default of 5 queries a
    # second turns a 10-second rollout of 33 Deployments into a minute. The local API server
    # runs without QPS limits.
    env.setdefault("HELM_QPS", "100")
    env.setdefault("HELM_BURST_LIMIT", "300")
    return env


def run(cmd: Sequence[str], *, input: str | None = None, check: bool = True,
        stream: bool = False, timeout: float | None = None) -> subprocess.CompletedProcess:
    """Run a tool; on failure raise UserError with one line naming the tool and its last error."""
    name = f"{Path(cmd[0]).name} {' '.join(cmd[1:3])}"
    return external_tools.run(cmd, name=name, missing="run `make cluster-tools` (tools/bootstrap.sh cluster-tools)",
                        failed=lambda proc: f"{name} failed: {last_line(proc.stderr or proc.stdout)}",
                        check=check, input=input, env=tool_env(), timeout=timeout, stream=stream)


def last_line(text: str | None) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else "no message (see the output above)"


def kubectl(*args: str, input: str | None = None, check: bool = True,
            timeout: float | None = 120) -> subprocess.CompletedProcess:
    return run([paths.tool("kubectl"), "--kubeconfig", str(KUBECONFIG), *args],
               input=input, check=check, timeout=timeout)


def kubectl_json(*args: str) -> Any:
    return json.loads(kubectl(*args, "-o", "json").stdout)


def helm(*args: str, check: bool = True, timeout: float | None = None) -> subprocess.CompletedProcess:
    """helm against the cluster: our kubeconfig, and no client-side throttling (tool_env)."""
    return helm_runner.run(["--kubeconfig", str(KUBECONFIG), *args], env=tool_env(), check=check,
                           timeout=timeout, where=f"cluster {CLUSTER_NAME}", action=f"helm {args[0]}")


def apply(objects: Iterable[dict]) -> None:
    """Server-side apply, as the cluster's own field manager: kubectl's client-side apply merges each
    object against its OpenAPI schema in the client, 5.6 CPU-seconds for the nodes of every
    environment where the API server takes half a second."""
    manifest = yaml.safe_dump_all(list(objects), sort_keys=False)
    kubectl("apply", "--server-side", "--force-conflicts", "--field-manager", "quikapp-charts", "-f", "-",
            input=manifest)


def api_ready() -> bool:
    if not KUBECONFIG.is_file():
        return False
    proc = kubectl("get", "--raw", "/readyz", check=False, timeout=10)
    return proc.returncode == 0 and proc.stdout.strip() == "ok"


def wait_for(what: str, condition: Callable[[], bool], timeout: float, interval: float = 1.0,
             hint: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    raise UserError(f"{what}: not ready after {timeout:.0f}s{hint}")


def require_binaries(names: Iterable[str]) -> None:
    missing = [n for n in names if not (paths.CACHE_BIN / n).exists()]
    if missing:
        raise UserError(f".cache/bin lacks {', '.join(missing)}; run `make cluster-tools` first")
