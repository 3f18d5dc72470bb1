"""The merge order, layer by layer: library defaults -> the chart's catalogue.defaults ->
catalogue.gpuDefaults (GPU services) -> catalogue.services.<name> -> the environment's defaults ->
gpuDefaults (GPU services) -> services.<name>. The last layer that sets a key wins.

Every leaf of the service shape (the library defaults, plus a key in each map they leave empty) is
set at the lowest K layers, each layer with its own value (never the library's), for K = 1..6; the
merged service then holds the value of the highest of those layers that applies to it. The chart's
layers are written into a copy of the python chart's values.yaml, the environment's into a values
file given with -f, as a user's install does.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from quikapp_charts.core import paths, rendering
from support import run_helm

CPU, GPU = "analytics-service", "ml-service"
LAYERS = ("catalogue.defaults", "catalogue.gpuDefaults", "catalogue.services", "defaults", "gpuDefaults", "services")
# Layers (1-based) that apply to a service that is not a GPU service.
CPU_LAYERS = (1, 3, 4, 6)
# Keys of maps the library leaves empty: each is set at every layer too.
EMPTY_MAPS = {
    ("ports",): ["http"],
    ("env",): ["MERGE_TEST"],
    ("resources",): ["requests/cpu", "requests/memory", "limits/cpu", "limits/memory"],
    ("probes", "liveness"): ["path", "port", "initialDelaySeconds", "periodSeconds", "timeoutSeconds",
                             "failureThreshold", "successThreshold"],
    ("autoscaling", "podsMetrics"): ["merge_test"],
    ("ingress", "annotations"): ["merge-test"],
    ("podAnnotations",): ["merge-test"],
    ("nodeSelector",): ["merge-test"],
}
EMPTY_MAPS[("probes", "readiness")] = EMPTY_MAPS[("probes", "liveness")]


def cycle(*choices):
    return lambda i: choices[i % len(choices)]


# Values valid for the schema and the chart's checks, different from the library's and from layer to layer.
BY_PATH = {
    ("tier",): lambda i: f"tier-l{i}",
    ("image", "registry"): lambda i: f"l{i}.example.com",
    ("image", "repository"): lambda i: f"repo-l{i}",
    ("image", "tag"): lambda i: f"v{i}",
    ("image", "digest"): lambda i: "sha256:" + f"{i:x}" * 64,
    ("image", "pullPolicy"): cycle("IfNotPresent", "Never"),
    ("ports", "http"): lambda i: 6000 + i,
    ("servicePorts",): lambda i: [f"m{i}"],
    ("pdb", "minAvailable"): lambda i: f"{10 + i}%",
    ("rollout", "maxSurge"): lambda i: f"{30 + i}%",
    ("rollout", "maxUnavailable"): lambda i: f"{40 + i}%",
    ("metrics", "port"): lambda i: f"m{i}",
    ("metrics", "path"): lambda i: f"/metrics-{i}",
    ("antiAffinity",): cycle("preferred", "required"),
    ("clustering", "headlessPorts"): lambda i: [f"m{i}"],
    ("ingress", "className"): lambda i: f"class-l{i}",
    ("ingress", "host"): lambda i: f"h{i}.example.com",
    ("ingress", "path"): lambda i: f"/p{i}",
    ("ingress", "pathType"): cycle("Prefix", "Exact", "ImplementationSpecific"),
    ("ingress", "tlsSecret"): lambda i: f"tls-l{i}",
    ("gpu", "nodeSelector", "kubernetes.io/accelerator"): lambda i: f"gpu-l{i}",
    ("gpu", "tolerations"): lambda i: [{"key": f"gpu-l{i}", "operator": "Exists", "effect": "NoSchedule"}],
    ("modelStorage", "claimName"): lambda i: f"claim-l{i}",
    ("modelStorage", "mountPath"): lambda i: f"/models-{i}",
    ("modelStorage", "size"): lambda i: f"{i}Gi",
    ("modelStorage", "storageClassName"): lambda i: f"sc-l{i}",
    ("modelStorage", "accessModes"): lambda i: [("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod")[i % 4]],
    ("keyVault", "mountPath"): lambda i: f"/kv-{i}",
    ("callers",): lambda i: [f"caller-l{i}"],
    ("writablePaths", "tmp"): lambda i: f"/tmp-{i}",
    ("podSecurityContext", "seccompProfile", "type"): cycle("RuntimeDefault", "Localhost"),
    ("podSecurityContext", "appArmorProfile", "type"): cycle("RuntimeDefault", "Localhost"),
    ("securityContext", "seccompProfile", "type"): cycle("RuntimeDefault", "Localhost"),
    ("securityContext", "capabilities", "drop"): lambda i: ["ALL", "CAP_" + "ABCDEFG"[i]],
    ("egress", "dataStores"): lambda i: [("database", "redis", "kafka")[i % 3]],
    ("ephemeralStorage", "request"): lambda i: f"{i}Mi",
    ("ephemeralStorage", "limit"): lambda i: f"{i}Gi",
    ("ephemeralStorage", "sizeLimit"): lambda i: f"{10 * i}Mi",
    ("tolerations",): lambda i: [{"key": f"l{i}", "operator": "Exists"}],
    ("resources", "requests", "cpu"): lambda i: f"{100 * i}m",
    ("resources", "limits", "cpu"): lambda i: f"{200 * i}m",
    ("resources", "requests", "memory"): lambda i: f"{i}Mi",
    ("resources", "limits", "memory"): lambda i: f"{2 * i}Mi",
    ("probes", "liveness", "path"): lambda i: f"/live-{i}",
    ("probes", "readiness", "path"): lambda i: f"/ready-{i}",
    ("probes", "liveness", "port"): lambda i: f"m{i}",
    ("probes", "readiness", "port"): lambda i: f"m{i}",
    ("autoscaling", "podsMetrics", "merge_test"): lambda i: str(i),
}
for probe in ("liveness", "readiness"):
    for key in ("initialDelaySeconds", "periodSeconds", "timeoutSeconds", "failureThreshold", "successThreshold"):
        BY_PATH[("probes", probe, key)] = lambda i: 10 + i
# Which service is a GPU service is the entry's word (tested on its own below), not swept.
NOT_SWEPT = {("gpu", "enabled")}
SERVICE_SCHEMA = json.loads((paths.UMBRELLA / "values.schema.json").read_text())["$defs"]["service"]


def fixed(path: tuple) -> bool:
    """A leaf the schema allows one value for (runAsNonRoot: true, ...): no layer can change it."""
    node = SERVICE_SCHEMA
    for key in path:
        node = (node.get("properties") or {}).get(key)
        if node is None:
            return False
    return "const" in node


def leaves(defaults: dict, prefix: tuple = ()) -> dict[tuple, object]:
    """Every leaf path of the service shape with its library default (None where a map was empty)."""
    found = {}
    for key, value in defaults.items():
        path = (*prefix, key)
        if isinstance(value, dict) and value:
            found.update(leaves(value, path))
        elif isinstance(value, dict) or path in EMPTY_MAPS:
            for sub in EMPTY_MAPS[path]:
                found[(*path, *sub.split("/"))] = None
        else:
            found[path] = value
    return found


def value_at(path: tuple, default, layer: int):
    if path in BY_PATH:
        return BY_PATH[path](layer)
    if isinstance(default, bool):
        return (not default) if layer % 2 else default
    if isinstance(default, int):
        return 10 + layer
    return f"l{layer}"


def put(tree: dict, path: tuple, value) -> None:
    for key in path[:-1]:
        tree = tree.setdefault(key, {})
    tree[path[-1]] = value


def get(tree: dict, path: tuple):
    for key in path:
        if not isinstance(tree, dict) or key not in tree:
            return None
        tree = tree[key]
    return tree


PROBE_TEMPLATE = """\
{{- $global := dict -}}
{{- include "quikapp.settings.global" (dict "ctx" . "out" $global) -}}
{{- $values := .Values.python -}}
{{- $ctx := dict "Values" (merge (dict "global" $global) $values) "Chart" (dict "Name" "python") "Release" .Release -}}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: library-defaults
data:
  service: {{ include "quikapp.defaults.service" . | quote }}
{{- range $name := keys $values.catalogue.services | sortAlpha }}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: merged-{{ $name }}
data:
  {{- $svc := dict }}
  {{- include "quikapp.settings.resolve" (dict "ctx" $ctx "name" $name "out" $svc) }}
  service: {{ omit $svc "derived" | toYaml | quote }}
{{- end }}
"""


@pytest.fixture(scope="module")
def chart(tmp_path_factory) -> Path:
    """The umbrella with real copies of its dependencies and a template that shows merged services."""
    root = tmp_path_factory.mktemp("merge") / "quikapp"
    shutil.copytree(paths.UMBRELLA, root, ignore=shutil.ignore_patterns("charts"))
    for name in ("quikapp-lib", *paths.STACKS):
        shutil.copytree(paths.CHARTS / name, root / "charts" / name, ignore=shutil.ignore_patterns("charts"))
        if name != "quikapp-lib":
            shutil.copytree(paths.CHARTS / "quikapp-lib", root / "charts" / name / "charts" / "quikapp-lib")
    (root / "templates" / "merged.yaml").write_text(PROBE_TEMPLATE)
    return root


def render(chart: Path, catalogue: dict, environment: dict, tmp_path: Path) -> list[dict]:
    values = yaml.safe_load((paths.CHARTS / "python" / "values.yaml").read_text())
    values["catalogue"] = catalogue
    (chart / "charts" / "python" / "values.yaml").write_text(yaml.safe_dump(values))
    env_file = tmp_path / "env.yaml"
    env_file.write_text(yaml.safe_dump({
        "global": {"environment": "merge-test", "namespace": "quikapp-merge-test"},
        **{stack: {"enabled": False} for stack in paths.STACKS if stack != "python"},
        "python": environment,
    }))
    result = run_helm([paths.tool("helm"), "template", "quikapp", str(chart), "-f", str(env_file),
                       "--kube-version", rendering.kube_version()])
    assert result.returncode == 0, result.stderr
    return rendering.load_objects(result.stdout)


def merged(objects: list[dict]) -> dict[str, dict]:
    """Service name (or library-defaults) -> its merged settings."""
    return {obj["metadata"]["name"].removeprefix("merged-"): yaml.safe_load(obj["data"]["service"])
            for obj in objects if obj["kind"] == "ConfigMap" and "service" in obj.get("data", {})}


def layered(shape: dict[tuple, object], set_layers: int) -> tuple[dict, dict]:
    """(catalogue, environment) values with every leaf set at layers 1..set_layers."""
    layers = [{} for _ in LAYERS]
    for layer in range(1, set_layers + 1):
        for path, default in shape.items():
            if path not in NOT_SWEPT and not fixed(path):
                put(layers[layer - 1], path, value_at(path, default, layer))
            if path[0] == "metrics" or path[-1] == "port" or path == ("servicePorts",):
                put(layers[layer - 1], ("ports", f"m{layer}"), 7000 + layer)
    entry = {CPU: {"gpu": {"enabled": False}}, GPU: {"gpu": {"enabled": True}}}
    catalogue_entries = {name: {**layers[2], **{"gpu": {**layers[2].get("gpu", {}), **gpu["gpu"]}}}
                         for name, gpu in entry.items()}
    env_entries = {name: {**layers[5], **{"gpu": {**layers[5].get("gpu", {}), **gpu["gpu"]}}}
                   for name, gpu in entry.items()}
    catalogue = {"defaults": layers[0], "gpuDefaults": layers[1], "services": catalogue_entries}
    environment = {"defaults": layers[3], "gpuDefaults": layers[4], "services": env_entries}
    return catalogue, environment


@pytest.fixture(scope="module")
def shape(chart, tmp_path_factory) -> dict[tuple, object]:
    entries = {name: {"ports": {"http": 5000}} for name in (CPU, GPU)}
    objects = render(chart, {"services": entries}, {}, tmp_path_factory.mktemp("shape"))
    return leaves(merged(objects)["library-defaults"])


def test_the_sweep_covers_the_whole_service_shape(shape):
    top_keys = {path[0] for path in shape}
    assert top_keys >= {"image", "ports", "replicas", "autoscaling", "pdb", "env", "resources", "probes", "metrics",
                        "clustering", "ingress", "gpu", "modelStorage", "keyVault", "podSecurityContext",
                        "securityContext", "tolerations", "nodeSelector", "writablePaths", "callers"}
    assert len(shape) > 70


@pytest.mark.parametrize("set_layers", range(1, len(LAYERS) + 1))
def test_the_highest_layer_that_sets_a_key_wins(chart, shape, set_layers, tmp_path):
    catalogue, environment = layered(shape, set_layers)
    services = merged(render(chart, catalogue, environment, tmp_path))
    wrong = []
    for name, applies in ((CPU, CPU_LAYERS), (GPU, tuple(range(1, len(LAYERS) + 1)))):
        winner = max((layer for layer in applies if layer <= set_layers), default=0)
        for path, default in shape.items():
            if path in NOT_SWEPT:
                continue
            want = value_at(path, default, winner) if winner and not fixed(path) else default
            got = get(services[name], path)
            if got != want:
                layer = LAYERS[winner - 1] if winner else "library"
                wrong.append(f"{name} {'.'.join(path)}: {got!r}, want layer {winner} ({layer}) {want!r}")
    assert not wrong, "\n".join(wrong)


def test_rendered_objects_carry_the_environment_entry(chart, shape, tmp_path):
    """With every layer set, the objects a user gets show the environment's service entry."""
    objects = render(chart, *layered(shape, len(LAYERS)), tmp_path)
    top = len(LAYERS)
    deployments = {o["metadata"]["name"]: o for o in objects if o["kind"] == "Deployment"}
    hpas = {o["metadata"]["name"]: o for o in objects if o["kind"] == "HorizontalPodAutoscaler"}
    for name in (CPU, GPU):
        pod = deployments[name]["spec"]["template"]["spec"]
        container = pod["containers"][0]
        assert container["image"] == f"l{top}.example.com/repo-l{top}@sha256:" + f"{top:x}" * 64
        assert container["resources"]["limits"]["cpu"] == f"{200 * top}m"
        assert {"name": "http", "containerPort": 6000 + top, "protocol": "TCP"} in container["ports"]
        assert {"name": "MERGE_TEST", "value": f"l{top}"} in container["env"]
        assert hpas[f"{name}-hpa"]["spec"]["minReplicas"] == 10 + top
        assert pod["nodeSelector"]["merge-test"] == f"l{top}"
    gpu_pod = deployments[GPU]["spec"]["template"]["spec"]
    assert gpu_pod["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == 10 + top
    assert gpu_pod["nodeSelector"]["kubernetes.io/accelerator"] == f"gpu-l{top}"
    assert {"key": f"gpu-l{top}", "operator": "Exists", "effect": "NoSchedule"} in gpu_pod["tolerations"]
    cpu_pod = deployments[CPU]["spec"]["template"]["spec"]
    assert "nvidia.com/gpu" not in cpu_pod["containers"][0]["resources"]["limits"]
    assert "kubernetes.io/accelerator" not in cpu_pod["nodeSelector"]


def test_the_last_layer_that_names_a_gpu_service_decides_and_brings_the_gpu_layers(chart, tmp_path):
    """The environment's defaults make every service a GPU service over the catalogue's entries,
    an environment entry takes it back; gpuDefaults apply to the GPU services only."""
    catalogue = {"defaults": {}, "gpuDefaults": {"env": {"GPU_LAYER": "catalogue"}},
                 "services": {CPU: {"gpu": {"enabled": False}, "ports": {"http": 5000}},
                              GPU: {"gpu": {"enabled": True}, "ports": {"http": 5001}}}}
    environment = {"defaults": {"gpu": {"enabled": True}}, "gpuDefaults": {"tier": "gpu-env"},
                   "services": {GPU: {"gpu": {"enabled": False}}}}
    objects = render(chart, catalogue, environment, tmp_path)
    services = merged(objects)
    assert services[CPU]["gpu"]["enabled"] is True
    assert services[CPU]["env"]["GPU_LAYER"] == "catalogue" and services[CPU]["tier"] == "gpu-env"
    assert services[GPU]["gpu"]["enabled"] is False
    assert "GPU_LAYER" not in services[GPU]["env"] and services[GPU]["tier"] == "backend"
    limits = {o["metadata"]["name"]: o["spec"]["template"]["spec"]["containers"][0]["resources"].get("limits", {})
              for o in objects if o["kind"] == "Deployment"}
    assert limits[CPU]["nvidia.com/gpu"] == 1
    assert "nvidia.com/gpu" not in limits[GPU]
