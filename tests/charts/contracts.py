"""What the render contracts share: the services of the table, each one's Deployment in one
environment, and a check run for all 33 services at once that names every service failing it."""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import pytest

import design
from quikapp_charts.catalogue import service_table
from quikapp_charts.core import paths, rendering
from support import Objects

SERVICES = service_table.parse(paths.SERVICE_TABLE)
GPU_SERVICES = {"ml-service", "sentiment-service", "insights-service", "smart-reply-service"}


def container(deployment: dict) -> dict:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


def env_sources(cont: dict) -> dict:
    out = {}
    for var in cont.get("env", []):
        out[var["name"]] = {"value": var["value"]} if "value" in var else var["valueFrom"]
    return out


def floor_of(env: str, svc: service_table.Service) -> int:
    if env == "local":
        return 1
    floors = design.ENVIRONMENTS[env].floors or {}
    return floors.get(svc.name, svc.min_replicas)


@functools.cache
def values_of(env: str) -> dict:
    return rendering.values_of(env)


def ceiling_of(env: str, svc: service_table.Service) -> int:
    """The catalogue's ceiling, or the one the environment's values file sets: for the service, else
    for the GPU services of python (gpuDefaults), else for its stack (defaults)."""
    values = values_of(env).get(svc.stack) or {}
    layers = [values.get("defaults") or {}, *([values.get("gpuDefaults") or {}] if svc.gpu else []),
              ((values.get("services") or {}).get(svc.name) or {})]
    ceiling = svc.max_replicas
    for layer in layers:
        ceiling = (layer.get("autoscaling") or {}).get("maxReplicas", ceiling)
    return ceiling


def every_service(check: Callable[[service_table.Service], None]) -> None:
    """check(svc) for each of the 33 services; a failure names every service that fails and why,
    so that one service's failure hides no other's."""
    failures = []
    for svc in SERVICES:
        try:
            check(svc)
        except Exception as exc:  # noqa: BLE001 - reported below, with the service's name
            failures.append(f"{svc.name}: {type(exc).__name__}: {exc}")
    if failures:
        pytest.fail(f"{len(failures)} of {len(SERVICES)} services:\n" + "\n".join(failures))


@dataclass
class Service:
    """One service's Deployment in one environment, with what the design expects of it."""

    env: str
    svc: service_table.Service
    objects: Objects

    @property
    def deployment(self) -> dict:
        return self.objects.get("Deployment", self.svc.name)

    @property
    def pod(self) -> dict:
        return self.deployment["spec"]["template"]

    @property
    def spec(self) -> dict:
        return self.pod["spec"]

    @property
    def container(self) -> dict:
        return container(self.deployment)

    @property
    def stack(self) -> dict:
        return design.STACKS[self.svc.stack]

    @property
    def gpu(self) -> bool:
        return self.svc.name in GPU_SERVICES

    @property
    def volumes(self) -> dict[str, dict]:
        return {v["name"]: v for v in self.spec["volumes"]}
