"""`plan -o html`: the page from the capacity page's templates, loaded by headless Chromium (as
tests/capacity/test_capacity_html.py loads the capacity page), from a report built by plan's own
parts: a restart with its cause, a blocked claim with its remedy, a GPU surge that does not fit."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from quikapp_charts.core import report_templates
from quikapp_charts.upgrade import changes, plan, room

pytestmark = pytest.mark.slow

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--allow-file-access-from-files"]


def report() -> dict:
    image = changes.compare("Deployment", "ml-service", {"spec": {"template": {"spec": {"containers": [
        {"name": "ml-service", "image": "a:1"}]}}}}, {"spec": {"template": {"spec": {"containers": [
            {"name": "ml-service", "image": "a:2"}]}}}})
    claim = changes.blocked("PersistentVolumeClaim", "ml-models-pvc", "spec.resources.requests.storage: "
                            "Forbidden: field can not be less than status.capacity")
    one = {"nvidia.com/gpu": "1"}
    ml = {"metadata": {"name": "ml-service"},
          "spec": {"replicas": 7, "strategy": {"rollingUpdate": {"maxSurge": 2}},
                   "template": {"spec": {"containers": [{"resources": {"requests": one}}]}}}}
    gpu_node = {"metadata": {"name": "gpu-0"}, "spec": {}, "status": {"allocatable": {"nvidia.com/gpu": "4"}}}
    full = {"spec": {"nodeName": "gpu-0", "containers": [{"resources": {"requests": {"nvidia.com/gpu": "4"}}}]},
            "status": {"phase": "Running"}}
    gpu = room.nodes_room([ml], [gpu_node], [full])
    data = {"env": "live", "namespace": "quikapp-prod", "release": "quikapp", "revision": 4, "pending": None,
            "changes": [image.as_dict(), claim.as_dict()], "restarts": [{"name": "ml-service", "causes": image.causes()}],
            "reachNoPod": [], "blocked": [claim.as_dict()], "room": gpu, "quota": [], "budgets": [],
            "flows": {"opened": ["a -> b:80/TCP"], "closed": []}, "unservedApis": []}
    data["verdict"] = plan.verdict(data)
    return data


def test_a_browser_renders_the_plan_page(tmp_path):
    page = tmp_path / "plan.html"
    page.write_text(report_templates.render("plan.html.j2", r=report()))
    text = page.read_text()
    assert text.startswith("<!DOCTYPE html>") and not re.search(r"""(src|href)=["'](https?:|//)""", text)
    chromium = shutil.which("chromium")
    assert chromium, "chromium is missing: run tools/bootstrap.sh browser (make tools does)"
    dom = subprocess.run([chromium, *FLAGS, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr
    for shown in ("Upgrade plan of live (release quikapp in quikapp-prod)", "live: the upgrade is blocked",
                  "Deployments that restart: 1", "<td>ml-service</td><td class=\"text\">image</td>",
                  "PersistentVolumeClaim/ml-models-pvc", "a claim's spec only grows its storage",
                  "no: nvidia.com/gpu needs 2, 0 free", "Opened: 1 (a -&gt; b:80/TCP)"):
        assert shown in dom.stdout, shown
