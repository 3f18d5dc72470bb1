#!/usr/bin/env python3
"""How long `quikapp-charts validate --all` takes beside plain `helm template` of every environment.

Machines are noisy, so every figure is a ratio against a baseline measured in the same process and
the same rounds: `helm template` of each environment, one after another (what rendering alone
costs). Each round runs every measurement once, interleaved; the median over rounds is reported.

    python tools/benchmarks/validate_bench.py [--rounds 5] [--json]

The render cache (QUIKAPP_CHARTS_RENDER_CACHE) is turned off for every case: validate renders with
helm as the baseline does, so the ratio is what validate costs beside the same renders.

Beside the wall-clock time, each case's CPU time (this process and the processes it waited for,
user and system) with its ratio: what the case costs the machine, which the other load on a busy
machine disturbs far less than the wall clock.

Measurements:
  helm template x N (sequential)   baseline: Argo CD's render of each environment, nothing else
  validate --all                   validate.run over every environment, in parallel (--jobs CPUs)
  validate --all --jobs 1          the same one environment after another
  quikapp-charts validate --all    the command end to end in a new interpreter (start-up included)
The two in-process cases keep the compiled Kubernetes schemas between rounds, as any caller that
validates twice in one process does, but not the parsed renders (rendering.load_objects keeps the
last ones it parsed, which the same unchanged renders would hit); the new process loads and
compiles them every time.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time

import benchlib

from quikapp_charts.commands import validate
from quikapp_charts.core import paths, rendering, result_cache

CLI = [sys.executable, "-c", "from quikapp_charts.cli import main; main()"]


def helm_template_all(envs: list[str]) -> None:
    for env in envs:
        subprocess.run([paths.tool("helm"), *rendering.helm_template_args(env)], check=True,
                       capture_output=True)


def validate_all(envs: list[str], jobs: int) -> None:
    rendering.forget_parsed()  # every round parses its renders, as a new process does
    results = validate.run(envs, jobs, quiet=True)
    failed = [r.env for r in results if r.status != "ok"]
    if failed:
        raise SystemExit(f"validate found problems in {', '.join(failed)}; benchmark a valid tree")


def cli_validate_all() -> None:
    subprocess.run([*CLI, "validate", "--all", "--quiet", "--output", "json"], check=True,
                   capture_output=True)


def main() -> None:
    args = benchlib.arguments(__doc__, rounds=5).parse_args()
    os.environ.pop(result_cache.VARIABLE, None)  # this process, its validate workers and the new process
    envs = paths.environments()
    jobs = os.cpu_count() or 1
    cases = {
        f"helm template x{len(envs)} (sequential)": lambda: helm_template_all(envs),
        f"validate --all (--jobs {jobs})": lambda: validate_all(envs, jobs),
        "validate --all --jobs 1": lambda: validate_all(envs, 1),
        "quikapp-charts validate --all (new process)": cli_validate_all,
    }
    timed = benchlib.time_rounds(cases, args.rounds, clocks={"wall": time.perf_counter, "cpu": benchlib.all_cpu})

    baseline_name = next(iter(cases))
    baseline, cpu_baseline = (benchlib.median(timed[baseline_name, clock]) for clock in ("wall", "cpu"))
    rows = []
    for name in cases:
        t, cpu = timed[name, "wall"], timed[name, "cpu"]
        rows.append({"case": name, "median_s": round(benchlib.median(t), 3), "min_s": round(min(t), 3),
                     "max_s": round(max(t), 3), "ratio": round(benchlib.median(t) / baseline, 2),
                     "cpu_s": round(benchlib.median(cpu), 3), "cpu_ratio": round(benchlib.median(cpu) / cpu_baseline, 2)})
    benchlib.report(f"{len(envs)} environments, {jobs} CPUs, median of {args.rounds} rounds; "
                    f"ratio against {baseline_name}",
                    [("case", "case", "{}"), ("median_s", "median", "{:.2f}s"), ("min_s", "min", "{:.2f}s"),
                     ("max_s", "max", "{:.2f}s"), ("ratio", "ratio", "{:.2f}x"), ("cpu_s", "CPU", "{:.2f}s"),
                     ("cpu_ratio", "CPU ratio", "{:.2f}x")],
                    rows, args.json, {"environments": envs, "cpus": jobs, "rounds": args.rounds}, rows_key="cases")


if __name__ == "__main__":
    main()
