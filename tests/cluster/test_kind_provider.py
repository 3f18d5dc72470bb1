"""The kind provider, for machines with Docker. CI has no Docker, so these tests check what
`cluster up --provider kind` would do (its kind config, its GPU mock) without running kind."""
from __future__ import annotations

import json

import pytest
import yaml

from quikapp_charts.cluster import config, kind, lifecycle, nodes
from quikapp_charts.core.errors import UserError


def test_kind_config_has_a_worker_per_node_and_a_local_api_server():
    config = kind.kind_config(12, 2)
    roles = [n["role"] for n in config["nodes"]]
    assert roles == ["control-plane"] + ["worker"] * 14
    assert config["networking"]["apiServerAddress"] == "127.0.0.1"
    assert "&id" not in yaml.safe_dump(config)  # plain YAML, no anchors


def test_the_gpu_mock_labels_taints_and_patches_status(monkeypatch):
    calls = []
    monkeypatch.setattr(nodes, "kubectl", lambda *args, **kw: calls.append(args))
    nodes.mock_gpu("quikapp-worker15")
    label, taint, patch = calls
    assert label[:3] == ("label", "node", "quikapp-worker15")
    assert "kubernetes.io/accelerator=nvidia-tesla-v100" in label
    assert taint[:3] == ("taint", "node", "quikapp-worker15") and "nvidia.com/gpu=present:NoSchedule" in taint
    assert patch[:4] == ("patch", "node", "quikapp-worker15", "--subresource=status")
    status = json.loads(patch[-1])["status"]
    assert status["capacity"]["nvidia.com/gpu"] == status["allocatable"]["nvidia.com/gpu"] == "4"


def test_kind_without_docker_is_one_clear_error(monkeypatch):
    monkeypatch.setattr(config.State, "load", classmethod(lambda cls: None))
    monkeypatch.setattr(kind, "require_binaries", lambda names: None)
    monkeypatch.setattr(kind.shutil, "which", lambda name: None)
    with pytest.raises(UserError, match="needs Docker or Podman"):
        lifecycle.up("kind", 2, 1)
