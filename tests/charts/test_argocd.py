"""deploy/argocd/ as Argo CD runs it: the ApplicationSets generate one Application per values file,
and each Application's Helm source renders, with Argo CD's flags, every environment into its
namespace with the post-deploy check as a PostSync hook. (The cluster tests apply the manifests
and the generated Applications to a real API server that holds Argo CD's CRDs.)"""
from __future__ import annotations

import subprocess

import pytest
import yaml

from argocd import DEPLOY, expand, helm_template
from quikapp_charts.core import paths, rendering
from quikapp_charts.release import archives

MANUAL = {"staging", "live"}


@pytest.fixture(scope="module")
def git_apps() -> dict[str, dict]:
    return {app["metadata"]["labels"]["quikapp.dev/environment"]: app for app in expand(DEPLOY / "applicationset.yaml")}


@pytest.fixture(scope="module")
def published_apps() -> dict[str, dict]:
    return {app["metadata"]["labels"]["quikapp.dev/environment"]: app
            for app in expand(DEPLOY / "applicationset-published.yaml")}


def test_one_application_per_environment(git_apps, published_apps):
    assert sorted(git_apps) == sorted(paths.environments())
    assert sorted(published_apps) == sorted(paths.environments())
    for env, app in git_apps.items():
        assert app["metadata"]["name"] == f"quikapp-{env}"
        assert app["metadata"]["namespace"] == "argocd"
        assert app["spec"]["project"] == "quikapp"


@pytest.mark.parametrize("env", paths.environments())
def test_application_policy(git_apps, published_apps, env):
    for app in (git_apps[env], published_apps[env]):
        spec = app["spec"]
        assert spec["destination"] == {"server": "https://kubernetes.default.svc",
                                       "namespace": rendering.namespace_of(env)}
        sync = spec["syncPolicy"]
        assert {"CreateNamespace=true", "RespectIgnoreDifferences=true"} <= set(sync["syncOptions"])
        assert sync["managedNamespaceMetadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
        # The HPA owns replicas once the Deployment exists.
        assert {"group": "apps", "kind": "Deployment", "jsonPointers": ["/spec/replicas"]} in spec["ignoreDifferences"]
        if env in MANUAL:
            assert "automated" not in sync and app["metadata"]["annotations"]["quikapp.dev/sync"] == "manual"
        else:
            assert sync["automated"] == {"prune": True, "selfHeal": True}
            assert app["metadata"]["annotations"]["quikapp.dev/sync"] == "automated"


def check_render(result: subprocess.CompletedProcess, env: str) -> None:
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    objects = rendering.load_objects(result.stdout)
    assert {obj["metadata"]["namespace"] for obj in objects} == {rendering.namespace_of(env)}
    deployments = [obj for obj in objects if obj["kind"] == "Deployment"]
    assert len(deployments) == 33
    assert all("replicas" in d["spec"] for d in deployments)
    jobs = [obj for obj in objects if obj["kind"] == "Job"]
    assert [job["metadata"]["name"] for job in jobs] == ["quikapp-post-sync-check"]
    job = jobs[0]
    assert job["metadata"]["annotations"]["argocd.argoproj.io/hook"] == "PostSync"
    assert job["spec"]["template"]["metadata"]["labels"]["quikapp.dev/smoke-test"] == "true"
    test_pod = next(obj for obj in objects if obj["kind"] == "Pod")
    assert test_pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    # The same checks as `helm test`.
    assert job["spec"]["template"]["spec"] == test_pod["spec"]
    assert len(test_pod["spec"]["containers"][0]["args"]) == 34


@pytest.mark.parametrize("env", paths.environments())
def test_git_source_renders_with_argocd_flags(git_apps, env):
    app = git_apps[env]
    source = app["spec"]["source"]
    chart_dir = paths.ROOT / source["path"]
    value_files = [chart_dir / name for name in source["helm"]["valueFiles"]]
    assert all(f.resolve().is_relative_to(paths.ROOT) and f.is_file() for f in value_files)
    check_render(helm_template(".", chart_dir, app, source, value_files), env)


@pytest.fixture(scope="module")
def published_chart(tmp_path_factory, published_apps) -> str:
    """The umbrella as the chart repository serves it (`quikapp-charts package`: helm package,
    rewritten canonically), at the pinned version."""
    out = tmp_path_factory.mktemp("published")
    version = yaml.safe_load((paths.UMBRELLA / "Chart.yaml").read_text())["version"]
    archives.helm_package(paths.UMBRELLA, out, version)
    archive = next(out.glob("quikapp-*.tgz"))
    pins = {app["spec"]["sources"][0]["targetRevision"] for app in published_apps.values()}
    assert pins == {archive.name.removeprefix("quikapp-").removesuffix(".tgz")}
    return str(archive)


@pytest.mark.parametrize("env", paths.environments())
def test_published_chart_renders_with_values_from_git(published_apps, published_chart, env):
    app = published_apps[env]
    chart_source, values_source = app["spec"]["sources"]
    assert chart_source["chart"] == "quikapp" and values_source["ref"] == "values"
    value_files = [paths.ROOT / name.removeprefix("$values/") for name in chart_source["helm"]["valueFiles"]]
    assert all(name.startswith("$values/") for name in chart_source["helm"]["valueFiles"])
    check_render(helm_template(published_chart, paths.ROOT, app, chart_source, value_files), env)


def test_the_project_admits_every_kind_the_chart_renders(git_apps):
    project = yaml.safe_load((DEPLOY / "appproject.yaml").read_text())["spec"]
    allowed = {(rule["group"], rule["kind"]) for rule in project["namespaceResourceWhitelist"]}
    app = git_apps["live"]
    source = app["spec"]["source"]
    chart_dir = paths.ROOT / source["path"]
    result = helm_template(".", chart_dir, app, source, [chart_dir / source["helm"]["valueFiles"][0]])
    rendered = {(obj["apiVersion"].rpartition("/")[0], obj["kind"])
                for obj in rendering.load_objects(result.stdout) if obj["kind"] != "Pod"}
    assert rendered <= allowed, rendered - allowed
    assert any(d["namespace"] == "quikapp-*" for d in project["destinations"])
    assert project["clusterResourceWhitelist"] == [{"group": "", "kind": "Namespace"}]


def test_plain_installs_render_no_post_sync_job(rendered):
    for env, objects in rendered.items():
        assert "Job" not in objects.by_kind, env
