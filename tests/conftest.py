"""Shared fixtures: every environment rendered once per session, as Argo CD renders it. Every
`helm template` of the tool, in this process or in the ones it starts, is answered from the render
cache (.cache/renders, keyed by every byte it reads: quikapp_charts.render_cache) when nothing it
is made of has changed; QUIKAPP_CHARTS_RENDER_CACHE= (empty) turns that off."""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from quikapp_charts import paths, render_cache, rendering, service_table
from support import ENVIRONMENTS, Objects

# The release fixtures (a signing key, an HTTP chart repository, an OCI registry on 127.0.0.1).
pytest_plugins = ["release_support"]

os.environ.setdefault(render_cache.VARIABLE, str(paths.CACHE / "renders"))


@pytest.fixture(scope="session")
def rendered() -> dict[str, Objects]:
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = pool.map(lambda env: Objects(rendering.render(env)), ENVIRONMENTS)
        return {objects.env: objects for objects in results}


@pytest.fixture(scope="session")
def services() -> list[service_table.Service]:
    return service_table.parse(paths.SERVICE_TABLE)


def pytest_sessionstart(session):
    """Renders of charts that have since changed leave the cache after a week unused (once per run,
    in the process that starts the workers)."""
    cache = render_cache.folder()
    if cache is not None and not hasattr(session.config, "workerinput"):
        render_cache.prune(cache)


# `make test-fast` hands each worker the next test file, in collection order, whenever it is free
# (--dist loadfile --no-loadscope-reorder). The files that take longest (processes of their own:
# helm, git, gpg, a registry, a second pytest) go first, so that the workers end on short files at
# about the same time instead of one of them running a long file alone at the end.
LONG_FILES = ("test_release_flow.py", "test_bad_input.py", "test_release.py", "test_render_cache.py",
              "test_netpol.py", "test_reproducible.py", "test_lint.py", "test_generate.py", "test_cli_validate.py",
              "test_capacity_html.py", "test_chart_docs.py", "test_capacity.py")


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    rank = {name: number for number, name in enumerate(LONG_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(LONG_FILES)) if item.path.parent == here else len(LONG_FILES))
