"""The design's contracts for what surrounds each service (Service, HPA, PDB, NetworkPolicy,
Ingress) and for the shared objects, asserted on the parsed objects of every environment.

Expectations come from the service table (charts/services.md) and tests/design.py (the design
written down), never from the charts' own values.
"""
from __future__ import annotations

import pytest

import design
from contracts import ceiling_of, container, every_service, floor_of
from quikapp_charts.catalogue import service_table
from support import ENVIRONMENTS, Objects, floors


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_service_and_autoscaling(rendered, env):
    every_service(lambda svc: service_and_autoscaling(rendered[env], env, svc))


def service_and_autoscaling(objects: Objects, env: str, svc: service_table.Service) -> None:
    service = objects.get("Service", svc.name)
    assert service["spec"]["type"] == "ClusterIP"
    assert service["spec"]["selector"]["app"] == svc.name
    exposed = {p["name"]: (p["port"], p["targetPort"]) for p in service["spec"]["ports"]}
    assert exposed == {name: (port, port) for name, port in svc.ports.items()}

    headless = objects.get("Service", f"{svc.name}-headless")
    if svc.stack == "elixir":
        assert headless["spec"]["clusterIP"] == "None"
        assert {p["name"]: p["port"] for p in headless["spec"]["ports"]} == {"epmd": 4369, "distribution": 9100}
    else:
        assert headless is None

    deployment = objects.get("Deployment", svc.name)
    hpa = objects.get("HorizontalPodAutoscaler", f"{svc.name}-hpa")
    floor = floor_of(env, svc)
    if env == "local":
        assert hpa is None
        assert deployment["spec"]["replicas"] == 1
        return
    # The HPA owns the replica count; its floor is minReplicas, and a new Deployment starts there
    # (without a cluster to look up, the render is always the floor).
    assert deployment["spec"]["replicas"] == floor
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": svc.name}
    assert hpa["spec"]["minReplicas"] == floor
    assert hpa["spec"]["maxReplicas"] == ceiling_of(env, svc)
    metrics = hpa["spec"]["metrics"]
    if svc.name == "elixir-realtime":
        assert metrics == [
            {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}}},
            {"type": "Pods", "pods": {"metric": {"name": "websocket_connections"},
                                      "target": {"type": "AverageValue", "averageValue": "5000"}}},
        ]
    else:
        assert metrics == [
            {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}},
            {"type": "Resource", "resource": {"name": "memory", "target": {"type": "Utilization", "averageUtilization": 80}}},
        ]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_disruption_budget_and_policy(rendered, env):
    every_service(lambda svc: disruption_budget_and_policy(rendered[env], env, svc))


def disruption_budget_and_policy(objects: Objects, env: str, svc: service_table.Service) -> None:
    floor = floor_of(env, svc)
    pdb = objects.get("PodDisruptionBudget", f"{svc.name}-pdb")
    if env in ("staging", "live") and floor >= 2:
        assert pdb["spec"]["selector"]["matchLabels"]["app"] == svc.name
        spec = pdb["spec"]
        if env == "live" and svc.name in design.LIVE_PDB_MIN_AVAILABLE:
            assert spec["minAvailable"] == design.LIVE_PDB_MIN_AVAILABLE[svc.name]
        # Never a budget that forbids every eviction (a node drain would hang).
        if "minAvailable" in spec:
            assert spec["minAvailable"] < floor
        else:
            assert spec["maxUnavailable"] >= 1
    else:
        assert pdb is None

    policy = objects.get("NetworkPolicy", f"{svc.name}-allow-ingress")
    assert policy["spec"]["podSelector"]["matchLabels"]["app"] == svc.name
    rules = policy["spec"]["ingress"]
    sources = [peer for rule in rules for peer in rule["from"]]
    # Prometheus's pods, not every pod of the monitoring namespace.
    monitoring = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}},
                  "podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}}}
    assert monitoring in sources
    if svc.stack == "elixir":
        own = {"matchLabels": {"app.kubernetes.io/part-of": "quikapp", "app.kubernetes.io/instance": "quikapp"},
               "matchExpressions": [{"key": "app", "operator": "In", "values": [svc.name]}]}
        peers = [r for r in rules if r["from"] == [{"podSelector": own}]]
        assert peers and {p["port"] for p in peers[0]["ports"]} == {4369, 9100}
    if svc.name != "backend-gateway":
        callers = [r for r in rules if "matchExpressions" in r["from"][0].get("podSelector", {})]
        assert callers[0]["from"][0]["podSelector"]["matchExpressions"][0]["values"] == ["backend-gateway"]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_ingresses(rendered, env):
    objects = rendered[env]
    assert objects.names("Ingress") == {"backend-gateway-ingress", "realtime-service-ingress"}
    prefix = "" if env == "live" else f"{env}."
    gateway = objects.get("Ingress", "backend-gateway-ingress")
    annotations = gateway["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/limit-rps"] == "100"
    assert "cert-manager.io/cluster-issuer" in annotations
    if env != "local":
        assert annotations["cert-manager.io/cluster-issuer"] == "letsencrypt-prod"
    assert gateway["spec"]["ingressClassName"] == "nginx"
    assert gateway["spec"]["tls"] == [{"hosts": [f"api.{prefix}quikapp.dev"], "secretName": "api-tls"}]
    (rule,) = gateway["spec"]["rules"]
    assert rule["host"] == f"api.{prefix}quikapp.dev"
    assert rule["http"]["paths"] == [{"path": "/api", "pathType": "Prefix", "backend": {
        "service": {"name": "backend-gateway", "port": {"number": 3000}}}}]

    websocket = objects.get("Ingress", "realtime-service-ingress")
    annotations = websocket["metadata"]["annotations"]
    assert annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"] == "3600"
    assert annotations["nginx.ingress.kubernetes.io/proxy-send-timeout"] == "3600"
    (rule,) = websocket["spec"]["rules"]
    assert rule["host"] == f"ws.{prefix}quikapp.dev"
    assert rule["http"]["paths"][0]["backend"]["service"] == {"name": "realtime-service", "port": {"number": 3001}}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_shared_objects(rendered, env):
    objects = rendered[env]
    expected = design.ENVIRONMENTS[env]
    assert objects.namespace == expected.namespace
    config = objects.get("ConfigMap", "quikapp-config")
    assert config["data"] == {"ENVIRONMENT": expected.environment, "LOG_LEVEL": expected.log_level,
                              "KAFKA_BROKERS": expected.kafka_brokers}
    account = objects.get("ServiceAccount", "quikapp-service")
    assert account["automountServiceAccountToken"] is False

    policies = objects.by_kind["NetworkPolicy"]
    assert policies["default-deny-ingress"]["spec"] == {"podSelector": {}, "policyTypes": ["Ingress"]}
    assert policies["default-deny-egress"]["spec"] == {"podSelector": {}, "policyTypes": ["Egress"]}
    gateway = policies["allow-ingress-to-gateway"]["spec"]
    assert gateway["podSelector"]["matchLabels"]["app"] == "backend-gateway"
    assert gateway["ingress"][0]["ports"] == [{"protocol": "TCP", "port": 3000}]
    # The controller's pods, not every pod of its namespace.
    (controller,) = gateway["ingress"][0]["from"]
    assert controller["namespaceSelector"] == {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}
    assert controller["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "controller"
    dns = policies["allow-dns-egress"]["spec"]
    assert dns["podSelector"] == {}
    assert {(p["protocol"], p["port"]) for p in dns["egress"][0]["ports"]} == {("UDP", 53), ("TCP", 53)}
    # Every QuikApp pod has an egress policy of its own; reachability is tested in test_netpol.py.
    assert {f"{name}-allow-egress" for name in objects.by_kind["Deployment"]} <= set(policies)

    # Each service that reads secrets has its own Key Vault class: its own keys only, synced into its
    # own Secret, mounted by its own pods (so the Secret lives while they do); per-service contracts
    # in test_secrets_contracts.py.
    for name, deployment in objects.by_kind["Deployment"].items():
        keys = {var["valueFrom"]["secretKeyRef"]["key"] for var in container(deployment).get("env", [])
                if "secretKeyRef" in var.get("valueFrom", {})}
        if not keys:
            continue
        vault = objects.get("SecretProviderClass", f"{name}-secrets")
        assert vault["metadata"]["namespace"] == expected.namespace
        assert vault["spec"]["provider"] == "azure"
        assert vault["spec"]["parameters"]["keyvaultName"] == f"{expected.namespace}-kv"
        (synced,) = vault["spec"]["secretObjects"]
        assert synced["secretName"] == f"{name}-secrets"
        assert {item["key"] for item in synced["data"]} == keys

    quota = objects.get("ResourceQuota", "quikapp-quota")
    assert set(quota["spec"]["hard"]) >= {"requests.cpu", "requests.memory", "limits.cpu", "limits.memory",
                                          "pods", "requests.nvidia.com/gpu"}


def _quantity(value) -> float:
    text = str(value)
    units = {"m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
    for suffix, factor in units.items():
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * factor
    return float(text)


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_quota_admits_the_replica_floor_with_a_rolling_surge(rendered, env):
    """Every pod at the floor, plus one surge pod per Deployment (maxSurge 25% rounds up to 1)."""
    objects = rendered[env]
    hard = objects.get("ResourceQuota", "quikapp-quota")["spec"]["hard"]
    needed: dict[str, float] = {}
    floor_of_deployment = floors(objects.all)
    for name, deployment in objects.by_kind["Deployment"].items():
        floor = floor_of_deployment[name]
        pods = floor + max(1, -(-floor // 4))
        needed["pods"] = needed.get("pods", 0) + pods
        for kind, amounts in container(deployment)["resources"].items():
            for resource, amount in amounts.items():
                key = f"{kind}.{resource}"
                needed[key] = needed.get(key, 0) + _quantity(amount) * pods
    for key, amount in needed.items():
        if key.startswith("limits.nvidia") or key.endswith("ephemeral-storage"):
            continue  # extended resources are quota'd on requests only; scratch space is not quota'd
        assert _quantity(hard[key]) >= amount, f"{env}: quota {key}={hard[key]} below {amount}"


def test_pdbs_exist_only_in_staging_and_live(rendered):
    for env in ENVIRONMENTS:
        budgets = rendered[env].names("PodDisruptionBudget")
        assert bool(budgets) == (env in ("staging", "live")), env
