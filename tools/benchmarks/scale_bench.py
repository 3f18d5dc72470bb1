#!/usr/bin/env python3
"""How generate, render and validate grow with the catalogue: 33 services against ten times as many.

Two scratch copies of the repository (charts, values, tool pins; the pinned tools linked) are made
in a temporary folder: one with the catalogue as it is, one where every row of charts/services.md
is copied nine times under new names (auth-service-2 ... auth-service-10: 330 services) and
`generate` has written the stack charts and schemas from it. Every figure is a ratio against the
same measurement of the 33-service copy in the same process and the same rounds (interleaved;
the median over rounds is reported). Linear growth would be 10x; the target is at most 12x.

    python tools/benchmarks/scale_bench.py [--rounds 3] [--copies 10] [--env live ...] [--json]

A round over all eight environments takes minutes on two cores (the grown copy renders 3,000
objects per environment); `--env live` measures one environment, and validate --all then
becomes `validate live`.

Measurements, each for both copies:
  generate            service table -> every stack chart's values.yaml and values.schema.json,
                      and the dependency archives (generate.plan, the writes, dependencies.sync)
  helm template x N   every environment rendered by the pinned helm, one after another
  validate --all      `quikapp-charts validate --all` (or the --env ones) in a new process on the copy
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import benchlib

from quikapp_charts.catalogue import dependencies
from quikapp_charts.commands import generate
from quikapp_charts.core import paths, rendering
from quikapp_charts.core.files import write_atomically

CLI = [sys.executable, "-c", "from quikapp_charts.cli import main; main()"]
ROW = re.compile(r"^\|\s*([a-z][-a-z0-9]*)\s*\|")


def scratch_copy(target: Path) -> Path:
    shutil.copytree(paths.CHARTS, target / "charts", symlinks=True)
    shutil.copytree(paths.VALUES, target / "values")
    (target / "tools").mkdir()
    shutil.copy(paths.ROOT / "tools" / "versions.env", target / "tools" / "versions.env")
    (target / ".cache").mkdir()
    for folder in (paths.CACHE_BIN, paths.MODULE_FILES):  # pinned tools, files from Go modules
        if folder.is_dir():
            (target / ".cache" / folder.name).symlink_to(folder)
    return target


def grow_table(text: str, copies: int) -> str:
    """Every service row followed by copies-1 renamed copies of itself, within its table."""
    out: list[str] = []
    pending: list[str] = []
    for line in text.splitlines():
        match = ROW.match(line)
        if match and match[1] != "service" and not set(line) <= set("|-: "):
            out.append(line)
            pending.extend(line.replace(f"| {match[1]} |", f"| {match[1]}-{n} |", 1)
                           for n in range(2, copies + 1))
            continue
        out.extend(pending)
        pending = []
        out.append(line)
    out.extend(pending)
    return "\n".join(out) + "\n"


def run_generate(root: Path) -> None:
    """What `quikapp-charts generate` does: the stack charts' values and schemas, then the
    dependency archives the umbrella chart renders from."""
    for path, (current, generated) in generate.plan(root / "charts" / "services.md", root / "charts").items():
        if current != generated:
            write_atomically(path, generated)
    dependencies.sync(root / "charts")
    dependencies.sync(root / "charts")


def helm_template_all(root: Path, envs: list[str]) -> None:
    for env in envs:
        rendering.render(env, values_dir=root / "values", chart=root / "charts" / "quikapp")


def validate_all(root: Path, envs: list[str] | None) -> None:
    env = {**os.environ, "QUIKAPP_CHARTS_ROOT": str(root)}
    proc = subprocess.run([*CLI, "validate", *(envs or ["--all"]), "--quiet", "--output", "json"], cwd=root,
                          env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"validate --all failed on {root}: {proc.stderr.strip() or proc.stdout[-500:]}")


def count_services(root: Path) -> int:
    return sum(1 for line in (root / "charts" / "services.md").read_text().splitlines()
               if ROW.match(line) and not line.startswith("| Service"))


def main() -> None:
    parser = benchlib.arguments(__doc__, rounds=3)
    parser.add_argument("--copies", type=int, default=10, help="how many times the catalogue grows")
    parser.add_argument("--env", action="append", choices=paths.environments(),
                        help="measure these environments only (default: all)")
    args = parser.parse_args()

    envs = args.env or paths.environments()
    with tempfile.TemporaryDirectory(prefix="quikapp-scale-") as tmp:
        base = scratch_copy(Path(tmp) / "base")
        grown = scratch_copy(Path(tmp) / "grown")
        table = grown / "charts" / "services.md"
        table.write_text(grow_table(table.read_text(), args.copies))
        run_generate(grown)
        sizes = {"base": count_services(base), "grown": count_services(grown)}
        for which, root in (("base", base), ("grown", grown)):  # the render has what the table says
            rendered = rendering.render(envs[0], values_dir=root / "values", chart=root / "charts" / "quikapp")
            deployments = sum(1 for o in rendered.objects if o.get("kind") == "Deployment")
            if deployments != sizes[which]:
                raise SystemExit(f"{which}: {envs[0]} renders {deployments} Deployments for {sizes[which]} services")
        steps = {
            "generate": run_generate,
            f"helm template x{len(envs)}": lambda root: helm_template_all(root, envs),
            f"validate {' '.join(args.env) if args.env else '--all'} (new process)":
                lambda root: validate_all(root, args.env),
        }
        times = benchlib.time_rounds({(name, which): (lambda step=step, root=root: step(root))
                                      for name, step in steps.items()
                                      for which, root in (("base", base), ("grown", grown))}, args.rounds)

    rows = []
    for name in steps:
        base_s = benchlib.median(times[(name, "base")])
        grown_s = benchlib.median(times[(name, "grown")])
        rows.append({"case": name, "base_s": round(base_s, 3), "grown_s": round(grown_s, 3),
                     "ratio": round(grown_s / base_s, 2)})
    benchlib.report(f"{sizes['base']} services against {sizes['grown']} ({sizes['grown'] / sizes['base']:.0f}x), "
                    f"{len(envs)} environments, median of {args.rounds} rounds; target at most 12x",
                    [("case", "case", "{}"), ("base_s", f"{sizes['base']} svc", "{:.2f}s"),
                     ("grown_s", f"{sizes['grown']} svc", "{:.2f}s"), ("ratio", "ratio", "{:.2f}x")],
                    rows, args.json, {"services": sizes, "environments": envs, "rounds": args.rounds},
                    rows_key="cases")


if __name__ == "__main__":
    main()
