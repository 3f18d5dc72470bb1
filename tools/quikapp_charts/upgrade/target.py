"""The cluster an upgrade goes to: kubectl and helm with one kubeconfig (kubectl's own when none is
given), a release name and the namespace helm records it in."""
from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quikapp_charts.core import external_tools, paths
from quikapp_charts.core import helm as helm_runner
from quikapp_charts.core.errors import UserError

RELEASE = "quikapp"


def _last_line(text: str) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip() and not line.startswith("level=")]
    return lines[-1].removeprefix("Error: ") if lines else "no message"


@dataclass(frozen=True)
class Target:
    namespace: str  # where helm records the release (and, with an environment file, its objects)
    kubeconfig: Path | None = None
    release: str = RELEASE

    @property
    def where(self) -> str:
        return f"release {self.release} in {self.namespace}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["PATH"] = os.pathsep.join([str(paths.CACHE_BIN), env.get("PATH", "")])
        if self.kubeconfig:
            env["KUBECONFIG"] = str(self.kubeconfig)
        # helm --wait polls every object; its default 5 queries a second makes a rollout crawl.
        env.setdefault("HELM_QPS", "100")
        env.setdefault("HELM_BURST_LIMIT", "300")
        return env

    def kubectl(self, *args: str, input: str | None = None, check: bool = True,
                timeout: float = 120) -> subprocess.CompletedProcess:
        cmd = [paths.tool("kubectl"), *(["--kubeconfig", str(self.kubeconfig)] if self.kubeconfig else []), *args]
        return external_tools.run(cmd, name=f"kubectl {' '.join(args[:2])}", check=check, input=input,
                                  env=self.env(), timeout=timeout, missing="run `make cluster-tools`",
                                  failed=lambda p: f"{self.where}: kubectl {' '.join(args[:2])} failed: "
                                                   f"{_last_line(p.stderr or p.stdout)}")

    def get_json(self, *args: str) -> Any:
        return json.loads(self.kubectl(*args, "-o", "json").stdout)

    def helm(self, *args: str, check: bool = True, timeout: float | None = None) -> subprocess.CompletedProcess:
        extra = ["--kubeconfig", str(self.kubeconfig)] if self.kubeconfig else []
        return helm_runner.run([*args, *extra], env=self.env(), check=check, timeout=timeout,
                               where=self.where, action=f"helm {args[0]}")

    def reachable(self) -> None:
        """UserError in one line when the API server does not answer."""
        proc = self.kubectl("get", "--raw", "/readyz", check=False, timeout=20)
        if proc.returncode != 0:
            raise UserError(f"{self.where}: the cluster does not answer: {_last_line(proc.stderr or proc.stdout)}")
