"""Only releases go out: `package` refuses a chart whose version has no release tag, whose files
differ from the tag's, or whose dependency archives are stale; `publish` refuses an archive that is
not what its tag packages to, and a --url that is no http(s) address. In clones of their own."""
from __future__ import annotations

from pathlib import Path

import pytest

from quikapp_charts.core import paths
from release_support import cli, fresh_clone, git, rebuilt, tag_releases

pytestmark = pytest.mark.slow


@pytest.fixture
def released(tmp_path):
    return tag_releases(untagged_clone(tmp_path / "clone"))


def untagged_clone(target: Path) -> Path:
    """A clone without any release tag, whatever tags the source holds."""
    clone = fresh_clone(paths.ROOT, target)
    for tag in git(clone, "tag", "--list").split():
        git(clone, "tag", "-d", tag)
    return clone


def errors(result) -> list[str]:
    return result.stderr.strip().splitlines()


def test_package_refuses_a_chart_without_a_release_tag(tmp_path):
    clone = untagged_clone(tmp_path / "clone")
    result = cli(clone, "package", "quikapp-lib", "go", "--out", str(tmp_path / "dist"))
    assert result.returncode == 2
    assert errors(result) == [
        f"error: package: {chart}-0.1.0.tgz: version 0.1.0 of {chart} has no release tag {chart}-0.1.0; cut it with "
        f"`quikapp-charts release {chart} PART` (PART `first` for a first release)" for chart in ("quikapp-lib", "go")]
    assert not (tmp_path / "dist").exists()


def test_package_after_an_unbumped_template_change_names_the_archive(released, tmp_path):
    template = sorted((released / "charts/quikapp-lib/templates").glob("*.tpl"))[0]
    template.write_text(template.read_text() + '{{/* a later change */}}\n')
    changed = paths.shown(template.relative_to(released))

    # Without `generate`: every dependency archive that holds the library is stale.
    stale = cli(released, "package", "--out", str(tmp_path / "dist"))
    assert stale.returncode == 2
    assert ("error: package: charts/go/charts/quikapp-lib-0.1.0.tgz: differs from its chart's files (packaged from "
            "charts/quikapp-lib); run `quikapp-charts generate` and commit") in errors(stale)
    assert errors(stale)[-1].startswith("error: package: charts/quikapp/charts/quikapp-lib-0.1.0.tgz: differs")
    assert len(errors(stale)) == 6  # the library in the five stacks and in the umbrella

    # With `generate` but no bump: each chart that holds the template differs from its release tag.
    assert cli(released, "generate").returncode == 0
    unbumped = cli(released, "package", "--out", str(tmp_path / "dist"))
    assert unbumped.returncode == 2
    lines = errors(unbumped)
    assert lines[0] == (f"error: package: quikapp-lib-0.1.0.tgz: {changed} changed since the tag quikapp-lib-0.1.0; "
                        "release a new version (`quikapp-charts release quikapp-lib patch`)")
    assert lines[4] == (f"error: package: go-0.1.0.tgz: charts/go/charts/quikapp-lib-0.1.0.tgz, {changed} changed since "
                        "the tag go-0.1.0; release a new version (`quikapp-charts release go patch`)")
    assert len(lines) == 7 and lines[-1].startswith("error: package: quikapp-0.1.0.tgz: ")
    assert not (tmp_path / "dist").exists()


def test_publish_refuses_an_archive_that_differs_from_its_tag(released, tmp_path):
    dist = tmp_path / "dist"
    assert cli(released, "package", "go", "--out", str(dist)).returncode == 0
    other = rebuilt(dist / "go-0.1.0.tgz", tmp_path / "other", description="QuikApp's Go services, described otherwise")
    repo = tmp_path / "repo"
    refused = cli(released, "publish", str(other.parent), "--repo-dir", str(repo), "--url", "https://charts.quikapp.dev")
    assert refused.returncode == 2
    assert errors(refused) == [f"error: publish: {other.parent}/go-0.1.0.tgz: differs from the chart at its tag go-0.1.0; "
                               "package it again from the tag (`quikapp-charts package`)"]
    assert not repo.exists()
    # The archive package made of the release: what its tag packages to, published.
    accepted = cli(released, "publish", str(dist), "--repo-dir", str(repo), "--url", "https://charts.quikapp.dev")
    assert accepted.returncode == 0, accepted.stderr
    assert (repo / "go-0.1.0.tgz").read_bytes() == (dist / "go-0.1.0.tgz").read_bytes()


@pytest.mark.parametrize("url", ["notaurl", "ftp://charts.quikapp.dev", "https://", "charts.quikapp.dev/helm"])
def test_publish_url_must_be_http_with_a_host(tmp_path, url):
    result = cli(paths.ROOT, "publish", str(tmp_path), "--repo-dir", str(tmp_path / "repo"), "--url", url)
    assert result.returncode == 2
    assert errors(result) == [f"error: publish: --url '{url}' is not an http(s) URL with a host "
                              "(e.g. https://charts.quikapp.dev)"]
    assert not (tmp_path / "repo").exists()
