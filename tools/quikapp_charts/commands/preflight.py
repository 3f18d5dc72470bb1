"""`quikapp-charts preflight ENV [--kubeconfig FILE]`: does the target cluster hold what ENV's
install needs (preflight_checks.py)? A table of what holds and what is missing; exit 1 when
something is missing."""
from __future__ import annotations

from pathlib import Path

import click

from quikapp_charts.checks import preflight as preflight_checks
from quikapp_charts.core import console, rendering
from quikapp_charts.environments import plan as env_plan


def argo_envs() -> list[str]:
    """An Argo CD environment is checked against what its Application applies."""
    return list(env_plan.load().environments) if env_plan.exists() else []


@click.command("preflight")
@click.argument("env")
@click.option("--kubeconfig", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="The target cluster's kubeconfig (default: kubectl's, $KUBECONFIG or ~/.kube/config).")
@console.output_option
def command(env: str, kubeconfig: Path | None, output: str) -> None:
    """Check a cluster and ENV's values before an install: namespace and Pod Security, Secrets Store
    CSI driver, StorageClasses, IngressClasses, ClusterIssuers, GPU nodes, PriorityClass, metrics APIs,
    quota room, Key Vault identity."""
    values = rendering.values_of(env)
    rendered = rendering.render(env, extra=env_plan.argocd_args(env) if env in argo_envs() else None)
    checks = preflight_checks.run_all(preflight_checks.Cluster(kubeconfig), env, rendered.namespace,
                                      rendered.objects, values.get("global") or {})
    missing = [c for c in checks if not c.ok]
    if output == "json":
        console.emit_json({"env": env, "namespace": rendered.namespace, "ok": not missing,
                           "checks": [vars(c) for c in checks]})
    else:
        console.print_table(f"preflight: {env} into namespace {rendered.namespace}",
                            ["check", "what", "status", "detail"], [c.row() for c in checks])
    if missing:
        raise preflight_checks.Missing(f"{env}: {len(missing)} prerequisite(s) missing: "
                                       + ", ".join(f"{c.check} {c.subject}" for c in missing))
