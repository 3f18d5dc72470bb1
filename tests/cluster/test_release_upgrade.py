"""A whole release, from a fresh clone to the cluster: version N is the clone's commit, tagged and
published; then a change, `release` (bump, notes, snapshots, commit, tags, signed archives), and
N+1 published to the HTTP repository and the OCI registry. N is installed from the HTTP repository
(its provenance verified), upgraded to N+1 from the registry, then rolled back: each revision as
helm records it, the change in the pods, and every Deployment kept (same UID, same selector), not
recreated.
"""
from __future__ import annotations

import json
import subprocess

import pytest
import yaml

from clusterlib import HELM_TIMEOUT, kubectl, kubectl_json, wait_at_floor, wait_until_namespace_gone
from quikapp_charts.cluster.config import KUBECONFIG
from quikapp_charts.cluster.install import namespace_object
from quikapp_charts.cluster.kube import apply, tool_env
from quikapp_charts.core import paths
from release_support import cli, fresh_clone, git, helm_env

pytestmark = pytest.mark.cluster

NAMESPACE = "quikapp-release"
RELEASE = "quikapp-upgrade"
CHARTS = ["quikapp-lib", *paths.STACKS, "quikapp"]
# local's values, in a namespace of their own, without the GPU stack (the session's environments hold the GPUs).
VALUES = ["-f", str(paths.env_values_file("local")), "--set-string", f"global.namespace={NAMESPACE}",
          "--set", "python.enabled=false"]
FLAG = "RELEASE_CHECK"


def ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def helm(tmp_path, *args: str) -> subprocess.CompletedProcess:
    """helm against the cluster with configuration, repositories and caches of the test's own."""
    return subprocess.run([paths.tool("helm"), "--kubeconfig", str(KUBECONFIG), *args],
                          capture_output=True, text=True, env=helm_env(tmp_path, tool_env()), timeout=600)


def deployments() -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in kubectl_json("get", "deployments", "-n", NAMESPACE)["items"]}


def identity(found: dict[str, dict]) -> dict[str, tuple]:
    return {name: (d["metadata"]["uid"], json.dumps(d["spec"]["selector"], sort_keys=True)) for name, d in found.items()}


def env_names(deployment: dict) -> set[str]:
    return {e["name"] for c in deployment["spec"]["template"]["spec"]["containers"] for e in c.get("env", [])}


def history(tmp_path) -> list[dict]:
    return json.loads(ok(helm(tmp_path, "history", RELEASE, "-n", NAMESPACE, "-o", "json")).stdout)


def publish_n_and_n_plus_1(clone, tmp_path, secring, folder, url, oci) -> tuple[str, dict[str, str]]:
    """Version N (the clone's commit, tagged as released) and N+1 (a change to the go stack, then
    `release`), each packaged, signed and published to both targets; N's umbrella version and the
    new versions by chart."""
    for chart in CHARTS:
        version = yaml.safe_load((clone / "charts" / chart / "Chart.yaml").read_text())["version"]
        git(clone, "tag", f"{chart}-{version}")
    previous = yaml.safe_load((clone / "charts/quikapp/Chart.yaml").read_text())["version"]
    ok(cli(clone, "package", "--out", str(tmp_path / "dist-n"), "--sign", "QuikApp Release", "--keyring", str(secring)))
    ok(cli(clone, "publish", str(tmp_path / "dist-n"), "--repo-dir", str(folder), "--url", url))
    ok(cli(clone, "publish", str(tmp_path / "dist-n"), "--oci", oci))

    values = clone / "charts/go/values.yaml"
    document = yaml.safe_load(values.read_text())
    assert FLAG not in document["catalogue"]["defaults"]["env"]
    values.write_text(values.read_text().replace("    env:\n", f"    env:\n      {FLAG}: \"on\"\n", 1))
    assert yaml.safe_load(values.read_text())["catalogue"]["defaults"]["env"][FLAG] == "on"
    ok(cli(clone, "generate"))
    git(clone, "add", "-A", "charts")
    git(clone, "commit", "-qm", "feat(go): the release check flag")
    released = json.loads(ok(cli(clone, "release", "go", "patch", "--out", str(tmp_path / "dist-n1"),
                                 "--sign", "QuikApp Release", "--keyring", str(secring), "-o", "json")).stdout)
    new = {row["chart"]: row["to"] for row in released["charts"]}
    assert set(new) == {"go", "quikapp"}
    ok(cli(clone, "publish", str(tmp_path / "dist-n1"), "--repo-dir", str(folder), "--url", url))
    ok(cli(clone, "publish", str(tmp_path / "dist-n1"), "--oci", oci))
    return previous, new


def test_release_publish_install_upgrade_and_roll_back(kube_cluster, tmp_path, signing_key, served, registry):
    secring, pubring = signing_key
    folder, url = served
    oci = f"oci://{registry}/charts"
    clone = fresh_clone(paths.ROOT, tmp_path / "clone")
    previous, new = publish_n_and_n_plus_1(clone, tmp_path, secring, folder, url, oci)

    # Install N from the HTTP repository, its provenance verified against the public key.
    # The namespace of an earlier run on this cluster may still be terminating (see the end).
    wait_until_namespace_gone(NAMESPACE)
    apply([namespace_object(NAMESPACE)])
    try:
        ok(helm(tmp_path, "repo", "add", "quikapp-test", url))
        ok(helm(tmp_path, "install", RELEASE, "quikapp-test/quikapp", "--version", previous, "-n", NAMESPACE,
                *VALUES, "--verify", "--keyring", str(pubring), "--wait", "--timeout", HELM_TIMEOUT))
        before = deployments()
        assert len(before) == 25 and all(FLAG not in env_names(d) for d in before.values())
        floor = {name: 1 for name in before}  # local: replicaOverride 1
        wait_at_floor(kube_cluster.kube_client, NAMESPACE, floor)

        # Upgrade to N+1 from the registry.
        ok(helm(tmp_path, "upgrade", RELEASE, f"{oci}/quikapp", "--version", new["quikapp"], "--plain-http",
                "-n", NAMESPACE, *VALUES, "--wait", "--timeout", HELM_TIMEOUT))
        revisions = history(tmp_path)
        assert [(r["revision"], r["status"], r["chart"]) for r in revisions] == [
            (1, "superseded", f"quikapp-{previous}"), (2, "deployed", f"quikapp-{new['quikapp']}")]
        after = deployments()
        assert identity(after) == identity(before)  # same objects: no Deployment deleted and recreated
        go = {name for name, d in after.items() if d["metadata"]["labels"].get("stack") == "go"}
        assert len(go) == 10
        for name, d in after.items():
            assert (FLAG in env_names(d)) == (name in go), name
            assert d["metadata"]["labels"]["helm.sh/chart"] == (f"go-{new['go']}" if name in go
                                                                 else before[name]["metadata"]["labels"]["helm.sh/chart"])
        wait_at_floor(kube_cluster.kube_client, NAMESPACE, floor)

        # Roll back to N.
        ok(helm(tmp_path, "rollback", RELEASE, "1", "-n", NAMESPACE, "--wait", "--timeout", HELM_TIMEOUT))
        revisions = history(tmp_path)
        assert revisions[-1]["revision"] == 3 and revisions[-1]["status"] == "deployed"
        assert revisions[-1]["description"] == "Rollback to 1" and revisions[-1]["chart"] == f"quikapp-{previous}"
        rolled_back = deployments()
        assert identity(rolled_back) == identity(before)
        assert all(FLAG not in env_names(d) for d in rolled_back.values())
        wait_at_floor(kube_cluster.kube_client, NAMESPACE, floor)
    finally:
        # The release goes with its namespace; not waited for: the next run waits at its start.
        kubectl("delete", "namespace", NAMESPACE, "--wait=false", check=False)
