"""Render an environment exactly as Argo CD does: `helm template` with a fixed release name and
namespace, the target Kubernetes version and --include-crds, over values/<env>.yaml."""
from __future__ import annotations

import pickle
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import yaml

from quikapp_charts.core import helm as helm_runner
from quikapp_charts.core import paths
from quikapp_charts.core.errors import UserError
from quikapp_charts.core.yaml_loader import SAFE_LOADER, RenderLoader

RELEASE = "quikapp"
# What the Argo CD Applications (deploy/argocd/) make of a render: no `helm test` hook (Argo CD never
# runs one, and skips a hook it has no phase for), the post-deploy check as a PostSync Job instead
# (their valuesObject sets global.smokeTest.postSync).
ARGOCD = ["--skip-tests", "--set", "global.smokeTest.postSync=true"]


def argocd(tier: str | None = None) -> list[str]:
    """ARGOCD, and for an environment of a tier the PriorityClass the Applications give its pods."""
    return [*ARGOCD, *(["--set", f"global.priorityClassName=quikapp-{tier}"] if tier else [])]


# The objects of the last renders this process parsed, by the render's text, pickled: a process
# that parses the same render again (commands run one after another in one process, as the test
# suite runs them) unpickles it, a fifteenth of the parse, and each caller gets objects of its own.
_PARSED: OrderedDict[str, bytes] = OrderedDict()
_PARSED_KEPT = 16
_PARSED_LOCK = threading.Lock()


def load_objects(text: str, keep: bool = True) -> list[dict]:
    """The parsed objects of a multi-document YAML stream (a render), empty documents dropped;
    UserError when a document is not a Kubernetes object (a value that became YAML, say). keep:
    False for a piece of a render, which is parsed once and would only push renders out."""
    if not keep:
        return _parse(text)
    with _PARSED_LOCK:
        kept = _PARSED.get(text)
        if kept is not None:
            _PARSED.move_to_end(text)
    if kept is not None:
        return pickle.loads(kept)
    objects = _parse(text)
    with _PARSED_LOCK:
        _PARSED[text] = pickle.dumps(objects, protocol=pickle.HIGHEST_PROTOCOL)
        while len(_PARSED) > _PARSED_KEPT:
            _PARSED.popitem(last=False)
    return objects


def forget_parsed() -> None:
    """Drop the kept objects, so that the next load_objects of any render parses it (benchmarks
    that time what a first parse costs)."""
    with _PARSED_LOCK:
        _PARSED.clear()


def _parse(text: str) -> list[dict]:
    try:
        objects = [obj for obj in yaml.load_all(text, Loader=RenderLoader) if obj]
    except yaml.YAMLError as exc:
        raise UserError(f"the render is not valid YAML ({str(exc).splitlines()[0]})") from None
    for number, obj in enumerate(objects, 1):
        metadata = obj.get("metadata") if isinstance(obj, dict) else None
        if not (isinstance(metadata, dict) and isinstance(obj.get("kind"), str)
                and isinstance(metadata.get("name"), str)):
            raise UserError(f"rendered document {number} is not a Kubernetes object with a kind and a name")
    return objects


def kube_version() -> str:
    return paths.versions()["KUBE_TARGET_VERSION"]


class _RefusesDuplicateKeys:
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


class _StrictLoader(_RefusesDuplicateKeys, yaml.SafeLoader):
    """The safe loader without duplicate keys; it words what is wrong with a file."""


# The same on libyaml when PyYAML has it, several times faster; a file it refuses is read again by
# _StrictLoader, so that the message is the one the safe loader gives.
class _FastStrictLoader(_RefusesDuplicateKeys, SAFE_LOADER):
    pass


def values_file(env: str, values_dir: Path | None = None) -> Path:
    """values/ENV.yaml; UserError naming the known environments when there is none."""
    path = paths.env_values_file(env, values_dir)
    if not path.is_file():
        known = ", ".join(paths.environments())
        raise UserError(f"{paths.shown(path)}: no such environment '{env}' (known: {known})")
    return path


def values_of(env: str, values_dir: Path | None = None) -> dict:
    """The parsed values file of an environment (duplicate keys refused)."""
    path = values_file(env, values_dir)
    text = path.read_text()
    try:
        data = yaml.load(text, Loader=_FastStrictLoader) or {}
    except yaml.YAMLError:
        data = _strictly_loaded(path, text)
    if not isinstance(data, dict):
        raise UserError(f"{paths.shown(path)}: expected a mapping at the top")
    return data


def _strictly_loaded(path: Path, text: str):
    """A values file libyaml refused, read by the safe loader: UserError with its words and place."""
    try:
        return yaml.load(text, Loader=_StrictLoader) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise UserError(f"{paths.shown(path)}{where}: not valid YAML ({problem})") from None


def namespace_of(env: str, values_dir: Path | None = None) -> str:
    """global.namespace of the environment (quikapp-<env> when unset)."""
    value = (values_of(env, values_dir).get("global") or {}).get("namespace")
    return value if isinstance(value, str) and value else f"quikapp-{env}"


def helm_template_args(env: str, values_dir: Path | None = None, chart: Path | None = None,
                       extra: list[str] | None = None, namespace: str | None = None) -> list[str]:
    return [
        "template", RELEASE, str(chart or paths.UMBRELLA),
        "--namespace", namespace or namespace_of(env, values_dir),
        "--kube-version", kube_version(),
        "--include-crds",
        "--values", str(paths.env_values_file(env, values_dir)),
        *(extra or []),
    ]


@dataclass
class Rendered:
    env: str
    namespace: str
    text: str

    @property
    def objects(self) -> list[dict]:
        return load_objects(self.text)


def render(env: str, helm: str = "helm", values_dir: Path | None = None, chart: Path | None = None,
           extra: list[str] | None = None, namespace: str | None = None) -> Rendered:
    """Render one environment (into its values' namespace unless told another); UserError with
    helm's message when it refuses the values."""
    namespace = namespace or namespace_of(env, values_dir)
    args = helm_template_args(env, values_dir, chart, extra, namespace)
    result = helm_runner.run(args, helm=helm, where=paths.shown(paths.env_values_file(env, values_dir)))
    return Rendered(env, namespace, result.stdout)
