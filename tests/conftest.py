"""Shared fixtures: every environment rendered once per session, as Argo CD renders it. Every
`helm template` of the tool, in this process or in the ones it starts, is answered from the render
cache (.cache/renders, keyed by every byte it reads: quikapp_charts.core.result_cache) when nothing it
is made of has changed; QUIKAPP_CHARTS_RENDER_CACHE= (empty) turns that off."""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from quikapp_charts.catalogue import service_table
from quikapp_charts.core import paths, rendering, result_cache
from support import ENVIRONMENTS, Objects

# The release fixtures (a signing key, an HTTP chart repository, an OCI registry on 127.0.0.1).
pytest_plugins = ["release_support"]

os.environ.setdefault(result_cache.VARIABLE, str(paths.CACHE / "renders"))


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
    cache = result_cache.folder()
    if cache is not None and not hasattr(session.config, "workerinput"):
        result_cache.prune(cache)


# One order for every run. The cluster tests run in CLUSTER_ORDER: `ct install` wants the GPU nodes
# free of the environments, so it goes first; the drain and the upgrade change what is installed, so
# they go late; the lifecycle checks end with `cluster down`, so they go last. Of the other tests, the files
# marked `slow` (processes of their own: helm, git, gpg, a registry, a second pytest) go first, so
# that the workers end on short files at about the same time instead of one of them running a long
# file alone at the end.
CLUSTER_ORDER = {"test_ct_install.py": 1, "test_plain_install.py": 1, "test_drain.py": 3,
                 "test_upgrade.py": 4, "test_lifecycle.py": 5}
CLUSTER_FOLDER = "tests/cluster/"


def pytest_collection_modifyitems(items):
    def rank(item) -> tuple[int, int]:
        if item.get_closest_marker("cluster"):
            return (0, CLUSTER_ORDER.get(item.path.name, 2))
        return (1, 0 if item.get_closest_marker("slow") else 1)

    items.sort(key=rank)


def pytest_xdist_make_scheduler(config, log):
    """`make test`'s schedule (--dist loadgroup): the tests of tests/cluster/ as one unit on one
    worker, in the order above (they share one local cluster, which its tests stop, drain and
    upgrade), every other test on whichever worker is free. xdist's own loadgroup marks a group by a
    suffix of the node id, which pytest 9.2 no longer lets a plugin change, so the group is the folder."""
    if config.getoption("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ClusterApart(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return CLUSTER_FOLDER if nodeid.startswith(CLUSTER_FOLDER) else nodeid

    return ClusterApart(config, log)


# A worker (pytest-xdist) whose first test needs no cluster lowers its priority
# (and so that of the helm, git and gpg it starts): the cluster tests on the other worker are the
# critical path and use most of a core and a half, while the others need about 140 CPU-seconds in
# all, which fit in what the cluster tests leave idle. Nice 5, not more: on a busy machine the
# worker still gets a third of what a process at the default priority gets.
NICE_BESIDE_THE_CLUSTER = 5
_first_test_seen = False


def pytest_runtest_setup(item):
    global _first_test_seen
    if _first_test_seen or not hasattr(item.config, "workerinput"):
        return
    _first_test_seen = True
    if not str(item.path).startswith(str(item.config.rootpath / CLUSTER_FOLDER)):
        os.nice(NICE_BESIDE_THE_CLUSTER)
