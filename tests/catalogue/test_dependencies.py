"""The umbrella's and the stack charts' dependencies are committed archives, so helm reads a clone
as is and has nothing to say: no symbolic link to follow, no `helm dependency build` first."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from quikapp_charts.catalogue import dependencies
from quikapp_charts.core import paths, rendering
from support import run_helm


def helm(*args: str, binary: str = "helm") -> subprocess.CompletedProcess:
    return run_helm([paths.tool(binary), *args], cwd=paths.ROOT)


def test_the_archives_match_their_charts():
    assert dependencies.drift() == []


def test_no_symbolic_link_under_charts():
    links = [str(p.relative_to(paths.ROOT)) for p in paths.CHARTS.rglob("*") if p.is_symlink()]
    assert links == []


@pytest.mark.parametrize("binary", ["helm", "helm3"])
def test_the_mission_command_renders_with_nothing_on_stderr(binary):
    result = helm("template", "quikapp", "charts/quikapp", "-f", "values/live.yaml",
                  "--kube-version", rendering.kube_version(), binary=binary)
    assert result.returncode == 0
    assert result.stderr == ""
    assert result.stdout.count("\nkind: Deployment\n") == 33


def test_install_prints_nothing_on_stderr():
    result = helm("install", "quikapp", "charts/quikapp", "-f", "values/live.yaml", "--dry-run=client")
    assert result.returncode == 0
    assert result.stderr == ""


@pytest.mark.parametrize("chart", ["quikapp-lib", *paths.STACKS, "quikapp"])
def test_each_chart_lints_on_its_own_quietly(chart):
    result = helm("lint", f"charts/{chart}")
    assert result.returncode == 0, result.stdout
    assert result.stderr == ""


@pytest.fixture
def charts(tmp_path):
    shutil.copytree(paths.CHARTS, tmp_path / "charts")
    return tmp_path / "charts"


def test_a_template_edit_makes_every_archive_that_carries_the_library_stale(charts):
    pdb = charts / "quikapp-lib" / "templates" / "_object_pdb.tpl"
    pdb.write_text(pdb.read_text().replace("kind: PodDisruptionBudget", "kind: PodDisruptionBudget\n# edited"))
    stale = dependencies.drift(charts)
    # The six library archives: the umbrella's stack archives leave the library to the umbrella's copy.
    assert len(stale) == 6
    assert all(line.endswith("differs from its chart's files (packaged from charts/quikapp-lib)") for line in stale)
    assert any(line.startswith(str(charts / "quikapp" / "charts" / "quikapp-lib-0.1.0.tgz")) for line in stale)
    written = dependencies.sync(charts)
    assert len(written) == 6
    assert dependencies.drift(charts) == []
    rendered = run_helm([paths.tool("helm"), "template", "q", str(charts / "quikapp"), "-f",
                         str(paths.VALUES / "live.yaml"), "--kube-version", rendering.kube_version()])
    assert rendered.returncode == 0, rendered.stderr
    assert "# edited" in rendered.stdout


def test_the_umbrella_carries_the_library_and_the_values_schema_once():
    umbrella = paths.CHARTS / "quikapp" / "charts"
    for stack in paths.STACKS:
        held = dependencies.contents((umbrella / f"{stack}-0.1.0.tgz").read_bytes())
        assert sorted(held) == sorted(f"{stack}/{name}" for name in
                                      ("Chart.yaml", "values.yaml", "templates/services.yaml", "README.md"))
        alone = dependencies.contents((paths.CHARTS / stack / "charts" / "quikapp-lib-0.1.0.tgz").read_bytes())
        assert alone and (paths.CHARTS / stack / "values.schema.json").is_file()


def test_a_stack_schema_the_umbrella_does_not_hold_stays_in_its_archive(charts):
    schema = charts / "go" / "values.schema.json"
    schema.write_text(schema.read_text().replace('"maximum": 1000', '"maximum": 999'))
    stale = dependencies.drift(charts)
    assert [line.split(":")[0] for line in stale] == [str(charts / "quikapp" / "charts" / "go-0.1.0.tgz")]
    dependencies.sync(charts)
    assert "go/values.schema.json" in dependencies.contents((charts / "quikapp" / "charts" / "go-0.1.0.tgz").read_bytes())


def test_a_link_or_a_stray_archive_is_named_and_removed(charts):
    (charts / "quikapp" / "charts" / "python-0.1.0.tgz").unlink()
    (charts / "quikapp" / "charts" / "python").symlink_to("../../python")
    (charts / "go" / "charts" / "quikapp-lib-0.0.9.tgz").write_bytes(b"old")
    stale = dependencies.drift(charts)
    assert any(line.endswith("charts/quikapp/charts/python-0.1.0.tgz: missing") for line in stale)
    assert any(line.endswith("charts/quikapp/charts/python: not a dependency archive of its chart") for line in stale)
    assert any(line.endswith("charts/go/charts/quikapp-lib-0.0.9.tgz: not a dependency archive of its chart")
               for line in stale)
    dependencies.sync(charts)
    assert dependencies.drift(charts) == []
    assert sorted(p.name for p in (charts / "quikapp" / "charts").iterdir()) == sorted(
        f"{name}-0.1.0.tgz" for name in ("quikapp-lib", *paths.STACKS))
