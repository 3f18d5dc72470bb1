"""Reachability from the rendered NetworkPolicies (netpol_model, flows, `quikapp-charts netpol`):
every required flow open and every other flow shut in every environment; the model itself finds a
hole or a cut when one is made; the command explains a verdict and draws the matrix."""
from __future__ import annotations

import copy
import xml.etree.ElementTree as ElementTree

import pytest

from quikapp_charts.core import rendering
from quikapp_charts.netpol import flows
from quikapp_charts.netpol.policies import Endpoint, PolicySet, Port, selector_matches
from support import ENVIRONMENTS, assert_one_line_error
from support import cli as run

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def analysed(rendered):
    return {env: flows.analyse(env, rendered[env].all, rendered[env].namespace, rendering.values_of(env))
            for env in ENVIRONMENTS}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_required_flows_open_and_forbidden_flows_shut(analysed, env):
    _, _, report = analysed[env]
    assert [v.explain() for v in report.required_shut] == []
    assert [v.explain() for v in report.forbidden_open] == []
    counts = report.counts
    # 33 services, DNS for each pod, the gateway's calls, scraping, peers, stores, the internet.
    assert counts["required"] > 300 and counts["forbidden"] > 2500
    print(f"{env}: {counts['requiredOpen']} required flows open, {counts['forbiddenShut']} forbidden flows shut")


def _open(analysed, env, source, destination, port):
    catalogue, model, _ = analysed[env]
    by_name = {e.name: e for e in catalogue.endpoints}
    return model.verdict(by_name[source], by_name[destination], port)


@pytest.mark.parametrize("source, destination, port, expected", [
    ("backend-gateway", "auth-service", Port(8082), True),
    ("notification-service", "internet", Port(443), True),
    ("auth-service", "internet", Port(443), False),
    ("notification-service", "internet", Port(80), False),
    ("ml-service", "cloud-metadata", Port(80), False),
    ("backend-gateway", "cloud-metadata", Port(80), False),
    ("ml-service", "redis", Port(6379), False),
    ("call-service", "call-service", Port(9100), True),
    ("call-service", "message-service", Port(9100), False),
    ("prometheus", "auth-service", Port(8081), True),
    ("prometheus", "auth-service", Port(8082), False),
    ("grafana", "auth-service", Port(8081), False),
    ("ingress-admission", "backend-gateway", Port(3000), False),
    ("copy-of-gateway-label", "auth-service", Port(8081), False),
    ("copy-of-smoke-test-label", "auth-service", Port(8081), False),
    ("copy-in-other-namespace", "auth-service", Port(8081), False),
    ("auth-service", "user-service", Port(8083), False),
])
def test_named_flows(analysed, source, destination, port, expected):
    assert _open(analysed, "live", source, destination, port).open is expected


def test_a_blocked_flow_names_the_policies_and_rules(analysed):
    lines = _open(analysed, "live", "copy-of-gateway-label", "auth-service", Port(8081)).explain()
    assert lines[0] == "copy-of-gateway-label -> auth-service:8081: shut"
    assert any("default-deny-egress: no egress rules" in line for line in lines)
    assert any(line.strip().startswith("auth-service-allow-ingress ingress rule 1 (from pods "
                                       "app.kubernetes.io/part-of=quikapp") and line.endswith("peer does not match")
               for line in lines)
    opened = _open(analysed, "live", "backend-gateway", "auth-service", Port(8081)).explain()
    assert "egress: open by auth-service-allow-callers egress rule 1" in opened
    assert "ingress: open by auth-service-allow-ingress ingress rule 1" in opened


def test_the_model_finds_a_cut_and_a_hole(rendered):
    """The same check over policies with a cut (the gateway's calls to auth-service removed) and
    with a hole (any egress for every pod) reports each."""
    namespace = rendered["dev"].namespace
    cut = [o for o in rendered["dev"].all if o["metadata"]["name"] != "auth-service-allow-callers"]
    _, _, report = flows.analyse("dev", cut, namespace, rendering.values_of("dev"))
    assert {str(report.flow(v)) for v in report.required_shut} == {
        "backend-gateway -> auth-service:8081", "backend-gateway -> auth-service:8082"}
    assert report.forbidden_open == []

    hole = copy.deepcopy(rendered["dev"].all) + [{
        "kind": "NetworkPolicy", "apiVersion": "networking.k8s.io/v1",
        "metadata": {"name": "allow-all-egress", "namespace": namespace},
        "spec": {"podSelector": {}, "policyTypes": ["Egress"], "egress": [{}]}}]
    _, _, report = flows.analyse("dev", hole, namespace, rendering.values_of("dev"))
    assert report.required_shut == []
    opened = {str(report.flow(v)) for v in report.forbidden_open}
    assert "ml-service -> cloud-metadata:80" in opened and "auth-service -> internet:443" in opened
    assert "auth-service -> user-service:8083" not in opened  # user-service's ingress still holds


def test_selectors_and_address_blocks():
    labels = {"app": "a", "tier": "backend"}
    assert selector_matches({}, labels)
    assert selector_matches({"matchExpressions": [{"key": "app", "operator": "In", "values": ["a", "b"]}]}, labels)
    assert not selector_matches({"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["a"]}]}, labels)
    assert not selector_matches({"matchExpressions": [{"key": "x", "operator": "Exists"}]}, labels)
    assert selector_matches({"matchExpressions": [{"key": "x", "operator": "DoesNotExist"}]}, labels)
    assert not selector_matches({"matchLabels": {"app": "a", "tier": "api"}}, labels)
    policy = {"kind": "NetworkPolicy", "metadata": {"name": "p", "namespace": "ns"}, "spec": {
        "podSelector": {}, "policyTypes": ["Egress"],
        "egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["169.254.0.0/16"]}}],
                    "ports": [{"port": "https"}, {"port": 8000, "endPort": 8010, "protocol": "UDP"}]}]}}
    model = PolicySet([policy], "ns")
    pod = Endpoint("pod", "10.244.0.1", "ns", labels)
    web = Endpoint("web", "93.184.216.34", None, {}, (Port(443, name="https"),))
    metadata = Endpoint("metadata", "169.254.169.254", None)
    assert model.verdict(pod, web, Port(443, name="https")).open
    assert not model.verdict(pod, web, Port(443)).open  # the rule names the port, not the number
    assert model.verdict(pod, web, Port(8005, "UDP")).open
    assert not model.verdict(pod, web, Port(8011, "UDP")).open
    assert not model.verdict(pod, metadata, Port(443, name="https")).open


def test_command_table_picture_and_explain(tmp_path):
    picture = tmp_path / "live.svg"
    result = run("netpol", "live", "--svg", str(picture))
    assert result.code == 0, result.stderr
    summary = result.stdout.strip().splitlines()[-1]
    assert summary.startswith("live (quikapp-prod): ") and "required flows open" in summary
    svg = ElementTree.parse(picture).getroot()
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    cells = svg.findall("{http://www.w3.org/2000/svg}rect")
    assert len(cells) > 1000
    assert not [c for c in cells if c.get("stroke") == "#d50000"]  # no violation outlined
    explained = run("netpol", "live", "--explain", "auth-service", "internet:443")
    assert explained.code == 0
    assert explained.stdout.splitlines()[0] == "auth-service -> internet:443: shut"
    assert "auth-service-allow-egress egress rule" in explained.stdout


def test_command_json_and_bad_input():
    result = run("netpol", "dev", "-o", "json")
    assert result.code == 0 and result.json["violations"] == []
    assert result.json["requiredOpen"] == result.json["required"]
    assert "backend-gateway -> auth-service:8081" in result.json["open"]
    assert_one_line_error(run("netpol", "dev", "--explain", "nobody", "auth-service"), 2, "--explain", "nobody")
    assert_one_line_error(run("netpol", "nope"), 2, "values/nope.yaml")
