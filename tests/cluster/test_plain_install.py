"""The local cluster serves the command QuikApp's users type, not only `cluster install`:
`helm install quikapp charts/quikapp -f values/<env>.yaml --wait`, no -n, no step before it. The
namespace, the model volumes and the ingress prerequisites are there from `cluster up`, as a
platform team prepares a real cluster; every claim binds and every Deployment comes up."""
from __future__ import annotations

import pytest

from clusterlib import HELM_TIMEOUT, helm, kubectl, kubectl_json
from quikapp_charts.core import rendering

pytestmark = pytest.mark.cluster

ENV = "uat2"


@pytest.fixture
def plain_install(local_cluster):
    namespace = rendering.namespace_of(ENV)
    assert not kubectl_json("get", "deployments", "-n", namespace)["items"], f"{ENV} is installed already"
    yield namespace
    helm("uninstall", "quikapp", "-n", "default", "--wait", check=False)
    # The model claims are kept on uninstall (helm.sh/resource-policy: keep); this release's go too.
    kubectl("delete", "pvc", "--all", "-n", namespace, "--wait=true", check=False)


def test_the_mission_command_installs_and_every_claim_binds(plain_install):
    namespace = plain_install
    result = helm("install", "quikapp", "charts/quikapp", "-f", f"values/{ENV}.yaml", "--wait", "--timeout", HELM_TIMEOUT)
    assert f"installed into namespace {namespace} by release quikapp (namespace default)" in result.stdout
    claims = kubectl_json("get", "pvc", "-n", namespace)["items"]
    assert len(claims) == 4
    assert {c["status"]["phase"] for c in claims} == {"Bound"}
    deployments = kubectl_json("get", "deployments", "-n", namespace)["items"]
    assert len(deployments) == 33
    unavailable = [d["metadata"]["name"] for d in deployments
                   if d["status"].get("availableReplicas", 0) < d["spec"]["replicas"]]
    assert unavailable == []
