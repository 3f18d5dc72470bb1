"""`quikapp-charts package [--out DIR] [CHART...]`: every chart (or the named ones) as a
self-contained archive, byte-identical from any clone of a commit (archives.py); with --sign, a
provenance file beside each archive that `helm verify` and `helm install --verify` check."""
from __future__ import annotations

from pathlib import Path

import click

from quikapp_charts.core import console, paths
from quikapp_charts.release import archives
from quikapp_charts.release.archive_options import archive_options, signer_of


@click.command("package")
@click.argument("charts", nargs=-1)
@archive_options
@console.output_option
def command(charts: tuple[str, ...], out: Path, sign_key: str | None, keyring: Path | None,
            passphrase_file: Path | None, output: str) -> None:
    """Package every chart (library, stacks, umbrella), or the CHARTS named, reproducibly."""
    signer = signer_of("package", sign_key, keyring, passphrase_file)
    if signer:
        with signer:
            rows = archives.package_all(out, list(charts) or None, signer)
    else:
        rows = archives.package_all(out, list(charts) or None)
    if output == "json":
        console.emit_json(rows)
        return
    console.print_table(f"packaged into {paths.shown(out)}", ["chart", "version", "bytes", "sha256", "signed"],
                        [[row["chart"], row["version"], str(row["bytes"]), row["sha256"][:16],
                          "yes" if row["signed"] else "no"] for row in rows])
