"""The options of the commands that write chart archives (package, release): where to, and how to
sign them, declared once so that both take them alike."""
from __future__ import annotations

from pathlib import Path

import click

from quikapp_charts.core import paths
from quikapp_charts.core.errors import UserError
from quikapp_charts.release import archives

_KEY_FILE = click.Path(path_type=Path, exists=True, dir_okay=False)


def archive_options(func):
    """`--out DIR`, `--sign KEY`, `--keyring FILE`, `--passphrase-file FILE`."""
    for option in reversed([
        # Looked up when the command runs: the repository root is set then, not at import.
        click.option("--out", "out", type=click.Path(path_type=Path, file_okay=False),
                     default=lambda: paths.ROOT / "dist", show_default="dist/ of the repository",
                     help="Folder for the archives."),
        click.option("--sign", "sign_key", metavar="KEY",
                     help="Sign the archives with this PGP key (name, email or fingerprint) of --keyring."),
        click.option("--keyring", type=_KEY_FILE, help="PGP secret keyring holding the signing key."),
        click.option("--passphrase-file", type=_KEY_FILE, help="File holding the key's passphrase, when it has one."),
    ]):
        func = option(func)
    return func


def signer_of(command: str, sign_key: str | None, keyring: Path | None,
              passphrase_file: Path | None) -> archives.Signer | None:
    """The signer the options ask for, or None; --sign without --keyring is bad input."""
    if sign_key and not keyring:
        raise UserError(f"{command}: --sign needs --keyring (a PGP secret keyring, as `helm package --sign` takes)")
    return archives.Signer(sign_key, keyring, passphrase_file) if sign_key else None
