#!/usr/bin/env python3
"""How long `helm template` of the charts takes beside the floor: a flat chart of the same objects.

For each environment the umbrella chart is rendered as Argo CD renders it, and its output becomes
a flat chart (the objects as static templates, one file per object, no values, no helpers, no
logic). Rendering that flat chart with the same arguments is what helm costs for these objects
alone; the ratio is what the charts' template logic adds. Both are measured in the same process
and rounds, interleaved; the median over rounds is reported. Target: at most 2x.

The ratio is of helm's CPU time (user and system): on a busy machine a render waits for a core,
and that wait, different from run to run, is in the wall time (also shown) but not in CPU time.

    python tools/benchmarks/render_bench.py [--rounds 5] [--env live ...] [--json]
"""
from __future__ import annotations

import subprocess
import tempfile
import time
from pathlib import Path

import benchlib

from quikapp_charts.core import paths, rendering


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
    parser = benchlib.arguments(__doc__, rounds=5)
    parser.add_argument("--env", action="append", choices=paths.environments(),
                        help="these environments only (default: all)")
    args = parser.parse_args()
    envs = args.env or paths.environments()

    with tempfile.TemporaryDirectory(prefix="quikapp-flat-") as tmp:
        cases = {}
        objects: dict[str, int] = {}
        for env in envs:
            rendered = rendering.render(env)
            flat = flat_chart(rendered.text, Path(tmp) / env)
            objects[env] = len(rendered.objects)
            real = rendering.helm_template_args(env)
            flat_args = ["template", rendering.RELEASE, str(flat), "--namespace", rendered.namespace,
                         "--kube-version", rendering.kube_version(), "--include-crds"]
            # Warm-up, and the proof that the flat chart renders the same objects.
            if rendering.load_objects(helm_template(real)) != rendering.load_objects(helm_template(flat_args)):
                raise SystemExit(f"{env}: the flat chart does not render the same objects")
            cases[(env, "chart")] = lambda argv=real: helm_template(argv)
            cases[(env, "flat")] = lambda argv=flat_args: helm_template(argv)
        times = benchlib.time_rounds(cases, args.rounds, warm_up=False,
                                     clocks={"cpu": benchlib.children_cpu, "wall": time.perf_counter})

    rows = []
    for env in envs:
        chart, flat = (benchlib.median(times[((env, which), "cpu")]) for which in ("chart", "flat"))
        wall_chart, wall_flat = (benchlib.median(times[((env, which), "wall")]) for which in ("chart", "flat"))
        rows.append({"env": env, "objects": objects[env], "chart_s": round(chart, 3), "flat_s": round(flat, 3),
                     "ratio": round(chart / flat, 2), "wall_chart_s": round(wall_chart, 3),
                     "wall_flat_s": round(wall_flat, 3), "wall_ratio": round(wall_chart / wall_flat, 2)})
    benchlib.report(f"helm template of the charts against a flat chart of the same objects, CPU time, median of "
                    f"{args.rounds} rounds; target at most 2x",
                    [("env", "env", "{}"), ("objects", "objects", "{}"), ("chart_s", "charts", "{:.3f}s"),
                     ("flat_s", "flat", "{:.3f}s"), ("ratio", "ratio", "{:.2f}x"),
                     ("wall_ratio", "wall ratio", "{:.2f}x")],
                    rows, args.json, {"rounds": args.rounds}, rows_key="environments")


if __name__ == "__main__":
    main()
