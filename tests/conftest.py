"""Shared fixtures: every environment rendered once per session, as Argo CD renders it."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from quikapp_charts import paths, rendering, service_table
from support import ENVIRONMENTS, Objects

# The release fixtures (a signing key, an HTTP chart repository, an OCI registry on 127.0.0.1).
pytest_plugins = ["release_support"]


@pytest.fixture(scope="session")
def rendered() -> dict[str, Objects]:
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = pool.map(lambda env: Objects(rendering.render(env)), ENVIRONMENTS)
        return {objects.env: objects for objects in results}


@pytest.fixture(scope="session")
def services() -> list[service_table.Service]:
    return service_table.parse(paths.SERVICE_TABLE)
