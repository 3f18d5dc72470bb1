"""The one way the tooling runs helm: the pinned binary from .cache/bin, and helm's refusals turned
into one line (schema violations as dotted keys, the charts' checks, or helm's own message)."""
from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping, Sequence

from quikapp_charts.core import external_tools, paths, result_cache


def run(args: Sequence[str], *, where: str, action: str | None = None, helm: str = "helm",
        check: bool = True, env: Mapping[str, str] | None = None,
        timeout: float | None = None) -> subprocess.CompletedProcess:
    """Run `helm ARGS`; with check, a failure is UserError `WHERE: [ACTION failed: ]MESSAGE`. A
    `helm template` comes from the render cache when QUIKAPP_CHARTS_RENDER_CACHE is set."""
    cmd = [paths.tool(helm), *args]
    cache = result_cache.folder(env) if result_cache.cacheable(cmd) else None
    return external_tools.run(cmd, name=f"{where}: {action or helm}", cache=cache,
                        missing="run `make tools` (tools/bootstrap.sh)", check=check, env=env, timeout=timeout,
                        failed=lambda result: f"{where}: {f'{action} failed: ' if action else ''}{error(result.stderr)}")


def error(stderr: str) -> str:
    """Helm's refusal as one line: the schema violations (as dotted keys) or the chart's checks.

    Helm prints schema errors as a tree; a `validation failed` node is only a heading for its
    children, and a failed `oneOf` is reported once, without the reasons of each branch.
    """
    lines = [line for line in stderr.splitlines() if line.strip() and not line.startswith("level=")
             and "found symbolic link" not in line]
    problems: list[str] = []
    chart = ""
    taken_depth = None  # indentation of the last violation taken; deeper lines belong to it
    for line in lines:
        heading = re.match(r"^([a-z0-9-]+):$", line)
        if heading:
            chart = "" if heading[1] == "quikapp" else heading[1] + "."
            taken_depth = None
            continue
        schema = re.match(r"^(\s*)- at '(.*?)': (.*)$", line)
        if schema:
            depth, where, message = len(schema[1]), schema[2], schema[3]
            if taken_depth is not None and depth > taken_depth:
                continue
            if message in ("validation failed", "'allOf' failed"):
                taken_depth = None
                continue
            # A JSON pointer: segments split on "/", with "~1" for a "/" and "~0" for a "~" in a key.
            segments = [s.replace("~1", "/").replace("~0", "~") for s in where.strip("/").split("/") if s]
            key = (chart + ".".join(segments)) or "(top)"
            problems.append(f"{key}: {message}")
            taken_depth = depth
            continue
        check = re.match(r"^\s*- (\S+: .*)$", line)
        if check:
            problems.append(check[1])
    if problems:
        # Helm copies `global` into every stack chart's values before it checks them, so one bad
        # global key is reported once per chart; name it once, as the values file spells it.
        unique = list(dict.fromkeys(problems))
        top = set(p for p in unique if p.startswith("global"))
        unique = [p for p in unique
                  if not (re.match(r"^[a-z-]+\.global[.:]", p) and p.split(".", 1)[1] in top)]
        return "; ".join(unique)
    return " ".join(line.strip() for line in lines).removeprefix("Error: ").strip()
