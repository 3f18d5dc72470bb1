"""`quikapp-charts list [ENV]`: the services by stack with replica floor, HPA range, GPUs and
ingress hosts, read from the rendered objects."""
from __future__ import annotations

import pytest

from quikapp_charts.core import inventory, paths
from quikapp_charts.core.errors import UserError
from quikapp_charts.core.rendering import load_objects
from support import assert_one_line_error, cli, gpu_deployments


@pytest.fixture(scope="module")
def listed():
    """`list --output json` of local (the default) and live, once for the module."""
    results = {"local": cli("list", "-o", "json"), "live": cli("list", "live", "-o", "json")}
    for result in results.values():
        assert result.code == 0, result.stderr
    return {env: result.json for env, result in results.items()}


def test_every_service_of_the_table_by_stack(listed, services):
    for env, report in listed.items():
        got = [(s["stack"], s["name"]) for s in report["services"]]
        expected = sorted(((s.stack, s.name) for s in services),
                          key=lambda pair: (paths.STACKS.index(pair[0]), pair[1]))
        assert got == expected, env
        tiers = {s.name: s.tier for s in services}
        assert all(s["tier"] == tiers[s["name"]] for s in report["services"])


def test_local_runs_one_replica_of_everything_without_autoscaling(listed, rendered):
    report = listed["local"]
    assert report["env"] == "local" and report["namespace"] == "quikapp-local"
    assert {s["replicas"] for s in report["services"]} == {1}
    assert all(s["hpa"] is None and s["pdb"] is None for s in report["services"])
    assert {s["name"] for s in report["services"] if s["gpu"]} == gpu_deployments(rendered["local"].all)
    assert report["summary"]["replicaFloor"] == 33


def test_live_figures_come_from_the_rendered_objects(listed, rendered, services):
    by_name = {s["name"]: s for s in listed["live"]["services"]}
    objects = rendered["live"]
    for name, entry in by_name.items():
        hpa = objects.get("HorizontalPodAutoscaler", f"{name}-hpa")["spec"]
        assert entry["hpa"] == {"min": hpa["minReplicas"], "max": hpa["maxReplicas"]}
        assert entry["replicas"] == hpa["minReplicas"]
        image = objects.get("Deployment", name)["spec"]["template"]["spec"]["containers"][0]["image"]
        assert entry["images"] == [image]
    assert by_name["auth-service"]["replicas"] == 5
    assert by_name["auth-service"]["hpa"] == {"min": 5, "max": 20}
    assert by_name["auth-service"]["pdb"] == {"minAvailable": 2}
    assert by_name["backend-gateway"]["hosts"] == ["api.quikapp.dev"]
    assert by_name["realtime-service"]["hosts"] == ["ws.quikapp.dev"]
    assert {n for n, s in by_name.items() if s["gpu"]} == {s.name for s in services if s.gpu}
    assert all(s["gpu"] == 1 for s in by_name.values() if s["gpu"])


def test_text_has_a_table_per_stack_and_a_summary():
    result = cli("list", "dev")
    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    titles = [line.split(" (")[0] for line in lines if line.rstrip().endswith("services)")]
    assert titles == list(paths.STACKS)
    gateway = next(line for line in lines if "backend-gateway" in line)
    assert "api.dev.quikapp.dev" in gateway and "2-4" in gateway  # dev's ceilings are 4
    assert lines[-1].startswith("dev (quikapp-dev): 33 Deployments, 4 on GPUs")


def test_unknown_environment_exits_2():
    assert_one_line_error(cli("list", "prod"), 2, "values/prod.yaml", "prod")


def test_inventory_reads_objects_without_a_spec():
    """A render is read, never trusted: objects without a spec (or with a spec that is not a map)
    are counted, never a KeyError."""
    objects = [{"kind": "HorizontalPodAutoscaler", "metadata": {"name": "a-hpa"}},
               {"kind": "Deployment", "metadata": {"name": "a"}},
               {"kind": "Ingress", "metadata": {"name": "a-ingress"}, "spec": "not a map"},
               {"kind": "PodDisruptionBudget", "metadata": {"name": "a-pdb"}}]
    found = inventory.inventory("dev", "quikapp-dev", objects)
    assert [(s.name, s.replicas, s.hpa, s.pdb, s.hosts) for s in found.services] == [("a", 1, None, None, [])]
    assert found.summary["objects"] == 4


def test_a_render_document_that_is_not_an_object_is_one_line():
    with pytest.raises(UserError, match="^rendered document 2 is not a Kubernetes object"):
        load_objects("kind: ConfigMap\nmetadata: {name: a}\n---\n- a list\n")
