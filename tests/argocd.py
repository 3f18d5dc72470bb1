"""What Argo CD makes of deploy/argocd/: the ApplicationSets' generators expanded as Argo CD v3
(3.5) expands them (applicationset/generators/{matrix,git,list,cluster}.go, utils.RenderTemplateParams,
template/patch.go), and each generated Application's Helm source rendered with the flags Argo CD's
repo server passes.

- Git files: `git ls-files --full-name -z -- PATH` in the repository, Argo CD's default listing;
  a file whose top level is a list gives one parameter set per item, any other one set: the file's
  object, plus `path` = {path, basename, filename, basenameNormalized, filenameNormalized, segments}.
- List: `elements`, then the items of `elementsYaml` (a YAML list) after it is rendered.
- Clusters: the Argo CD cluster secrets whose labels match `selector.matchLabels`; each gives
  {name, nameNormalized, server, project, metadata: {labels, annotations}}.
- Matrix: the first child's parameter sets; for each, the second child with every string of it
  rendered as a template over that set (utils.InterpolateGenerator), and each of its sets merged
  with the first's (the first's keys win).
- The template: every string and every map key of the Application is rendered on its own as a Go
  template with sprig's functions over the parameters; then templatePatch, rendered as one
  template, is merged over it (a strategic merge patch: maps merge, lists are replaced), and
  spec.project is kept from the template. Applications get Argo CD's resources finalizer unless
  the ApplicationSet's syncPolicy says preserveResourcesOnDeletion.
- Go templates are rendered by helm's `tpl` (text/template with sprig, as Argo CD uses).
"""
from __future__ import annotations

import json
import re
import subprocess
import tempfile
from pathlib import Path, PurePosixPath

import yaml

from quikapp_charts.core import paths, rendering
from support import run_helm, strings_in

DEPLOY = paths.ROOT / "deploy" / "argocd"
# Every API the charts render, and Argo CD's own, as Argo CD passes a cluster's with --api-versions.
API_VERSIONS = ("v1", "apps/v1", "batch/v1", "autoscaling/v2", "policy/v1", "networking.k8s.io/v1",
                "secrets-store.csi.x-k8s.io/v1", "argoproj.io/v1alpha1")
_GO_TEMPLATE_CHART = {
    "Chart.yaml": "apiVersion: v2\nname: go-template\nversion: 0.0.0\n",
    "templates/out.yaml": (
        "{{- $out := dict -}}\n"
        "{{- range $key, $text := .Values.strings }}"
        "{{ $_ := set $out $key (tpl $text (deepCopy $.Values.params)) }}{{ end -}}\n"
        "{{ toJson $out }}\n"),
}


def go_templates(texts: list[str], params: dict) -> list[str]:
    """Each text rendered as a Go template (sprig functions) with params as its data."""
    with tempfile.TemporaryDirectory(prefix="go-template-") as tmp:
        chart = Path(tmp) / "chart"
        for name, body in _GO_TEMPLATE_CHART.items():
            (chart / name).parent.mkdir(parents=True, exist_ok=True)
            (chart / name).write_text(body)
        values = Path(tmp) / "values.json"
        values.write_text(json.dumps({"params": params, "strings": {f"s{i:04d}": t for i, t in enumerate(texts)}}))
        result = run_helm([paths.tool("helm"), "template", "t", str(chart), "-f", str(values)])
        assert result.returncode == 0, result.stderr
        out = json.loads(result.stdout.split("\n", 2)[2])
    return [out[f"s{i:04d}"] for i in range(len(texts))]


def sanitize_name(name: str) -> str:
    """utils.SanitizeName."""
    return re.sub(r"[^-a-z0-9.]", "-", name.lower())[:253].strip("-.")


def file_params(file_path: str) -> dict:
    """generateParamsFromGitFile with goTemplate: the file's object and the path parameters."""
    content = yaml.safe_load((paths.ROOT / file_path).read_text()) or {}
    directory = str(PurePosixPath(file_path).parent)
    return {**content, "path": {
        "path": directory,
        "basename": PurePosixPath(directory).name,
        "filename": PurePosixPath(file_path).name,
        "basenameNormalized": sanitize_name(PurePosixPath(directory).name),
        "filenameNormalized": sanitize_name(PurePosixPath(file_path).name),
        "segments": directory.split("/"),
    }}


def git_files(pattern: str) -> list[str]:
    out = subprocess.run(["git", "-C", str(paths.ROOT), "ls-files", "--full-name", "-z", "--", pattern],
                         capture_output=True, text=True, check=True).stdout
    return out.split("\0")[:-1]


def _replace(tree, rendered: dict[str, str]):
    if isinstance(tree, dict):
        return {rendered[key]: _replace(value, rendered) for key, value in tree.items()}
    if isinstance(tree, list):
        return [_replace(item, rendered) for item in tree]
    if isinstance(tree, str):
        return rendered[tree]
    return tree


def merge_patch(base, patch):
    """A strategic merge patch on an Application: maps merge key by key, lists and scalars replace."""
    if isinstance(base, dict) and isinstance(patch, dict):
        merged = dict(base)
        for key, value in patch.items():
            merged[key] = merge_patch(base.get(key), value) if key in base else value
        return merged
    return patch


def git_params(generator: dict) -> list[dict]:
    found = []
    for entry in generator["files"]:
        for file_path in git_files(entry["path"]):
            content = yaml.safe_load((paths.ROOT / file_path).read_text())
            items = content if isinstance(content, list) else [content or {}]
            found += [{**item, "path": file_params(file_path)["path"]} for item in items]
    return found


def interpolate(generator: dict, params: dict) -> dict:
    """Every string of a child generator rendered over the parameters of the one before it."""
    texts = sorted(set(strings_in(generator)))
    return _replace(generator, dict(zip(texts, go_templates(texts, params), strict=True)))


def generate(generator: dict, clusters: list[dict], params: dict | None = None) -> list[dict]:
    """The parameter sets of one generator (params: those of the matrix child before it)."""
    if params is not None:
        generator = interpolate(generator, params)
    kind, spec = next(iter(generator.items()))
    if kind == "git":
        return git_params(spec)
    if kind == "list":
        return [*spec.get("elements", []), *(yaml.safe_load(spec.get("elementsYaml") or "[]") or [])]
    if kind == "clusters":
        wanted = (spec.get("selector") or {}).get("matchLabels") or {}
        return [{"name": c["name"], "nameNormalized": sanitize_name(c["name"]), "server": c["server"],
                 "project": c.get("project", ""), "metadata": {"labels": c["labels"], "annotations": {}}}
                for c in clusters if all(c["labels"].get(k) == v for k, v in wanted.items())]
    assert kind == "matrix", kind
    first, second = spec["generators"]
    return [{**b, **a} for a in generate(first, clusters) for b in generate(second, clusters, a)]


def expand(appset_file: Path, clusters: list[dict]) -> list[dict]:
    """The Applications the ApplicationSet generates, given Argo CD's registered clusters
    ({name, server, labels} each)."""
    appset = yaml.safe_load(appset_file.read_text())
    spec = appset["spec"]
    assert spec["goTemplate"] is True
    template = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", **spec["template"]}
    texts = sorted(set(strings_in(template)))
    apps = []
    for generator in spec["generators"]:
        for params in generate(generator, clusters):
            rendered = dict(zip(texts, go_templates(texts, params), strict=True))
            app = _replace(template, rendered)
            if spec.get("templatePatch"):
                patch = yaml.safe_load(go_templates([spec["templatePatch"]], params)[0]) or {}
                project = app["spec"]["project"]
                app = merge_patch(app, patch)
                app["spec"]["project"] = project
            sync = spec.get("syncPolicy") or {}
            if not sync.get("preserveResourcesOnDeletion") and not app["metadata"].get("finalizers"):
                app["metadata"]["finalizers"] = ["resources-finalizer.argocd.argoproj.io"]
            app["metadata"].setdefault("namespace", appset["metadata"]["namespace"])
            apps.append(app)
    return apps


def registered_clusters() -> list[dict]:
    """Argo CD's clusters as a platform registers them for deploy/environments.yaml (each labelled
    with its name), beside the in-cluster one Argo CD always knows, which no environment names."""
    plan = yaml.safe_load((paths.ROOT / "deploy" / "environments.yaml").read_text())
    return [{"name": "in-cluster", "server": "https://kubernetes.default.svc", "labels": {}},
            *({"name": name, "server": f"https://{name}.k8s.quikapp.dev",
               "labels": {"quikapp.dev/cluster": name}} for name in plan["clusters"])]


def helm_template(chart: str, cwd: Path, app: dict, source: dict, value_files: list[Path],
                  helm: str = "helm") -> subprocess.CompletedProcess:
    """The repo server's `helm template` of one Helm source: valueFiles, then valuesObject."""
    helm_spec = source.get("helm", {})
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", prefix="values-object-") as values_object:
        yaml.safe_dump(helm_spec.get("valuesObject") or {}, values_object)
        values_object.flush()
        args = [paths.tool(helm), "template", chart,
                "--name-template", helm_spec.get("releaseName") or app["metadata"]["name"],
                "--namespace", app["spec"]["destination"]["namespace"],
                "--kube-version", rendering.kube_version()]
        for api in API_VERSIONS:
            args += ["--api-versions", api]
        args.append("--include-crds")
        for values in value_files:
            args += ["--values", str(values)]
        args += ["--values", values_object.name]
        return run_helm(args, cwd=cwd)
