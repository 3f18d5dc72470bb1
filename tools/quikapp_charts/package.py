"""`quikapp-charts package [--out DIR]`: every chart as a self-contained archive.

`helm package` follows the in-repo symlinks under each chart's charts/, so an archive carries its
dependencies and installs on its own. With --sign, Helm writes a provenance file beside each archive
(a PGP key in a legacy keyring, as `helm package --sign` needs).
"""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from pathlib import Path

import click

from . import console, paths
from .bump import load_charts
from .errors import UserError
from .rendering import helm_error

# Library first, the umbrella last: the order a reader expects them in.
ORDER = ("quikapp-lib", *paths.STACKS, "quikapp")


def package(out: Path, sign_key: str | None = None, keyring: Path | None = None) -> list[dict]:
    """Package every chart into out; nothing lands in out unless every chart packaged."""
    charts = load_charts()
    staging = Path(tempfile.mkdtemp(prefix=".package-", dir=out.parent if out.parent.exists() else None))
    try:
        for name in ORDER:
            args = [paths.tool("helm"), "package", str(charts[name].path.parent), "--destination", str(staging)]
            if sign_key:
                args += ["--sign", "--key", sign_key, "--keyring", str(keyring)]
            result = subprocess.run(args, capture_output=True, text=True)
            if result.returncode != 0:
                raise UserError(f"{paths.shown(charts[name].path)}: helm package failed: {helm_error(result.stderr)}")
        out.mkdir(parents=True, exist_ok=True)
        rows = []
        for name in ORDER:
            archive = f"{name}-{charts[name].version}.tgz"
            for produced in [archive, f"{archive}.prov"]:
                if (staging / produced).exists():
                    (staging / produced).replace(out / produced)
            data = (out / archive).read_bytes()
            rows.append({"chart": name, "version": str(charts[name].version), "archive": str(out / archive),
                         "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                         "signed": (out / f"{archive}.prov").exists()})
        return rows
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@click.command("package")
@click.option("--out", "out", type=click.Path(path_type=Path), default=paths.ROOT / "dist", show_default=True,
              help="Folder for the archives.")
@click.option("--sign", "sign_key", metavar="KEY", help="Sign with this PGP key (name or email) of --keyring.")
@click.option("--keyring", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="Legacy PGP secret keyring holding the signing key.")
@console.output_option
def command(out: Path, sign_key: str | None, keyring: Path | None, output: str) -> None:
    """Package every chart (library, stacks, umbrella) as a self-contained archive."""
    if sign_key and not keyring:
        raise UserError("package: --sign needs --keyring (a legacy PGP secret keyring)")
    rows = package(out, sign_key, keyring)
    if output == "json":
        console.emit_json(rows)
        return
    console.print_table(f"packaged into {paths.shown(out)}", ["chart", "version", "bytes", "sha256", "signed"],
                        [[row["chart"], row["version"], str(row["bytes"]), row["sha256"][:16],
                          "yes" if row["signed"] else "no"] for row in rows])
