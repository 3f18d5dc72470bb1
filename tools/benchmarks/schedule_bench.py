#!/usr/bin/env python3
"""How long the real scheduler's answer takes: live at its HPA ceilings on a production pool of
100+ kwok nodes, against live at its floor on a small pool, in the same process and rounds.

    python tools/benchmarks/schedule_bench.py [--rounds 2] [--pool cpu=100x16c64g,gpu=8x4gpu] [--json]

Needs the local cluster (`quikapp-charts cluster up`); warm means it is up and the toolchain
built. Each measurement is the command end to end in a new process, as a user runs it (render,
pool nodes added and Ready, pods created and placed or refused, the placement read back, namespace
and nodes removed):

  small   capacity live --at floor --schedule --pool cpu=12x16c64g,gpu=2x4gpu   (80 pods, 14 nodes)
  peak    capacity live --at max --schedule --pool POOL                         (440 pods, 108 nodes)

Machines are noisy (two cores shared with other work), so the peak run is reported as a ratio
against the small run measured in the same rounds (interleaved; medians over rounds), beside its
wall time against the 60 s target and its phases as the report gives them: the pool added until
every node is Ready, the pods created until every one is placed or refused.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from quikapp_charts import paths
from quikapp_charts.cluster import kube

CLI = [sys.executable, "-c", "from quikapp_charts.cli import main; main()"]
SMALL = ("floor", "cpu=12x16c64g,gpu=2x4gpu")
TARGET_S = 60


def run(point: str, pool: str, out: Path) -> dict:
    """One `capacity live --schedule` end to end: wall seconds and the report's phases."""
    started = time.perf_counter()
    proc = subprocess.run([*CLI, "capacity", "live", "--at", point, "--schedule", "--pool", pool,
                           "-o", "json", "--out", str(out)], cwd=paths.ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"capacity live --at {point} --pool {pool} exited {proc.returncode}: "
                         f"{proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else ''}")
    s = json.loads(out.read_text())["schedule"]
    return {"wall": wall, "pool": s["poolSeconds"], "placement": s["seconds"], "pods": s["pods"],
            "nodes": s["poolNodes"], "pending": len(s["pending"])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="rounds (the median is reported)")
    parser.add_argument("--pool", default="cpu=100x16c64g,gpu=8x4gpu", help="the peak run's pool")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    if not kube.api_ready():
        raise SystemExit("the local cluster is not running: `quikapp-charts cluster up` first")

    cases = {"small": SMALL, "peak": ("max", args.pool)}
    runs: dict[str, list[dict]] = {name: [] for name in cases}
    with tempfile.TemporaryDirectory(prefix="quikapp-schedule-") as tmp:
        run(*SMALL, Path(tmp) / "warm.json")  # warm-up: page cache, imports, helm, the API server's caches
        for round_ in range(args.rounds):
            for name, (point, pool) in cases.items():
                runs[name].append(run(point, pool, Path(tmp) / f"{name}.json"))
            print(f"round {round_ + 1}/{args.rounds} done", file=sys.stderr)

    figures = {name: {key: (statistics.median(r[key] for r in found) if key in ("wall", "pool", "placement")
                            else found[-1][key]) for key in found[0]}
               for name, found in runs.items()}
    ratio = figures["peak"]["wall"] / figures["small"]["wall"]
    if args.json:
        print(json.dumps({"rounds": args.rounds, "pool": args.pool, "targetSeconds": TARGET_S,
                          "cases": figures, "ratio": round(ratio, 2)}, indent=2))
        return
    print(f"capacity live --schedule, median of {args.rounds} rounds; target: peak within {TARGET_S} s warm")
    print(f"{'case':<6} {'pods':>5} {'nodes':>6} {'pending':>8} {'pool ready':>11} {'placement':>10} {'wall':>8}")
    for name, f in figures.items():
        print(f"{name:<6} {f['pods']:>5} {f['nodes']:>6} {f['pending']:>8} {f['pool']:>10.1f}s "
              f"{f['placement']:>9.1f}s {f['wall']:>7.1f}s")
    peak = figures["peak"]["wall"]
    print(f"peak / small: {ratio:.2f}x; peak {peak:.1f} s, {'within' if peak <= TARGET_S else 'over'} "
          f"the {TARGET_S} s target")


if __name__ == "__main__":
    main()
