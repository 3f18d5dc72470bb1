"""Render an environment exactly as Argo CD does: `helm template` with a fixed release name and
namespace, the target Kubernetes version and --include-crds, over values/<env>.yaml."""
from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import paths
from .errors import UserError

RELEASE = "quikapp"
# libyaml's loader when PyYAML has it: several times faster on a 180-object render.
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def kube_version() -> str:
    return paths.versions()["KUBE_TARGET_VERSION"]


class _StrictLoader(yaml.SafeLoader):
    """Refuses duplicate keys, which Helm silently resolves to the last one."""

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                mark = key_node.start_mark
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key '{key}' (first on line {seen[key]})", mark)
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


def values_of(env: str, values_dir: Path | None = None) -> dict:
    """The parsed values file of an environment."""
    values_file = (values_dir or paths.VALUES) / f"{env}.yaml"
    if not values_file.is_file():
        known = ", ".join(paths.environments())
        raise UserError(f"{paths.shown(values_file)}: no such environment '{env}' (known: {known})")
    try:
        data = yaml.load(values_file.read_text(), Loader=_StrictLoader) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise UserError(f"{paths.shown(values_file)}{where}: not valid YAML ({problem})") from None
    if not isinstance(data, dict):
        raise UserError(f"{paths.shown(values_file)}: expected a mapping at the top")
    return data


def namespace_of(env: str, values_dir: Path | None = None) -> str:
    """global.namespace of the environment (quikapp-<env> when unset)."""
    value = (values_of(env, values_dir).get("global") or {}).get("namespace")
    return value if isinstance(value, str) and value else f"quikapp-{env}"


def helm_template_args(env: str, values_dir: Path | None = None, chart: Path | None = None,
                       extra: list[str] | None = None) -> list[str]:
    values_file = (values_dir or paths.VALUES) / f"{env}.yaml"
    return [
        "template", RELEASE, str(chart or paths.UMBRELLA),
        "--namespace", namespace_of(env, values_dir),
        "--kube-version", kube_version(),
        "--include-crds",
        "--values", str(values_file),
        *(extra or []),
    ]


@dataclass
class Rendered:
    env: str
    namespace: str
    text: str

    @property
    def objects(self) -> list[dict]:
        return [doc for doc in yaml.load_all(self.text, Loader=_FAST_LOADER) if doc]


def helm_error(stderr: str) -> str:
    """Helm's refusal as one line: the schema violations (as dotted keys) or the chart's checks.

    Helm prints schema errors as a tree; a `validation failed` node is only a heading for its
    children, and a failed `oneOf` is reported once, without the reasons of each branch.
    """
    lines = [line for line in stderr.splitlines() if line.strip() and not line.startswith("level=")
             and "found symbolic link" not in line]
    problems: list[str] = []
    chart = ""
    taken_depth = None  # indentation of the last violation taken; deeper lines belong to it
    for line in lines:
        heading = re.match(r"^([a-z0-9-]+):$", line)
        if heading:
            chart = "" if heading[1] == "quikapp" else heading[1] + "."
            taken_depth = None
            continue
        schema = re.match(r"^(\s*)- at '(.*?)': (.*)$", line)
        if schema:
            depth, where, message = len(schema[1]), schema[2], schema[3]
            if taken_depth is not None and depth > taken_depth:
                continue
            if message == "validation failed":
                taken_depth = None
                continue
            key = (chart + where.strip("/").replace("/", ".")) or "(top)"
            problems.append(f"{key}: {message}")
            taken_depth = depth
            continue
        check = re.match(r"^\s*- (\S+: .*)$", line)
        if check:
            problems.append(check[1])
    if problems:
        return "; ".join(dict.fromkeys(problems))
    return " ".join(line.strip() for line in lines).removeprefix("Error: ").strip()


def render(env: str, helm: str = "helm", values_dir: Path | None = None, chart: Path | None = None,
           extra: list[str] | None = None) -> Rendered:
    """Render one environment; UserError with helm's message when it refuses the values."""
    args = helm_template_args(env, values_dir, chart, extra)
    result = subprocess.run([paths.tool(helm), *args], capture_output=True, text=True)
    if result.returncode != 0:
        values_file = (values_dir or paths.VALUES) / f"{env}.yaml"
        raise UserError(f"{paths.shown(values_file)}: {helm_error(result.stderr)}")
    return Rendered(env, namespace_of(env, values_dir), result.stdout)
