"""Values are data: a value that looks like YAML 1.1 (`NO`, `Y`, `on`, `007`) renders as the string
it is, the smoke test's targets reach its shell as arguments, and staging and live pin images
whatever their file says."""
from __future__ import annotations

import json

import pytest

from quikapp_charts.core import rendering
from quikapp_charts.core.errors import UserError
from support import Objects

YAML_11_WORDS = {
    "spring-boot": {"defaults": {"env": {"NO": "off", "Y": {"config": "Y"}, "on": "yes"}}},
    "elixir": {"services": {"elixir-realtime": {"autoscaling": {"podsMetrics": {"on": 100, "no": "1k"}}}}},
    "go": {"services": {"cdn-service": {"tier": "yes", "writablePaths": {"on": "/cache"}}}},
    "global": {"config": {"Y": "n", "NO": True, "on": 1.0}},
}


def render_with(tmp_path, env: str, values: dict) -> Objects:
    extra = tmp_path / "extra.yaml"
    extra.write_text(json.dumps(values))  # every key and string quoted, as a careful author writes them
    return Objects(rendering.render(env, extra=["--values", str(extra)]))


def container(deployment: dict) -> dict:
    (only,) = deployment["spec"]["template"]["spec"]["containers"]
    return only


def test_yaml_11_words_render_as_strings(tmp_path):
    objects = render_with(tmp_path, "dev", YAML_11_WORDS)
    env = {var["name"]: var for var in container(objects.get("Deployment", "auth-service"))["env"]}
    assert env["NO"] == {"name": "NO", "value": "off"}
    assert env["on"] == {"name": "on", "value": "yes"}
    assert env["Y"]["valueFrom"]["configMapKeyRef"]["key"] == "Y"

    config = objects.get("ConfigMap", "quikapp-config")["data"]
    assert {key: config[key] for key in ("Y", "NO", "on")} == {"Y": "n", "NO": "true", "on": "1"}

    hpa = objects.get("HorizontalPodAutoscaler", "elixir-realtime-hpa")
    pods = {m["pods"]["metric"]["name"]: m["pods"]["target"]["averageValue"]
            for m in hpa["spec"]["metrics"] if m["type"] == "Pods"}
    assert pods == {"on": "100", "no": "1k", "websocket_connections": "5000"}

    cdn = objects.get("Deployment", "cdn-service")
    assert cdn["spec"]["template"]["metadata"]["labels"]["tier"] == "yes"
    assert {"name": "on", "mountPath": "/cache"} in container(cdn)["volumeMounts"]
    assert "on" in {v["name"] for v in cdn["spec"]["template"]["spec"]["volumes"]}


def test_every_scalar_of_a_render_is_typed_as_kubernetes_expects(rendered):
    """No label, annotation, name or env var of any environment parses as anything but a string."""
    for env, objects in rendered.items():
        for obj in objects.all:
            metadata = obj["metadata"]
            for key in ("labels", "annotations"):
                for name, value in (metadata.get(key) or {}).items():
                    assert isinstance(name, str) and isinstance(value, str), (env, obj["kind"], name, value)


def test_smoke_test_targets_are_arguments_not_script(tmp_path, rendered):
    pod = rendered["dev"].get("Pod", "quikapp-smoke-test")
    (test,) = pod["spec"]["containers"]
    script = test["command"][2]
    assert test["command"][:2] == ["/bin/sh", "-c"] and test["command"][3] == "smoke-test"
    assert "http://" not in script and "{{" not in script
    assert test["args"][0] == "5"
    assert "http://auth-service:8081/actuator/health/readiness" in test["args"][1:]
    assert len(test["args"]) == 1 + 33


def test_staging_pins_images_even_when_its_file_leaves_pinning_out(tmp_path):
    values = {"global": {"environment": "staging", "image": {"tag": "latest"}}}
    with pytest.raises(UserError, match='"latest" is not a version \\(x.y.z\\) or missing; staging pins image tags'):
        render_with(tmp_path, "dev", values)


def test_live_cannot_turn_pinning_off(tmp_path):
    values = {"global": {"environment": "production", "image": {"tag": "2.6.3", "requirePinned": False}}}
    with pytest.raises(UserError, match=r"global\.image\.requirePinned: value must be true$"):
        render_with(tmp_path, "dev", values)
