"""`quikapp-charts validate`: every environment rendered (values schema and template checks), every
object checked against the Kubernetes schemas, and a table of what each environment deploys."""
from __future__ import annotations

import shutil
from collections import Counter

import pytest

from support import (
    ENVIRONMENTS,
    REPOSITORY,
    add_to_values,
    assert_one_line_error,
    cli,
    cli_process,
    floors,
    gpu_deployments,
    make_workspace,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def every_env():
    """One `validate --all --output json` for the module (it is the slow command)."""
    return cli("validate", "--all", "--output", "json")


def test_all_environments_are_valid(every_env):
    assert every_env.code == 0, every_env.stderr
    report = every_env.json
    assert report["ok"] is True
    assert report["kubeVersion"].startswith("1.36")
    assert [e["env"] for e in report["environments"]] == ENVIRONMENTS
    assert {e["result"] for e in report["environments"]} == {"ok"}
    assert all(e["problems"] == [] and e["error"] is None for e in report["environments"])


def test_the_table_figures_are_those_of_the_rendered_objects(every_env, rendered):
    for entry in every_env.json["environments"]:
        objects = rendered[entry["env"]].all
        kinds = Counter(o["kind"] for o in objects)
        assert entry["namespace"] == rendered[entry["env"]].namespace
        assert entry["summary"] == {
            "objects": len(objects),
            "deployments": kinds["Deployment"],
            "hpas": kinds["HorizontalPodAutoscaler"],
            "pdbs": kinds["PodDisruptionBudget"],
            "ingresses": kinds["Ingress"],
            "networkPolicies": kinds["NetworkPolicy"],
            "gpuDeployments": len(gpu_deployments(objects)),
            "replicaFloor": sum(floors(objects).values()),
        }, entry["env"]


def test_what_the_environments_deploy(every_env):
    summary = {e["env"]: e["summary"] for e in every_env.json["environments"]}
    assert {s["deployments"] for s in summary.values()} == {33}
    assert {s["gpuDeployments"] for s in summary.values()} == {4}
    assert summary["local"]["hpas"] == 0 and summary["local"]["replicaFloor"] == 33
    assert summary["live"]["hpas"] == 33 and summary["live"]["pdbs"] > 0
    assert summary["live"]["replicaFloor"] > summary["staging"]["replicaFloor"] > summary["dev"]["replicaFloor"]


def test_text_table_and_progress():
    result = cli("validate", "dev", "live")
    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    header = next(line for line in lines if line.startswith("Env "))
    assert header.split() == ["Env", "Objects", "Deploy", "GPU", "Floor", "HPA", "PDB", "Ingress",
                              "NetPol", "Result"]
    rows = {line.split()[0]: line.split() for line in lines if line.split()[:1] in (["dev"], ["live"])}
    assert all(len(row) == 10 and row[-1] == "ok" and row[2] == "33" for row in rows.values())
    assert "Namespaces: quikapp-<env>, except live: quikapp-prod" in lines
    assert "2 environments valid" in lines
    progress = sorted(line for line in result.stderr.splitlines() if line.startswith("["))
    assert [line[:5] for line in progress] == ["[1/2]", "[2/2]"]
    assert cli("validate", "dev", "--quiet").stderr == ""


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    """A copy of the repository where qa's values break the schema and local renders an object the
    Kubernetes schema rejects. The values schema leaves no such value, so the second is a chart
    bug: a template that writes moderation-service's revisionHistoryLimit as a word where a replica
    override is set (local only)."""
    root = make_workspace(tmp_path_factory.mktemp("broken"))
    add_to_values(root / "values" / "qa.yaml", {"nestjs": {"services": {"notification-servce": {"replicas": 2}}}})
    template = root / "charts" / "quikapp-lib" / "templates" / "_object_deployment.tpl"
    text = template.read_text()
    assert text.count("revisionHistoryLimit: 5\n") == 1
    template.write_text(text.replace("revisionHistoryLimit: 5\n", (
        'revisionHistoryLimit: {{ if and (eq $svc.name "moderation-service") $global.replicaOverride }}'
        'five{{ else }}5{{ end }}\n')))
    regenerated = cli("generate", root=root)  # the umbrella renders the library from its archive
    assert regenerated.code == 0, regenerated.stderr
    return root


def test_problems_are_one_line_per_environment_and_exit_1(broken):
    result = cli("validate", "qa", "local", "dev", "-o", "json", root=broken)
    line = assert_one_line_error(result, 1, "2 of 3", "qa", "local")
    assert "dev" not in line.split(":", 2)[-1]
    by_env = {e["env"]: e for e in result.json["environments"]}
    assert result.json["ok"] is False
    assert by_env["dev"]["result"] == "ok"
    qa = by_env["qa"]
    assert qa["result"] == "refused" and "\n" not in qa["error"]
    assert qa["error"].startswith("values/qa.yaml: ") and "notification-servce" in qa["error"]
    local = by_env["local"]
    assert local["result"] == "invalid" and local["summary"]["deployments"] == 33
    (problem,) = local["problems"]
    assert problem.startswith("Deployment/moderation-service: spec.revisionHistoryLimit") and "five" in problem


def test_problems_in_the_text_output(broken):
    result = cli("validate", "qa", "local", root=broken, tmpdir=None)
    assert result.code == 1
    lines = result.stdout.splitlines()
    assert [line for line in lines if line.startswith("qa: ")] == [
        next(line for line in lines if line.startswith("qa: values/qa.yaml: "))]
    assert any(line.startswith("local: Deployment/moderation-service: ") for line in lines)


def test_bad_input_exits_2():
    assert_one_line_error(cli("validate", "dev", "nope"), 2, "values/nope.yaml", "nope")
    assert_one_line_error(cli("validate", "dev", "--all"), 2, "--all")


def test_validate_reads_the_crd_from_the_cache_and_names_the_set_up_step_without_it(tmp_path):
    """No Go at run time: the SecretProviderClass CRD is a file tools/bootstrap.sh extracted."""
    root = make_workspace(tmp_path / "repo")
    (root / ".cache" / "modules").unlink()
    result = cli_process("validate", "dev", root=root, tmpdir=tmp_path)
    assert_one_line_error(result, 2, ".cache/modules/secrets-store-csi-driver", "make tools")


def test_a_protected_environment_sharing_a_data_store_is_refused(tmp_path):
    """Staging and live keep their Redis, Kafka and database namespace to themselves: qa naming
    live's Redis CIDR and staging's Kafka broker fails `validate --all` for those two, one line each."""
    root = make_workspace(tmp_path)
    add_to_values(root / "values" / "qa.yaml", {"global": {
        "networkPolicy": {"dataStores": {"redis": {"cidrs": ["10.250.16.0/24"]}}},
        "config": {"KAFKA_BROKERS": "kafka-staging-1.quikapp.internal:9092"}}})
    result = cli("validate", "--all", "-o", "json", root=root)
    assert result.code == 1
    by_env = {e["env"]: e for e in result.json["environments"]}
    assert by_env["qa"]["problems"] == []
    assert by_env["live"]["problems"] == [
        "values/live.yaml: data store CIDR (global.networkPolicy.dataStores) 10.250.16.0/24 is also qa's; "
        "a protected environment (production) keeps its data stores to itself"]
    assert by_env["staging"]["problems"] == [
        "values/staging.yaml: Kafka broker (global.config.KAFKA_BROKERS) kafka-staging-1.quikapp.internal is also "
        "qa's; a protected environment (staging) keeps its data stores to itself"]


def test_a_production_environment_must_be_a_protected_one(tmp_path):
    """deploy/environments.yaml's production tier and the charts' protected environments agree: live
    renamed out of the protected list (and so out of its guardrails) fails `validate --all`."""
    root = make_workspace(tmp_path)
    shutil.copytree(REPOSITORY / "deploy", root / "deploy")
    add_to_values(root / "values" / "live.yaml", {"global": {"environment": "prod"}})
    result = cli("validate", "--all", "-o", "json", root=root)
    assert result.code == 1
    (problem,) = {e["env"]: e for e in result.json["environments"]}["live"]["problems"]
    assert problem.startswith("values/live.yaml: global.environment 'prod' is not a protected environment")
