"""tools/bootstrap.sh builds the Python venvs with uv at the version tools/versions.env pins."""
from __future__ import annotations

import pytest

from quikapp_charts.core import paths


@pytest.mark.parametrize("venv", ["venv", "checkov"])
def test_the_venvs_are_built_by_the_pinned_uv(venv):
    config = (paths.CACHE / venv / "pyvenv.cfg").read_text().splitlines()
    assert f"uv = {paths.versions()['UV_VERSION']}" in config
