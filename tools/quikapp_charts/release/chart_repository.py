"""Publishing packaged charts to an HTTP chart repository (a folder served as is, with its
index.yaml) or an OCI registry, idempotently and immutably.

Every archive is looked up first: a version the repository already holds with the same bytes
(sha256) is left alone, one it holds with other bytes is refused, and a refusal comes before
anything is written, naming every conflicting archive. On the HTTP repository the index is merged
in a temporary folder and renamed into place after the archives, so a reader never sees half an
index or an index naming an archive that is not there yet. In a registry the chart is pulled by
version (helm's own authentication applies) and its bytes compared; the lookup and the push are
two steps, so two publishers racing on one new version are not caught (no registry offers a
compare-and-set on tags).
"""
from __future__ import annotations

import re
import shutil
import tempfile
import urllib.parse
from pathlib import Path

import yaml

from quikapp_charts.core import helm, paths
from quikapp_charts.core.errors import UserError
from quikapp_charts.core.git import is_repository
from quikapp_charts.release import tags
from quikapp_charts.release.archives import packaged_from_tag, sha256

ARCHIVE = re.compile(r"^(?P<name>[a-z0-9-]+?)-(?P<version>\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?)\.tgz$")
CONFLICT = "already published with other content; bump the chart version (`quikapp-charts bump`)"


def archives_in(dist: Path) -> list[Path]:
    found = sorted(dist.glob("*.tgz")) if dist.is_dir() else []
    if not found:
        raise UserError(f"{paths.shown(dist)}: no chart archives (run `quikapp-charts package` first)")
    for archive in found:
        if not ARCHIVE.match(archive.name):
            raise UserError(f"{paths.shown(archive)}: not named CHART-X.Y.Z.tgz as `helm package` names archives")
    return found


def _refuse(conflicts: list[Path]) -> None:
    if conflicts:
        names = ", ".join(archive.name for archive in conflicts)
        raise UserError(f"{paths.shown(conflicts[0].parent)}: {names} {'is' if len(conflicts) == 1 else 'are'} "
                        f"{CONFLICT}")


def check_url(url: str) -> str:
    """The address index.yaml links the archives at: http(s), with a host."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in url:
        raise UserError(f"publish: --url '{url}' is not an http(s) URL with a host (e.g. https://charts.quikapp.dev)")
    return url.rstrip("/")


def check_released(new: list[Path]) -> None:
    """Refuse, one line each, an archive whose version has no release tag here or whose bytes are
    not those its tag packages to (only an archive of a release goes out)."""
    if not is_repository():
        raise UserError(f"{paths.ROOT}: not a git repository; archives are checked against its release tags")
    problems = []
    for archive in new:
        match = ARCHIVE.match(archive.name)
        tag = tags.tag_name(match["name"], match["version"])
        if not tags.is_tagged(tag):
            problems.append(f"{archive.name}: no release tag {tag} in {paths.ROOT}; publish what `package` "
                            "makes of a release")
            continue
        with tempfile.TemporaryDirectory(prefix="quikapp-tag-") as workdir:
            tagged = packaged_from_tag(tag, match["name"], match["version"], Path(workdir))
            if sha256(tagged) != sha256(archive):
                problems.append(f"{archive.name}: differs from the chart at its tag {tag}; package it again "
                                "from the tag (`quikapp-charts package`)")
    if problems:
        raise UserError("\nerror: ".join(f"publish: {paths.shown(dist_of(new))}/{line}" for line in problems))


def dist_of(archives: list[Path]) -> Path:
    return archives[0].parent


def to_directory(dist: Path, repo_dir: Path, url: str) -> list[dict]:
    """Add the archives of dist to the chart repository in repo_dir and merge its index.yaml."""
    url = check_url(url)
    archives = archives_in(dist)
    index_file = repo_dir / "index.yaml"
    published = {}
    if index_file.exists():
        try:
            index = yaml.safe_load(index_file.read_text()) or {}
            for entries in (index.get("entries") or {}).values():
                for entry in entries:
                    published[f"{entry['name']}-{entry['version']}.tgz"] = entry.get("digest")
        except (yaml.YAMLError, AttributeError, TypeError, KeyError):
            raise UserError(f"{paths.shown(index_file)}: not a chart repository index") from None
    rows, new, conflicts = [], [], []
    for archive in archives:
        digest = sha256(archive)
        on_disk = repo_dir / archive.name
        held = published.get(archive.name) or (sha256(on_disk) if on_disk.is_file() else None)
        if held is None:
            new.append(archive)
            rows.append({"archive": archive.name, "status": "published", "sha256": digest})
        elif held == digest:
            rows.append({"archive": archive.name, "status": "already published", "sha256": digest})
        else:
            conflicts.append(archive)
    _refuse(conflicts)
    if not new:
        return rows
    check_released(new)
    repo_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".publish-", dir=repo_dir) as staging_dir:
        staging = Path(staging_dir)
        for archive in new:
            for source in (archive, archive.with_name(archive.name + ".prov")):
                if source.exists():
                    shutil.copy2(source, staging / source.name)
        args = ["repo", "index", str(staging), "--url", url]
        if index_file.exists():
            args += ["--merge", str(index_file)]
        helm.run(args, where=paths.shown(repo_dir), action="helm repo index")
        # Archives first, the index last: the index never names an archive that is not there yet.
        for produced in sorted(staging.iterdir()):
            if produced.name != "index.yaml":
                produced.replace(repo_dir / produced.name)
        (staging / "index.yaml").replace(index_file)
    return rows


def _plain_http(reference: str) -> list[str]:
    host = reference.removeprefix("oci://").split("/")[0].split(":")[0]
    return ["--plain-http"] if host in ("127.0.0.1", "localhost") else []


def published_in_registry(reference: str, archive: Path, workdir: Path) -> str | None:
    """sha256 of the chart the registry holds under the archive's name and version, None when absent."""
    match = ARCHIVE.match(archive.name)
    target = workdir / archive.name
    result = helm.run(["pull", f"{reference}/{match['name']}", "--version", match["version"],
                       "--destination", str(workdir), *_plain_http(reference)], where=archive.name, check=False)
    if result.returncode != 0:
        if re.search(r"not found|name unknown|manifest unknown", result.stderr, re.IGNORECASE):
            return None
        raise UserError(f"{archive.name}: looking it up in {reference} failed: {helm.error(result.stderr)}")
    if not target.is_file():
        raise UserError(f"{archive.name}: {reference} returned {[p.name for p in workdir.iterdir()]} for it")
    digest = sha256(target)
    target.unlink()
    return digest


def to_oci(dist: Path, reference: str) -> list[dict]:
    """Push the archives of dist (and their .prov files) to an OCI registry path."""
    if not re.match(r"^oci://[^/\s]+(/[a-z0-9._/-]+)?$", reference):
        raise UserError(f"publish: --oci '{reference}' must be oci://HOST[:PORT]/PATH")
    reference = reference.rstrip("/")
    archives = archives_in(dist)
    rows, new, conflicts = [], [], []
    with tempfile.TemporaryDirectory(prefix="quikapp-oci-") as workdir:
        for archive in archives:
            digest = sha256(archive)
            held = published_in_registry(reference, archive, Path(workdir))
            if held is None:
                new.append(archive)
                rows.append({"archive": archive.name, "status": f"pushed to {reference}", "sha256": digest})
            elif held == digest:
                rows.append({"archive": archive.name, "status": "already published", "sha256": digest})
            else:
                conflicts.append(archive)
    _refuse(conflicts)
    if new:
        check_released(new)
    for archive in new:
        helm.run(["push", str(archive), reference, *_plain_http(reference)], where=paths.shown(archive),
                 action=f"helm push to {reference}")
    return rows
