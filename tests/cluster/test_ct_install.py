"""`ct install` of the umbrella chart against the local cluster, a case per ci/*-values.yaml.

ct creates a namespace per values file, installs with --wait, runs `helm test` (the kwok stage in
tools/kwok completes the test pod), prints every pod's description and logs and deletes it all
again. ct installs every values file of the chart's ci/ folder, so each case runs it on a copy of
the chart holding that one file. `make test` runs one stack alone; the others are `matrix`.
"""
from __future__ import annotations

import shutil

import pytest

from clusterlib import helm, load_yaml_docs, run
from quikapp_charts.cluster.config import RELEASE
from quikapp_charts.cluster.storage import spare_volumes
from quikapp_charts.core import paths

pytestmark = pytest.mark.cluster

CI_VALUES = sorted((paths.UMBRELLA / "ci").glob("*-values.yaml"))
# One stack alone: ct's install, test and clean-up in a third of the time of the whole umbrella, which
# the installs of tests/cluster/test_install.py cover.
REPRESENTATIVE = "single-stack-values.yaml"


def test_there_are_ct_install_values():
    assert REPRESENTATIVE in [values.name for values in CI_VALUES], "charts/quikapp/ci/*-values.yaml"


@pytest.mark.parametrize("values", [v if v.name == REPRESENTATIVE else pytest.param(v, marks=pytest.mark.matrix)
                                    for v in CI_VALUES], ids=lambda v: v.name.removesuffix("-values.yaml"))
def test_ct_install_passes(local_cluster, tmp_path, values):
    chart = tmp_path / "charts" / paths.UMBRELLA.name
    shutil.copytree(paths.UMBRELLA, chart, ignore=lambda folder, names: [
        n for n in names if folder.endswith("/ci") and n != values.name])
    # ct picks a random namespace, so the values file's claims get unbound volumes to bind.
    rendered = load_yaml_docs(helm("template", RELEASE, str(paths.UMBRELLA), "-f", str(values)).stdout)
    claims = [o for o in rendered if o.get("kind") == "PersistentVolumeClaim"]
    if claims:
        spare_volumes(claims, copies=1)
    result = run(paths.tool("ct"), "install", "--config", str(paths.ROOT / "ct.yaml"),
                 "--charts", str(chart), timeout=1200, check=False)
    output = "\n".join(line for line in (result.stdout + result.stderr).splitlines()
                       if not line.startswith("level=INFO"))
    assert result.returncode == 0, output[-6000:]
    assert "All charts installed successfully" in output
    assert f'Installing chart with values file "{chart / "ci" / values.name}"' in output
