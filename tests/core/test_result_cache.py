"""The render cache (QUIKAPP_CHARTS_RENDER_CACHE, on for the test suite): a `helm template` is
answered from it only when the helm binary, the arguments and every byte of the chart and values
are the same; any change renders afresh. Likewise a chart archive, by every byte of its chart. Each
test has a cache folder of its own."""
from __future__ import annotations

import os
import subprocess

import pytest

from quikapp_charts.catalogue import dependencies
from quikapp_charts.core import paths, rendering, result_cache
from quikapp_charts.core.errors import UserError
from quikapp_charts.release import archives
from support import cli, make_workspace

pytestmark = pytest.mark.slow


def entries(cache) -> int:
    return len(list(cache.rglob("*.json.z")))


def helm_template(root, env: str = "dev", helm: str = "helm") -> list[str]:
    return [paths.tool(helm), "template", "quikapp", str(root / "charts" / "quikapp"), "--namespace", f"quikapp-{env}",
            "--kube-version", rendering.kube_version(), "--include-crds", "--values", str(root / "values" / f"{env}.yaml")]


def fresh(cmd: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True)


@pytest.fixture
def workspace(tmp_path):
    return make_workspace(tmp_path / "repo")


def test_helm_template_is_a_function_of_its_inputs():
    """What the cache rests on: two renders of the same inputs are the same bytes."""
    cmd = helm_template(paths.ROOT, "live")
    first, second = fresh(cmd), fresh(cmd)
    assert first.returncode == 0 and first.stdout.count("\nkind: Deployment\n") == 33
    assert (first.stdout, first.stderr) == (second.stdout, second.stderr)


def test_a_hit_answers_what_helm_answers(tmp_path):
    cmd = helm_template(paths.ROOT)
    stored = result_cache.run(cmd, tmp_path)
    assert entries(tmp_path) == 1
    hit = result_cache.run(cmd, tmp_path)
    assert entries(tmp_path) == 1
    expected = fresh(cmd)
    for result in (stored, hit):
        assert (result.returncode, result.stdout, result.stderr) == (expected.returncode, expected.stdout, expected.stderr)


def test_a_changed_template_misses(tmp_path, workspace):
    cache = tmp_path / "cache"
    cmd = helm_template(workspace)
    before = result_cache.run(cmd, cache)
    template = workspace / "charts" / "quikapp-lib" / "templates" / "_object_deployment.tpl"
    text = template.read_text()
    assert text.count("revisionHistoryLimit: 5\n") == 1
    template.write_text(text.replace("revisionHistoryLimit: 5\n", "revisionHistoryLimit: 6\n"))
    regenerated = cli("generate", root=workspace)  # the umbrella renders the library from its archive
    assert regenerated.code == 0, regenerated.stderr
    after = result_cache.run(cmd, cache)
    assert entries(cache) == 2
    assert before.stdout.count("revisionHistoryLimit: 5") == 33 and "revisionHistoryLimit: 6" not in before.stdout
    assert after.stdout.count("revisionHistoryLimit: 6") == 33
    assert after.stdout == fresh(cmd).stdout


def test_any_changed_byte_of_a_chart_or_values_file_changes_the_key(workspace):
    cmd = helm_template(workspace)
    original, _ = result_cache.key(cmd)
    changed = []
    for path in (workspace / "values" / "dev.yaml", workspace / "charts" / "quikapp" / "charts" / "go-0.1.0.tgz",
                 workspace / "charts" / "quikapp" / "values.schema.json"):
        data = path.read_bytes()
        path.write_bytes(data + b"\n")
        changed.append(result_cache.key(cmd)[0])
        path.write_bytes(data)
    (workspace / "charts" / "quikapp" / "templates" / "extra.yaml").write_text("")
    changed.append(result_cache.key(cmd)[0])
    assert len({original, *changed}) == 5
    assert result_cache.key(helm_template(workspace, helm="helm3"))[0] != result_cache.key(cmd)[0]
    assert result_cache.key(cmd, env={**os.environ, "HELM_DEBUG": "true"})[0] != result_cache.key(cmd)[0]
    assert result_cache.key([*cmd, "--set", "global.x=1"])[0] != result_cache.key(cmd)[0]


def test_a_copy_elsewhere_finds_the_render_and_its_own_paths_in_messages(tmp_path):
    """Absolute paths are keyed by what they hold; helm's messages name the caller's own files."""
    cache = tmp_path / "cache"
    first, second = (make_workspace(tmp_path / name) for name in ("first", "second"))
    for root in (first, second):
        (root / "values" / "dev.yaml").write_text("global: [not, a, mapping\n")
    refused = [result_cache.run(helm_template(root), cache) for root in (first, second)]
    assert entries(cache) == 1
    assert refused[0].returncode == refused[1].returncode == 1
    assert str(first / "values" / "dev.yaml") in refused[0].stderr
    assert refused[1].stderr == fresh(helm_template(second)).stderr
    assert str(first) not in refused[1].stderr


@pytest.mark.parametrize("flags", [["--set-file", "x=/etc/hostname"], ["--post-renderer", "cat"], ["--validate"],
                                   ["--dependency-update"], ["--repo", "https://example.com"]])
def test_flags_that_read_more_than_their_argument_are_not_cached(flags):
    cmd = helm_template(paths.ROOT)
    assert result_cache.cacheable(cmd) and not result_cache.cacheable([*cmd, *flags])
    assert result_cache.cacheable([paths.tool("helm"), "lint", "--strict", str(paths.UMBRELLA), "-f", "x.yaml"])
    assert not result_cache.cacheable([paths.tool("helm"), "lint", str(paths.UMBRELLA), "--set-file", "x=/etc/hostname"])
    assert not result_cache.cacheable([paths.tool("helm"), "package", str(paths.UMBRELLA)])
    assert not result_cache.cacheable([paths.tool("helm"), "install", "q", str(paths.UMBRELLA), "--dry-run=client"])


def test_the_tool_renders_through_the_cache_and_names_refusals_as_before(tmp_path, monkeypatch, workspace):
    cache = tmp_path / "cache"
    monkeypatch.setenv(result_cache.VARIABLE, str(cache))
    first = rendering.render("dev")
    assert rendering.render("dev").text == first.text and entries(cache) == 1
    (workspace / "values" / "qa.yaml").write_text("nestjs:\n  services:\n    notification-servce:\n      replicas: 2\n")
    messages = []
    for _ in range(2):
        with pytest.raises(UserError) as refused:
            rendering.render("qa", values_dir=workspace / "values")
        messages.append(str(refused.value))
    assert messages[0] == messages[1] and "notification-servce" in messages[0]
    monkeypatch.delenv(result_cache.VARIABLE)
    assert result_cache.folder() is None
    with pytest.raises(UserError) as uncached:
        rendering.render("qa", values_dir=workspace / "values")
    assert str(uncached.value) == messages[0]


def test_entries_unused_for_a_week_are_pruned(tmp_path):
    cmd = helm_template(paths.ROOT)
    result_cache.run(cmd, tmp_path)
    (entry,) = tmp_path.rglob("*.json.z")
    assert result_cache.prune(tmp_path) == 0 and entry.exists()
    os.utime(entry, (entry.stat().st_atime, entry.stat().st_mtime - 8 * 86_400))
    assert result_cache.prune(tmp_path) == 1 and not entry.exists()


def test_helm_found_on_path_as_a_process_finds_it(monkeypatch):
    """A checkout without .cache/bin runs the helm on PATH; the key is that binary's."""
    cmd = helm_template(paths.ROOT)
    monkeypatch.setenv("PATH", f"{paths.CACHE_BIN}{os.pathsep}{os.environ['PATH']}")
    assert result_cache.key(["helm", *cmd[1:]]) == result_cache.key(cmd)
    monkeypatch.setenv("PATH", "")
    with pytest.raises(FileNotFoundError):
        result_cache.key(["helm", *cmd[1:]])


def test_a_lint_finding_is_found_again_and_a_fix_lints_afresh(tmp_path, workspace):
    cache = tmp_path / "cache"
    chart_yaml = workspace / "charts" / "go" / "Chart.yaml"
    original = chart_yaml.read_text()
    assert "\nversion: 0.1.0\n" in original
    chart_yaml.write_text(original.replace("\nversion: 0.1.0\n", "\nversion: not-a-version\n"))
    cmd = [paths.tool("helm"), "lint", "--strict", str(workspace / "charts" / "go")]
    refused = [result_cache.run(cmd, cache) for _ in range(2)]
    assert entries(cache) == 1
    assert refused[0].returncode == refused[1].returncode == 1 and refused[0].stdout == refused[1].stdout
    assert "version 'not-a-version' is not a valid SemVer" in refused[0].stdout
    chart_yaml.write_text(original)
    passed = result_cache.run(cmd, cache)
    assert entries(cache) == 2 and passed.returncode == 0, passed.stdout


def test_an_archive_is_packaged_once_and_a_changed_chart_packages_afresh(tmp_path, monkeypatch, workspace):
    cache = tmp_path / "cache"
    chart = workspace / "charts" / "go"
    monkeypatch.setenv(result_cache.VARIABLE, "")
    (tmp_path / "helm").mkdir()
    packaged = archives.helm_package(chart, tmp_path / "helm", "0.1.0").read_bytes()
    monkeypatch.setenv(result_cache.VARIABLE, str(cache))
    made = []
    for name in ("first", "second"):
        (tmp_path / name).mkdir()
        made.append(archives.helm_package(chart, tmp_path / name, "0.1.0"))
    assert entries(cache) == 1
    assert [archive.read_bytes() for archive in made] == [packaged, packaged]
    values = chart / "values.yaml"
    values.write_text(values.read_text() + "# a later change\n")
    changed = archives.helm_package(chart, tmp_path / "second", "0.1.0").read_bytes()
    assert entries(cache) == 2 and changed != packaged
    assert dependencies.contents(changed)["go/values.yaml"].endswith(b"# a later change\n")
    # A chart helm refuses is refused again, not stored.
    (chart / "Chart.yaml").write_text((chart / "Chart.yaml").read_text().replace("\nversion: 0.1.0\n", "\nversion: x\n"))
    for _ in range(2):
        with pytest.raises(UserError, match="helm package failed"):
            archives.helm_package(chart, tmp_path / "second", "0.1.0")
    assert entries(cache) == 2
