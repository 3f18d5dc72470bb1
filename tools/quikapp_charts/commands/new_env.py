"""`quikapp-charts new-env NAME --from ENV`: a new environment's values file, values/NAME.yaml,
copied from ENV's with every comment kept (ruamel.yaml round trip), and made NAME's own:

- global.environment: NAME (a protected one, staging's or live's, is kept, with its guardrails),
  global.namespace: quikapp-NAME;
- every ingress `host`/`hosts` and PHX_HOST: the label naming ENV (dev in api.dev.quikapp.dev, or
  ENV's environment or namespace suffix) becomes NAME; a host without one (live's api.quikapp.dev)
  gets NAME after its first label (api.NAME.quikapp.dev);
- the opening comment's namespace and file name.

The file is rendered and validated (values schema, template checks, Kubernetes schemas) before it
is written; when that fails nothing is written. When ENV is an Argo CD environment, NAME is added to
deploy/environments.yaml where ENV runs and as ENV runs (cluster, tier, so a copy of live syncs by
hand, stage, chart version) and to the Argo CD project's destinations; a NAME whose namespace is
another environment's on that cluster is refused before anything is written. Other values that still mention ENV (its Kafka
brokers, its image tag) are listed for review, not guessed at.
"""
from __future__ import annotations

import io
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
from ruamel.yaml.comments import CommentedMap

from quikapp_charts.catalogue import values_reference
from quikapp_charts.checks import kube_schemas
from quikapp_charts.core import console, paths, rendering
from quikapp_charts.core.errors import CheckFailed, UserError
from quikapp_charts.core.files import write_atomically
from quikapp_charts.core.inventory import inventory
from quikapp_charts.core.yaml_roundtrip import roundtrip
from quikapp_charts.environments import plan as env_plan

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
NAMESPACE_PREFIX = "quikapp-"
MAX_NAME = 63 - len(NAMESPACE_PREFIX)  # the namespace quikapp-NAME is a DNS label too
HOST_KEYS = ("host", "hosts", "PHX_HOST")


def check_name(name: str) -> None:
    if not DNS_LABEL.match(name) or len(name) > MAX_NAME:
        raise UserError(f"values/{name}.yaml: '{name}' is not a valid environment name: use a DNS "
                        f"label (lower-case letters, digits and '-', at most {MAX_NAME} characters, "
                        f"as the namespace is {NAMESPACE_PREFIX}NAME)")


def _word(token: str) -> re.Pattern:
    return re.compile(rf"(?<![A-Za-z0-9-]){re.escape(token)}(?![A-Za-z0-9-])")


def mentions(value: str, token: str) -> bool:
    """Whether value names the environment token (kafka-dev, dev-latest, app.dev.example.com), not
    counting a top-level domain that happens to be spelt the same (quikapp.dev)."""
    value = re.sub(rf"\.{re.escape(token)}(?![A-Za-z0-9.-])", "", value)
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(token)}(?![A-Za-z0-9])", value) is not None


def rehost(host: str, tokens: set[str], name: str) -> str:
    """host with the label naming the old environment replaced by name, or name inserted."""
    labels = host.split(".")
    for index, label in enumerate(labels[:-2]):  # never the registered domain
        if label in tokens:
            labels[index] = name
            return ".".join(labels)
    labels.insert(1 if len(labels) > 2 else 0, name)
    return ".".join(labels)


def _walk(node: Any, path: str = "") -> Iterator[tuple[Any, Any, str]]:
    """(container, key, path) for every scalar in the document."""
    if isinstance(node, dict):
        for key, value in node.items():
            sub = f"{path}.{key}" if path else str(key)
            if isinstance(value, (dict, list)):
                yield from _walk(value, sub)
            else:
                yield node, key, sub
    elif isinstance(node, list):
        for index, value in enumerate(node):
            sub = f"{path}[{index}]"
            if isinstance(value, (dict, list)):
                yield from _walk(value, sub)
            else:
                yield node, index, sub


@dataclass
class NewEnv:
    name: str
    source: str
    text: str
    namespace: str
    hosts: dict[str, str] = field(default_factory=dict)  # path -> new host
    notes: list[str] = field(default_factory=list)


def derive(name: str, source: str) -> NewEnv:
    """values/NAME.yaml's text, derived from values/SOURCE.yaml."""
    rendering.values_of(source)  # unknown environment or broken YAML: one line, exit 2
    source_file = paths.env_values_file(source)
    yaml = roundtrip()
    document = yaml.load(source_file.read_text())
    old_global = document.get("global")
    if old_global is None:
        old_global = CommentedMap()
        document.insert(0, "global", old_global)
    if not isinstance(old_global, dict):
        raise UserError(f"{source_file}: global: expected a mapping")
    old_namespace = str(old_global.get("namespace") or f"{NAMESPACE_PREFIX}{source}")
    tokens = {source, str(old_global.get("environment") or source),
              old_namespace.removeprefix(NAMESPACE_PREFIX)}
    namespace = f"{NAMESPACE_PREFIX}{name}"
    # A copy of a protected environment (staging, live) stays protected: its guardrails key on it.
    if str(old_global.get("environment")) not in values_reference.load().pinned_environments:
        old_global["environment"] = name
    old_global["namespace"] = namespace
    result = NewEnv(name, source, "", namespace)

    rewritten = {"global.environment", "global.namespace"}
    for container, key, path in list(_walk(document)):
        value = container[key]
        owner = key if isinstance(container, dict) else path.rsplit(".", 1)[-1].split("[")[0]
        if owner in HOST_KEYS and isinstance(value, str) and value:
            # type(value): a quoted scalar stays quoted the way it was written
            container[key] = type(value)(rehost(str(value), tokens, name))
            result.hosts[path] = str(container[key])
            rewritten.add(path)
    for container, key, path in _walk(document):
        value = container[key]
        if path in rewritten or not isinstance(value, str):
            continue
        mentioned = sorted(t for t in tokens if mentions(value, t))
        if mentioned:
            result.notes.append(f"{path}: {value} (still mentions {', '.join(mentioned)})")

    stream = io.StringIO()
    yaml.dump(document, stream)
    lines = stream.getvalue().splitlines(keepends=True)
    for index, line in enumerate(lines):  # the opening comment: which file, which namespace
        if not line.startswith("#"):
            break
        line = line.replace(old_namespace, namespace)
        for token in sorted(tokens, key=len, reverse=True):
            line = _word(token).sub(name, line)
        lines[index] = line
    result.text = "".join(lines)
    return result


def validate(new: NewEnv) -> int:
    """Render the new file from a temporary folder as Argo CD would and check every object;
    CheckFailed (nothing written) when anything refuses it. Returns the number of objects."""
    with tempfile.TemporaryDirectory(prefix="quikapp-new-env-") as tmp:
        (Path(tmp) / f"{new.name}.yaml").write_text(new.text)
        try:
            rendered = rendering.render(new.name, values_dir=Path(tmp))
        except UserError as exc:
            # Name the file as it would be written, not the temporary copy helm read.
            message = str(exc).replace(str(Path(tmp) / f"{new.name}.yaml"), f"values/{new.name}.yaml")
            raise CheckFailed(f"{message} (not written)") from None
    objects = rendered.objects
    problems = kube_schemas.problems(objects, rendering.kube_version())
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise CheckFailed(f"values/{new.name}.yaml: {problems[0]}{more} (not written)")
    for service in inventory(new.name, rendered.namespace, objects).services:
        for host in service.hosts:
            if new.name not in host.split("."):
                new.notes.append(f"{service.name}: ingress host {host} does not name {new.name} "
                                 "(it comes from the chart's defaults; set it in the new file)")
    return len(objects)


@click.command("new-env", epilog=console.EXIT_CODES)
@click.argument("name")
@click.option("--from", "source", metavar="ENV", help="The environment to copy (required).")
@console.output_option
def command(name: str, source: str | None, output: str) -> None:
    """Write values/NAME.yaml, a copy of values/ENV.yaml (comments kept) with its environment,
    namespace (quikapp-NAME) and hosts made NAME's; rendered and validated before it is written."""
    check_name(name)
    if not source:
        raise UserError(f"new-env {name}: --from ENV is required (the environment to copy)")
    target = paths.env_values_file(name)
    if target.exists():
        raise UserError(f"values/{name}.yaml: environment '{name}' already exists")
    new = derive(name, source)
    placed = env_plan.placed_like(name, new.namespace, source)
    objects = validate(new)
    if target.exists():  # created while we were rendering
        raise UserError(f"values/{name}.yaml: environment '{name}' already exists")
    write_atomically(target, new.text)
    if placed is not None:
        env_plan.add(placed)
    if output == "json":
        console.emit_json({"env": name, "from": source, "file": str(target), "namespace": new.namespace,
                           "hosts": new.hosts, "objects": objects, "notes": new.notes,
                           "argocd": placed.row() if placed else None})
        return
    out = console.console()
    out.print(f"[green]wrote[/] values/{name}.yaml from values/{source}.yaml: namespace "
              f"{new.namespace}, {objects} objects valid")
    if placed is not None:
        out.print(f"Argo CD: {name} on cluster {placed.cluster}, {placed.tier}, sync {placed.sync}, stage "
                  f"{placed.stage}, chart {placed.chart_version} ({env_plan.FILE}, {env_plan.PROJECT})", markup=False)
    else:
        out.print(f"Argo CD: none ({source} is not in {env_plan.FILE}, and neither is {name})", markup=False)
    for path, host in new.hosts.items():
        out.print(f"  {path}: ", end="", markup=False)
        out.print(host, markup=False)
    if new.notes:
        out.print("[yellow]review[/]:")
        for note in new.notes:
            out.print(f"  {note}", markup=False)
