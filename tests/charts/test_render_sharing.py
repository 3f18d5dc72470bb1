"""What the umbrella's templates share within one render: the stack charts keep their merged services
on their root context, and the umbrella's test pod, PostSync Job, SecretProviderClass and NOTES.txt
read them there (quikapp.settings.enabled) instead of merging every service again. A render where
they are not kept resolves the services itself, to the same settings."""
from __future__ import annotations

import json
import shutil

import pytest

from quikapp_charts.core import paths, rendering
from support import run_helm

# Reads the services as the umbrella's templates do, then again with everything kept dropped.
PROBE = """\
{{- $kept := dict -}}
{{- include "quikapp.settings.enabled" (dict "ctx" . "out" $kept) -}}
{{- $_ := unset . "quikapp.settings.enabled" -}}
{{- range $stack, $chart := .Subcharts }}{{ $_ := unset $chart "quikapp.settings.stack" }}{{ end -}}
{{- $fresh := dict -}}
{{- include "quikapp.settings.enabled" (dict "ctx" . "out" $fresh) -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: sharing-probe
data:
  kept: {{ toJson $kept | quote }}
  fresh: {{ toJson $fresh | quote }}
"""


@pytest.mark.parametrize("binary", ["helm", "helm3"])
def test_the_umbrella_reads_the_stacks_services_as_it_would_resolve_them(tmp_path, binary):
    chart = tmp_path / "quikapp"
    shutil.copytree(paths.UMBRELLA, chart)
    (chart / "templates" / "sharing-probe.yaml").write_text(PROBE)
    result = run_helm([paths.tool(binary), "template", "quikapp", str(chart), "-f", str(paths.VALUES / "live.yaml"),
                       "--kube-version", rendering.kube_version()])
    assert result.returncode == 0, result.stderr
    probe = next(obj for obj in rendering.load_objects(result.stdout) if obj["metadata"]["name"] == "sharing-probe")
    kept, fresh = json.loads(probe["data"]["kept"]), json.loads(probe["data"]["fresh"])
    assert len(kept["names"]) == 33 and kept["names"] == fresh["names"]
    # Kept by the stack charts: their services carry what the Deployments were rendered from.
    assert all("derived" in svc for svc in kept["services"])
    assert [{k: v for k, v in svc.items() if k != "derived"} for svc in kept["services"]] == fresh["services"]
