"""`validate --all` checks the Argo CD environments against each other and their clusters: shared
namespaces, GPU floors against the cluster's pool, quotas at the HPA ceilings (or the ceilings an
environment names as capped), and the values of the release each is pinned to against that
release's chart; deploy/environments.yaml that is not one is one line, exit 2."""
from __future__ import annotations


import pytest
import yaml

from quikapp_charts.core import paths
from release_support import fresh_clone, git
from support import assert_one_line_error, cli, link_cache

pytestmark = pytest.mark.slow  # renders every environment, in helm processes


def edit_plan(root, change) -> None:
    path = root / "deploy/environments.yaml"
    plan = yaml.safe_load(path.read_text())
    change(plan)
    path.write_text(yaml.safe_dump(plan, sort_keys=False))


def across(root) -> tuple[int, list[str], dict]:
    result = cli("validate", "--all", "-q", "-o", "json", root=root)
    return result.code, result.json["argocd"]["problems"], result.json["argocd"]


def test_this_repository_fits_and_the_table_says_where_each_runs():
    code, problems, report = across(paths.ROOT)
    assert (code, problems) == (0, [])
    assert [(e["environment"], e["cluster"], e["sync"], e["gpuFloor"]) for e in report["environments"]] == [
        ("dev", "quikapp-nonprod", "automated", 7), ("qa", "quikapp-nonprod", "automated", 7),
        ("uat1", "quikapp-nonprod", "automated", 7), ("uat2", "quikapp-nonprod", "automated", 7),
        ("uat3", "quikapp-nonprod", "automated", 7), ("staging", "quikapp-preprod", "manual", 7),
        ("live", "quikapp-prod", "manual", 7)]
    assert report["clusters"] == [{"cluster": "quikapp-nonprod", "gpuPool": 40, "gpuFloors": 35},
                                  {"cluster": "quikapp-preprod", "gpuPool": 32, "gpuFloors": 7},
                                  {"cluster": "quikapp-prod", "gpuPool": 32, "gpuFloors": 7}]


def test_a_shared_namespace_and_a_small_gpu_pool_are_named(repo):
    def change(plan):
        plan["environments"]["qa"]["namespace"] = "quikapp-dev"
        plan["clusters"]["quikapp-nonprod"]["gpuPool"] = 30
    edit_plan(repo, change)
    code, problems, _ = across(repo)
    assert code == 1
    assert problems == [
        "qa: namespace quikapp-dev on cluster quikapp-nonprod is dev's too",
        "qa: values/qa.yaml deploys into quikapp-qa, deploy/environments.yaml says quikapp-dev",
        "cluster quikapp-nonprod: the GPU floors of dev, qa, uat1, uat2, uat3 take 35 GPUs, its pool has 30"]


def test_a_quota_short_at_the_ceilings_fails_unless_the_environment_names_what_it_caps(repo):
    values = repo / "values/dev.yaml"
    values.write_text(values.read_text().replace('pods: "160"', 'pods: "100"', 1))
    code, problems, _ = across(repo)
    assert code == 1 and len(problems) == 1
    assert problems[0].startswith("dev: the quota makes ") and problems[0].endswith(
        "; raise the quota, lower the ceilings or name them in cappedCeilings")
    capped = problems[0].split("unreachable (")[1].split(")")[0].split(", ")
    edit_plan(repo, lambda plan: plan["environments"]["dev"].update(cappedCeilings=capped))
    assert across(repo)[:2] == (0, [])


def test_a_pin_that_is_neither_released_nor_this_version(repo):
    edit_plan(repo, lambda plan: plan["environments"]["live"].update(chartVersion="0.0.9"))
    code, problems, _ = across(repo)
    assert (code, problems) == (1, ["live: pinned to quikapp 0.0.9, which is neither released (no tag "
                                    "quikapp-0.0.9) nor the chart's version here (0.1.0)"])


def test_a_release_whose_values_do_not_render_with_its_chart(tmp_path):
    """The values of the release a pin names are rendered with that release's chart (its tag)."""
    clone = fresh_clone(paths.ROOT, tmp_path / "clone")
    link_cache(clone)
    qa = clone / "values/qa.yaml"
    qa.write_text(qa.read_text().replace("global:\n", "global:\n  replicaOveride: 1\n", 1))
    git(clone, "commit", "-qam", "qa: a misspelt key")
    git(clone, "tag", "quikapp-0.0.9")
    git(clone, "reset", "-q", "--hard", "HEAD~1")
    edit_plan(clone, lambda plan: plan["environments"]["qa"].update(chartVersion="0.0.9"))
    code, problems, _ = across(clone)
    assert (code, problems) == (1, ["qa: pinned to 0.0.9: values/qa.yaml at quikapp-0.0.9: global: additional "
                                    "properties 'replicaOveride' not allowed"])


@pytest.mark.parametrize(("change", "message"), [
    (lambda p: p["environments"]["dev"].update(sync="sometimes"),
     "deploy/environments.yaml: environments.dev.sync: 'sometimes' is not one of ['automated', 'manual']"),
    (lambda p: p["environments"]["dev"].update(cluster="elsewhere"),
     "deploy/environments.yaml: environments.dev.cluster: 'elsewhere' is not under clusters (quikapp-nonprod, "
     "quikapp-preprod, quikapp-prod)"),
    (lambda p: p["environments"]["live"].update(sync="automated"),
     "deploy/environments.yaml: environments.live.sync: automated, but a production environment syncs by hand "
     "(sync: manual)"),
    (lambda p: p["environments"]["qa"].update(chartVersion="latest"),
     "deploy/environments.yaml: environments.qa.chartVersion: 'latest' is not a version X.Y.Z"),
])
def test_a_broken_file_is_one_line(repo, change, message):
    edit_plan(repo, change)
    assert_one_line_error(cli("validate", "--all", "-q", root=repo), 2, message)


def test_a_pin_to_a_chart_older_than_what_the_applications_set(tmp_path):
    """A release from before global.priorityClassName: its closed schema refuses what the
    Application sets, as Argo CD's render would."""
    clone = fresh_clone(paths.ROOT, tmp_path / "clone")
    link_cache(clone)
    added = git(clone, "log", "--format=%H", "-1", "--fixed-strings", "--grep", "global.priorityClassName:").strip()
    git(clone, "tag", "quikapp-0.0.9", f"{added}~1")
    edit_plan(clone, lambda plan: plan["environments"]["staging"].update(chartVersion="0.0.9"))
    code, problems, _ = across(clone)
    assert (code, problems) == (1, ["staging: pinned to 0.0.9: values/staging.yaml at quikapp-0.0.9: global: "
                                    "additional properties 'priorityClassName' not allowed"])
