"""What the release tests share: the command run against a repository root, fresh clones, a PGP
signing key, an HTTP chart repository and an OCI registry on 127.0.0.1 (fixtures, a pytest plugin
that tests/conftest.py loads)."""
from __future__ import annotations

import functools
import http.server
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

import support
from quikapp_charts.core import paths

SIGNER = "QuikApp Release <release@quikapp.dev>"


def cli(root: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """`quikapp-charts ARGS` against the repository in root, in this process (support.cli), with
    the variables of env set; what a shell would see of it."""
    result = support.cli(*args, root=root, env=env)
    return subprocess.CompletedProcess(["quikapp-charts", *args], result.code, result.stdout, result.stderr)


def cli_process(root: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """`quikapp-charts ARGS` in a process of its own, against the repository in root."""
    return subprocess.run([sys.executable, "-m", "quikapp_charts", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {}), "QUIKAPP_CHARTS_ROOT": str(root)}, timeout=600)


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True).stdout


def fresh_clone(source: Path, target: Path) -> Path:
    """`git clone` of the repository's committed state (HEAD), with an identity for commits and tags."""
    subprocess.run(["git", "clone", "--quiet", str(source), str(target)], check=True, capture_output=True)
    git(target, "config", "user.name", "QuikApp Release")
    git(target, "config", "user.email", "release@quikapp.dev")
    return target


def tag_releases(clone: Path) -> Path:
    """Tag every chart of clone at the version it carries, as the release tags of a first release
    (README: Releasing) name them: the archives of that commit are then releases `package` and
    `publish` accept. Tags are made in the clone only."""
    for chart_file in sorted((clone / "charts").glob("*/Chart.yaml")):
        document = yaml.safe_load(chart_file.read_text())
        git(clone, "tag", f"{document['name']}-{document['version']}")
    return clone


def helm_env(tmp_path: Path, base: dict[str, str] | None = None) -> dict[str, str]:
    """base (the process's environment) with helm's homes of the test's own. Helm 4 caches a pulled
    chart and its .prov by the chart's digest in $HELM_CACHE_HOME/content: the archives are
    byte-identical from run to run, each run signs them with a fresh key, so a shared cache hands
    `--verify` the .prov of an earlier run ("signature made by unknown entity")."""
    return {**(os.environ if base is None else base), "HELM_CONFIG_HOME": str(tmp_path / "helm-config"),
            "HELM_CACHE_HOME": str(tmp_path / "helm-cache"), "HELM_DATA_HOME": str(tmp_path / "helm-data")}


@pytest.fixture
def signing_key(tmp_path):
    """(secret keyring, public keyring) of a fresh RSA signing key; its gpg-agent is stopped after."""
    home = tmp_path / "gnupg"
    home.mkdir(mode=0o700)
    env = {**os.environ, "GNUPGHOME": str(home)}
    try:
        subprocess.run(["gpg", "--batch", "--passphrase", "", "--quick-gen-key", SIGNER, "rsa2048", "sign", "never"],
                       env=env, check=True, capture_output=True)
        secring, pubring = tmp_path / "secring.gpg", tmp_path / "pubring.gpg"
        secring.write_bytes(subprocess.run(["gpg", "--batch", "--export-secret-keys"], env=env, check=True,
                                           capture_output=True).stdout)
        pubring.write_bytes(subprocess.run(["gpg", "--batch", "--export"], env=env, check=True,
                                           capture_output=True).stdout)
        yield secring, pubring
    finally:
        subprocess.run(["gpgconf", "--kill", "all"], env=env, capture_output=True)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """No request log on stderr, which a command run in the test's process shares."""

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def served(tmp_path):
    """A folder served over HTTP on 127.0.0.1: (folder, url), stopped after the test."""
    folder = tmp_path / "http-repo"
    folder.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def registry(tmp_path):
    """The CNCF distribution registry on a free 127.0.0.1 port (host:port), stopped after the test."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = tmp_path / "registry.yaml"
    config.write_text(f"version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {tmp_path / 'blobs'}\n"
                      f"http:\n  addr: 127.0.0.1:{port}\n")
    process = subprocess.Popen([paths.tool("registry"), "serve", str(config)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None, process.stderr.read().decode()
                assert time.monotonic() < deadline, "registry did not start"
                time.sleep(0.2)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def rebuilt(archive: Path, dest: Path, version: str | None = None, description: str | None = None) -> Path:
    """A valid chart archive made from another one with Chart.yaml's version or description changed
    (named CHART-VERSION.tgz in dest, as helm names archives)."""
    import io
    import tarfile

    import yaml

    entries = []
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            body = tar.extractfile(member).read()
            if member.name.count("/") == 1 and member.name.endswith("/Chart.yaml"):
                document = yaml.safe_load(body)
                document["version"] = version or document["version"]
                document["description"] = description or document["description"]
                body = yaml.safe_dump(document).encode()
                name, new_version = document["name"], document["version"]
            entries.append((member, body))
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / f"{name}-{new_version}.tgz"
    with tarfile.open(target, "w:gz") as tar:
        for member, body in entries:
            member.size = len(body)
            tar.addfile(member, io.BytesIO(body))
    return target
