"""What the environment tests share: a workspace copy of the repository with its deploy/ folder."""
from __future__ import annotations

import shutil

import pytest

from quikapp_charts.core import paths
from support import make_workspace


@pytest.fixture
def repo(tmp_path):
    root = make_workspace(tmp_path / "repo")
    shutil.copytree(paths.ROOT / "deploy", root / "deploy")
    return root
