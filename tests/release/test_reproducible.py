"""One commit, two fresh clones, the same archives and provenance files byte for byte; the second
clone's publish is accepted as already published."""
from __future__ import annotations

import gzip
import io
import os
import subprocess
import tarfile

import pytest
import yaml

from quikapp_charts.core import paths, result_cache
from quikapp_charts.release import archives
from release_support import cli, fresh_clone, tag_releases

pytestmark = pytest.mark.slow

CHARTS = ["quikapp-lib", *paths.STACKS, "quikapp"]
# helm packages every archive here: none is answered from the render cache's archives.
UNCACHED = {result_cache.VARIABLE: ""}


def age_files(root, seconds: int) -> None:
    """Give every file of a clone another modification time, as a clone made at another time has."""
    for folder, _, files in os.walk(root / "charts"):
        for name in files:
            path = os.path.join(folder, name)
            stat = os.stat(path)
            os.utime(path, (stat.st_atime + seconds, stat.st_mtime + seconds))


def test_two_fresh_clones_package_and_sign_to_identical_bytes(tmp_path, signing_key, served):
    secring, pubring = signing_key
    # Each clone tags the commit's charts as released (package refuses an untagged version).
    first = tag_releases(fresh_clone(paths.ROOT, tmp_path / "first"))
    second = tag_releases(fresh_clone(paths.ROOT, tmp_path / "second"))
    age_files(second, 86_400 * 3 + 17)
    outputs = {}
    for clone in (first, second):
        result = cli(clone, "package", "--out", str(clone / "dist"), "--sign", "QuikApp Release",
                     "--keyring", str(secring), "-o", "json", env=UNCACHED)
        assert result.returncode == 0, result.stderr
        rows = yaml.safe_load(result.stdout)
        assert [row["chart"] for row in rows] == CHARTS and all(row["signed"] for row in rows)
        outputs[clone] = {p.name: p.read_bytes() for p in sorted((clone / "dist").iterdir())}
    assert len(outputs[first]) == 21  # archive, provenance and release notes of each chart
    for name, data in outputs[first].items():
        assert outputs[second][name] == data, f"{name} differs between the clones"

    # The canonical form: fixed times, modes and owners; subcharts in name order; no name or time in gzip.
    umbrella = outputs[first]["quikapp-0.1.0.tgz"]
    assert umbrella[4:8] == b"\0\0\0\0" and umbrella[3] == 0  # gzip MTIME 0, no FNAME
    with tarfile.open(fileobj=io.BytesIO(umbrella), mode="r:gz") as tar:
        members = tar.getmembers()
    assert {(m.mtime, m.mode, m.uid, m.gid, m.uname, m.gname, m.type) for m in members} == \
        {(archives.ENTRY_TIME, 0o644, 0, 0, "", "", tarfile.REGTYPE)}
    assert members[0].name == "quikapp/Chart.yaml"
    subcharts = list(dict.fromkeys(m.name.split("/")[2] for m in members if m.name.startswith("quikapp/charts/")))
    assert subcharts == sorted(subcharts) == ["elixir", "go", "nestjs", "python", "quikapp-lib", "spring-boot"]
    assert len(gzip.decompress(umbrella)) % 512 == 0

    # helm verifies the reproducible provenance like its own.
    verified = subprocess.run([paths.tool("helm"), "verify", str(second / "dist/quikapp-0.1.0.tgz"),
                               "--keyring", str(pubring)], capture_output=True, text=True)
    assert verified.returncode == 0, verified.stderr
    assert "Signed by: QuikApp Release <release@quikapp.dev>" in verified.stdout + verified.stderr

    # Published from the first clone, republished from the second: accepted, nothing changes.
    folder, url = served
    published = cli(first, "publish", str(first / "dist"), "--repo-dir", str(folder), "--url", url, "-o", "json")
    assert published.returncode == 0, published.stderr
    index = (folder / "index.yaml").read_text()
    again = cli(second, "publish", str(second / "dist"), "--repo-dir", str(folder), "--url", url, "-o", "json")
    assert again.returncode == 0, again.stderr
    assert {row["status"] for row in yaml.safe_load(again.stdout)} == {"already published"}
    assert (folder / "index.yaml").read_text() == index


def test_an_unchanged_chart_packages_the_same_at_a_later_commit(tmp_path):
    clone = tag_releases(fresh_clone(paths.ROOT, tmp_path / "clone"))
    before = cli(clone, "package", "go", "--out", str(tmp_path / "before"), "-o", "json", env=UNCACHED)
    assert before.returncode == 0, before.stderr
    umbrella_values = clone / "charts/quikapp/values.yaml"
    umbrella_values.write_text(umbrella_values.read_text() + "# a later change to the umbrella only\n")
    subprocess.run(["git", "-C", str(clone), "commit", "-qam", "umbrella only"], check=True, capture_output=True)
    after = cli(clone, "package", "go", "--out", str(tmp_path / "after"), "-o", "json", env=UNCACHED)
    assert after.returncode == 0, after.stderr
    assert [row["chart"] for row in yaml.safe_load(before.stdout)] == ["go"]
    assert (tmp_path / "before/go-0.1.0.tgz").read_bytes() == (tmp_path / "after/go-0.1.0.tgz").read_bytes()
