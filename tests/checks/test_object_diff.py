"""`quikapp-charts diff`: object-level differences between two environments, or in one environment
since a git revision, grouped by Kind/name with field paths."""
from __future__ import annotations

import subprocess

import pytest

from quikapp_charts.checks import object_diff
from quikapp_charts.core import paths
from support import add_to_values, assert_one_line_error, cli, link_cache


@pytest.fixture(scope="module")
def dev_live():
    result = cli("diff", "dev", "live", "-o", "json")
    assert result.code == 0, result.stderr
    return result.json


def _object(report: dict, kind: str, name: str) -> dict:
    return next(o for o in report["objects"] if (o["kind"], o["name"]) == (kind, name))


def _change(obj: dict, path: str) -> dict:
    return next(c for c in obj["changes"] if c["path"] == path)


def test_dev_to_live_json(dev_live, rendered):
    assert dev_live["from"]["namespace"] == "quikapp-dev"
    assert dev_live["to"]["namespace"] == rendered["live"].namespace
    hpa = _object(dev_live, "HorizontalPodAutoscaler", "auth-service-hpa")
    assert hpa["status"] == "changed"
    assert _change(hpa, "spec.minReplicas") == {"op": "changed", "path": "spec.minReplicas", "old": 2, "new": 5}
    config = _object(dev_live, "ConfigMap", "quikapp-config")
    assert _change(config, "data.LOG_LEVEL") == {"op": "changed", "path": "data.LOG_LEVEL",
                                                 "old": "debug", "new": "warn"}
    # live adds PodDisruptionBudgets dev does not have, each with its fields
    added = [o for o in dev_live["objects"] if o["status"] == "added"]
    assert added and {o["kind"] for o in added} == {"PodDisruptionBudget"}
    assert len(added) == len(rendered["live"].names("PodDisruptionBudget")) - len(rendered["dev"].names("PodDisruptionBudget"))
    pdb = _object(dev_live, "PodDisruptionBudget", "auth-service-pdb")
    assert {"op": "added", "path": "spec.minAvailable", "new": 2} in pdb["changes"]
    # named lists are matched by name, and the path says so
    gateway = _object(dev_live, "Deployment", "backend-gateway")
    assert any(c["path"] == "spec.template.spec.containers[name=backend-gateway].image" for c in gateway["changes"])
    # the namespace is stated once, not as a change of every object
    assert not any(c["path"] == "metadata.namespace" for o in dev_live["objects"] for c in o["changes"])
    summary = dev_live["summary"]
    total = summary["added"] + summary["removed"] + summary["changed"] + summary["unchanged"]
    keys = {(o["kind"], o["metadata"]["name"]) for env in ("dev", "live") for o in rendered[env].all}
    assert total == len(keys)


def test_objects_are_sorted_by_kind_and_name(dev_live):
    keys = [(o["kind"], o["name"]) for o in dev_live["objects"]]
    assert keys == sorted(keys)


def test_dev_to_live_text_is_grouped_and_stable():
    first = cli("diff", "dev", "live")
    assert first.code == 0, first.stderr
    lines = first.stdout.splitlines()
    assert lines[0] == "dev -> live"
    at = lines.index("~ HorizontalPodAutoscaler/auth-service-hpa")
    # dev's ceilings are 4 (values/dev.yaml); live runs the catalogue's from a higher floor.
    assert lines[at + 1:at + 3] == ["  ~ spec.maxReplicas: 4 -> 20", "  ~ spec.minReplicas: 2 -> 5"]
    assert "  ~ data.LOG_LEVEL: debug -> warn" in lines
    assert "+ PodDisruptionBudget/auth-service-pdb (added)" in lines
    kinds = [line.split(" (")[0] for line in lines if line and line[0].isupper() and " (" in line]
    assert kinds == sorted(kinds) and "HorizontalPodAutoscaler" in kinds
    assert cli("diff", "dev", "live").stdout == first.stdout
    brief = cli("diff", "dev", "live", "--brief").stdout.splitlines()
    assert "~ HorizontalPodAutoscaler/auth-service-hpa" in brief
    assert not any(line.startswith("  ") for line in brief)


def test_an_environment_against_itself():
    result = cli("diff", "qa", "qa", "--exit-code")
    assert result.code == 0, result.stderr
    assert "no differences" in result.stdout


def test_exit_code_flag_reports_differences():
    result = cli("diff", "uat1", "uat2", "--exit-code", "--brief")
    assert result.code == 1
    assert result.stderr.startswith("error: ") and "changed" in result.stderr


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    """A clean clone of the repository at HEAD, with this checkout's pinned helm."""
    target = tmp_path_factory.mktemp("clone") / "repo"
    subprocess.run(["git", "clone", "--quiet", str(paths.ROOT), str(target)], check=True)
    link_cache(target)
    return target


def test_since_head_on_a_clean_tree_shows_nothing(clone, tmp_path):
    result = cli("diff", "dev", "--since", "HEAD", "--exit-code", "-o", "json", root=clone, tmpdir=tmp_path)
    assert result.code == 0, result.stderr
    assert result.json["objects"] == []
    assert result.json["from"]["ref"] == "HEAD" and result.json["summary"]["unchanged"] > 100
    assert list(tmp_path.iterdir()) == []  # the revision's files were removed


def test_since_shows_a_change_of_the_working_tree(clone, tmp_path):
    values = clone / "values" / "uat3.yaml"
    before = values.read_text()
    try:
        add_to_values(values, {"global": {"config": {"LOG_LEVEL": "error"}}})
        result = cli("diff", "uat3", "--since", "HEAD", root=clone, tmpdir=tmp_path)
    finally:
        values.write_text(before)
    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "uat3@HEAD -> uat3 (working tree)"
    assert "~ ConfigMap/quikapp-config" in lines
    assert "  ~ data.LOG_LEVEL: info -> error" in lines
    assert list(tmp_path.iterdir()) == []


def test_bad_input_is_one_line_exit_2(clone):
    assert_one_line_error(cli("diff", "dev", "--since", "no-such-ref", root=clone), 2, "no-such-ref")
    assert_one_line_error(cli("diff", "nope", "--since", "HEAD", root=clone), 2, "values/nope.yaml")
    assert_one_line_error(cli("diff", "dev", "nope"), 2, "values/nope.yaml")
    assert_one_line_error(cli("diff", "dev"), 2, "--since")
    assert_one_line_error(cli("diff", "dev", "live", "--since", "HEAD"), 2, "--since")


def test_compare_matches_named_lists_by_name_and_reports_order():
    old = {"spec": {"containers": [{"name": "a", "image": "a:1"}, {"name": "b", "image": "b:1"}],
                    "args": ["x", "y"]}}
    new = {"spec": {"containers": [{"name": "b", "image": "b:2"}, {"name": "a", "image": "a:1"}],
                    "args": ["x", "z"]}}
    changes = [(c.op, c.path, c.old, c.new) for c in object_diff.compare(old, new)]
    assert changes == [
        ("~", "spec.args", ["x", "y"], ["x", "z"]),
        ("~", "spec.containers[name=b].image", "b:1", "b:2"),
        ("~", "spec.containers (order)", ["a", "b"], ["b", "a"]),
    ]
