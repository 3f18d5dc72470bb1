#!/usr/bin/env python3
"""The local control plane's CPU with its garbage collector setting against Go's default, in the
same process and rounds (interleaved; medians over rounds).

    python tools/benchmarks/control_plane_bench.py [--rounds 2] [--json]

Each run, with QUIKAPP_CHARTS_CONTROL_PLANE_GOGC set for the case: `cluster up`, then the work
measured: `cluster install` of local, dev and live (about 230 pods: the controllers, kwok's pod
stages and the Secrets stand-in at work) and an upgrade of live that changes a config value, so
every Deployment rolls; the CPU seconds each of the cluster's processes spent on that work and the
API server's peak memory, read from /proc; then `cluster down`. CPU seconds, not wall time: a busy
machine slows a run down but hardly changes the work it does. Needs the toolchain built and no
local cluster running (it starts and stops its own).
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import benchlib

from quikapp_charts.cluster.install import install
from quikapp_charts.cluster.kube import tool_env
from quikapp_charts.cluster.kwok import CONTROL_PLANE_GOGC, GOGC_VARIABLE
from quikapp_charts.cluster.processes import cluster_processes

CLI = [sys.executable, "-c", "from quikapp_charts.cli import main; main()"]
BASELINE = "100"  # Go's default
ENVIRONMENTS = ("local", "dev", "live")
POOL = ("--nodes", "12", "--gpu-nodes", "6")  # room for the three environments' GPU floors at once
CONFIG_CHANGE = "global.config.LOG_LEVEL=debug"


def process_figures() -> dict[str, tuple[float, int]]:
    """Each cluster process's name -> (CPU seconds so far, peak resident kB)."""
    tick = os.sysconf("SC_CLK_TCK")
    figures = {}
    for name, pid in cluster_processes().items():
        proc = Path(f"/proc/{pid}")
        fields = proc.joinpath("stat").read_text().rsplit(")", 1)[1].split()
        peak = next(int(line.split()[1]) for line in proc.joinpath("status").read_text().splitlines()
                    if line.startswith("VmHWM:"))
        figures[name] = ((int(fields[11]) + int(fields[12])) / tick, peak)
    return figures


def cli(*args: str, gogc: str) -> None:
    proc = subprocess.run([*CLI, *args], env={**tool_env(), GOGC_VARIABLE: gogc}, stdout=subprocess.DEVNULL)
    if proc.returncode:
        sys.exit(f"quikapp-charts {' '.join(args)} (GOGC={gogc}) exited {proc.returncode}")


def one_run(gogc: str) -> dict[str, tuple[float, int]]:
    """Each process's CPU seconds for the work (not for starting up) and its peak memory."""
    cli("cluster", "up", *POOL, gogc=gogc)
    try:
        started = process_figures()
        for env in ENVIRONMENTS:
            cli("cluster", "install", env, gogc=gogc)
        install(ENVIRONMENTS[-1], sets=[CONFIG_CHANGE], show=False)
        return {name: (cpu - started.get(name, (0.0, 0))[0], peak) for name, (cpu, peak) in process_figures().items()}
    finally:
        cli("cluster", "down", gogc=gogc)


def main() -> None:
    args = benchlib.arguments(__doc__, rounds=2).parse_args()
    if cluster_processes():
        sys.exit("a local cluster is running: stop it first (quikapp-charts cluster down)")
    cases = {f"GOGC={BASELINE} (Go's default)": BASELINE, f"GOGC={CONTROL_PLANE_GOGC} (cluster up's)": CONTROL_PLANE_GOGC}
    runs: dict[str, list[dict[str, tuple[float, int]]]] = {case: [] for case in cases}
    for round_ in range(args.rounds):
        for case, gogc in cases.items():
            runs[case].append(one_run(gogc))
        print(f"round {round_ + 1}/{args.rounds} done", file=sys.stderr)
    rows = []
    for case, figures in runs.items():
        rows.append({"case": case,
                     "apiserver": benchlib.median([f["kube-apiserver"][0] for f in figures]),
                     "all": benchlib.median([sum(cpu for cpu, _ in f.values()) for f in figures]),
                     "peak": benchlib.median([f["kube-apiserver"][1] for f in figures]) / 1e6})
    for row in rows:
        row["ratio"] = row["all"] / rows[0]["all"]
    benchlib.report(f"control plane CPU for installs of {', '.join(ENVIRONMENTS)} and an upgrade of {ENVIRONMENTS[-1]} "
                    f"(medians of {args.rounds} rounds)",
                    [("case", "case", "{}"), ("apiserver", "kube-apiserver CPU-s", "{:.1f}"),
                     ("all", "all processes CPU-s", "{:.1f}"), ("ratio", "vs Go's default", "{:.2f}x"),
                     ("peak", "kube-apiserver peak GB", "{:.2f}")],
                    rows, args.json, {"rounds": args.rounds, "environments": list(ENVIRONMENTS)})


if __name__ == "__main__":
    main()
