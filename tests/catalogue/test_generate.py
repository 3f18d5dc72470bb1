"""`quikapp-charts generate`: the service table is the one source of the charts' catalogue."""
from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml

from quikapp_charts.catalogue import dependencies
from quikapp_charts.commands import generate
from quikapp_charts.core import paths, rendering
from support import cli, link_cache

pytestmark = pytest.mark.slow


@pytest.fixture
def workspace(tmp_path):
    """A copy of the charts and values, so a test can edit the table and regenerate."""
    shutil.copytree(paths.CHARTS, tmp_path / "charts", symlinks=True)
    shutil.copytree(paths.VALUES, tmp_path / "values")
    return tmp_path


def test_charts_match_the_service_table():
    result = cli("generate", "--check")
    assert result.code == 0, result.stdout + result.stderr
    assert "charts match the service table" in result.stdout


def test_check_names_what_drifted(workspace):
    values = workspace / "charts" / "go" / "values.yaml"
    values.write_text(values.read_text().replace("maxReplicas: 20", "maxReplicas: 21", 1))
    planned = generate.plan(workspace / "charts" / "services.md", workspace / "charts")
    current, wanted = planned[values]
    assert current != wanted
    old = yaml.safe_load(current)["catalogue"]["services"]
    new = yaml.safe_load(wanted)["catalogue"]["services"]
    assert generate._differences(old, new, "catalogue.services") == [
        "catalogue.services.search-service.autoscaling.maxReplicas: chart has 21, table says 20"]


def test_adding_a_row_adds_a_service(workspace):
    table = workspace / "charts" / "services.md"
    table.write_text(table.read_text().replace(
        "| cdn-service | 5022 | 5023 | 2 | 10 | backend | Yes |",
        "| cdn-service | 5022 | 5023 | 2 | 10 | backend | Yes |\n| poll-service | 5024 | 5025 | 1 | 4 | backend | No |"))
    for values_file, (_, text) in generate.plan(table, workspace / "charts").items():
        values_file.write_text(text)
    dependencies.sync(workspace / "charts")
    entry = yaml.safe_load((workspace / "charts" / "go" / "values.yaml").read_text())["catalogue"]["services"]["poll-service"]
    assert entry == {"tier": "backend", "ports": {"http": 5024, "grpc": 5025}, "replicas": 1,
                     "autoscaling": {"maxReplicas": 4}, "egress": {"internet": False}}
    objects = rendering.render("dev", values_dir=workspace / "values", chart=workspace / "charts" / "quikapp").objects
    deployments = {o["metadata"]["name"]: o for o in objects if o["kind"] == "Deployment"}
    assert len(deployments) == 34
    ports = deployments["poll-service"]["spec"]["template"]["spec"]["containers"][0]["ports"]
    assert [(p["name"], p["containerPort"]) for p in ports] == [("http", 5024), ("grpc", 5025)]
    hpa = next(o for o in objects if o["kind"] == "HorizontalPodAutoscaler" and o["metadata"]["name"] == "poll-service-hpa")
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (1, 4)


def test_generate_keeps_hand_written_keys_and_comments(workspace):
    table = workspace / "charts" / "services.md"
    table.write_text(table.read_text().replace("| auth-service | 8081 | 8082 | 2 | 20 |",
                                               "| auth-service | 8081 | 8082 | 3 | 20 |"))
    values = workspace / "charts" / "spring-boot" / "values.yaml"
    hand_written = "    auth-service:\n      keyVault:\n        mountPath: /kv\n"
    values.write_text(values.read_text().replace("    auth-service:\n", hand_written))
    text = generate.plan(table, workspace / "charts")[workspace / "charts" / "spring-boot" / "values.yaml"][1]
    entry = yaml.safe_load(text)["catalogue"]["services"]["auth-service"]
    assert entry["replicas"] == 3
    assert entry["keyVault"] == {"mountPath": "/kv"}
    assert "# Spring Boot stack:" in text


def run_cli(root, *args):
    import os
    import sys
    return subprocess.run([sys.executable, "-m", "quikapp_charts", *args], capture_output=True, text=True,
                          env={**os.environ, "QUIKAPP_CHARTS_ROOT": str(root),
                               "PATH": f"{paths.CACHE_BIN}{os.pathsep}{os.environ['PATH']}"})


def test_check_exits_1_on_drift_and_writes_nothing(workspace):
    values = workspace / "charts" / "python" / "values.yaml"
    values.write_text(values.read_text().replace("maxReplicas: 8", "maxReplicas: 9", 1))
    before = values.read_text()
    result = run_cli(workspace, "generate", "--check")
    assert result.returncode == 1
    assert "charts/python/values.yaml: catalogue.services.sentiment-service.autoscaling.maxReplicas: chart has 9, table says 8" \
        in result.stdout
    # The umbrella's python archive was packaged from the values as they were.
    assert "charts/quikapp/charts/python-0.1.0.tgz: differs from its chart's files (packaged from charts/python)" \
        in result.stdout
    assert result.stderr.strip().splitlines()[-1].startswith("error: 2 difference(s)")
    assert values.read_text() == before
    archive = workspace / "charts" / "quikapp" / "charts" / "python-0.1.0.tgz"
    assert archive.read_bytes() == (paths.UMBRELLA / "charts" / "python-0.1.0.tgz").read_bytes()


def test_generate_repairs_the_drift(workspace):
    """In this process (the exit status of a process is the test above's)."""
    link_cache(workspace)
    values = workspace / "charts" / "python" / "values.yaml"
    pristine = values.read_text()
    values.write_text(pristine.replace("maxReplicas: 8", "maxReplicas: 9", 1))
    assert cli("generate", root=workspace).code == 0
    assert values.read_text() == pristine
    checked = cli("generate", "--check", root=workspace)
    assert checked.code == 0, checked.stdout + checked.stderr
