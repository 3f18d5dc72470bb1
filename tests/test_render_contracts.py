"""The design's contracts, asserted on the parsed objects of every environment, service by service.

Expectations come from the service table (charts/services.md) and tests/design.py (the design
written down), never from the charts' own values.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import yaml

import design
from support import ENVIRONMENTS, Objects, floors
from quikapp_charts import paths, rendering, service_table

SERVICES = service_table.parse(paths.SERVICE_TABLE)
GPU_SERVICES = {"ml-service", "sentiment-service", "insights-service", "smart-reply-service"}


def container(deployment: dict) -> dict:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


def env_sources(cont: dict) -> dict:
    out = {}
    for var in cont.get("env", []):
        out[var["name"]] = {"value": var["value"]} if "value" in var else var["valueFrom"]
    return out


def floor_of(env: str, svc: service_table.Service) -> int:
    if env == "local":
        return 1
    floors = design.ENVIRONMENTS[env].floors or {}
    return floors.get(svc.name, svc.min_replicas)


@functools.cache
def values_of(env: str) -> dict:
    return rendering.values_of(env)


def ceiling_of(env: str, svc: service_table.Service) -> int:
    """The catalogue's ceiling, or the one the environment's values file sets for the service."""
    values = values_of(env)
    entry = ((values.get(svc.stack) or {}).get("services") or {}).get(svc.name) or {}
    return (entry.get("autoscaling") or {}).get("maxReplicas", svc.max_replicas)


def every_service(check: Callable[[service_table.Service], None]) -> None:
    """check(svc) for each of the 33 services; a failure names every service that fails and why,
    so that one service's failure hides no other's."""
    failures = []
    for svc in SERVICES:
        try:
            check(svc)
        except Exception as exc:  # noqa: BLE001 - reported below, with the service's name
            failures.append(f"{svc.name}: {type(exc).__name__}: {exc}")
    if failures:
        pytest.fail(f"{len(failures)} of {len(SERVICES)} services:\n" + "\n".join(failures))


def test_every_environment_deploys_the_33_services(rendered):
    expected = {svc.name for svc in SERVICES}
    assert len(expected) == 33
    for env in ENVIRONMENTS:
        assert rendered[env].names("Deployment") == expected, env


@dataclass
class Service:
    """One service's Deployment in one environment, with what the design expects of it."""

    env: str
    svc: service_table.Service
    objects: Objects

    @property
    def deployment(self) -> dict:
        return self.objects.get("Deployment", self.svc.name)

    @property
    def pod(self) -> dict:
        return self.deployment["spec"]["template"]

    @property
    def spec(self) -> dict:
        return self.pod["spec"]

    @property
    def container(self) -> dict:
        return container(self.deployment)

    @property
    def stack(self) -> dict:
        return design.STACKS[self.svc.stack]

    @property
    def gpu(self) -> bool:
        return self.svc.name in GPU_SERVICES

    @property
    def volumes(self) -> dict[str, dict]:
        return {v["name"]: v for v in self.spec["volumes"]}


def labels_and_namespace(s: Service) -> None:
    """In the environment's namespace, with the labels the NetworkPolicies and PDBs select on."""
    assert s.deployment["metadata"]["namespace"] == design.ENVIRONMENTS[s.env].namespace
    assert s.pod["metadata"]["labels"]["app"] == s.svc.name
    assert s.pod["metadata"]["labels"]["tier"] == s.svc.tier
    assert s.deployment["spec"]["selector"]["matchLabels"]["app"] == s.svc.name
    assert s.deployment["metadata"]["labels"]["stack"] == s.svc.stack


def ports(s: Service) -> None:
    """The table's ports, by name (and Erlang distribution for Elixir)."""
    expected = dict(s.svc.ports)
    if s.svc.stack == "elixir":
        expected["distribution"] = 9100
    assert {p["name"]: p["containerPort"] for p in s.container["ports"]} == expected


def image(s: Service) -> None:
    """The service's repository in the registry, pinned outside the lower environments."""
    image = s.container["image"]
    assert image.startswith(f"quikapp.azurecr.io/{s.svc.name}:")
    tag = image.rsplit(":", 1)[1]
    if design.ENVIRONMENTS[s.env].pinned:
        assert tag[0].isdigit() and "latest" not in tag, image


def env_vars(s: Service) -> None:
    """Env vars with their exact sources, each name once."""
    sources = env_sources(s.container)
    expected = dict(design.GPU["env"] if s.gpu else s.stack["env"])
    expected.update(design.SERVICE_ENV.get(s.svc.name, {}))
    for name, source in expected.items():
        assert sources.get(name) == source, f"{s.svc.name} {name}"
    if s.gpu:
        for name in design.GPU["absent_env"]:
            assert name not in sources
    assert sources["LOG_LEVEL"] == design.config("LOG_LEVEL")
    assert len(sources) == len(s.container["env"]), "duplicate env var names"


def resources(s: Service) -> None:
    """The design's per stack, small in local; scratch space (ephemeral-storage) budgeted beside it."""
    resources = {kind: dict(amounts) for kind, amounts in s.container["resources"].items()}
    assert resources["requests"].pop("ephemeral-storage") == "128Mi"
    assert resources["limits"].pop("ephemeral-storage") == "1Gi"
    if s.env == "local":
        assert resources["requests"]["cpu"] in ("50m", "100m")
        if s.gpu:
            assert resources["limits"]["nvidia.com/gpu"] == 1
    else:
        assert resources == (design.GPU["resources"] if s.gpu else s.stack["resources"])


def probes(s: Service) -> None:
    """Each stack's paths and timings on the http port."""
    for kind in ("liveness", "readiness"):
        probe = dict(s.container[f"{kind}Probe"])
        http = probe.pop("httpGet")
        assert http == {"path": s.stack[kind]["path"], "port": s.svc.ports["http"]}
        assert probe == {k: v for k, v in s.stack[kind].items() if k != "path"}


def scraping(s: Service) -> None:
    """Prometheus scraping on the http port with the stack's path."""
    annotations = s.pod["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == str(s.svc.ports["http"])
    assert annotations["prometheus.io/path"] == s.stack["metrics_path"]


def service_account(s: Service) -> None:
    assert s.spec["serviceAccountName"] == "quikapp-service"
    assert s.spec["automountServiceAccountToken"] is False


def anti_affinity(s: Service) -> None:
    """Required for the Erlang clusters, preferred elsewhere."""
    anti = s.spec["affinity"]["podAntiAffinity"]
    if s.svc.stack == "elixir":
        (term,) = anti["requiredDuringSchedulingIgnoredDuringExecution"]
    else:
        (weighted,) = anti["preferredDuringSchedulingIgnoredDuringExecution"]
        term = weighted["podAffinityTerm"]
    assert term["topologyKey"] == "kubernetes.io/hostname"
    assert term["labelSelector"]["matchExpressions"] == [{"key": "app", "operator": "In", "values": [s.svc.name]}]


def pod_security(s: Service) -> None:
    """Pod Security "restricted", and a writable /tmp on a read-only root."""
    assert s.spec["securityContext"]["runAsNonRoot"] is True
    assert s.spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    security = s.container["securityContext"]
    assert security["allowPrivilegeEscalation"] is False
    assert security["readOnlyRootFilesystem"] is True
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert {"name": "tmp", "mountPath": "/tmp"} in s.container["volumeMounts"]
    for volume in s.spec["volumes"]:
        assert set(volume) & {"emptyDir", "csi", "persistentVolumeClaim"}, volume


def gpu_placement(s: Service) -> None:
    """GPU services on GPU nodes only, with their model volume; no other service there."""
    limits = s.container["resources"].get("limits", {})
    if s.gpu:
        assert s.spec["nodeSelector"] == {"kubernetes.io/accelerator": "nvidia-tesla-v100"}
        assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in s.spec["tolerations"]
        assert limits["nvidia.com/gpu"] == 1
        claim = s.volumes["model-storage"]["persistentVolumeClaim"]["claimName"]
        assert s.objects.get("PersistentVolumeClaim", claim) is not None
        assert {"name": "model-storage", "mountPath": "/models"} in s.container["volumeMounts"]
        if s.svc.name == "ml-service":
            assert claim == "ml-models-pvc"
    else:
        assert "nodeSelector" not in s.spec and "tolerations" not in s.spec
        assert "nvidia.com/gpu" not in limits


def key_vault(s: Service) -> None:
    """auth-service reads Key Vault through the secrets-store CSI driver; no other service does."""
    if s.svc.name == "auth-service":
        csi = s.volumes["secrets-store"]["csi"]
        assert csi == {"driver": "secrets-store.csi.k8s.io", "readOnly": True,
                       "volumeAttributes": {"secretProviderClass": "azure-kv-secrets"}}
        assert {"name": "secrets-store", "mountPath": "/mnt/secrets", "readOnly": True} in s.container["volumeMounts"]
    else:
        assert "secrets-store" not in s.volumes


DEPLOYMENT_CONCERNS = [labels_and_namespace, ports, image, env_vars, resources, probes, scraping, service_account,
                       anti_affinity, pod_security, gpu_placement, key_vault]


@pytest.mark.parametrize("concern", DEPLOYMENT_CONCERNS, ids=lambda concern: concern.__name__)
@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_deployment(rendered, env, concern):
    """Each concern of every service's Deployment on its own, so that one failure hides no other."""
    every_service(lambda svc: concern(Service(env, svc, rendered[env])))


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

    # The Key Vault class the auth-service pods mount syncs every secret key any pod reads.
    vault = objects.get("SecretProviderClass", "azure-kv-secrets")
    assert vault["metadata"]["namespace"] == expected.namespace
    assert vault["spec"]["provider"] == "azure"
    assert vault["spec"]["parameters"]["keyvaultName"] == f"{expected.namespace}-kv"
    referenced = {var["valueFrom"]["secretKeyRef"]["key"] for deployment in objects.by_kind["Deployment"].values()
                  for var in container(deployment).get("env", []) if "secretKeyRef" in var.get("valueFrom", {})}
    (synced,) = vault["spec"]["secretObjects"]
    assert synced["secretName"] == "quikapp-secrets"
    assert {item["key"] for item in synced["data"]} == referenced
    entries = [yaml.safe_load(item) for item in yaml.safe_load(vault["spec"]["parameters"]["objects"])["array"]]
    assert {"objectName": "db-host", "objectType": "secret", "objectAlias": "DB_HOST"} in entries
    assert {entry["objectAlias"] for entry in entries} == referenced

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
