#!/usr/bin/env python3
"""How long `quikapp-charts validate --all` takes beside plain `helm template` of every environment.

Machines are noisy, so every figure is a ratio against a baseline measured in the same process and
the same rounds: `helm template` of each environment, one after another (what rendering alone
costs). Each round runs every measurement once, interleaved; the median over rounds is reported.

    python tools/benchmarks/validate_bench.py [--rounds 5] [--json]

Measurements:
  helm template x N (sequential)   baseline: Argo CD's render of each environment, nothing else
  validate --all                   validate.run over every environment, in parallel (--jobs CPUs)
  validate --all --jobs 1          the same one environment after another
  quikapp-charts validate --all    the command end to end in a new interpreter (start-up included)
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from quikapp_charts import paths, rendering, validate

CLI = [sys.executable, "-c", "from quikapp_charts.cli import main; main()"]


def helm_template_all(envs: list[str]) -> None:
    for env in envs:
        subprocess.run([paths.tool("helm"), *rendering.helm_template_args(env)], check=True,
                       capture_output=True)


def validate_all(envs: list[str], jobs: int) -> None:
    results = validate.run(envs, jobs, quiet=True)
    failed = [r.env for r in results if r.status != "ok"]
    if failed:
        raise SystemExit(f"validate found problems in {', '.join(failed)}; benchmark a valid tree")


def cli_validate_all() -> None:
    subprocess.run([*CLI, "validate", "--all", "--quiet", "--output", "json"], check=True,
                   capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds (the median is reported)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    envs = paths.environments()
    jobs = os.cpu_count() or 1
    cases = {
        f"helm template x{len(envs)} (sequential)": lambda: helm_template_all(envs),
        f"validate --all (--jobs {jobs})": lambda: validate_all(envs, jobs),
        "validate --all --jobs 1": lambda: validate_all(envs, 1),
        "quikapp-charts validate --all (new process)": cli_validate_all,
    }
    times: dict[str, list[float]] = {name: [] for name in cases}
    for case in cases.values():  # warm-up: page cache, helm binary, Python imports
        case()
    for round_ in range(args.rounds):
        for name, case in cases.items():
            started = time.perf_counter()
            case()
            times[name].append(time.perf_counter() - started)
        print(f"round {round_ + 1}/{args.rounds} done", file=sys.stderr)

    baseline_name = next(iter(cases))
    baseline = statistics.median(times[baseline_name])
    rows = [{"case": name, "median_s": round(statistics.median(t), 3), "min_s": round(min(t), 3),
             "max_s": round(max(t), 3), "ratio": round(statistics.median(t) / baseline, 2)}
            for name, t in times.items()]
    if args.json:
        print(json.dumps({"environments": envs, "cpus": jobs, "rounds": args.rounds, "cases": rows},
                         indent=2))
        return
    print(f"{len(envs)} environments, {jobs} CPUs, median of {args.rounds} rounds; "
          f"ratio against {baseline_name}")
    width = max(len(r["case"]) for r in rows)
    print(f"{'case':<{width}}  {'median':>8}  {'min':>8}  {'max':>8}  {'ratio':>6}")
    for r in rows:
        print(f"{r['case']:<{width}}  {r['median_s']:>7.2f}s  {r['min_s']:>7.2f}s  {r['max_s']:>7.2f}s  "
              f"{r['ratio']:>5.2f}x")


if __name__ == "__main__":
    main()
