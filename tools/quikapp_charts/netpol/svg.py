"""The reachability matrix of one environment as an SVG picture: a row per source, a column per
destination, a cell per pair coloured by what the policies let through (every port, some ports,
none), outlined red where a required flow is shut or a forbidden one open. Each cell's tooltip
lists the open and shut ports. Plain SVG 1.1, no script, no external resource."""
from __future__ import annotations

from xml.sax.saxutils import escape

from quikapp_charts.netpol.flows import Report

CELL = 14
LABEL = 190
OPEN, PARTLY, SHUT, NONE = "#2e7d32", "#9ccc65", "#eeeeee", "#ffffff"
VIOLATION = "#d50000"
GROUPS = {"pod": 0, "impostor": 1, "outside": 2, "address": 3}


def _order(endpoints):
    return sorted(endpoints, key=lambda e: (GROUPS.get(e.kind, 9), e.name))


def picture(report: Report, title: str) -> str:
    cells: dict[tuple[str, str], list] = {}
    for verdict in report.verdicts:
        cells.setdefault((verdict.source.name, verdict.destination.name), []).append(verdict)
    sources = _order({id(v.source): v.source for v in report.verdicts}.values())
    destinations = _order({id(v.destination): v.destination for v in report.verdicts}.values())
    width = LABEL + CELL * len(destinations) + 20
    height = LABEL + CELL * len(sources) + 60
    counts = report.counts
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="10">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="8" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
        f'<text x="8" y="32">required open {counts["requiredOpen"]}/{counts["required"]}, forbidden shut '
        f'{counts["forbiddenShut"]}/{counts["forbidden"]}; rows: from, columns: to</text>',
    ]
    for column, destination in enumerate(destinations):
        x = LABEL + column * CELL + CELL - 3
        out.append(f'<text x="{x}" y="{LABEL - 4}" transform="rotate(-60 {x} {LABEL - 4})">'
                   f"{escape(destination.name)}</text>")
    for row, source in enumerate(sources):
        y = LABEL + row * CELL
        out.append(f'<text x="{LABEL - 4}" y="{y + CELL - 3}" text-anchor="end">{escape(source.name)}</text>')
        for column, destination in enumerate(destinations):
            verdicts = cells.get((source.name, destination.name), [])
            x = LABEL + column * CELL
            opened = [v for v in verdicts if v.open]
            fill = NONE if not verdicts else OPEN if len(opened) == len(verdicts) else PARTLY if opened else SHUT
            wrong = [v for v in verdicts if v.open != (report.flow(v) in report.required)]
            stroke = f'stroke="{VIOLATION}" stroke-width="2"' if wrong else 'stroke="#bdbdbd" stroke-width="0.5"'
            tip = f"{source.name} -> {destination.name}: " + (", ".join(
                f"{v.port} {'open' if v.open else 'shut'}" for v in verdicts) or "no port")
            out.append(f'<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" fill="{fill}" {stroke}>'
                       f"<title>{escape(tip)}</title></rect>")
    legend_y = LABEL + CELL * len(sources) + 20
    for number, (colour, text) in enumerate(((OPEN, "every port open"), (PARTLY, "some ports open"),
                                             (SHUT, "shut"), (VIOLATION, "violation (outline)"))):
        x = 8 + number * 150
        out.append(f'<rect x="{x}" y="{legend_y}" width="{CELL}" height="{CELL}" fill="{colour}"/>')
        out.append(f'<text x="{x + CELL + 4}" y="{legend_y + CELL - 3}">{escape(text)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
