"""The one subprocess call for the pinned external tools (helm, kubectl, kwokctl, kind): a tool
that is missing, hangs or fails is a UserError of one line."""
from __future__ import annotations

import subprocess
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from quikapp_charts.core import result_cache
from quikapp_charts.core.errors import UserError


def run(cmd: Sequence[str], *, name: str, missing: str, failed: Callable[[subprocess.CompletedProcess], str],
        check: bool = True, input: str | None = None, env: Mapping[str, str] | None = None,
        timeout: float | None = None, stream: bool = False, cache: Path | None = None) -> subprocess.CompletedProcess:
    """Run CMD (output captured unless stream), or take its result from the render cache folder
    `cache` (core/result_cache.py). UserError `NAME: not found; MISSING` when the tool is not there,
    `NAME: no answer within Ns` on timeout, and with check `failed(result)` when it exits non-zero."""
    try:
        if cache is not None and input is None and not stream:
            result = result_cache.run(cmd, cache, env=env, timeout=timeout)
        else:
            result = subprocess.run(list(cmd), input=input, text=True, timeout=timeout,
                                    env=dict(env) if env is not None else None,
                                    stdout=None if stream else subprocess.PIPE,
                                    stderr=None if stream else subprocess.PIPE)
    except FileNotFoundError:
        raise UserError(f"{name}: not found; {missing}") from None
    except subprocess.TimeoutExpired:
        raise UserError(f"{name}: no answer within {timeout:.0f}s") from None
    if check and result.returncode != 0:
        raise UserError(failed(result))
    return result
