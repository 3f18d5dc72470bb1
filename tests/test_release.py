"""Releasing: bump versions through the dependency chain, package self-contained archives (signed),
publish them to an HTTP chart repository served on 127.0.0.1, and install from there."""
from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

from quikapp_charts import paths, rendering
from support import Objects


def cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "quikapp_charts", *args], capture_output=True, text=True,
                          env={**os.environ, "QUIKAPP_CHARTS_ROOT": str(root)}, timeout=300)


@pytest.fixture
def workspace(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    shutil.copytree(paths.CHARTS, root / "charts", symlinks=True)
    shutil.copytree(paths.VALUES, root / "values")
    os.symlink(paths.ROOT / "tools", root / "tools")
    return root


@pytest.fixture(scope="module")
def packaged(tmp_path_factory):
    dist = tmp_path_factory.mktemp("dist")
    result = cli(paths.ROOT, "package", "--out", str(dist), "-o", "json")
    assert result.returncode == 0, result.stderr
    return dist, yaml.safe_load(result.stdout)


def chart_versions(root: Path) -> dict[str, str]:
    return {p.parent.name: yaml.safe_load(p.read_text())["version"] for p in (root / "charts").glob("*/Chart.yaml")}


def test_bump_carries_the_library_version_to_every_dependent(workspace):
    before = chart_versions(workspace)
    result = cli(workspace, "bump", "quikapp-lib", "minor")
    assert result.returncode == 0, result.stderr
    after = chart_versions(workspace)
    lib = yaml.safe_load((workspace / "charts/quikapp-lib/Chart.yaml").read_text())["version"]
    assert lib == str(__import__("semver").Version.parse(before["quikapp-lib"]).bump_minor())
    for chart in (*paths.STACKS, "quikapp"):
        assert after[chart] != before[chart]
        document = yaml.safe_load((workspace / "charts" / chart / "Chart.yaml").read_text())
        pins = {dep["name"]: dep["version"] for dep in document["dependencies"]}
        assert pins["quikapp-lib"] == lib
        if chart == "quikapp":
            assert all(pins[stack] == after[stack] for stack in paths.STACKS)
    # The maintainers' comments and the rest of Chart.yaml survive.
    assert "maintainers:" in (workspace / "charts/go/Chart.yaml").read_text()
    # The bumped charts still render, and the labels carry the new versions.
    objects = rendering.render("dev", values_dir=workspace / "values", chart=workspace / "charts/quikapp").objects
    deployment = next(o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == "channel-service")
    assert deployment["metadata"]["labels"]["helm.sh/chart"] == f"go-{after['go']}"


def test_bump_refuses_a_version_that_goes_back(workspace):
    result = cli(workspace, "bump", "quikapp", "0.0.1")
    assert result.returncode == 2
    assert result.stderr.strip() == "error: bump: 0.0.1 is not above the current version 0.1.0"
    assert chart_versions(workspace)["quikapp"] == "0.1.0"


def test_packaged_umbrella_renders_like_the_git_path(packaged, tmp_path):
    dist, rows = packaged
    assert [row["chart"] for row in rows] == ["quikapp-lib", *paths.STACKS, "quikapp"]
    umbrella = dist / "quikapp-0.1.0.tgz"
    # Outside the repository, so nothing but the archive can be used.
    copy = tmp_path / umbrella.name
    shutil.copy(umbrella, copy)
    from_archive = rendering.render("live", chart=copy).objects
    from_git = rendering.render("live").objects
    assert from_archive == from_git
    assert sum(o["kind"] == "Deployment" for o in from_archive) == 33


@pytest.fixture
def served(tmp_path):
    """A folder served over HTTP on 127.0.0.1, stopped after the test."""
    folder = tmp_path / "repo"
    folder.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def helm_env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "HELM_CONFIG_HOME": str(tmp_path / "helm-config"),
            "HELM_CACHE_HOME": str(tmp_path / "helm-cache"), "HELM_DATA_HOME": str(tmp_path / "helm-data")}


def test_publish_to_an_http_repository_and_install_from_it(packaged, served, tmp_path):
    dist, _ = packaged
    folder, url = served
    result = cli(paths.ROOT, "publish", str(dist), "--repo-dir", str(folder), "--url", url, "-o", "json")
    assert result.returncode == 0, result.stderr
    assert {row["status"] for row in yaml.safe_load(result.stdout)} == {"published"}
    index = yaml.safe_load((folder / "index.yaml").read_text())
    assert set(index["entries"]) == {"quikapp-lib", *paths.STACKS, "quikapp"}
    assert index["entries"]["quikapp"][0]["urls"] == [f"{url}/quikapp-0.1.0.tgz"]

    env = helm_env(tmp_path)
    helm = paths.tool("helm")
    subprocess.run([helm, "repo", "add", "quikapp", url], env=env, check=True, capture_output=True)
    rendered = subprocess.run(
        [helm, "template", "quikapp", "quikapp/quikapp", "--version", "0.1.0", "-n", "quikapp-prod",
         "-f", str(paths.env_values_file("live")), "--kube-version", rendering.kube_version()],
        env=env, capture_output=True, text=True)
    assert rendered.returncode == 0, rendered.stderr
    objects = Objects(rendering.Rendered("live", "quikapp-prod", rendered.stdout))
    assert len(objects.names("Deployment")) == 33
    assert objects.get("HorizontalPodAutoscaler", "auth-service-hpa")["spec"]["minReplicas"] == 5

    # Publishing the same archives again changes nothing; other content under a published version is refused.
    index_before = (folder / "index.yaml").read_text()
    again = cli(paths.ROOT, "publish", str(dist), "--repo-dir", str(folder), "--url", url, "-o", "json")
    assert again.returncode == 0
    assert {row["status"] for row in yaml.safe_load(again.stdout)} == {"already published"}
    tampered = tmp_path / "tampered"
    tampered.mkdir()
    shutil.copy(dist / "go-0.1.0.tgz", tampered / "go-0.1.0.tgz")
    with open(tampered / "go-0.1.0.tgz", "ab") as handle:
        handle.write(b"\0")
    refused = cli(paths.ROOT, "publish", str(tampered), "--repo-dir", str(folder), "--url", url)
    assert refused.returncode == 2
    assert refused.stderr.strip().endswith("go-0.1.0.tgz is already published with other content; "
                                           "bump the chart version (`quikapp-charts bump`)")
    assert (folder / "index.yaml").read_text() == index_before


@pytest.fixture
def gnupg_home(tmp_path):
    """A throwaway GnuPG home; its gpg-agent is stopped after the test."""
    home = tmp_path / "gnupg"
    home.mkdir(mode=0o700)
    env = {**os.environ, "GNUPGHOME": str(home)}
    try:
        yield env
    finally:
        subprocess.run(["gpgconf", "--kill", "all"], env=env, capture_output=True)


def test_signed_packages_verify(tmp_path, gnupg_home):
    env = gnupg_home
    subprocess.run(["gpg", "--batch", "--passphrase", "", "--quick-gen-key", "QuikApp Release <release@quikapp.dev>",
                    "rsa2048", "sign", "never"], env=env, check=True, capture_output=True)
    secring, pubring = tmp_path / "secring.gpg", tmp_path / "pubring.gpg"
    secring.write_bytes(subprocess.run(["gpg", "--batch", "--export-secret-keys"], env=env, check=True,
                                       capture_output=True).stdout)
    pubring.write_bytes(subprocess.run(["gpg", "--batch", "--export"], env=env, check=True, capture_output=True).stdout)
    dist = tmp_path / "dist"
    result = cli(paths.ROOT, "package", "--out", str(dist), "--sign", "QuikApp Release", "--keyring", str(secring),
                 "-o", "json")
    assert result.returncode == 0, result.stderr
    assert all(row["signed"] for row in yaml.safe_load(result.stdout))
    verified = subprocess.run([paths.tool("helm"), "verify", str(dist / "quikapp-0.1.0.tgz"), "--keyring", str(pubring)],
                              capture_output=True, text=True)
    assert verified.returncode == 0, verified.stderr
    assert "Signed by: QuikApp Release <release@quikapp.dev>" in verified.stdout + verified.stderr


@pytest.fixture
def registry(tmp_path):
    """The CNCF distribution registry on a free 127.0.0.1 port, stopped after the test."""
    import socket
    import time
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


def test_publish_to_an_oci_registry_and_render_from_it(packaged, registry, tmp_path):
    dist, _ = packaged
    result = cli(paths.ROOT, "publish", str(dist), "--oci", f"oci://{registry}/charts", "-o", "json")
    assert result.returncode == 0, result.stderr
    rows = yaml.safe_load(result.stdout)
    assert len(rows) == 7 and all(len(row["sha256"]) == 64 for row in rows)
    rendered = subprocess.run(
        [paths.tool("helm"), "template", "quikapp", f"oci://{registry}/charts/quikapp", "--version", "0.1.0",
         "--plain-http", "-n", "quikapp-dev", "-f", str(paths.env_values_file("dev")),
         "--kube-version", rendering.kube_version()],
        env=helm_env(tmp_path), capture_output=True, text=True)
    assert rendered.returncode == 0, rendered.stderr
    objects = Objects(rendering.Rendered("dev", "quikapp-dev", rendered.stdout))
    assert len(objects.names("Deployment")) == 33
    assert objects.get("ConfigMap", "quikapp-config")["data"]["ENVIRONMENT"] == "dev"
