"""What `make test` runs and what only the soak script runs: the cases marked `matrix`."""
from __future__ import annotations

import subprocess
import sys

from quikapp_charts.core import paths


def collected(*args: str) -> list[str]:
    proc = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *args],
                          capture_output=True, text=True, cwd=paths.ROOT, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return [line for line in proc.stdout.splitlines() if "::" in line]


def test_make_test_runs_the_representative_cases_and_the_soak_script_every_case():
    """`make test` leaves out the cases marked `matrix`; tools/benchmarks/soak_cluster_tests.sh
    (`-m cluster`) runs them too: every environment installed, every ct values file."""
    makefile = (paths.ROOT / "Makefile").read_text()
    assert "python -m pytest -n auto --dist loadgroup -m 'not matrix'" in makefile
    assert "python -m pytest -m cluster " in (paths.ROOT / "tools/benchmarks/soak_cluster_tests.sh").read_text()
    floor_test = "tests/cluster/test_install.py::test_every_deployment_is_available_with_its_replicas"
    in_make_test = collected("-m", "not matrix", floor_test, "tests/cluster/test_ct_install.py")
    in_soak = collected("-m", "cluster", floor_test, "tests/cluster/test_ct_install.py")
    envs = lambda ids: {i.split("[")[1].rstrip("]") for i in ids if i.startswith(floor_test)}  # noqa: E731
    assert envs(in_make_test) == {"local", "dev", "live"}
    assert envs(in_soak) == set(paths.environments())
    ct_cases = lambda ids: {i.split("[")[1].rstrip("]") for i in ids if "test_ct_install_passes[" in i}  # noqa: E731
    assert ct_cases(in_make_test) == {"single-stack"}
    assert ct_cases(in_soak) == {v.name.removesuffix("-values.yaml") for v in (paths.UMBRELLA / "ci").glob("*-values.yaml")}


def test_make_test_schedules_the_pool_that_fits_and_the_soak_script_the_small_one_too():
    schedule = "tests/cluster/test_capacity_schedule.py"
    names = lambda ids: {i.split("::")[1] for i in ids}  # noqa: E731
    fits, small = ("test_live_at_its_ceilings_on_a_production_pool",
                   "test_a_small_pool_leaves_pods_pending_with_the_schedulers_reasons")
    assert fits in names(collected("-m", "not matrix", schedule)) and small not in names(collected("-m", "not matrix", schedule))
    assert {fits, small} <= names(collected("-m", "cluster", schedule))
