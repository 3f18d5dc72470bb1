"""`quikapp-charts package [--out DIR] [CHART...]`: every chart (or the named ones) as a
self-contained archive, byte-identical from any clone of a commit (archives.py); with --sign, a
provenance file beside each archive that `helm verify` and `helm install --verify` check."""
from __future__ import annotations

from pathlib import Path

import click

from . import archives, console, paths
from .errors import UserError


def signer_of(sign_key: str | None, keyring: Path | None, passphrase_file: Path | None) -> archives.Signer | None:
    if sign_key and not keyring:
        raise UserError("package: --sign needs --keyring (a PGP secret keyring, as `helm package --sign` takes)")
    return archives.Signer(sign_key, keyring, passphrase_file) if sign_key else None


@click.command("package")
@click.argument("charts", nargs=-1)
@click.option("--out", "out", type=click.Path(path_type=Path, file_okay=False), default=paths.ROOT / "dist",
              show_default=True, help="Folder for the archives.")
@click.option("--sign", "sign_key", metavar="KEY", help="Sign with this PGP key (name, email or fingerprint) of --keyring.")
@click.option("--keyring", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="PGP secret keyring holding the signing key.")
@click.option("--passphrase-file", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="File holding the key's passphrase, when it has one.")
@console.output_option
def command(charts: tuple[str, ...], out: Path, sign_key: str | None, keyring: Path | None,
            passphrase_file: Path | None, output: str) -> None:
    """Package every chart (library, stacks, umbrella), or the CHARTS named, reproducibly."""
    signer = signer_of(sign_key, keyring, passphrase_file)
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
