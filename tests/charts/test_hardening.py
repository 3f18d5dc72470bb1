"""Guardrails a values author cannot remove (issue: hardening, round two), on the renders and on
plain `helm template` of values/live.yaml with one harmful change on top: refused with a line that
names the key and says why, or rendered harmless."""
from __future__ import annotations

import json

import pytest
import yaml

from quikapp_charts.core import paths, rendering
from support import ENVIRONMENTS, run_helm

pytestmark = pytest.mark.slow

FLOOR = {"10.0.0.0/8", "100.64.0.0/10", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16"}
NGINX = "nginx.ingress.kubernetes.io/"
GATEWAY = "nestjs.services.backend-gateway"


def _gateway_annotations(annotations: dict) -> dict:
    return {"nestjs": {"services": {"backend-gateway": {"ingress": {"annotations": annotations}}}}}


# One harmful change to values/live.yaml each, and what the refusal line says.
LIVE_VARIANTS = {
    "server-snippet": (_gateway_annotations({NGINX + "server-snippet": "return 200;"}),
                       f"{GATEWAY}.ingress.annotations.{NGINX}server-snippet: snippets inject raw nginx configuration"),
    "mirror-outside": (_gateway_annotations({NGINX + "mirror-target": "https://copy.example.com$request_uri"}),
                       f"{GATEWAY}.ingress.annotations.{NGINX}mirror-target: only to an in-cluster Service"),
    "auth-url-outside": (_gateway_annotations({NGINX + "auth-url": "http://auth.example.com.svc.evil.io/"}),
                         f"{GATEWAY}.ingress.annotations.{NGINX}auth-url: only to an in-cluster Service"),
    "apparmor-annotation": (
        {"go": {"defaults": {"podAnnotations": {"container.apparmor.security.beta.kubernetes.io/x": "unconfined"}}}},
        "podAnnotations.container.apparmor.security.beta.kubernetes.io/x: AppArmor and seccomp are set by podSecurityContext"),
    "network-policies-off": ({"global": {"networkPolicy": {"enabled": False}}},
                             "global.networkPolicy.enabled: false is refused in production"),
    "quota-removed": ({"global": {"resourceQuota": None}}, "global.resourceQuota.pods: required in production"),
    "quota-without-pods": ({"global": {"resourceQuota": {"pods": None}}}, "global.resourceQuota.pods: required in production"),
    "explicit-resources-off": ({"global": {"requireExplicitResources": False}},
                               "global.requireExplicitResources: false is refused in production"),
    "pdb-off": ({"nestjs": {"defaults": None}},
                "nestjs.services.backend-gateway.pdb.enabled: false is refused in production"),
    "replica-override": ({"global": {"replicaOverride": 1}}, "global.replicaOverride: 1 is refused in production"),
    "stable-tag": ({"global": {"image": {"tag": "stable"}}}, 'global.image.tag: "stable" is not a version'),
    "smoke-test-latest": ({"global": {"smokeTest": {"image": "busybox:latest"}}},
                          'global.smokeTest.image: "busybox:latest" has no version tag'),
    "replicas-zero": ({"spring-boot": {"services": {"auth-service": {"replicas": 0}}}},
                      "/spring-boot/services/auth-service/replicas"),
    "another-services-secret": (
        {"go": {"services": {"cdn-service": {"env": {"JWT": {"secret": "JWT_SECRET", "name": "auth-service-secrets"}}}}}},
        "go.services.cdn-service.env.JWT.name: a service reads only its own Secret cdn-service-secrets"),
}


def edited(data: dict, patch: dict) -> dict:
    """data with patch merged in, as an author editing the file would; None removes a key."""
    for key, value in patch.items():
        if value is None:
            data.pop(key, None)
        elif isinstance(value, dict) and isinstance(data.get(key), dict):
            edited(data[key], value)
        else:
            data[key] = value
    return data


def plain_helm_live(tmp_path, patch: dict):
    """Plain `helm template` of values/live.yaml edited by patch."""
    live = tmp_path / "live.yaml"
    live.write_text(json.dumps(edited(yaml.safe_load(paths.env_values_file("live").read_text()), patch)))
    return run_helm([paths.tool("helm"), "template", "quikapp", str(paths.UMBRELLA), "-f", str(live)])


@pytest.mark.parametrize("case", sorted(LIVE_VARIANTS))
def test_plain_helm_template_refuses_each_class_on_live_naming_the_key(tmp_path, case):
    patch, says = LIVE_VARIANTS[case]
    result = plain_helm_live(tmp_path, patch)
    assert result.returncode != 0, f"{case} rendered"
    assert any(says in line for line in result.stderr.splitlines()), result.stderr


def test_the_internet_exceptions_add_to_the_floor_never_replace_it(tmp_path):
    extra = tmp_path / "open.yaml"
    extra.write_text(json.dumps({"global": {"networkPolicy": {"internet": {
        "except": [], "apiServer": ["20.50.60.70/32"]}}}}))
    objects = rendering.render("live", extra=["--values", str(extra)]).objects
    blocks = [peer["ipBlock"] for o in objects if o["kind"] == "NetworkPolicy"
              for rule in o["spec"].get("egress") or [] for peer in rule.get("to") or []
              if peer.get("ipBlock", {}).get("cidr") == "0.0.0.0/0"]
    assert blocks, "no service with internet egress in live"
    for block in blocks:
        assert set(block["except"]) == FLOOR | {"20.50.60.70/32"}


def test_supported_annotations_and_in_cluster_mirrors_render(tmp_path):
    result = plain_helm_live(tmp_path, _gateway_annotations({
        NGINX + "proxy-body-size": "8m", NGINX + "mirror-target": "http://shadow.quikapp-prod.svc.cluster.local:8080$request_uri",
        NGINX + "auth-url": "http://auth-service.quikapp-prod.svc:8081/verify"}))
    assert result.returncode == 0, result.stderr
    objects = rendering.load_objects(result.stdout, keep=False)
    (gateway,) = [o for o in objects if o["kind"] == "Ingress" and o["metadata"]["name"] == "backend-gateway-ingress"]
    assert gateway["metadata"]["annotations"][NGINX + "proxy-body-size"] == "8m"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_pod_runs_under_apparmor_and_seccomp_runtime_default_set_by_field(rendered, env):
    objects = rendered[env]
    pods = [(name, d["spec"]["template"]) for name, d in objects.by_kind["Deployment"].items()]
    pods += [(name, {"metadata": p["metadata"], "spec": p["spec"]}) for name, p in objects.by_kind["Pod"].items()]
    for name, pod in pods:
        context = pod["spec"]["securityContext"]
        assert context["appArmorProfile"] == {"type": "RuntimeDefault"}, name
        assert context["seccompProfile"] == {"type": "RuntimeDefault"}, name
        keys = pod["metadata"].get("annotations") or {}
        assert not [k for k in keys if "apparmor" in k or "seccomp" in k], name


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_each_services_pods_reference_only_their_own_secret(rendered, env):
    """The render contract of least privilege: a Deployment's env reads one Secret, its own; its
    pods mount its own SecretProviderClass, which syncs exactly the keys that env reads into it."""
    objects = rendered[env]
    classes = objects.by_kind.get("SecretProviderClass", {})
    for name, deployment in objects.by_kind["Deployment"].items():
        spec = deployment["spec"]["template"]["spec"]
        refs = [var["valueFrom"]["secretKeyRef"] for c in spec["containers"] for var in c.get("env", [])
                if "secretKeyRef" in var.get("valueFrom", {})]
        assert not any("envFrom" in c for c in spec["containers"]), name
        assert {ref["name"] for ref in refs} <= {f"{name}-secrets"}, name
        mounted = {v["csi"]["volumeAttributes"]["secretProviderClass"] for v in spec["volumes"] if "csi" in v}
        if not refs:
            assert not mounted and f"{name}-secrets" not in classes, name
            continue
        assert mounted == {f"{name}-secrets"}, name
        (synced,) = classes[f"{name}-secrets"]["spec"]["secretObjects"]
        assert synced["secretName"] == f"{name}-secrets"
        assert {item["key"] for item in synced["data"]} == {ref["key"] for ref in refs}, name
    # No Secret is synced for, or read by, two services.
    synced_names = [s["secretName"] for c in classes.values() for s in c["spec"]["secretObjects"]]
    assert len(synced_names) == len(set(synced_names))
