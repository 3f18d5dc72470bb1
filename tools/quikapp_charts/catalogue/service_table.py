"""The service table (charts/services.md): one Markdown table per stack, parsed with markdown-it-py.

Every problem is reported as `file:line:column: message`, the column being the cell's character
position in the line, so an editor can jump to it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt

from quikapp_charts.core import paths
from quikapp_charts.core.errors import UserError

STACK_HEADINGS = {
    "Spring Boot Services": "spring-boot",
    "NestJS Services": "nestjs",
    "Elixir Services": "elixir",
    "Go Services": "go",
    "Python Services": "python",
}

# column -> (kind, required); the port columns fill `ports.<name>`.
COLUMNS = {
    "Service": ("name", True),
    "Port": ("port:http", False),
    "HTTP Port": ("port:http", False),
    "gRPC Port": ("port:grpc", False),
    "EPMD Port": ("port:epmd", False),
    "Min Replicas": ("count", True),
    "Max Replicas": ("count", True),
    "Ingress": ("ingress", False),
    "GPU": ("flag", False),
    "Clustering": ("flag", False),
    # HTTPS to the internet (push services, partner APIs, Blob storage, Databricks); No when absent.
    "Internet": ("flag", False),
    "Tier": ("tier", True),
}
INGRESS_KINDS = {"Yes": "http", "WebSocket": "websocket", "No": None}
FLAGS = {"Yes": True, "No": False}
SERVICE_NAME = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
# The longest object name is "<service>-allow-ingress"; Kubernetes names stop at 63 characters.
MAX_SERVICE_NAME = 63 - len("-allow-ingress")
TIER = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
GENERATED_PORTS = ("http", "grpc", "epmd")


@dataclass
class Service:
    name: str
    stack: str
    tier: str
    ports: dict[str, int]
    min_replicas: int
    max_replicas: int
    line: int
    gpu: bool | None = None
    clustering: bool | None = None
    ingress: str | None = None  # "http", "websocket" or None
    has_ingress_column: bool = False
    internet: bool = False

    def catalogue_entry(self) -> dict:
        """The keys `generate` owns in the stack chart's `services.<name>` entry."""
        entry: dict = {
            "tier": self.tier,
            "ports": dict(self.ports),
            "replicas": self.min_replicas,
            "autoscaling": {"maxReplicas": self.max_replicas},
            "egress": {"internet": self.internet},
        }
        if self.gpu is not None:
            entry["gpu"] = {"enabled": self.gpu}
            entry["modelStorage"] = {"enabled": self.gpu}
        if self.clustering is not None:
            entry["clustering"] = {"enabled": self.clustering}
        if self.has_ingress_column:
            entry["ingress"] = {
                "enabled": self.ingress is not None,
                "websocket": self.ingress == "websocket",
            }
        return entry


@dataclass
class _Table:
    stack: str
    header: list[tuple[str, int]] = field(default_factory=list)  # (text, line)
    rows: list[tuple[list[str], int]] = field(default_factory=list)


def _cell_columns(raw_line: str) -> list[int]:
    """1-based character column of each cell of a Markdown table row."""
    columns, start = [], 0
    stripped = raw_line.rstrip()
    # skip the leading pipe
    start = stripped.index("|") + 1 if stripped.lstrip().startswith("|") else 0
    pos = start
    while pos <= len(stripped):
        nxt = stripped.find("|", pos)
        cell_end = len(stripped) if nxt == -1 else nxt
        cell = stripped[pos:cell_end]
        columns.append(pos + (len(cell) - len(cell.lstrip())) + 1)
        if nxt == -1:
            break
        pos = nxt + 1
    return columns


def parse(path: Path) -> list[Service]:
    """Parse the service table, or raise UserError naming file, line and column."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise UserError(f"{paths.shown(path)}: cannot read the service table ({exc.strerror})") from None
    path = paths.shown(path)  # as the messages name it
    lines = text.splitlines()
    tables = _tables(path, text)
    if not tables:
        raise UserError(f"{path}:1:1: no service tables found (expected '## <Stack> Services' sections)")
    services: list[Service] = []
    seen: dict[str, int] = {}
    for table in tables:
        _check_header(path, lines, table)
        for service in [_service_of(path, lines, table, cells, line) for cells, line in table.rows]:
            if service.name in seen:
                column = _cell_columns(lines[service.line - 1])[0]
                raise UserError(
                    f"{path}:{service.line}:{column}: duplicate service '{service.name}' "
                    f"(first defined on line {seen[service.name]})"
                )
            seen[service.name] = service.line
            services.append(service)
    return services


def _tables(path: str, text: str) -> list[_Table]:
    """The stack tables of the Markdown text, each under its `## <Stack> Services` heading."""
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    tables: list[_Table] = []
    stack: str | None = None
    current: _Table | None = None
    cells: list[str] = []
    in_head = False
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h2":
            title = tokens[index + 1].content.strip()
            stack = STACK_HEADINGS.get(title)
            if stack is None and title.endswith("Services"):
                known = ", ".join(STACK_HEADINGS)
                raise UserError(f"{path}:{token.map[0] + 1}:4: unknown stack '{title}' (known: {known})")
        elif token.type == "table_open":
            if stack is None:
                raise UserError(f"{path}:{token.map[0] + 1}:1: table outside a '## <Stack> Services' section")
            if any(t.stack == stack for t in tables):
                raise UserError(f"{path}:{token.map[0] + 1}:1: a second table for stack {stack}")
            current = _Table(stack)
            tables.append(current)
        elif token.type in ("thead_open", "thead_close"):
            in_head = token.type == "thead_open"
        elif token.type == "tr_open":
            cells = []
            row_line = token.map[0] + 1
        elif token.type == "inline" and current is not None and tokens[index - 1].type in ("th_open", "td_open"):
            cells.append(token.content.strip())
        elif token.type == "tr_close" and current is not None:
            if in_head:
                current.header = [(c, row_line) for c in cells]
            else:
                current.rows.append((cells, row_line))
        elif token.type == "table_close":
            current = None
    return tables


def _check_header(path: str, lines: list[str], table: _Table) -> None:
    """Every column known, none twice, none required missing."""
    header = [text for text, _ in table.header]
    header_line = table.header[0][1] if table.header else 0
    header_columns = _cell_columns(lines[header_line - 1]) if header_line else [1]
    for position, name in enumerate(header):
        if name not in COLUMNS:
            known = ", ".join(COLUMNS)
            raise UserError(
                f"{path}:{header_line}:{header_columns[position]}: unknown column '{name}' "
                f"in the {table.stack} table (known: {known})"
            )
        if header.index(name) != position:
            raise UserError(f"{path}:{header_line}:{header_columns[position]}: column '{name}' appears twice")
    missing = [c for c, (_, required) in COLUMNS.items() if required and c not in header]
    if "Port" not in header and "HTTP Port" not in header:
        missing.append("Port")
    if missing:
        raise UserError(f"{path}:{header_line}:1: the {table.stack} table lacks column(s): {', '.join(missing)}")


def _service_of(path: str, lines: list[str], table: _Table, cells: list[str], line: int) -> Service:
    """The service of one row, every cell checked; `where` names each cell as path:line:column."""
    header = [text for text, _ in table.header]
    columns = _cell_columns(lines[line - 1])
    row = dict(zip(header, cells, strict=False))
    where = {name: f"{path}:{line}:{columns[i] if i < len(columns) else 1}" for i, name in enumerate(header)}
    for name, value in row.items():
        if value == "" and name in COLUMNS:
            raise UserError(f"{where[name]}: empty '{name}' cell")
    name = row["Service"]
    if not SERVICE_NAME.match(name) or len(name) > MAX_SERVICE_NAME:
        raise UserError(
            f"{where['Service']}: service name '{name}' must be lower-case letters, digits and '-', "
            f"starting with a letter, at most {MAX_SERVICE_NAME} characters"
        )
    low = _integer(row["Min Replicas"], where["Min Replicas"], "Min Replicas", 1, 1000)
    high = _integer(row["Max Replicas"], where["Max Replicas"], "Max Replicas", 1, 1000)
    if low > high:
        raise UserError(f"{where['Min Replicas']}: Min Replicas {low} is above Max Replicas {high} for {name}")
    tier = row["Tier"]
    if not TIER.match(tier):
        raise UserError(f"{where['Tier']}: tier '{tier}' must be a lower-case label such as backend")
    service = Service(name, table.stack, tier, _ports(row, where, name), low, high, line)
    for column, attribute in (("GPU", "gpu"), ("Clustering", "clustering"), ("Internet", "internet")):
        if column in row:
            setattr(service, attribute, _choice(row[column], where[column], column, FLAGS))
    if "Ingress" in row:
        service.has_ingress_column = True
        service.ingress = _choice(row["Ingress"], where["Ingress"], "Ingress", INGRESS_KINDS)
    return service


def _ports(row: dict[str, str], where: dict[str, str], name: str) -> dict[str, int]:
    """The row's ports by kind (http, grpc ...), each a number once."""
    ports: dict[str, int] = {}
    numbers: dict[int, str] = {}
    for column, value in row.items():
        kind = COLUMNS[column][0]
        if not kind.startswith("port:"):
            continue
        port = _integer(value, where[column], column, 1, 65535)
        if port in numbers:
            raise UserError(f"{where[column]}: port {port} of {name} is already its {numbers[port]}")
        numbers[port] = column
        ports[kind.split(":", 1)[1]] = port
    return ports


def _integer(value: str, where: str, column: str, low: int, high: int) -> int:
    if not re.fullmatch(r"\d+", value) or not low <= int(value) <= high:
        raise UserError(f"{where}: {column} '{value}' must be a whole number from {low} to {high}")
    return int(value)


def _choice(value: str, where: str, column: str, choices: dict):
    if value not in choices:
        raise UserError(f"{where}: {column} '{value}' must be one of {', '.join(choices)}")
    return choices[value]
