"""`quikapp-charts publish DIST (--repo-dir DIR --url URL | --oci oci://HOST/PATH)`: release packaged
charts to an HTTP chart repository (a folder served as is, with its index.yaml) or an OCI registry.

A published version is immutable (chart_repository.py): the same bytes again are a no-op that
exits 0; other bytes under a published version are refused before anything is written.
"""
from __future__ import annotations

from pathlib import Path

import click

from quikapp_charts.core import console, paths
from quikapp_charts.core.errors import UserError
from quikapp_charts.release import chart_repository


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
    rows = chart_repository.to_directory(dist, repo_dir, url) if repo_dir else chart_repository.to_oci(dist, oci)
    if output == "json":
        console.emit_json(rows)
        return
    console.print_table(f"published to {url or oci}", ["archive", "status", "sha256"],
                        [[row["archive"], row["status"], row["sha256"][:16]] for row in rows])
