"""Shared fixtures: every environment rendered once per session, as Argo CD renders it."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from quikapp_charts import paths, rendering, service_table

ENVIRONMENTS = list(paths.ENVIRONMENTS)


class Objects:
    """The rendered objects of one environment, indexed by kind and name."""

    def __init__(self, rendered: rendering.Rendered):
        self.env = rendered.env
        self.namespace = rendered.namespace
        self.text = rendered.text
        self.all = rendered.objects
        self.by_kind: dict[str, dict[str, dict]] = {}
        for obj in self.all:
            self.by_kind.setdefault(obj["kind"], {})[obj["metadata"]["name"]] = obj

    def get(self, kind: str, name: str) -> dict | None:
        return self.by_kind.get(kind, {}).get(name)

    def names(self, kind: str) -> set[str]:
        return set(self.by_kind.get(kind, {}))


@pytest.fixture(scope="session")
def rendered() -> dict[str, Objects]:
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = pool.map(lambda env: Objects(rendering.render(env)), ENVIRONMENTS)
        return {objects.env: objects for objects in results}


@pytest.fixture(scope="session")
def services() -> list[service_table.Service]:
    return service_table.parse(paths.SERVICE_TABLE)
