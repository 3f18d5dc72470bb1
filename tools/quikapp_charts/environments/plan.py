"""deploy/environments.yaml, read and written: the Argo CD clusters (by name, with their GPU pools)
and, per environment, its cluster, namespace, tier, sync policy, stage and pinned chart version.

The file is checked when it is read (one line naming the key, exit 2): its shape by a JSON schema,
then what a schema says badly: a production environment syncs by hand, and every environment names
a cluster of the file. Whether environments clash with each other is `validate --all`'s question
(checks.py)."""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import semver
import yaml
from ruamel.yaml.comments import CommentedMap

from quikapp_charts.core import paths, rendering
from quikapp_charts.core.errors import UserError
from quikapp_charts.core.files import write_atomically
from quikapp_charts.core.yaml_roundtrip import load as load_roundtrip
from quikapp_charts.core.yaml_roundtrip import roundtrip

FILE = "deploy/environments.yaml"
PROJECT = "deploy/argocd/appproject.yaml"
PRODUCTION = "production"
NAME = {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", "maxLength": 63}
SCHEMA = {
    "type": "object", "additionalProperties": False, "required": ["chart", "clusters", "environments"],
    "properties": {
        "chart": {"type": "object", "additionalProperties": False, "required": ["name", "repository"],
                  "properties": {"name": NAME, "repository": {"type": "string", "pattern": "^(https?|oci)://\\S+$"}}},
        "clusters": {"type": "object", "minProperties": 1, "propertyNames": NAME, "additionalProperties": {
            "type": "object", "additionalProperties": False, "required": ["gpuPool"],
            "properties": {"gpuPool": {"type": "integer", "minimum": 0}}}},
        "environments": {"type": "object", "minProperties": 1, "propertyNames": NAME, "additionalProperties": {
            "type": "object", "additionalProperties": False,
            "required": ["cluster", "namespace", "tier", "sync", "stage", "chartVersion"],
            "properties": {
                "cluster": NAME, "namespace": NAME,
                "tier": {"enum": [PRODUCTION, "non-production"]},
                "sync": {"enum": ["automated", "manual"]},
                "stage": {"type": "integer", "minimum": 1},
                "chartVersion": {"type": "string"},
                "cappedCeilings": {"type": "array", "items": NAME, "uniqueItems": True}}}},
    },
}


@dataclass(frozen=True)
class Environment:
    name: str
    cluster: str
    namespace: str
    tier: str
    sync: str
    stage: int
    chart_version: str
    capped_ceilings: tuple[str, ...] = ()

    @property
    def production(self) -> bool:
        return self.tier == PRODUCTION

    def row(self) -> dict:
        return {"environment": self.name, "cluster": self.cluster, "namespace": self.namespace,
                "tier": self.tier, "sync": self.sync, "stage": self.stage, "chartVersion": self.chart_version,
                "cappedCeilings": list(self.capped_ceilings)}


@dataclass(frozen=True)
class Plan:
    chart: str
    repository: str
    gpu_pools: dict[str, int]  # cluster -> nvidia.com/gpu on its GPU nodes
    environments: dict[str, Environment]  # in stage order

    def get(self, name: str) -> Environment:
        if name not in self.environments:
            raise UserError(f"{FILE}: '{name}' is not an Argo CD environment (the file lists "
                            f"{', '.join(self.environments)})")
        return self.environments[name]

    def stage(self, number: int) -> list[Environment]:
        return [e for e in self.environments.values() if e.stage == number]

    def previous_stage(self, env: Environment) -> list[Environment]:
        """Every environment of the nearest stage before env's (none for the first stage)."""
        earlier = [e.stage for e in self.environments.values() if e.stage < env.stage]
        return self.stage(max(earlier)) if earlier else []

    @property
    def first_stage(self) -> list[Environment]:
        return self.stage(min(e.stage for e in self.environments.values()))

    def on_cluster(self, cluster: str) -> list[Environment]:
        return [e for e in self.environments.values() if e.cluster == cluster]


def path(root: Path | None = None) -> Path:
    return (root or paths.ROOT) / FILE


def exists() -> bool:
    return path().is_file()


def _where(error: jsonschema.ValidationError) -> str:
    return ".".join(str(part) for part in error.absolute_path) or "(top)"


def parse(text: str) -> Plan:
    """The plan in text; UserError naming the key when it is not one."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise UserError(f"{FILE}: not valid YAML ({str(exc).splitlines()[0]})") from None
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(SCHEMA).iter_errors(data))
    if error is not None:
        raise UserError(f"{FILE}: {_where(error)}: {error.message}")
    environments = []
    for name, entry in data["environments"].items():
        where = f"{FILE}: environments.{name}"
        if entry["cluster"] not in data["clusters"]:
            raise UserError(f"{where}.cluster: '{entry['cluster']}' is not under clusters "
                            f"({', '.join(data['clusters'])})")
        if not semver.Version.is_valid(entry["chartVersion"]):
            raise UserError(f"{where}.chartVersion: '{entry['chartVersion']}' is not a version X.Y.Z")
        if entry["tier"] == PRODUCTION and entry["sync"] != "manual":
            raise UserError(f"{where}.sync: {entry['sync']}, but a production environment syncs by hand "
                            "(sync: manual)")
        environments.append(Environment(name, entry["cluster"], entry["namespace"], entry["tier"], entry["sync"],
                                        entry["stage"], entry["chartVersion"], tuple(entry.get("cappedCeilings", ()))))
    order = {name: index for index, name in enumerate(paths.ENVIRONMENTS)}
    environments.sort(key=lambda e: (e.stage, order.get(e.name, len(order)), e.name))
    return Plan(data["chart"]["name"], data["chart"]["repository"],
                {name: cluster["gpuPool"] for name, cluster in data["clusters"].items()},
                {e.name: e for e in environments})


def load(root: Path | None = None) -> Plan:
    try:
        text = path(root).read_text()
    except FileNotFoundError:
        raise UserError(f"{FILE}: no such file; it says where each Argo CD environment runs") from None
    return parse(text)


def _rewrite(edit) -> str:
    """The file with edit(document) applied, comments and layout kept, checked before it is written."""
    document = load_roundtrip(path().read_text())
    edit(document)
    stream = io.StringIO()
    roundtrip().dump(document, stream)
    parse(stream.getvalue())
    write_atomically(path(), stream.getvalue())
    return stream.getvalue()


def set_pins(names: list[str], version: str) -> None:
    """Pin the environments named to chart version `version`."""
    def edit(document):
        for name in names:
            document["environments"][name]["chartVersion"] = version
    _rewrite(edit)


def placed_like(name: str, namespace: str, source: str) -> Environment | None:
    """A new environment NAME in namespace, run where and as source is (its cluster, tier, sync
    policy, stage and chart version); None when source is no Argo CD environment. UserError when
    the namespace is another environment's on that cluster."""
    if not exists():
        return None
    plan = load()
    like = plan.environments.get(source)
    if like is None:
        return None
    for other in plan.on_cluster(like.cluster):
        if other.namespace == namespace:
            raise UserError(f"new-env {name}: namespace {namespace} is {other.name}'s on cluster {like.cluster}; "
                            f"choose another name (its namespace is quikapp-NAME)")
    return Environment(name, like.cluster, namespace, like.tier, like.sync, like.stage, like.chart_version)


def add(env: Environment) -> None:
    """A new environment entry, after the others, and its destination in the Argo CD project."""
    def edit(document):
        entry = {key: value for key, value in env.row().items() if key != "environment" and value != []}
        document["environments"][env.name] = entry
    _rewrite(edit)
    project_file = (paths.ROOT / PROJECT)
    if project_file.is_file():
        project = load_roundtrip(project_file.read_text())
        destination = {"name": env.cluster, "namespace": env.namespace}
        if destination not in [dict(d) for d in project["spec"]["destinations"]]:
            item = CommentedMap(destination)
            item.fa.set_flow_style()  # one line, as the others
            project["spec"]["destinations"].append(item)
            stream = io.StringIO()
            roundtrip().dump(project, stream)
            write_atomically(project_file, stream.getvalue())


def argocd_args(env: str) -> list[str]:
    """The render arguments of env's Argo CD Application: its tier's PriorityClass when it is one."""
    entry = load().environments.get(env) if exists() else None
    return rendering.argocd(entry.tier if entry else None)
