"""`ct install` of the umbrella chart against the local cluster, one install per ci/*-values.yaml.

ct creates a namespace per values file, installs with --wait, runs `helm test` (the kwok stage in
tools/kwok completes the test pod) and deletes it all again.
"""
from __future__ import annotations

import pytest

from clusterlib import helm, load_yaml_docs, run
from quikapp_charts.cluster.config import RELEASE
from quikapp_charts.cluster.storage import spare_volumes
from quikapp_charts.core import paths

pytestmark = pytest.mark.cluster

CI_VALUES = sorted((paths.UMBRELLA / "ci").glob("*-values.yaml"))


def test_there_are_ct_install_values():
    assert CI_VALUES, "charts/quikapp/ci/*-values.yaml"


def test_ct_install_passes(local_cluster):
    # ct picks a random namespace per values file, so their claims get unbound volumes to bind.
    for values in CI_VALUES:
        rendered = load_yaml_docs(helm("template", RELEASE, str(paths.UMBRELLA), "-f", str(values)).stdout)
        claims = [o for o in rendered if o.get("kind") == "PersistentVolumeClaim"]
        if claims:
            spare_volumes(claims, copies=1)
    result = run(paths.tool("ct"), "install", "--config", str(paths.ROOT / "ct.yaml"),
                 "--charts", str(paths.UMBRELLA.relative_to(paths.ROOT)), timeout=1200, check=False)
    output = "\n".join(line for line in (result.stdout + result.stderr).splitlines()
                       if not line.startswith("level=INFO"))
    assert result.returncode == 0, output[-6000:]
    assert "All charts installed successfully" in output
    for values in CI_VALUES:
        assert f"--values {values.relative_to(paths.ROOT)}" in output or values.name in output
