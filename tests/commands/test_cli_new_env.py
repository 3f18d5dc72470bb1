"""`quikapp-charts new-env NAME --from ENV`: a commented copy of an environment's values made the
new environment's own, validated before it is written; all against a copy of the repository."""
from __future__ import annotations

import pytest
import yaml

from support import add_to_values, assert_one_line_error, cli, make_workspace


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    return make_workspace(tmp_path_factory.mktemp("new-env") / "repo")


@pytest.fixture(scope="module")
def perf(repo):
    """new-env perf --from dev, once for the module."""
    result = cli("new-env", "perf", "--from", "dev", "-o", "json", root=repo)
    assert result.code == 0, result.stderr
    return result


def test_writes_the_new_environment(perf, repo):
    text = (repo / "values" / "perf.yaml").read_text()
    values = yaml.safe_load(text)
    assert values["global"]["environment"] == "perf"
    assert values["global"]["namespace"] == "quikapp-perf"
    assert values["nestjs"]["services"]["backend-gateway"]["ingress"]["host"] == "api.perf.quikapp.dev"
    assert values["nestjs"]["services"]["realtime-service"]["ingress"]["host"] == "ws.perf.quikapp.dev"
    assert values["elixir"]["services"]["elixir-realtime"]["env"]["PHX_HOST"] == "realtime.perf.quikapp.dev"
    report = perf.json
    assert report["namespace"] == "quikapp-perf" and report["objects"] > 100
    assert sorted(report["hosts"].values()) == ["api.perf.quikapp.dev", "realtime.perf.quikapp.dev",
                                               "ws.perf.quikapp.dev"]
    # what still names dev is listed for review, not rewritten
    assert any(note.startswith("global.config.KAFKA_BROKERS: kafka-dev.") for note in report["notes"])


def test_comments_and_everything_else_are_kept(perf, repo):
    source = (repo / "values" / "dev.yaml").read_text().splitlines()
    new = (repo / "values" / "perf.yaml").read_text().splitlines()
    assert len(new) == len(source)
    changed = [(a, b) for a, b in zip(source, new, strict=True) if a != b]
    assert ("# QuikApp dev: helm upgrade --install quikapp charts/quikapp -n quikapp-dev -f values/dev.yaml",
            "# QuikApp perf: helm upgrade --install quikapp charts/quikapp -n quikapp-perf -f values/perf.yaml") in changed
    assert len(changed) == 1 + 2 + 3  # the opening comment, environment and namespace, three hosts
    comments = [(a, b) for a, b in zip(source, new, strict=True) if a.lstrip().startswith("#")]
    assert len(comments) > 2 and [a for a, b in comments if a != b] == [source[1]]


def test_the_new_environment_validates_and_differs_only_where_it_should(perf, repo):
    result = cli("validate", "perf", "-o", "json", root=repo)
    assert result.code == 0, result.stderr
    (entry,) = result.json["environments"]
    assert entry["namespace"] == "quikapp-perf" and entry["result"] == "ok"
    diff = cli("diff", "dev", "perf", "-o", "json", root=repo).json
    assert diff["to"]["namespace"] == "quikapp-perf"
    assert {o["status"] for o in diff["objects"]} == {"changed"}
    for obj in diff["objects"]:
        for change in obj["changes"]:
            assert "perf" in str(change["new"]) or "checksum" in change["path"], (obj["name"], change)


def test_from_live_puts_the_name_into_hosts_without_one(repo):
    result = cli("new-env", "canary", "--from", "live", "-o", "json", root=repo)
    assert result.code == 0, result.stderr
    values = yaml.safe_load((repo / "values" / "canary.yaml").read_text())
    assert values["global"]["environment"] == "production"  # a copy of live stays protected
    assert values["nestjs"]["services"]["backend-gateway"]["ingress"]["host"] == "api.canary.quikapp.dev"
    assert values["global"]["image"]["requirePinned"] is True  # the rest is live's


def test_refuses_an_existing_environment(perf, repo):
    before = (repo / "values" / "qa.yaml").read_text()
    assert_one_line_error(cli("new-env", "qa", "--from", "dev", root=repo), 2, "values/qa.yaml", "exists")
    assert (repo / "values" / "qa.yaml").read_text() == before
    assert_one_line_error(cli("new-env", "perf", "--from", "dev", root=repo), 2, "values/perf.yaml", "exists")


@pytest.mark.parametrize("name", ["Perf", "perf_1", "-perf", "perf-", "a" * 56, "perf.eu"])
def test_refuses_a_bad_name(repo, name):
    result = cli("new-env", "--from", "dev", "--", name, root=repo)
    assert_one_line_error(result, 2, f"'{name}'", "DNS label")
    assert not (repo / "values" / f"{name}.yaml").exists()


def test_bad_source_is_one_line(repo):
    assert_one_line_error(cli("new-env", "perf2", "--from", "nope", root=repo), 2, "values/nope.yaml")
    assert_one_line_error(cli("new-env", "perf2", root=repo), 2, "--from")
    assert not (repo / "values" / "perf2.yaml").exists()


def test_a_copy_that_does_not_validate_is_not_written(tmp_path):
    root = make_workspace(tmp_path / "repo")
    add_to_values(root / "values" / "uat2.yaml",
                  {"python": {"services": {"moderation-service": {"tolerations": [{"keyy": "x"}]}}}})
    result = cli("new-env", "perf", "--from", "uat2", root=root)
    assert_one_line_error(result, 1, "values/perf.yaml: python.services.moderation-service.tolerations.0",
                          "not written")
    assert not (root / "values" / "perf.yaml").exists()
    assert [p.name for p in (root / "values").iterdir() if p.name.startswith(".")] == []
