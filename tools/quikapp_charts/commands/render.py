"""`quikapp-charts render ENV [--out DIR] [--split] [--for argocd|helm]`: the manifests of one
environment as Argo CD applies them (`helm template` with the release name, namespace, target
Kubernetes version and --include-crds, see rendering.py; with the Applications' valuesObject, so
the post-deploy check is a PostSync Job and the pods have their tier's PriorityClass, and without
the `helm test` hook, which Argo CD skips).
`--for helm` is what `helm install -f values/ENV.yaml` installs: the test hook, no Job.

Without --out the YAML goes to stdout. With --out DIR it is written to DIR/<env>.yaml, or with
--split to one file per object, DIR/<kind>-<name>.yaml. Nothing is written unless the whole render
succeeded, and every file is written through a temporary file and a rename.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import click

from quikapp_charts.core import console, rendering
from quikapp_charts.core.errors import UserError
from quikapp_charts.core.files import write_atomically
from quikapp_charts.environments import plan as env_plan

_SEPARATOR = re.compile(r"^---[ \t]*$", re.MULTILINE)


@dataclass
class Document:
    """One object of a render: helm's text for it (with its `# Source:` line) and the parsed object."""

    text: str
    object: dict

    @property
    def kind(self) -> str:
        return str(self.object.get("kind", ""))

    @property
    def name(self) -> str:
        return str((self.object.get("metadata") or {}).get("name", ""))


def documents(text: str) -> list[Document]:
    """The objects of a multi-document YAML stream, each with its own text; empty documents dropped."""
    found = []
    for chunk in _SEPARATOR.split(text):
        for obj in rendering.load_objects(chunk, keep=False):
            found.append(Document(chunk.strip("\n") + "\n", obj))
    return found


def file_names(docs: list[Document]) -> list[str]:
    """`<kind>-<name>.yaml` per object, lower case; a clash (same kind and name in two API groups)
    gets a numbered suffix so no object overwrites another."""
    names: list[str] = []
    seen: set[str] = set()
    for doc in docs:
        stem = re.sub(r"[^a-z0-9.-]+", "-", f"{doc.kind}-{doc.name}".lower()).strip("-")
        name, n = f"{stem}.yaml", 2
        while name in seen:
            name, n = f"{stem}-{n}.yaml", n + 1
        seen.add(name)
        names.append(name)
    return names


def write(rendered: rendering.Rendered, out: Path, split: bool) -> list[Path]:
    """Write a finished render into out; returns the files written."""
    if out.exists() and not out.is_dir():
        raise UserError(f"{out}: --out must be a directory")
    if not split:
        target = out / f"{rendered.env}.yaml"
        write_atomically(target, rendered.text)
        return [target]
    docs = documents(rendered.text)
    written = []
    for doc, name in zip(docs, file_names(docs), strict=True):
        target = out / name
        write_atomically(target, doc.text)
        written.append(target)
    return written


@click.command("render", epilog=console.EXIT_CODES)
@click.argument("env")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Write into this directory instead of stdout (DIR/<env>.yaml).")
@click.option("--split", is_flag=True, help="With --out: one file per object, <kind>-<name>.yaml.")
@click.option("--for", "target", type=click.Choice(["argocd", "helm"]), default="argocd", show_default=True,
              help="argocd: what the Applications apply; helm: what `helm install` installs (the test hook).")
@click.option("--skip-tests", is_flag=True, help="With --for helm: leave out the helm test hook Pod.")
@console.output_option
def command(env: str, out: Path | None, split: bool, target: str, skip_tests: bool, output: str) -> None:
    """Render ENV as Argo CD applies it (values/ENV.yaml over charts/quikapp), or as helm installs it."""
    if split and out is None:
        raise UserError("--split: needs --out DIR")
    extra = env_plan.argocd_args(env) if target == "argocd" else ["--skip-tests"] if skip_tests else None
    rendered = rendering.render(env, extra=extra)
    if out is None:
        if output == "json":
            console.emit_json({"env": env, "namespace": rendered.namespace,
                               "objects": rendered.objects})
        else:
            click.echo(rendered.text, nl=False)
        return
    written = write(rendered, out, split)
    if output == "json":
        console.emit_json({"env": env, "namespace": rendered.namespace,
                           "objects": len(rendered.objects),
                           "files": [str(p) for p in written]})
    else:
        what = f"{len(written)} files" if split else str(written[0])
        click.echo(f"{env}: wrote {what} ({rendered.namespace})" + (f" to {out}" if split else ""), err=True)
