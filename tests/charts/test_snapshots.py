"""Every environment's render, committed under tests/charts/__snapshots__/ as reviewable YAML.

An intended change: `make snapshots` rewrites them; review and commit the diff with the change.
"""
from __future__ import annotations

import pytest
from syrupy.extensions.single_file import SingleFileSnapshotExtension, WriteMode

from support import ENVIRONMENTS


class YamlSnapshot(SingleFileSnapshotExtension):
    file_extension = "yaml"
    _write_mode = WriteMode.TEXT


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_render_matches_snapshot(rendered, snapshot, env):
    assert rendered[env].text == snapshot(extension_class=YamlSnapshot)
