"""The design's contracts for every service's Deployment, asserted on the parsed objects of every
environment, service by service: labels, ports, image, env, resources, probes, scraping, service
account, anti-affinity, Pod Security, GPU placement, Key Vault.

Expectations come from the service table (charts/services.md) and tests/design.py (the design
written down), never from the charts' own values.
"""
from __future__ import annotations

import pytest

import design
from contracts import SERVICES, Service, env_sources, every_service
from support import ENVIRONMENTS


def test_every_environment_deploys_the_33_services(rendered):
    expected = {svc.name for svc in SERVICES}
    assert len(expected) == 33
    for env in ENVIRONMENTS:
        assert rendered[env].names("Deployment") == expected, env


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
        if "secretKeyRef" in source:  # each service reads its own Secret
            source = {"secretKeyRef": {**source["secretKeyRef"], "name": f"{s.svc.name}-secrets"}}
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


def rollout(s: Service) -> None:
    """A GPU Deployment stops one pod before its replacement starts: a GPU pool has no idle GPU at
    peak, where a surge pod would wait for one for ever. The others keep Kubernetes' 25%/25%."""
    assert s.deployment["spec"]["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1} if s.gpu else {"maxSurge": "25%", "maxUnavailable": "25%"}}


def key_vault(s: Service) -> None:
    """A service that reads secrets mounts its own Key Vault class through the secrets-store CSI
    driver (which syncs its own Secret while its pods run); one that reads none mounts nothing."""
    reads = any("secretKeyRef" in (var.get("valueFrom") or {}) for var in s.container.get("env", []))
    if reads:
        csi = s.volumes["secrets-store"]["csi"]
        assert csi == {"driver": "secrets-store.csi.k8s.io", "readOnly": True,
                       "volumeAttributes": {"secretProviderClass": f"{s.svc.name}-secrets"}}
        assert {"name": "secrets-store", "mountPath": "/mnt/secrets", "readOnly": True} in s.container["volumeMounts"]
    else:
        assert "secrets-store" not in s.volumes


DEPLOYMENT_CONCERNS = [labels_and_namespace, ports, image, env_vars, resources, probes, scraping, service_account,
                       anti_affinity, pod_security, gpu_placement, rollout, key_vault]


@pytest.mark.parametrize("concern", DEPLOYMENT_CONCERNS, ids=lambda concern: concern.__name__)
@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_deployment(rendered, env, concern):
    """Each concern of every service's Deployment on its own, so that one failure hides no other."""
    every_service(lambda svc: concern(Service(env, svc, rendered[env])))
