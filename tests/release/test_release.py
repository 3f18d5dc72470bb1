"""Releasing: bump versions through the dependency chain, package self-contained archives (signed),
publish them to an HTTP chart repository served on 127.0.0.1, and install from there."""
from __future__ import annotations

import json
import shutil
import subprocess
import urllib.request
from pathlib import Path

import pytest
import yaml

from quikapp_charts.core import paths, rendering
from release_support import cli, fresh_clone, helm_env, rebuilt, tag_releases
from support import Objects, make_workspace

pytestmark = pytest.mark.slow


@pytest.fixture
def workspace(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    return make_workspace(root)


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """A clone of the repository whose every chart is released at its version (tagged)."""
    return tag_releases(fresh_clone(paths.ROOT, tmp_path_factory.mktemp("released") / "clone"))


@pytest.fixture(scope="module")
def packaged(released, tmp_path_factory):
    dist = tmp_path_factory.mktemp("dist")
    result = cli(released, "package", "--out", str(dist), "-o", "json")
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


def test_publish_to_an_http_repository_and_install_from_it(released, packaged, served, tmp_path):
    dist, _ = packaged
    folder, url = served
    result = cli(released, "publish", str(dist), "--repo-dir", str(folder), "--url", url, "-o", "json")
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
    again = cli(released, "publish", str(dist), "--repo-dir", str(folder), "--url", url, "-o", "json")
    assert again.returncode == 0
    assert {row["status"] for row in yaml.safe_load(again.stdout)} == {"already published"}
    conflicting = conflict_dist(dist, tmp_path / "conflicting")
    refused = cli(released, "publish", str(conflicting), "--repo-dir", str(folder), "--url", url)
    assert refused.returncode == 2
    assert refused.stderr.strip() == (f"error: {conflicting}: go-0.1.0.tgz is already published with other content; "
                                      "bump the chart version (`quikapp-charts bump`)")
    # Refused before anything was written: the new version beside it is not there either.
    assert (folder / "index.yaml").read_text() == index_before
    assert not (folder / "go-0.1.1.tgz").exists()


def conflict_dist(dist: Path, folder: Path) -> Path:
    """go 0.1.0 with other content beside a new go 0.1.1."""
    rebuilt(dist / "go-0.1.0.tgz", folder, description="QuikApp's Go services, described otherwise")
    rebuilt(dist / "go-0.1.0.tgz", folder, version="0.1.1")
    return folder


def test_signed_packages_verify_and_tampering_is_caught(released, tmp_path, signing_key):
    secring, pubring = signing_key
    dist = tmp_path / "dist"
    result = cli(released, "package", "quikapp-lib", "--out", str(dist), "--sign", "release@quikapp.dev",
                 "--keyring", str(secring), "-o", "json")
    assert result.returncode == 0, result.stderr
    assert [row["signed"] for row in yaml.safe_load(result.stdout)] == [True]
    archive = dist / "quikapp-lib-0.1.0.tgz"
    verify = [paths.tool("helm"), "verify", str(archive), "--keyring", str(pubring)]
    verified = subprocess.run(verify, capture_output=True, text=True)
    assert verified.returncode == 0, verified.stderr
    assert "Signed by: QuikApp Release <release@quikapp.dev>" in verified.stdout + verified.stderr
    with open(archive, "ab") as handle:
        handle.write(b"\0")
    tampered = subprocess.run(verify, capture_output=True, text=True)
    assert tampered.returncode != 0 and "sha256 sum does not match" in tampered.stderr


def test_signing_with_a_key_the_keyring_lacks_is_one_line_and_writes_nothing(tmp_path, signing_key):
    secring, _ = signing_key
    out = tmp_path / "never"
    result = cli(paths.ROOT, "package", "--out", str(out), "--sign", "nobody@example.org", "--keyring", str(secring))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith(f"error: {secring}: no secret key 'nobody@example.org'")
    assert not out.exists()


def test_publish_to_an_oci_registry_and_render_from_it(released, packaged, registry, tmp_path):
    dist, _ = packaged
    result = cli(released, "publish", str(dist), "--oci", f"oci://{registry}/charts", "-o", "json")
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

    # The same bytes again: a no-op; other bytes under a published version: refused before any push.
    again = cli(released, "publish", str(dist), "--oci", f"oci://{registry}/charts", "-o", "json")
    assert again.returncode == 0, again.stderr
    assert {row["status"] for row in yaml.safe_load(again.stdout)} == {"already published"}
    conflicting = conflict_dist(dist, tmp_path / "conflicting")
    refused = cli(released, "publish", str(conflicting), "--oci", f"oci://{registry}/charts")
    assert refused.returncode == 2
    assert refused.stderr.strip() == (f"error: {conflicting}: go-0.1.0.tgz is already published with other content; "
                                      "bump the chart version (`quikapp-charts bump`)")
    assert registry_tags(registry, "charts/go") == ["0.1.0"]
    pulled = tmp_path / "pulled"
    pulled.mkdir()
    subprocess.run([paths.tool("helm"), "pull", f"oci://{registry}/charts/go", "--version", "0.1.0", "--plain-http",
                    "--destination", str(pulled)], env=helm_env(tmp_path), check=True, capture_output=True)
    assert (pulled / "go-0.1.0.tgz").read_bytes() == (dist / "go-0.1.0.tgz").read_bytes()
    # The new version alone is no release either (no tag go-0.1.1): refused before any push.
    (conflicting / "go-0.1.0.tgz").unlink()
    untagged = cli(released, "publish", str(conflicting), "--oci", f"oci://{registry}/charts")
    assert untagged.returncode == 2
    assert untagged.stderr.strip() == (f"error: publish: {conflicting}/go-0.1.1.tgz: no release tag go-0.1.1 in "
                                       f"{released}; publish what `package` makes of a release")
    assert registry_tags(registry, "charts/go") == ["0.1.0"]


def registry_tags(registry: str, repository: str) -> list[str]:
    """The tags the registry holds for a repository (its HTTP API)."""
    with urllib.request.urlopen(f"http://{registry}/v2/{repository}/tags/list", timeout=10) as response:
        return sorted(json.load(response)["tags"])
