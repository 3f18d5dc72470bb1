"""`quikapp-charts render`: what Argo CD applies of an environment (or, `--for helm`, what helm
installs), to stdout, one file or one file per object, written atomically; bad input is one line
and writes nothing. (tests/charts/test_argocd.py checks the default against the generated
Applications' own render.)"""
from __future__ import annotations

import yaml

from support import add_to_values, assert_one_line_error, cli, make_workspace


def test_for_helm_is_exactly_the_helm_render(rendered):
    result = cli("render", "dev", "--for", "helm")
    assert result.code == 0, result.stderr
    assert result.stdout == rendered["dev"].text


def test_argocd_render_has_the_post_sync_job_and_no_test_hook(rendered):
    objects = cli("render", "dev", "-o", "json").json["objects"]
    helm_only = [o for o in rendered["dev"].all if o["kind"] == "Pod"]
    assert [o["metadata"]["annotations"]["helm.sh/hook"] for o in helm_only] == ["test"]
    jobs = [o for o in objects if o["kind"] == "Job"]
    assert [j["metadata"]["annotations"]["argocd.argoproj.io/hook"] for j in jobs] == ["PostSync"]
    # dev is a non-production environment: its pods get that tier's PriorityClass, nothing else differs.
    for obj in objects:
        if obj["kind"] == "Deployment":
            assert obj["spec"]["template"]["spec"].pop("priorityClassName") == "quikapp-non-production"
    assert sorted(map(str, objects)) == sorted(map(str, [o for o in rendered["dev"].all if o["kind"] != "Pod"] + jobs))


def test_out_writes_one_file_and_no_temporary_files(tmp_path, rendered):
    result = cli("render", "live", "--for", "helm", "--out", str(tmp_path / "out"))
    assert result.code == 0, result.stderr
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["live.yaml"]
    assert (tmp_path / "out" / "live.yaml").read_text() == rendered["live"].text


def test_split_writes_one_file_per_object(tmp_path, rendered):
    out = tmp_path / "split"
    result = cli("render", "staging", "--for", "helm", "--out", str(out), "--split", "--output", "json")
    assert result.code == 0, result.stderr
    expected = rendered["staging"].all
    files = sorted(out.iterdir())
    assert len(files) == len(expected) == result.json["objects"] == len(result.json["files"])
    assert not [f for f in files if f.name.startswith(".")]  # no temporary files left behind
    seen = []
    for path in files:
        (obj,) = [d for d in yaml.load_all(path.read_text(), Loader=yaml.CSafeLoader) if d]
        assert path.name == f"{obj['kind'].lower()}-{obj['metadata']['name']}.yaml"
        assert path.read_text().startswith("# Source: quikapp/")
        seen.append(obj)
    key = lambda o: (o["kind"], o["metadata"]["name"])  # noqa: E731
    assert sorted(seen, key=key) == sorted(expected, key=key)
    auth = yaml.safe_load((out / "deployment-auth-service.yaml").read_text())
    assert auth["kind"] == "Deployment" and auth["metadata"]["namespace"] == "quikapp-staging"


def test_json_is_the_parsed_objects(rendered):
    result = cli("render", "local", "--for", "helm", "-o", "json")
    assert result.code == 0, result.stderr
    assert result.json["namespace"] == "quikapp-local"
    assert result.json["objects"] == rendered["local"].all


def test_skip_tests_leaves_out_the_helm_test_pod(rendered):
    with_tests = [o for o in rendered["qa"].all if "helm.sh/hook" in o["metadata"].get("annotations", {})]
    assert with_tests, "the umbrella renders a helm test hook"
    objects = cli("render", "qa", "--for", "helm", "--skip-tests", "-o", "json").json["objects"]
    assert len(objects) == len(rendered["qa"].all) - len(with_tests)
    assert not [o for o in objects if "helm.sh/hook" in o["metadata"].get("annotations", {})]


def test_unknown_environment_is_one_line_and_writes_nothing(tmp_path):
    result = cli("render", "nope", "--out", str(tmp_path / "out"), "--split")
    assert_one_line_error(result, 2, "values/nope.yaml", "nope")
    assert not (tmp_path / "out").exists()


def test_a_refused_render_writes_nothing(tmp_path):
    root = make_workspace(tmp_path / "repo")
    add_to_values(root / "values" / "qa.yaml", {"global": {"replicaOveride": 1}})
    out = tmp_path / "out"
    out.mkdir()
    result = cli("render", "qa", "--out", str(out), "--split", root=root)
    assert_one_line_error(result, 2, "values/qa.yaml", "replicaOveride")
    assert list(out.iterdir()) == []


def test_split_needs_out():
    assert_one_line_error(cli("render", "dev", "--split"), 2, "--split", "--out")
