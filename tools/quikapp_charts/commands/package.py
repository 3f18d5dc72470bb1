"""`quikapp-charts package [--out DIR] [CHART...]`: every chart (or the named ones) as a
self-contained archive, byte-identical from any clone of a commit (archives.py), with its release
notes beside it (CHART-X.Y.Z.md); with --sign, a provenance file beside each archive that `helm
verify` and `helm install --verify` check. Only releases are packaged: a chart whose version has
no release tag, whose files differ from the tag's, or whose dependency archives (charts/*.tgz) are
not what `generate` writes from the sibling charts now, is refused, one line per archive."""
from __future__ import annotations

from pathlib import Path

import click

from quikapp_charts.catalogue import dependencies
from quikapp_charts.core import console, paths
from quikapp_charts.core.errors import UserError
from quikapp_charts.release import archives
from quikapp_charts.release.archive_options import archive_options, signer_of


def refuse_stale_dependencies(charts: tuple[str, ...]) -> None:
    """A chart's dependency archives must be what `generate` writes from the sibling charts now: an
    umbrella holding a stale copy of a stack would ship the old stack under the new version."""
    stale = [line for line in dependencies.drift()
             if not charts or any(line.startswith(f"charts/{chart}/charts/") for chart in charts)]
    if stale:
        raise UserError("\nerror: ".join(f"package: {line}; run `quikapp-charts generate` and commit" for line in stale))


@click.command("package")
@click.argument("charts", nargs=-1)
@archive_options
@console.output_option
def command(charts: tuple[str, ...], out: Path, sign_key: str | None, keyring: Path | None,
            passphrase_file: Path | None, output: str) -> None:
    """Package every chart (library, stacks, umbrella), or the CHARTS named, reproducibly."""
    signer = signer_of("package", sign_key, keyring, passphrase_file)
    refuse_stale_dependencies(charts)
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
