"""Chart archives that are byte-identical from any clone of a commit, and their provenance files.

`helm package` alone is not reproducible: it stamps each tar entry with the file's modification
time (a clone's files carry the time of the clone), and it writes an umbrella chart's subcharts in
Go map order, which changes from run to run. So helm packages (it takes the dependency archives under charts/,
applies .helmignore and validates the chart) and the archive is then rewritten canonically:

- entries in helm's order within each chart, subcharts sorted by name, depth first;
- every entry a regular file, mode 0644, owner and group 0 with empty names, and the same time,
  ENTRY_TIME (1980-01-01T00:00:00Z). A fixed time rather than the commit's: an archive is then a
  function of the chart's files alone, so an unchanged chart packages to the same bytes at any
  later commit and from a shallow clone, and republishing it is a no-op;
- ustar headers (pax only for a name that does not fit), gzip with no name, time 0, OS unknown,
  deflate level 9 from zlib (madler's zlib gives the same stream on every platform; zlib-ng,
  which some distributions substitute, compresses differently, so package refuses to run on it).

Provenance (`.prov`) is helm's format: the chart's metadata, `...`, the archive's sha256, clear-signed
with SHA-512. gpg signs it with its clock frozen at the signing key's creation time, so the same key
signs the same archive to the same bytes (RSA and Ed25519 signatures are deterministic; a DSA or
ECDSA signature carries a random nonce and differs on every run while verifying the same).
"""
from __future__ import annotations

import functools
import gzip
import hashlib
import io
import os
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Callable
from pathlib import Path

from quikapp_charts.core import helm, paths, result_cache
from quikapp_charts.core.errors import UserError
from quikapp_charts.core.git import is_repository
from quikapp_charts.core.git import run as git_run
from quikapp_charts.release import chart_versions, notes, tags

ENTRY_TIME = 315532800  # 1980-01-01T00:00:00Z


def _chart_of(name: str) -> tuple[str, ...]:
    """The chain of subchart names an entry belongs to: quikapp/charts/go/charts/quikapp-lib/x -> (go, quikapp-lib)."""
    parts = name.split("/")
    chain = []
    i = 1
    while i + 2 < len(parts) and parts[i] == "charts":
        chain.append(parts[i + 1])
        i += 2
    return tuple(chain)


def _check_zlib() -> None:
    if "ng" in zlib.ZLIB_RUNTIME_VERSION:
        raise UserError(f"package: zlib {zlib.ZLIB_RUNTIME_VERSION} compresses unlike zlib; "
                        "reproducible archives need madler's zlib")


def canonical(data: bytes, source: str = "archive", drop: Callable[[str], bool] | None = None) -> bytes:
    """The canonical bytes of a gzipped chart tar (see the module docstring), without the entries
    `drop` names."""
    _check_zlib()
    entries = []
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar:
            if not member.isfile():
                raise UserError(f"{source}: {member.name} is not a regular file")
            if drop is None or not drop(member.name):
                entries.append((member.name, tar.extractfile(member).read()))
    # Stable sort: helm's own order inside each chart, subcharts by name after their parent.
    entries.sort(key=lambda entry: _chart_of(entry[0]))
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, body in entries:
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(body), 0o644, ENTRY_TIME
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(body))
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, compresslevel=9, mtime=0) as gz:
        gz.write(raw.getvalue())
    return out.getvalue()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def helm_package(chart_dir: Path, dest: Path, version: str) -> Path:
    """helm package chart_dir into dest, rewritten canonically; returns the archive. With the render
    cache on (QUIKAPP_CHARTS_RENDER_CACHE), an archive is packaged once for the helm binary, every
    byte of the chart folder, its name and version and this module (which makes it canonical)."""
    archive = dest / f"{chart_dir.name}-{version}.tgz"
    cache = result_cache.folder()
    if cache is None:
        return _package(chart_dir, dest, archive)
    _check_zlib()
    data = result_cache.made([paths.tool("helm"), "package", str(chart_dir.absolute())], cache,
                             lambda: _package(chart_dir, dest, archive).read_bytes(),
                             identity=[f"name:{chart_dir.name}", f"version:{version}", f"canonical:{_this_module()}"])
    archive.write_bytes(data)
    return archive


def _package(chart_dir: Path, dest: Path, archive: Path) -> Path:
    helm.run(["package", str(chart_dir), "--destination", str(dest)],
             where=paths.shown(chart_dir / "Chart.yaml"), action="helm package")
    if not archive.is_file():
        produced = [p.name for p in dest.glob(f"{chart_dir.name}-*.tgz")]
        raise UserError(f"{paths.shown(chart_dir / 'Chart.yaml')}: helm wrote {produced}, expected {archive.name}")
    archive.write_bytes(canonical(archive.read_bytes(), paths.shown(chart_dir)))
    return archive


@functools.cache
def _this_module() -> str:
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def provenance_body(archive: Path) -> str:
    """The text helm clear-signs: the chart's metadata (as `helm show chart`), `...`, the file sums."""
    shown = helm.run(["show", "chart", str(archive)], where=archive.name, action="helm show chart")
    return f"{shown.stdout.rstrip()}\n\n...\nfiles:\n  {archive.name}: sha256:{sha256(archive)}\n"


class Signer:
    """A throwaway GnuPG home holding the key of a legacy secret keyring; use as a context manager."""

    def __init__(self, key: str, keyring: Path, passphrase_file: Path | None = None):
        self.key, self.keyring, self.passphrase_file = key, keyring, passphrase_file
        self._home: tempfile.TemporaryDirectory | None = None

    def __enter__(self) -> Signer:
        self._home = tempfile.TemporaryDirectory(prefix="quikapp-gpg-")
        os.chmod(self._home.name, 0o700)
        self._gpg(["--import", str(self.keyring)], f"{paths.shown(self.keyring)}: not a PGP keyring gpg can import")
        listing = self._gpg(["--with-colons", "--list-secret-keys", self.key],
                            f"{paths.shown(self.keyring)}: no secret key '{self.key}'")
        records = [line.split(":") for line in listing.splitlines()]
        created = [int(r[5]) for r in records if r[0] in ("sec", "ssb")]
        # The primary key's fingerprint (the first after `sec`): what Artifact Hub's signKey names.
        self.fingerprint = next((r[9] for r in records if r[0] == "fpr"), "")
        if not created:
            raise UserError(f"{paths.shown(self.keyring)}: no secret key '{self.key}'")
        # The newest (sub)key's creation: gpg refuses to sign with a key "created in the future".
        self.time = max(created)
        return self

    def __exit__(self, *exc) -> None:
        subprocess.run(["gpgconf", "--kill", "all"], env=self._env(), capture_output=True)
        self._home.cleanup()

    def _env(self) -> dict[str, str]:
        return {**os.environ, "GNUPGHOME": self._home.name}

    def _gpg(self, args: list[str], failure: str, stdin: str | None = None) -> str:
        result = subprocess.run(["gpg", "--batch", "--no-tty", "--yes", *args], input=stdin, env=self._env(),
                                capture_output=True, text=True)
        if result.returncode != 0:
            detail = " ".join(line.strip() for line in result.stderr.splitlines() if line.strip())
            raise UserError(f"{failure} ({detail})" if detail else failure)
        return result.stdout

    def sign(self, archive: Path) -> Path:
        """Write archive.prov, helm's provenance format, signed with the frozen clock."""
        args = ["--faked-system-time", f"{self.time}!", "--digest-algo", "SHA512", "--local-user", self.key]
        if self.passphrase_file:
            args += ["--pinentry-mode", "loopback", "--passphrase-file", str(self.passphrase_file)]
        signed = self._gpg([*args, "--clearsign"], f"{archive.name}: signing with '{self.key}' failed",
                           stdin=provenance_body(archive))
        prov = archive.with_name(archive.name + ".prov")
        prov.write_text(signed)
        return prov


def package_all(out: Path, names: list[str] | None = None, signer: Signer | None = None) -> list[dict]:
    """Package the charts (every one, library first) into out, each with its release notes
    (CHART-X.Y.Z.md); nothing lands in out unless every chart packaged (and signed). A chart is
    packaged only as a release: its version tagged and its files those of the tag."""
    charts = chart_versions.load_charts()
    wanted = [c for c in chart_versions.ordered(charts) if names is None or c.name in names]
    unknown = sorted(set(names or []) - set(charts))
    if unknown:
        raise UserError(f"package: no chart {', '.join(unknown)} under charts/ (known: {', '.join(sorted(charts))})")
    if not is_repository():
        raise UserError(f"{paths.ROOT}: not a git repository; an archive is packaged from a release tag")
    refused = tags.unreleased(charts, wanted)
    if refused:
        raise UserError("\nerror: ".join(f"package: {line}" for line in refused))
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".package-", dir=out) as staging_dir:
        staging = Path(staging_dir)
        produced = []
        for chart in wanted:
            archive = helm_package(chart.directory, staging, str(chart.version))
            if signer:
                signer.sign(archive)
            archive.with_suffix(".md").write_text(notes.release_notes(chart, charts))
            produced.append((chart, archive))
        rows = []
        for chart, archive in produced:
            for made in (archive, archive.with_name(archive.name + ".prov"), archive.with_suffix(".md")):
                if made.exists():
                    made.replace(out / made.name)
            final = out / archive.name
            rows.append({"chart": chart.name, "version": str(chart.version), "archive": str(final),
                         "bytes": final.stat().st_size, "sha256": sha256(final),
                         "signed": signer is not None, "notes": str(final.with_suffix(".md"))})
    return rows


def packaged_from_tag(tag: str, chart: str, version: str, workdir: Path) -> Path:
    """The archive of chart as its release tag holds it (the tag's charts/ folder, packaged)."""
    tree = git_run("archive", "--format=tar", tag, "charts")
    if tree.returncode != 0:
        raise UserError(f"{tag}: git archive failed ({tree.stderr.decode(errors='replace').strip()})")
    with tarfile.open(fileobj=io.BytesIO(tree.stdout)) as tar:
        tar.extractall(workdir, filter="data")
    (workdir / "dist").mkdir()
    return helm_package(workdir / "charts" / chart, workdir / "dist", version)
