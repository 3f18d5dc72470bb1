"""What the benchmarks here share: their arguments, interleaved timing rounds, and the table.

Machines are noisy, so a benchmark measures its cases and their baseline in the same process and
the same rounds, interleaved (one run of every case per round), and reports the median per case.
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from collections.abc import Callable, Hashable, Sequence
from typing import Any


def arguments(doc: str | None, rounds: int) -> argparse.ArgumentParser:
    """A parser with --rounds and --json; the benchmark adds its own options."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=rounds, help="rounds (the median is reported)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    return parser


def children_cpu() -> float:
    """CPU seconds (user and system) of this process's finished child processes: a clock for cases
    that run a command, which a busy machine slows down in wall time but hardly in CPU time."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def all_cpu() -> float:
    """CPU seconds of this process and its finished children: a clock for cases that run partly
    in this process (a library call that also starts commands)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime + children_cpu()


def time_rounds(cases: dict[Hashable, Callable[[], Any]], rounds: int, warm_up: bool = True,
                clocks: dict[str, Callable[[], float]] | None = None) -> dict[Hashable, list[float]]:
    """Seconds per run of each case over `rounds` interleaved rounds, after one untimed run of each
    (page cache, binaries, imports). Progress goes to stderr. With `clocks` (name -> clock), each
    case is timed on every clock, under the key (case, name)."""
    if warm_up:
        for case in cases.values():
            case()
    named = clocks or {"": time.perf_counter}
    slot = (lambda key, name: (key, name)) if clocks else (lambda key, name: key)
    times: dict[Hashable, list[float]] = {slot(key, name): [] for key in cases for name in named}
    for round_ in range(rounds):
        for key, case in cases.items():
            started = {name: clock() for name, clock in named.items()}
            case()
            for name, clock in named.items():
                times[slot(key, name)].append(clock() - started[name])
        print(f"round {round_ + 1}/{rounds} done", file=sys.stderr)
    return times


def median(times: Sequence[float]) -> float:
    return statistics.median(times)


def report(title: str, columns: Sequence[tuple[str, str, str]], rows: list[dict[str, Any]],
           as_json: bool, extra: dict[str, Any], rows_key: str = "rows") -> None:
    """The rows as JSON (under rows_key, beside `extra`), or under `title` as a text table; columns
    are (key, header, format), e.g. ("ratio", "ratio", "{:.2f}x")."""
    if as_json:
        print(json.dumps({**extra, rows_key: rows}, indent=2))
        return
    cells = [[template.format(row[key]) for key, _, template in columns] for row in rows]
    widths = [max([len(header)] + [len(line[i]) for line in cells]) for i, (_, header, _) in enumerate(columns)]
    print(title)
    for line in [[header for _, header, _ in columns], *cells]:  # the first column left, numbers right
        print("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                        for i, (cell, w) in enumerate(zip(line, widths, strict=True))))
