"""preflight without a cluster to ask: one row says so, exit 1, one error line (the cluster tests
check a complete local cluster and one with pieces removed)."""
from __future__ import annotations

import subprocess
import sys

from quikapp_charts.core import paths
from support import cli


def test_a_cluster_that_does_not_answer(tmp_path):
    config = tmp_path / "kubeconfig"
    config.write_text("apiVersion: v1\nkind: Config\nclusters:\n- name: x\n  cluster: {server: 'https://127.0.0.1:9'}\n"
                      "contexts:\n- name: x\n  context: {cluster: x, user: x}\nusers:\n- name: x\n  user: {}\n"
                      "current-context: x\n")
    result = subprocess.run([sys.executable, "-m", "quikapp_charts", "preflight", "dev", "--kubeconfig", str(config)],
                            capture_output=True, text=True, cwd=paths.ROOT)
    assert result.returncode == 1
    assert "MISSING" in result.stdout
    assert result.stderr.strip().splitlines()[-1] == "error: dev: 1 prerequisite(s) missing: cluster API server"


def test_staging_and_live_name_the_empty_key_vault_identity_even_so(tmp_path):
    result = cli("preflight", "live", "--kubeconfig", "/dev/null")  # in this process: the messages are the point
    assert result.code == 1
    assert "global.keyVault.tenantId and clientId empty" in result.stdout
    assert "Key Vault identity azure-kv-secrets" in result.stderr
