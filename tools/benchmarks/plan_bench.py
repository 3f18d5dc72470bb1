#!/usr/bin/env python3
"""How long `quikapp-charts plan live` takes to answer on the local cluster (target: 10 s), with
live installed, as a user runs it: a new process each round (start-up, render, the live objects
and the server-side apply dry runs of every object, the stored release, the netpol model).

    flock /work/team/cluster.lock python tools/benchmarks/plan_bench.py [--rounds 3] [--set global.image.tag=2.6.4]

Starts the cluster and installs live when they are not there, and stops a cluster it started.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from quikapp_charts.cluster import lifecycle
from quikapp_charts.cluster.config import KUBECONFIG
from quikapp_charts.cluster.install import install
from quikapp_charts.cluster.kube import api_ready, tool_env

TARGET_S = 10


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--set", dest="sets", action="append", default=["global.image.tag=2.6.4"],
                        help="the change planned (helm --set), an image change by default")
    args = parser.parse_args()
    started = not api_ready()
    try:
        lifecycle.up("local", 12, 3)
        install("live", show=False, timeout="10m")
        times = []
        for _ in range(args.rounds):
            cmd = [sys.executable, "-m", "quikapp_charts", "plan", "live", "--kubeconfig", str(KUBECONFIG),
                   *[a for s in args.sets for a in ("--set", s)]]
            start = time.monotonic()
            proc = subprocess.run(cmd, capture_output=True, text=True, env=tool_env())
            times.append(time.monotonic() - start)
            if proc.returncode not in (0, 1):
                print(proc.stderr, file=sys.stderr)
                return 2
            print(f"plan live: {times[-1]:.2f}s (exit {proc.returncode}, "
                  f"{proc.stdout.splitlines()[-1] if proc.stdout else ''})", file=sys.stderr)
    finally:
        if started:
            lifecycle.down()
    median = statistics.median(times)
    print(f"plan live: median {median:.2f}s over {len(times)} rounds (min {min(times):.2f}s, max {max(times):.2f}s); "
          f"target {TARGET_S}s: {'met' if median <= TARGET_S else 'MISSED'}")
    return 0 if median <= TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
