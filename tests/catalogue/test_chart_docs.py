"""The charts describe themselves: README.md from the values schema's descriptions (`helm show
readme`), Artifact Hub's images annotation matching what renders, the Kubernetes range proven by
rendering and validating at its ends, and the appVersion policy."""
from __future__ import annotations

import re
import subprocess

import pytest
import yaml

from quikapp_charts.catalogue import values_reference, values_schema
from quikapp_charts.checks import kube_schemas
from quikapp_charts.core import paths, rendering
from quikapp_charts.release import chart_versions
from release_support import cli
from support import make_workspace, run_helm

pytestmark = pytest.mark.slow

APPLICATION_CHARTS = [*paths.STACKS, "quikapp"]


def helm(*args: str) -> subprocess.CompletedProcess:
    return run_helm([paths.tool("helm"), *args])


@pytest.fixture
def workspace(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    return make_workspace(root)


def test_every_key_of_the_values_schema_has_its_description():
    described = values_schema.defs()["service"]["properties"]
    assert described["replicas"]["description"].startswith("The replica floor")
    assert described["probes"]["properties"]["liveness"]["properties"]["path"]["description"] == "HTTP path of the probe."


def test_helm_show_readme_has_the_values_tables():
    shown = helm("show", "readme", str(paths.UMBRELLA))
    assert shown.returncode == 0, shown.stderr
    readme = shown.stdout
    assert readme.startswith("# quikapp\n")
    assert "| `global.config.LOG_LEVEL`" not in readme  # global keys are relative to their own table
    assert "| `config.LOG_LEVEL` | one of debug, info, warn, error | `\"info\"` | Log level of every service. |" in readme
    assert "| `replicas` | integer | `1` | The replica floor" in readme
    assert "| ml-service | python | ml |" in readme
    go = helm("show", "readme", str(paths.CHARTS / "go")).stdout
    # A stack's README shows its own defaults over the library's.
    assert "| `probes.liveness.path` | string | `\"/health\"` | HTTP path of the probe. |" in go


def test_a_stack_readme_says_it_is_part_of_the_umbrella_only_and_why():
    """No stack README claims a standalone install; the reason it gives holds: alone, a stack renders
    Deployments whose ServiceAccount and ConfigMap only the umbrella renders."""
    for stack in paths.STACKS:
        readme = helm("show", "readme", str(paths.CHARTS / stack)).stdout
        assert "A part of the umbrella chart `quikapp` only" in readme, stack
        assert "helm install" not in readme and "installs on its own" not in readme, stack
        alone = helm("template", stack, str(paths.CHARTS / stack), "-n", "quikapp-dev")
        assert alone.returncode == 0, alone.stderr
        kinds = {(o["kind"], o["metadata"]["name"]) for o in yaml.safe_load_all(alone.stdout) if o}
        accounts = {o["spec"]["template"]["spec"]["serviceAccountName"]
                    for o in yaml.safe_load_all(alone.stdout) if o and o["kind"] == "Deployment"}
        assert accounts == {"quikapp-service"}, stack
        assert ("ServiceAccount", "quikapp-service") not in kinds and ("ConfigMap", "quikapp-config") not in kinds
    umbrella = helm("show", "readme", str(paths.UMBRELLA)).stdout
    assert "helm install quikapp oci://quikapp.azurecr.io/helm/quikapp" in umbrella


def test_helm_show_values_lists_every_top_level_key_with_its_defaults_and_a_comment():
    shown = helm("show", "values", str(paths.UMBRELLA))
    assert shown.returncode == 0, shown.stderr
    values = yaml.safe_load(shown.stdout)
    assert list(values) == ["global", *paths.STACKS]
    assert values["global"] == {"environment": "local"}
    for stack in paths.STACKS:
        assert values[stack]["enabled"] is True and values[stack]["defaults"] == {} and values[stack]["services"] == {}
    assert values["python"]["gpuDefaults"] == {}
    lines = shown.stdout.splitlines()
    # Every other global key is there commented out, at the library's default.
    block = lines[lines.index("global:") + 1:lines.index("", lines.index("global:"))]
    uncommented = ["  " + line[4:] if line.startswith("  # ") else line for line in block if not line.startswith("  ## ")]
    assert yaml.safe_load("\n".join(["global:", *uncommented]))["global"] == \
        values_reference.load().defaults["global"]
    # Each key, set or shown, under its one-line description.
    keys = [i for i, line in enumerate(lines) if re.match(r"^  (# )?[\w.-]+:", line)]
    assert keys and [lines[i] for i in keys if not lines[i - 1].startswith("  ## ")] == []
    assert "  #   ## Log level of every service.\n  #   LOG_LEVEL: info" in shown.stdout
    assert "  ## Install this stack (the umbrella's dependency condition).\n  enabled: true" in shown.stdout


def test_the_umbrella_values_defaults_change_no_render(tmp_path):
    """Every environment renders the same objects with the generated values.yaml as with one that
    sets nothing but the stacks' conditions: its defaults are the library's own."""
    root = make_workspace(tmp_path / "repo")
    (root / "charts/quikapp/values.yaml").write_text(
        "global:\n  environment: local\n" + "".join(f"{stack}:\n  enabled: true\n" for stack in paths.STACKS))
    for env in paths.ENVIRONMENTS:
        bare = rendering.render(env, values_dir=root / "values", chart=root / "charts/quikapp")
        assert bare.text == rendering.render(env).text, env


def test_generate_check_names_a_readme_or_images_annotation_that_drifted(workspace):
    readme = workspace / "charts/go/README.md"
    readme.write_text(readme.read_text().replace("HTTP path of the probe.", "Path.", 1))
    chart = workspace / "charts/python/Chart.yaml"
    chart.write_text(chart.read_text().replace("image: quikapp.azurecr.io/ml-service:", "image: quikapp.azurecr.io/ml:", 1))
    umbrella = workspace / "charts/quikapp/values.yaml"
    umbrella.write_text(umbrella.read_text().replace("  # replicaOverride: 0\n", "", 1))
    result = cli(workspace, "generate", "--check")
    assert result.returncode == 1
    assert "charts/go/README.md: differs from the README generated from the values schema and the defaults" in result.stdout
    assert "charts/python/Chart.yaml: artifacthub.io/images differs from the images the chart deploys" in result.stdout
    assert ("charts/quikapp/values.yaml: differs from the values generated from the defaults and their descriptions"
            in result.stdout)
    # The archives that carry those charts are stale as well.
    assert "charts/quikapp/charts/go-0.1.0.tgz: differs from its chart's files" in result.stdout
    assert "charts/quikapp/charts/python-0.1.0.tgz: differs from its chart's files" in result.stdout
    assert result.stderr.strip().startswith("error: 5 difference(s)")
    written = cli(workspace, "generate")
    assert written.returncode == 0, written.stderr
    assert cli(workspace, "generate", "--check").returncode == 0
    assert "HTTP path of the probe." in readme.read_text()


def rendered_images(chart, app_version: str) -> set[str]:
    result = helm("template", "quikapp", str(chart), "--kube-version", rendering.kube_version(),
                  "--set-string", f"global.image.tag={app_version}")
    assert result.returncode == 0, result.stderr
    found = set()
    for obj in rendering.load_objects(result.stdout):
        spec = obj.get("spec") or {}
        pod = (spec.get("template") or {}).get("spec") or (spec if obj["kind"] == "Pod" else {})
        found |= {c["image"] for c in pod.get("containers", []) + pod.get("initContainers", [])}
    return found


@pytest.mark.parametrize("chart", APPLICATION_CHARTS)
def test_the_images_annotation_lists_every_image_the_chart_deploys(chart):
    metadata = yaml.safe_load((paths.CHARTS / chart / "Chart.yaml").read_text())
    listed = yaml.safe_load(metadata["annotations"]["artifacthub.io/images"])
    assert {entry["image"] for entry in listed} == rendered_images(paths.CHARTS / chart, metadata["appVersion"])
    assert all(entry["image"].endswith(f":{metadata['appVersion']}") for entry in listed if entry["name"] != "smoke-test")


def test_every_chart_states_license_links_sources_icon_keywords_and_kubernetes_range():
    for chart in chart_versions.load_charts().values():
        document = chart.document
        assert document["kubeVersion"] == ">=1.30.0-0", chart.name
        assert document["icon"].startswith("https://") and document["sources"] and "quikapp" in document["keywords"]
        annotations = document["annotations"]
        assert annotations["artifacthub.io/license"]
        assert {link["name"] for link in yaml.safe_load(annotations["artifacthub.io/links"])} == {"Chart repository", "Source"}


@pytest.mark.parametrize("kube", ["1.30.0", "1.36.0"])
def test_live_renders_and_validates_at_both_ends_of_the_kubernetes_range(kube):
    # The last --kube-version given wins.
    result = helm(*rendering.helm_template_args("live", extra=["--kube-version", kube]))
    assert result.returncode == 0, result.stderr
    objects = rendering.load_objects(result.stdout)
    assert sum(o["kind"] == "Deployment" for o in objects) == 33
    assert kube_schemas.problems(objects, kube) == []


def test_a_kubernetes_below_the_range_is_refused():
    result = helm("template", "quikapp", str(paths.UMBRELLA), "--kube-version", "1.29.9", "-f",
                  str(rendering.values_file("dev")))
    assert result.returncode != 0
    assert "chart requires kubeVersion: >=1.30.0-0 which is incompatible with Kubernetes v1.29.9" in result.stderr


def test_bump_app_version_moves_every_application_chart_together(workspace):
    result = cli(workspace, "bump", "go", "patch", "--app-version", "v2.7.0", "-o", "json")
    assert result.returncode == 0, result.stderr
    moved = {row["chart"]: row["to"] for row in yaml.safe_load(result.stdout)["charts"]}
    assert moved == {chart: "0.1.1" for chart in APPLICATION_CHARTS}
    for chart in APPLICATION_CHARTS:
        text = (workspace / "charts" / chart / "Chart.yaml").read_text()
        assert 'appVersion: "2.7.0"' in text, chart
    assert 'appVersion' not in (workspace / "charts/quikapp-lib/Chart.yaml").read_text()
    # The images annotation follows with generate, which refuses charts that disagree.
    assert cli(workspace, "generate").returncode == 0
    go = yaml.safe_load((workspace / "charts/go/Chart.yaml").read_text())
    assert "quikapp.azurecr.io/search-service:2.7.0" in go["annotations"]["artifacthub.io/images"]
    chart = workspace / "charts/go/Chart.yaml"
    chart.write_text(chart.read_text().replace('appVersion: "2.7.0"', 'appVersion: "2.8.0"'))
    refused = cli(workspace, "generate", "--check")
    assert refused.returncode == 2
    assert "the application charts carry different appVersions (elixir 2.7.0, go 2.8.0," in refused.stderr
    bad = cli(workspace, "bump", "go", "patch", "--app-version", "next")
    assert bad.returncode == 2 and bad.stderr.strip() == (
        "error: bump: --app-version 'next' is not a semver version (the QuikApp release, e.g. 2.7.0)")
