#!/usr/bin/env python3
"""How long `helm template` of the charts takes beside the floor: a flat chart of the same objects.

For each environment the umbrella chart is rendered as Argo CD renders it, and its output becomes
a flat chart (the objects as static templates, one file per object, no values, no helpers, no
logic). Rendering that flat chart with the same arguments is what helm costs for these objects
alone; the ratio is what the charts' template logic adds. Both are measured in the same process
and rounds, interleaved; the median over rounds is reported. Target: at most 2x.

    python tools/benchmarks/render_bench.py [--rounds 5] [--env live ...] [--json]
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

from quikapp_charts import paths, rendering


def flat_chart(text: str, target: Path) -> Path:
    """A chart whose templates are the render's objects, verbatim ('{{' escaped)."""
    (target / "templates").mkdir(parents=True)
    (target / "Chart.yaml").write_text("apiVersion: v2\nname: flat\nversion: 0.0.0\ntype: application\n")
    for n, chunk in enumerate(c for c in text.split("\n---") if c.strip()):
        body = chunk.replace("{{", '{{ "{{" }}')
        (target / "templates" / f"object-{n:04d}.yaml").write_text(body.lstrip("-\n") + "\n")
    return target


def helm_template(args: list[str]) -> str:
    return subprocess.run([paths.tool("helm"), *args], check=True, capture_output=True, text=True).stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds (the median is reported)")
    parser.add_argument("--env", action="append", choices=paths.environments(),
                        help="these environments only (default: all)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    envs = args.env or paths.environments()

    with tempfile.TemporaryDirectory(prefix="quikapp-flat-") as tmp:
        cases: dict[str, tuple[list[str], list[str]]] = {}
        objects: dict[str, int] = {}
        for env in envs:
            rendered = rendering.render(env)
            flat = flat_chart(rendered.text, Path(tmp) / env)
            objects[env] = len(rendered.objects)
            real = rendering.helm_template_args(env)
            cases[env] = (real, ["template", rendering.RELEASE, str(flat), "--namespace", rendered.namespace,
                                 "--kube-version", rendering.kube_version(), "--include-crds"])
        times = {(env, which): [] for env in envs for which in ("chart", "flat")}
        for env, (real, flat) in cases.items():  # warm-up, and the flat chart renders the same objects
            if rendering.load_objects(helm_template(real)) != rendering.load_objects(helm_template(flat)):
                raise SystemExit(f"{env}: the flat chart does not render the same objects")
        for round_ in range(args.rounds):
            for env, (real, flat) in cases.items():
                for which, argv in (("chart", real), ("flat", flat)):
                    started = time.perf_counter()
                    helm_template(argv)
                    times[(env, which)].append(time.perf_counter() - started)
            print(f"round {round_ + 1}/{args.rounds} done", file=sys.stderr)

    rows = []
    for env in envs:
        chart, flat = statistics.median(times[(env, "chart")]), statistics.median(times[(env, "flat")])
        rows.append({"env": env, "objects": objects[env], "chart_s": round(chart, 3), "flat_s": round(flat, 3),
                     "ratio": round(chart / flat, 2)})
    if args.json:
        print(json.dumps({"rounds": args.rounds, "environments": rows}, indent=2))
        return
    print(f"helm template of the charts against a flat chart of the same objects, median of {args.rounds} "
          "rounds; target at most 2x")
    print(f"{'env':<8}  {'objects':>7}  {'charts':>8}  {'flat':>8}  {'ratio':>6}")
    for r in rows:
        print(f"{r['env']:<8}  {r['objects']:>7}  {r['chart_s']:>7.3f}s  {r['flat_s']:>7.3f}s  {r['ratio']:>5.2f}x")


if __name__ == "__main__":
    main()
