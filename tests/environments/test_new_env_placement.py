"""new-env and deploy/environments.yaml: a copy of an Argo CD environment runs where and as its source
runs (a copy of live is production and syncs by hand), and a copy whose namespace is another
environment's on that cluster is refused before anything is written."""
from __future__ import annotations


import pytest
import yaml

from support import assert_one_line_error, cli

pytestmark = pytest.mark.slow  # renders every environment, in helm processes


def plan_of(root) -> dict:
    return yaml.safe_load((root / "deploy/environments.yaml").read_text())


def test_a_copy_of_live_is_production_and_syncs_by_hand(repo):
    result = cli("new-env", "canary", "--from", "live", "-o", "json", root=repo)
    assert result.code == 0, result.stderr
    entry = plan_of(repo)["environments"]["canary"]
    assert entry == {"cluster": "quikapp-prod", "namespace": "quikapp-canary", "tier": "production",
                     "sync": "manual", "stage": 5, "chartVersion": plan_of(repo)["environments"]["live"]["chartVersion"]}
    project = yaml.safe_load((repo / "deploy/argocd/appproject.yaml").read_text())["spec"]
    assert project["destinations"][-1] == {"name": "quikapp-prod", "namespace": "quikapp-canary"}
    assert "    - {name: quikapp-prod, namespace: quikapp-canary}\n" in (repo / "deploy/argocd/appproject.yaml").read_text()
    assert result.json["argocd"]["sync"] == "manual"
    copy = yaml.safe_load((repo / "values/canary.yaml").read_text())["global"]
    assert copy["environment"] == "production"  # still protected by the charts' guardrails
    # Until the copy names its own data stores it shares live's, which validate refuses for live.
    shared = cli("validate", "--all", "-o", "json", root=repo)
    assert shared.code == 1
    assert {e["env"] for e in shared.json["environments"] if e["problems"]} == {"live", "canary"}
    copy["networkPolicy"]["dataStores"] = {"database": {"namespace": "database-canary"},
                                           "redis": {"cidrs": ["10.251.16.0/24"]}, "kafka": {"cidrs": ["10.251.17.0/24"]}}
    copy["config"]["KAFKA_BROKERS"] = "kafka-canary.quikapp.internal:9092"
    values = yaml.safe_load((repo / "values/canary.yaml").read_text())
    (repo / "values/canary.yaml").write_text(yaml.safe_dump({**values, "global": copy}, sort_keys=False))
    # The whole set then holds together (the copy's namespace and stores are its own).
    assert cli("validate", "--all", "-q", root=repo).code == 0


def test_a_copy_into_another_environments_namespace_is_refused_and_nothing_written(repo):
    before = (repo / "deploy/environments.yaml").read_text()
    result = cli("new-env", "prod", "--from", "live", root=repo)
    assert_one_line_error(result, 2, "new-env prod: namespace quikapp-prod is live's on cluster quikapp-prod")
    assert not (repo / "values/prod.yaml").exists()
    assert (repo / "deploy/environments.yaml").read_text() == before


def test_a_copy_of_local_is_no_argocd_environment(repo):
    result = cli("new-env", "laptop", "--from", "local", root=repo)
    assert result.code == 0, result.stderr
    assert "laptop" not in plan_of(repo)["environments"]
    assert "Argo CD: none (local is not in deploy/environments.yaml, and neither is laptop)" in result.stdout
