"""The charts' in-repo dependencies, committed as archives under each chart's charts/ folder.

A clone installs as is (`helm install quikapp charts/quikapp -f values/live.yaml`, no `helm
dependency build` first), each chart lints on its own, a packaged chart carries what it needs, and
helm has nothing to say on stderr: it logs every symbolic link it follows, so the dependencies are
archives, not links to the sibling charts. Each archive is packaged from the sources alone, in a
temporary folder (a stack chart with a fresh library archive), and made canonical (archives.py), so
`generate` writes the same bytes from any clone; `generate --check` compares what the archives hold,
file by file, so a stale archive (a template edited, `generate` not run) is named.

A stack chart inside the umbrella is rendered only through the umbrella, so its archive there
leaves out what the umbrella already holds: the library (helm's named templates are one set per
render, the umbrella's copy serves every chart) and the values schema (the umbrella's closed schema
has each stack's section, generated from the same description, and helm checks a subchart's own
schema on top of it). Helm would otherwise parse the library's templates and compile a schema once
per stack on every render. The stack charts on their own (charts/<stack>, published as such) carry
both.
"""
from __future__ import annotations

import io
import json
import shutil
import tarfile
import tempfile
from pathlib import Path

from quikapp_charts.core import paths
from quikapp_charts.core.errors import UserError
from quikapp_charts.release import archives, chart_versions


def _local(dep: dict) -> str | None:
    """The sibling chart a `file://../NAME` dependency names, else None."""
    repository = str(dep.get("repository") or "")
    return repository.removeprefix("file://../") if repository.startswith("file://../") else None


def planned(charts_dir: Path | None = None) -> dict[Path, bytes]:
    """Every dependency archive the charts should hold: path -> canonical bytes, built from sources."""
    charts = chart_versions.load_charts(charts_dir)
    needed = {_local(dep) for chart in charts.values() for dep in chart.dependencies()} - {None}
    built: dict[str, bytes] = {}
    wanted: dict[Path, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="quikapp-deps-") as tmp:
        for chart in chart_versions.ordered(charts):
            copy = Path(tmp) / chart.name
            shutil.copytree(chart.directory, copy, ignore=shutil.ignore_patterns("charts"))
            for dep in chart.dependencies():
                name = _local(dep)
                if name is None:
                    continue
                if name not in built:
                    raise UserError(f"{paths.shown(chart.path)}: dependency {dep.get('name')}: no chart "
                                    f"charts/{name} packaged before it")
                if str(dep.get("version")) != str(charts[name].version):
                    raise UserError(f"{paths.shown(chart.path)}: dependency {name} pins {dep.get('version')}, "
                                    f"charts/{name} is {charts[name].version}")
                archive = f"{name}-{charts[name].version}.tgz"
                data = _as_carried(built[name], name, chart, charts[name])
                (copy / "charts").mkdir(exist_ok=True)
                (copy / "charts" / archive).write_bytes(data)
                wanted[chart.directory / "charts" / archive] = data
            if chart.name in needed:
                built[chart.name] = archives.helm_package(copy, Path(tmp), str(chart.version)).read_bytes()
    return wanted


def _as_carried(data: bytes, name: str, parent: chart_versions.Chart, child: chart_versions.Chart) -> bytes:
    """The dependency archive as parent carries it: without the subcharts parent carries itself, and
    without its values schema when parent's schema holds the same schema for its section."""
    shared = {_local(dep) for dep in parent.dependencies()} & {_local(dep) for dep in child.dependencies()}
    dropped = {f"{name}/charts/{sub}/" for sub in shared - {None}}
    if _schema_covered(parent.directory, child.directory, name):
        dropped.add(f"{name}/values.schema.json")
    if not dropped:
        return data
    return archives.canonical(data, name, drop=lambda entry: any(entry == d or entry.startswith(d) for d in dropped))


def _schema_covered(parent_dir: Path, child_dir: Path, name: str) -> bool:
    """Whether parent's values schema checks the section `name` exactly as the child's own schema does."""
    try:
        parent = json.loads((parent_dir / "values.schema.json").read_text())
        child = json.loads((child_dir / "values.schema.json").read_text())
    except (OSError, ValueError):
        return False
    section = dict((parent.get("properties") or {}).get(name) or {})
    own = {k: v for k, v in child.items() if k not in ("$schema", "title", "$defs")}
    section.pop("description", None)
    own.pop("description", None)
    return bool(section) and section == own and parent.get("$defs") == child.get("$defs")


def contents(data: bytes) -> dict[str, object]:
    """What an archive holds: entry name -> bytes, or the contents of an archive inside it."""
    found: dict[str, object] = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar:
            if member.isfile():
                body = tar.extractfile(member).read()
                found[member.name] = contents(body) if member.name.endswith(".tgz") else body
            else:
                found[member.name] = member.type
    return found


def _present(charts_dir: Path) -> list[Path]:
    """Everything under the charts' charts/ folders (archives, links, folders)."""
    return sorted(p for p in charts_dir.glob("*/charts/*"))


def _shown(path: Path) -> str:
    """The path as the user knows it, a symbolic link named as itself rather than its target."""
    try:
        return str(path.absolute().relative_to(paths.ROOT))
    except ValueError:
        return str(path)


def drift(charts_dir: Path | None = None) -> list[str]:
    """One line per dependency archive that is missing, stale or not wanted."""
    root = charts_dir or paths.CHARTS
    wanted = planned(root)
    problems = []
    for path, data in wanted.items():
        if path.is_symlink() or not path.is_file():
            problems.append(f"{_shown(path)}: missing")
        elif contents(path.read_bytes()) != contents(data):
            problems.append(f"{_shown(path)}: differs from its chart's files (packaged from charts/"
                            f"{path.name.rsplit('-', 1)[0]})")
    problems.extend(f"{_shown(path)}: not a dependency archive of its chart"
                    for path in _present(root) if path not in wanted)
    return problems


def sync(charts_dir: Path | None = None) -> list[Path]:
    """Write the archives that are missing or stale, remove what is not wanted; returns what changed."""
    root = charts_dir or paths.CHARTS
    wanted = planned(root)
    changed = []
    for path in _present(root):
        if path not in wanted:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
            changed.append(path)
    for path, data in wanted.items():
        if path.is_file() and not path.is_symlink() and contents(path.read_bytes()) == contents(data):
            continue
        path.unlink(missing_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
        changed.append(path)
    return changed
