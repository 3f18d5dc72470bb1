"""Where things are in the repository and its cache folder."""
from __future__ import annotations

import os
from pathlib import Path

from quikapp_charts.core.errors import UserError


def _find_root() -> Path:
    env = os.environ.get("QUIKAPP_CHARTS_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "charts" / "quikapp" / "Chart.yaml").is_file():
            return parent
    return Path.cwd()


def set_root(root: Path) -> None:
    """Point every path below at the repository in root (QUIKAPP_CHARTS_ROOT, in this process)."""
    global ROOT, CHARTS, UMBRELLA, VALUES, SERVICE_TABLE, CACHE, CACHE_BIN, MODULE_FILES
    ROOT = Path(root)
    CHARTS = ROOT / "charts"
    UMBRELLA = CHARTS / "quikapp"
    VALUES = ROOT / "values"
    SERVICE_TABLE = CHARTS / "services.md"
    CACHE = ROOT / ".cache"
    CACHE_BIN = CACHE / "bin"
    MODULE_FILES = CACHE / "modules"  # files tools/bootstrap.sh took from pinned Go modules


ROOT = CHARTS = UMBRELLA = VALUES = SERVICE_TABLE = CACHE = CACHE_BIN = MODULE_FILES = Path()
set_root(_find_root())
STACKS = ("spring-boot", "nestjs", "elixir", "go", "python")
# (folder under MODULE_FILES, version pin in tools/versions.env) of those files:
SECRETS_STORE_FILES = ("secrets-store-csi-driver", "SECRETS_STORE_CSI_DRIVER_VERSION")  # CRD, CSIDriver
KWOK_STAGE_FILES = ("kwok-stages", "KWOK_VERSION")  # kwok's default stages
ENVIRONMENTS = ("local", "dev", "qa", "uat1", "uat2", "uat3", "staging", "live")


def tool(name: str) -> str:
    """Path of a pinned tool in .cache/bin, falling back to PATH."""
    candidate = CACHE_BIN / name
    return str(candidate) if candidate.exists() else name


def versions() -> dict[str, str]:
    """The pins of tools/versions.env."""
    pins = {}
    for line in (ROOT / "tools" / "versions.env").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            pins[key] = value
    return pins


def module_files(name: str, version_key: str) -> list[Path]:
    """The YAML files tools/bootstrap.sh took from a pinned Go module into .cache/modules/NAME,
    in path order; UserError when they are missing or of another version than tools/versions.env's
    VERSION_KEY."""
    folder = MODULE_FILES / name
    pin = versions()[version_key]
    try:
        stamp = (folder / ".version").read_text().strip()
    except OSError:
        stamp = ""
    if not stamp.endswith(f"@{pin}"):
        raise UserError(f"{shown(folder)}: no {name} {pin} files; run `make tools` (tools/bootstrap.sh)")
    return sorted(folder.rglob("*.yaml"))


def env_values_file(env: str, values_dir: Path | None = None) -> Path:
    """values/ENV.yaml (or ENV.yaml in another values folder, such as a git revision's)."""
    return (values_dir or VALUES) / f"{env}.yaml"


def environments() -> list[str]:
    """Every environment with a values file: the eight of the design first, then any added."""
    present = {p.stem for p in VALUES.glob("*.yaml")}
    ordered = [e for e in ENVIRONMENTS if e in present]
    return ordered + sorted(present - set(ordered))


def shown(path: Path) -> str:
    """A path as the user knows it: relative to the repository when inside it."""
    try:
        return str(Path(path).resolve().relative_to(ROOT.resolve()))
    except ValueError:
        return str(path)
