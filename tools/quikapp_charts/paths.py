"""Where things are in the repository and its cache folder."""
from __future__ import annotations

import os
from pathlib import Path


def _find_root() -> Path:
    env = os.environ.get("QUIKAPP_CHARTS_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "charts" / "quikapp" / "Chart.yaml").is_file():
            return parent
    return Path.cwd()


ROOT = _find_root()
CHARTS = ROOT / "charts"
UMBRELLA = CHARTS / "quikapp"
STACKS = ("spring-boot", "nestjs", "elixir", "go", "python")
VALUES = ROOT / "values"
SERVICE_TABLE = CHARTS / "services.md"
CACHE = ROOT / ".cache"
CACHE_BIN = CACHE / "bin"
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
