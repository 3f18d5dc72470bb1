"""Helm 3 (Argo CD before 3.5) and Helm 4 (Argo CD 3.5) render the same objects."""
from __future__ import annotations

import pytest

from quikapp_charts.core import rendering
from support import ENVIRONMENTS


def by_identity(objects: list[dict]) -> dict[tuple[str, str], dict]:
    return {(obj["kind"], obj["metadata"]["name"]): obj for obj in objects}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_helm3_renders_what_helm4_renders(rendered, env):
    helm4 = by_identity(rendered[env].all)
    helm3 = by_identity(rendering.render(env, helm="helm3").objects)
    assert sorted(helm3) == sorted(helm4)
    for key, obj in helm4.items():
        assert helm3[key] == obj, key
