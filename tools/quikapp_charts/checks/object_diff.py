"""`quikapp-charts diff ENV_A ENV_B` and `quikapp-charts diff ENV --since GIT_REF`: what changes,
object by object, between two environments, or in one environment between a git revision of the
charts and values and the working tree.

Objects are matched by kind and name and grouped by kind; inside an object every difference is one
line with its field path: `+ path: value` (added), `- path: value` (removed), `~ path: old -> new`.
Lists of named items (containers, env, ports, volumes) are matched by name, other lists by index.
Nothing is filtered out (a changed helm.sh/chart label is a change); the release namespace, which
differs between any two environments, is stated once instead of on every object.
"""
from __future__ import annotations

import io
import json
import re
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quikapp_charts.core import git, paths, rendering
from quikapp_charts.core.errors import UserError

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


@dataclass
class Change:
    op: str  # "+" added, "-" removed, "~" changed
    path: str
    old: Any = None
    new: Any = None

    def to_json(self) -> dict:
        data: dict[str, Any] = {"op": {"+": "added", "-": "removed", "~": "changed"}[self.op],
                                "path": self.path}
        if self.op != "+":
            data["old"] = self.old
        if self.op != "-":
            data["new"] = self.new
        return data


@dataclass
class ObjectDiff:
    kind: str
    name: str
    status: str  # added, removed, changed
    changes: list[Change] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"kind": self.kind, "name": self.name, "status": self.status,
                "changes": [c.to_json() for c in self.changes]}


@dataclass
class RenderedEnv:
    label: str  # what the user named: an environment, or env@ref
    env: str
    ref: str | None
    namespace: str
    objects: list[dict]

    def to_json(self) -> dict:
        return {"env": self.env, "ref": self.ref, "namespace": self.namespace, "label": self.label}


# ---------------------------------------------------------------- comparing

def _key(path: str, key: Any) -> str:
    key = str(key)
    if _PLAIN_KEY.match(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key)}]"


def _named(items: list) -> bool:
    names = [i.get("name") for i in items if isinstance(i, dict)]
    return (len(names) == len(items) and all(isinstance(n, str) for n in names)
            and len(set(names)) == len(names))


def leaves(value: Any, path: str) -> Iterator[tuple[str, Any]]:
    """(path, scalar) for every leaf of value; lists of scalars and empty containers are leaves."""
    if isinstance(value, dict) and value:
        for key in sorted(value, key=str):
            yield from leaves(value[key], _key(path, key))
    elif isinstance(value, list) and value and any(isinstance(i, (dict, list)) for i in value):
        if _named(value):
            for item in value:
                yield from leaves(item, f"{path}[name={item['name']}]")
        else:
            for index, item in enumerate(value):
                yield from leaves(item, f"{path}[{index}]")
    else:
        yield path, value


def _compare_entries(old: dict, new: dict, keys: list, path_of) -> list[Change]:
    """Removed, added and changed entries of two keyed collections, in the order of keys."""
    changes: list[Change] = []
    for key in keys:
        sub = path_of(key)
        if key not in new:
            changes += [Change("-", p, old=v) for p, v in leaves(old[key], sub)]
        elif key not in old:
            changes += [Change("+", p, new=v) for p, v in leaves(new[key], sub)]
        else:
            changes += compare(old[key], new[key], sub)
    return changes


def compare(old: Any, new: Any, path: str = "") -> list[Change]:
    """Field-level differences between two parsed objects, in a stable order."""
    changes: list[Change] = []
    if isinstance(old, dict) and isinstance(new, dict):
        keys = sorted(set(old) | set(new), key=str)
        changes += _compare_entries(old, new, keys, lambda key: _key(path, key))
    elif (isinstance(old, list) and isinstance(new, list) and old and new
          and _named(old) and _named(new)):
        old_by, new_by = {i["name"]: i for i in old}, {i["name"]: i for i in new}
        names = [i["name"] for i in new] + [n for n in old_by if n not in new_by]
        changes += _compare_entries(old_by, new_by, names, lambda name: f"{path}[name={name}]")
        common_old = [i["name"] for i in old if i["name"] in new_by]
        common_new = [i["name"] for i in new if i["name"] in old_by]
        if common_old != common_new:
            changes.append(Change("~", f"{path} (order)", old=common_old, new=common_new))
    elif (isinstance(old, list) and isinstance(new, list)
          and any(isinstance(i, (dict, list)) for i in old + new)):
        for index in range(max(len(old), len(new))):
            sub = f"{path}[{index}]"
            if index >= len(new):
                changes += [Change("-", p, old=v) for p, v in leaves(old[index], sub)]
            elif index >= len(old):
                changes += [Change("+", p, new=v) for p, v in leaves(new[index], sub)]
            else:
                changes += compare(old[index], new[index], sub)
    elif old != new or type(old) is not type(new):
        scalars = isinstance(old, list) and isinstance(new, list)  # lists of scalars: one line
        if not scalars and (isinstance(old, (dict, list)) or isinstance(new, (dict, list))):
            changes += [Change("-", p, old=v) for p, v in leaves(old, path)]
            changes += [Change("+", p, new=v) for p, v in leaves(new, path)]
        else:
            changes.append(Change("~", path, old=old, new=new))
    return changes


def _strip_namespace(obj: dict, namespace: str) -> dict:
    """The object without metadata.namespace when it is the release namespace (stated once)."""
    metadata = obj.get("metadata") or {}
    if metadata.get("namespace") != namespace:
        return obj
    return {**obj, "metadata": {k: v for k, v in metadata.items() if k != "namespace"}}


def _index(side: RenderedEnv) -> dict[tuple[str, str], dict]:
    index = {}
    for obj in side.objects:
        key = (str(obj.get("kind", "")), str((obj.get("metadata") or {}).get("name", "")))
        index[key] = _strip_namespace(obj, side.namespace)
    return index


def diff(a: RenderedEnv, b: RenderedEnv) -> tuple[list[ObjectDiff], int]:
    """(the differing objects sorted by kind and name, how many are unchanged)."""
    old, new = _index(a), _index(b)
    found, unchanged = [], 0
    for key in sorted(set(old) | set(new)):
        kind, name = key
        if key not in new:
            found.append(ObjectDiff(kind, name, "removed",
                                    [Change("-", p, old=v) for p, v in leaves(old[key], "")]))
        elif key not in old:
            found.append(ObjectDiff(kind, name, "added",
                                    [Change("+", p, new=v) for p, v in leaves(new[key], "")]))
        else:
            changes = compare(old[key], new[key])
            if changes:
                found.append(ObjectDiff(kind, name, "changed", changes))
            else:
                unchanged += 1
    return found, unchanged


# ---------------------------------------------------------------- rendering the two sides

def _resolve(ref: str) -> str:
    if ref.startswith("-"):
        raise UserError(f"--since {ref}: not a git revision")
    result = git.run("rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    if result.returncode != 0:
        probe = git.run("rev-parse", "--git-dir")
        if probe.returncode != 0:
            raise UserError(f"--since {ref}: {paths.ROOT} is not a git work tree")
        raise UserError(f"--since {ref}: no such commit, branch or tag in {paths.ROOT}")
    return result.stdout.decode().strip()


def render_at(env: str, ref: str, extra: list[str] | None = None) -> RenderedEnv:
    """Render env from the charts and values of a git revision (git archive into a temporary
    folder, removed afterwards), with helm's extra arguments."""
    commit = _resolve(ref)
    root = Path(paths.ROOT)
    tree = [str(p.relative_to(root)) for p in (paths.CHARTS, paths.VALUES)]
    listing = git.run("ls-tree", "--name-only", commit, "--", *tree)
    present = set(listing.stdout.decode().split())
    if set(tree) - present:
        raise UserError(f"--since {ref}: {', '.join(sorted(set(tree) - present))} not in that revision")
    archive = git.run("archive", "--format=tar", commit, "--", *tree)
    if archive.returncode != 0:
        raise UserError(f"--since {ref}: git archive failed: {archive.stderr.decode().strip()}")
    workdir = Path(tempfile.mkdtemp(prefix="quikapp-diff-"))
    try:
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(workdir, filter="data")
        values_dir = workdir / paths.VALUES.relative_to(root)
        chart = workdir / paths.UMBRELLA.relative_to(root)
        if not (values_dir / f"{env}.yaml").is_file():
            raise UserError(f"values/{env}.yaml: not in {ref} (a new environment has nothing to "
                            "compare with)")
        try:
            rendered = rendering.render(env, values_dir=values_dir, chart=chart, extra=extra)
        except UserError as exc:
            # helm names the file it read, the temporary copy: say which file of which revision.
            message = str(exc).removeprefix(f"{paths.shown(values_dir / f'{env}.yaml')}: ").removeprefix(f"values/{env}.yaml: ")
            raise UserError(f"values/{env}.yaml at {ref}: {message}") from None
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return RenderedEnv(f"{env}@{ref}", env, ref, rendered.namespace, rendered.objects)


def render_now(env: str) -> RenderedEnv:
    rendered = rendering.render(env)
    return RenderedEnv(env, env, None, rendered.namespace, rendered.objects)


def summary(found: list[ObjectDiff], unchanged: int) -> dict[str, int]:
    counts = {"added": 0, "removed": 0, "changed": 0}
    for item in found:
        counts[item.status] += 1
    counts["unchanged"] = unchanged
    return counts


def summary_line(found: list[ObjectDiff], unchanged: int) -> str:
    s = summary(found, unchanged)
    if not found:
        return f"no differences ({unchanged} objects)"
    return f"{s['added']} added, {s['removed']} removed, {s['changed']} changed, {s['unchanged']} unchanged"
