"""The local cluster's kwokctl configuration: the control plane's garbage collector setting (the
running processes are checked in test_lifecycle.py)."""
from __future__ import annotations

import pytest

from quikapp_charts.cluster.kwok import CONTROL_PLANE_GOGC, GOGC_VARIABLE, kwok_config
from quikapp_charts.core.errors import UserError

GO_COMPONENTS = {"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok-controller"}


def gogc_of_each_component() -> dict[str, list[dict]]:
    return {patch["name"]: patch["extraEnvs"] for patch in kwok_config()[0]["componentsPatches"]}


def test_every_go_component_gets_the_setting(monkeypatch):
    monkeypatch.delenv(GOGC_VARIABLE, raising=False)
    assert gogc_of_each_component() == {name: [{"name": "GOGC", "value": CONTROL_PLANE_GOGC}]
                                        for name in GO_COMPONENTS}


def test_the_variable_sets_another_value(monkeypatch):
    monkeypatch.setenv(GOGC_VARIABLE, "100")
    assert {envs[0]["value"] for envs in gogc_of_each_component().values()} == {"100"}


@pytest.mark.parametrize("value", ["4OO", "-1", "100; rm -rf /"])
def test_a_value_that_is_no_percentage_is_one_clear_error(monkeypatch, value):
    monkeypatch.setenv(GOGC_VARIABLE, value)
    with pytest.raises(UserError, match=f"^{GOGC_VARIABLE}=.*: not a percentage"):
        kwok_config()
