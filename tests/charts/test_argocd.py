"""deploy/argocd/ as Argo CD runs it: both ApplicationSets generate one Application per environment of
deploy/environments.yaml into the cluster it names (selected by label), pinned to its chart version,
synced by hand when it is a production environment, and never deleting what it deployed; each
Application's Helm source renders, with Argo CD's flags, the environment into its namespace with the
post-deploy check as a PostSync hook. (The cluster tests apply the manifests and the generated
Applications to a real API server that holds Argo CD's CRDs.)"""
from __future__ import annotations

import subprocess

import pytest
import yaml

from argocd import DEPLOY, expand, helm_template, registered_clusters
from quikapp_charts.core import paths, rendering
from quikapp_charts.environments import plan as env_plan
from quikapp_charts.release import archives
from support import cli

PLAN = env_plan.load()
ARGOCD_ENVS = list(PLAN.environments)
CHART_VERSION = str(yaml.safe_load((paths.UMBRELLA / "Chart.yaml").read_text())["version"])


def by_env(apps: list[dict]) -> dict[str, dict]:
    return {app["metadata"]["labels"]["quikapp.dev/environment"]: app for app in apps}


@pytest.fixture(scope="module")
def git_apps() -> dict[str, dict]:
    return by_env(expand(DEPLOY / "applicationset.yaml", registered_clusters()))


@pytest.fixture(scope="module")
def published_apps() -> dict[str, dict]:
    return by_env(expand(DEPLOY / "applicationset-published.yaml", registered_clusters()))


def test_one_application_per_argocd_environment_and_none_for_local(git_apps, published_apps):
    assert "local" not in PLAN.environments and "local" in paths.environments()
    for apps in (git_apps, published_apps):
        assert sorted(apps) == sorted(ARGOCD_ENVS)
        for env, app in apps.items():
            assert app["metadata"]["name"] == f"quikapp-{env}"
            assert app["metadata"]["namespace"] == "argocd"
            assert app["spec"]["project"] == "quikapp"


def test_clusters_are_selected_by_label():
    """An environment whose cluster is not registered (with its label) gets no Application."""
    clusters = [c for c in registered_clusters() if c["name"] != "quikapp-prod"]
    assert sorted(by_env(expand(DEPLOY / "applicationset-published.yaml", clusters))) == \
        sorted(e for e in ARGOCD_ENVS if PLAN.environments[e].cluster != "quikapp-prod")
    unlabelled = [{**c, "labels": {}} for c in registered_clusters()]
    assert expand(DEPLOY / "applicationset.yaml", unlabelled) == []


@pytest.mark.parametrize("env", ARGOCD_ENVS)
def test_application_policy(git_apps, published_apps, env):
    entry = PLAN.environments[env]
    for app in (git_apps[env], published_apps[env]):
        spec = app["spec"]
        assert spec["destination"] == {"name": entry.cluster, "namespace": entry.namespace}
        assert entry.namespace == rendering.namespace_of(env)
        sync = spec["syncPolicy"]
        assert {"CreateNamespace=true", "RespectIgnoreDifferences=true"} <= set(sync["syncOptions"])
        assert sync["managedNamespaceMetadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
        # The HPA owns replicas once the Deployment exists.
        assert {"group": "apps", "kind": "Deployment", "jsonPointers": ["/spec/replicas"]} in spec["ignoreDifferences"]
        # preserveResourcesOnDeletion: no resources finalizer, so deleting never prunes.
        assert "finalizers" not in app["metadata"]
        assert app["metadata"]["labels"]["quikapp.dev/tier"] == entry.tier
        if entry.production or entry.sync == "manual":
            assert "automated" not in sync and app["metadata"]["annotations"]["quikapp.dev/sync"] == "manual"
        else:
            assert sync["automated"] == {"prune": True, "selfHeal": True}
    # The pin: the chart version and the values of the same release.
    assert git_apps[env]["spec"]["source"]["targetRevision"] == f"quikapp-{entry.chart_version}"
    chart, values = published_apps[env]["spec"]["sources"]
    assert (chart["repoURL"], chart["chart"], chart["targetRevision"]) == (PLAN.repository, "quikapp", entry.chart_version)
    assert values["targetRevision"] == f"quikapp-{entry.chart_version}"


def test_production_environments_sync_by_hand_whatever_their_names():
    assert {e.name for e in PLAN.environments.values() if e.production} == {"staging", "live"}
    text = env_plan.path().read_text().replace("    tier: production\n    sync: manual\n    stage: 5",
                                               "    tier: production\n    sync: automated\n    stage: 5")
    with pytest.raises(Exception) as refused:
        env_plan.parse(text)
    assert str(refused.value) == ("deploy/environments.yaml: environments.live.sync: automated, but a production "
                                  "environment syncs by hand (sync: manual)")


def check_render(result: subprocess.CompletedProcess, env: str) -> list[dict]:
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    objects = rendering.load_objects(result.stdout)
    assert {obj["metadata"]["namespace"] for obj in objects} == {rendering.namespace_of(env)}
    deployments = [obj for obj in objects if obj["kind"] == "Deployment"]
    assert len(deployments) == 33
    assert all("replicas" in d["spec"] for d in deployments)
    # The tier's PriorityClass on every service's pods.
    tier = PLAN.environments[env].tier
    assert {d["spec"]["template"]["spec"]["priorityClassName"] for d in deployments} == {f"quikapp-{tier}"}
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
    return objects


@pytest.mark.parametrize("env", ARGOCD_ENVS)
def test_git_source_renders_with_argocd_flags(git_apps, env):
    """The pin is this checkout's chart version, so the tag it names holds these files."""
    assert PLAN.environments[env].chart_version == CHART_VERSION
    app = git_apps[env]
    source = app["spec"]["source"]
    chart_dir = paths.ROOT / source["path"]
    value_files = [chart_dir / name for name in source["helm"]["valueFiles"]]
    assert all(f.resolve().is_relative_to(paths.ROOT) and f.is_file() for f in value_files)
    objects = check_render(helm_template(".", chart_dir, app, source, value_files), env)
    # `render ENV` is what Argo CD applies: the same objects but the test hook, which it skips.
    result = cli("render", env, "-o", "json")
    assert result.code == 0, result.stderr
    assert result.json["objects"] == [obj for obj in objects if obj["kind"] != "Pod"]


@pytest.fixture(scope="module")
def published_chart(tmp_path_factory) -> str:
    """The umbrella as the chart repository serves it (`quikapp-charts package`: helm package,
    rewritten canonically), at this checkout's version."""
    out = tmp_path_factory.mktemp("published")
    archives.helm_package(paths.UMBRELLA, out, CHART_VERSION)
    return str(next(out.glob(f"quikapp-{CHART_VERSION}.tgz")))


@pytest.mark.parametrize("env", ARGOCD_ENVS)
def test_published_chart_renders_with_values_from_git(published_apps, published_chart, env):
    app = published_apps[env]
    chart_source, values_source = app["spec"]["sources"]
    assert chart_source["chart"] == "quikapp" and values_source["ref"] == "values"
    assert all(name.startswith("$values/") for name in chart_source["helm"]["valueFiles"])
    value_files = [paths.ROOT / name.removeprefix("$values/") for name in chart_source["helm"]["valueFiles"]]
    check_render(helm_template(published_chart, paths.ROOT, app, chart_source, value_files), env)


def test_the_project_admits_every_kind_the_chart_renders_and_only_the_plans_destinations(git_apps):
    project = yaml.safe_load((DEPLOY / "appproject.yaml").read_text())["spec"]
    allowed = {(rule["group"], rule["kind"]) for rule in project["namespaceResourceWhitelist"]}
    app = git_apps["live"]
    source = app["spec"]["source"]
    chart_dir = paths.ROOT / source["path"]
    result = helm_template(".", chart_dir, app, source, [chart_dir / source["helm"]["valueFiles"][0]])
    rendered = {(obj["apiVersion"].rpartition("/")[0], obj["kind"])
                for obj in rendering.load_objects(result.stdout) if obj["kind"] != "Pod"}
    assert rendered <= allowed, rendered - allowed
    assert project["destinations"] == [{"name": e.cluster, "namespace": e.namespace} for e in PLAN.environments.values()]
    assert project["clusterResourceWhitelist"] == [{"group": "", "kind": "Namespace"}]


def test_plain_installs_render_no_post_sync_job_and_no_priority_class(rendered):
    for env, objects in rendered.items():
        assert "Job" not in objects.by_kind, env
        assert not [d for d in objects.by_kind["Deployment"].values() if "priorityClassName" in d["spec"]["template"]["spec"]]


def test_production_pods_outrank_the_others_and_never_wait_behind_them():
    classes = {c["metadata"]["name"]: c for c in yaml.safe_load_all((paths.ROOT / "deploy/priorityclasses.yaml").read_text())}
    assert set(classes) == {f"quikapp-{e.tier}" for e in PLAN.environments.values()}
    production, other = classes["quikapp-production"], classes["quikapp-non-production"]
    assert production["value"] > other["value"] and not production["globalDefault"] and not other["globalDefault"]
    assert (production["preemptionPolicy"], other["preemptionPolicy"]) == ("PreemptLowerPriority", "Never")
