"""`quikapp-charts publish DIST (--repo-dir DIR --url URL | --oci oci://HOST/PATH)`: release packaged
charts to an HTTP chart repository (a folder served as is, with its index.yaml) or an OCI registry.

A published version is immutable: an archive whose version is already in the repository with other
content is refused (bump the version instead); the same content again is a no-op. The index is
merged in a temporary folder and renamed into place, so a reader never sees half an index.
"""
from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

import click
import yaml

from . import console, helm, paths
from .errors import UserError


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _archives(dist: Path) -> list[Path]:
    archives = sorted(dist.glob("*.tgz"))
    if not archives:
        raise UserError(f"{paths.shown(dist)}: no chart archives (run `quikapp-charts package` first)")
    return archives


def to_directory(dist: Path, repo_dir: Path, url: str) -> list[dict]:
    """Add the archives of dist to the chart repository in repo_dir and merge its index.yaml."""
    repo_dir.mkdir(parents=True, exist_ok=True)
    index_file = repo_dir / "index.yaml"
    published = {}
    if index_file.exists():
        index = yaml.safe_load(index_file.read_text()) or {}
        for entries in (index.get("entries") or {}).values():
            for entry in entries:
                published[f"{entry['name']}-{entry['version']}.tgz"] = entry.get("digest")
    rows, new = [], []
    for archive in _archives(dist):
        digest = _digest(archive)
        if archive.name in published:
            if published[archive.name] != digest:
                raise UserError(f"{paths.shown(archive)}: {archive.name} is already published with other content; "
                                "bump the chart version (`quikapp-charts bump`)")
            rows.append({"archive": archive.name, "status": "already published", "sha256": digest})
            continue
        new.append(archive)
        rows.append({"archive": archive.name, "status": "published", "sha256": digest})
    if not new:
        return rows
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


def to_oci(dist: Path, reference: str) -> list[dict]:
    if not reference.startswith("oci://"):
        raise UserError(f"publish: --oci '{reference}' must start with oci://")
    rows = []
    for archive in _archives(dist):
        local = reference.startswith(("oci://127.0.0.1", "oci://localhost"))
        result = helm.run(["push", str(archive), reference, *(["--plain-http"] if local else [])],
                          where=paths.shown(archive), action=f"helm push to {reference}")
        digest = next((line.split()[-1] for line in result.stdout.splitlines() + result.stderr.splitlines()
                       if line.startswith("Digest:")), "")
        rows.append({"archive": archive.name, "status": f"pushed to {reference}", "sha256": digest.removeprefix("sha256:")})
    return rows


@click.command("publish")
@click.argument("dist", type=click.Path(path_type=Path, file_okay=False), default=paths.ROOT / "dist")
@click.option("--repo-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Folder of an HTTP chart repository (served as is).")
@click.option("--url", help="The URL the --repo-dir folder is served at (index.yaml links).")
@click.option("--oci", "oci", metavar="oci://HOST/PATH", help="An OCI registry path to push to.")
@console.output_option
def command(dist: Path, repo_dir: Path | None, url: str | None, oci: str | None, output: str) -> None:
    """Publish the archives of DIST (default dist/) to a chart repository folder or an OCI registry."""
    if bool(repo_dir) == bool(oci):
        raise UserError("publish: give either --repo-dir (with --url) or --oci")
    if repo_dir and not url:
        raise UserError("publish: --repo-dir needs --url, the address the folder is served at")
    rows = to_directory(dist, repo_dir, url) if repo_dir else to_oci(dist, oci)
    if output == "json":
        console.emit_json(rows)
        return
    console.print_table(f"published to {url or oci}", ["archive", "status", "sha256"],
                        [[row["archive"], row["status"], row["sha256"][:16]] for row in rows])
