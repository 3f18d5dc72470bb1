"""`quikapp-charts capacity ENV`: requests, limits, pods, GPUs and claims at the floor, at the HPA
ceilings and part-way, with a rolling-update surge, against the ResourceQuota.

Every expected figure is counted here by hand from the rendered objects (the session's `rendered`
fixture), with a quantity parser of the test's own, never by calling the model being tested.
"""
from __future__ import annotations

import math

import pytest

from support import add_to_values, assert_one_line_error, cli, make_workspace

pytestmark = pytest.mark.slow

GPU = "nvidia.com/gpu"
GI = 2**30
UNITS = {"m": 0.001, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


def amount(text) -> float:
    text = str(text)
    for suffix, factor in UNITS.items():
        if text.endswith(suffix):
            return float(text[: -len(suffix)]) * factor
    return float(text)


def replicas_at(floor: int, ceiling: int, point: str) -> int:
    if point == "floor":
        return floor
    if point == "max":
        return ceiling
    return floor + math.ceil((ceiling - floor) * int(point) / 100)


def hand_count(objects, point: str, surge: bool) -> dict[str, dict[str, float]]:
    """Per stack and 'total': pods, cpu/memory requests and limits (cores, GiB), GPUs."""
    hpas = {h["spec"]["scaleTargetRef"]["name"]: h["spec"]
            for h in objects.all if h["kind"] == "HorizontalPodAutoscaler"}
    counts: dict[str, dict[str, float]] = {}
    for dep in objects.all:
        if dep["kind"] != "Deployment":
            continue
        name, stack = dep["metadata"]["name"], dep["metadata"]["labels"]["stack"]
        hpa = hpas.get(name)
        replicas = (replicas_at(hpa["minReplicas"], hpa["maxReplicas"], point) if hpa
                    else dep["spec"]["replicas"])
        max_surge = dep["spec"]["strategy"]["rollingUpdate"]["maxSurge"]
        extra = max_surge if isinstance(max_surge, int) else math.ceil(replicas * int(max_surge[:-1]) / 100)
        pods = replicas + (extra if surge else 0)
        for key in (stack, "total"):
            row = counts.setdefault(key, {"pods": 0, "cpu": 0, "memory": 0, "cpu_limit": 0,
                                          "memory_limit": 0, "gpus": 0})
            row["pods"] += pods
            for c in dep["spec"]["template"]["spec"]["containers"]:
                req, lim = c["resources"]["requests"], c["resources"]["limits"]
                row["cpu"] += pods * amount(req["cpu"])
                row["memory"] += pods * amount(req["memory"]) / GI
                row["cpu_limit"] += pods * amount(lim["cpu"])
                row["memory_limit"] += pods * amount(lim["memory"]) / GI
                row["gpus"] += pods * int(lim.get(GPU, 0))
    return counts


def as_counted(figures: dict) -> dict[str, float]:
    return {"pods": figures["pods"], "cpu": figures["requests.cpu"], "memory": figures["requests.memory"],
            "cpu_limit": figures["limits.cpu"], "memory_limit": figures["limits.memory"],
            "gpus": figures[f"requests.{GPU}"]}


@pytest.fixture(scope="module")
def live_report():
    result = cli("capacity", "live", "--at", "50", "-o", "json")
    assert result.code in (0, 1), result.stderr
    return result.json


@pytest.mark.parametrize("point,label", [("floor", "floor"), ("50", "50%"), ("max", "max")])
@pytest.mark.parametrize("surge", [False, True])
def test_live_figures_are_the_hand_count_of_the_render(live_report, rendered, point, label, surge):
    expected = hand_count(rendered["live"], point, surge)
    figures = live_report["figures"][label + (" +surge" if surge else "")]
    got = {"total": as_counted(figures["total"])} | {s: as_counted(f) for s, f in figures["stacks"].items()}
    assert set(got) == set(expected)
    for key, row in expected.items():
        assert got[key] == pytest.approx(row), key


def test_live_floor_and_claims(live_report, rendered):
    assert live_report["figures"]["floor"]["total"]["pods"] == 80
    assert live_report["figures"]["floor"]["total"][f"requests.{GPU}"] == 7
    claims = [o for o in rendered["live"].all if o["kind"] == "PersistentVolumeClaim"]
    total = live_report["figures"]["max"]["total"]
    assert total["persistentvolumeclaims"] == len(claims) == 4
    assert total["requests.storage"] == sum(amount(c["spec"]["resources"]["requests"]["storage"])
                                            for c in claims) / GI


def test_live_fits_at_peak_in_its_quota_and_states_the_gpu_nodes(rendered):
    """The decision in the README: every HPA at its ceiling, rolling, fits the quota; the GPU
    services at the design's ceilings (10, 8, 5, 10) take 33 GPUs and roll without a spare one, and
    the report says how many GPU nodes that takes."""
    peak = hand_count(rendered["live"], "max", surge=True)["total"]
    assert peak["gpus"] == hand_count(rendered["live"], "max", surge=False)["total"]["gpus"] == 33
    result = cli("capacity", "live", "--at", "max")
    assert result.code == 0, result.stderr
    assert "live fits at max with a rolling-update surge." in result.stdout
    assert "Every HPA ceiling is within the quota, all at once." in result.stdout
    assert "GPU nodes: 33 GPUs at max with the surge need 9 nodes of 4 GPUs." in result.stdout
    assert cli("capacity", "live", "--at", "max", "--pool", "cpu=40x16c64g,gpu=9x4gpu").code == 0
    short = cli("capacity", "live", "--at", "max", "--pool", "cpu=40x16c64g,gpu=8x4gpu")
    assert_one_line_error(short, 1, "GPU pods request 33 nvidia.com/gpu, the GPU nodes have 32")
    on_eight = cli("capacity", "live", "--at", "max", "--pool", "gpu=4x8gpu,cpu=40x16c64g", "-o", "json")
    assert on_eight.json["gpuNodes"] == {"gpus": 33, "perNode": 8, "nodes": 5}


def test_quota_rows_are_the_rendered_quota(live_report, rendered):
    (quota,) = rendered["live"].by_kind["ResourceQuota"].values()
    hard = quota["spec"]["hard"]
    rows = {row["key"]: row for row in live_report["quota"]}
    assert set(rows) == set(hard)
    for key, value in hard.items():
        scale = GI if key.endswith("memory") else 1
        assert rows[key]["hard"] == pytest.approx(amount(value) / scale)
        max_used = live_report["figures"]["max +surge"]["total"][key]
        assert rows[key]["used"]["max+surge"]["fits"] == (max_used <= rows[key]["hard"])


@pytest.fixture
def scratch(tmp_path):
    return make_workspace(tmp_path / "repo")


def quota(scratch, **hard):
    roomy = {"requests.cpu": "1000", "limits.cpu": "2000", "requests.memory": "4Ti",
             "limits.memory": "8Ti", "requests.nvidia.com/gpu": "100", "pods": "2000",
             "persistentvolumeclaims": "10"}
    add_to_values(scratch / "values" / "live.yaml",
                  {"global": {"resourceQuota": roomy | {k.replace("__", "."): v for k, v in hard.items()}}})


def test_fits_when_the_quota_admits_the_peak_with_its_surge(scratch):
    quota(scratch)
    result = cli("capacity", "live", "--at", "max", root=scratch)
    assert result.code == 0, result.stderr
    assert "live fits at max with a rolling-update surge." in result.stdout
    assert "Every HPA ceiling is within the quota" in result.stdout


def test_gpu_quota_below_the_gpu_ceilings(scratch, rendered):
    quota(scratch, **{"requests__nvidia__com/gpu": "21"})
    result = cli("capacity", "live", "--at", "max", "-o", "json", root=scratch)
    gpus = hand_count(rendered["live"], "max", surge=False)["total"]["gpus"]
    assert gpus > 21
    line = assert_one_line_error(result, 1, "live does not fit at max", f"requests.nvidia.com/gpu {gpus} > 21")
    assert "pods" not in line
    gpu_services = {o["metadata"]["name"] for o in rendered["live"].all if o["kind"] == "Deployment"
                    and GPU in o["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]}
    unreachable = {u["name"]: u for u in result.json["unreachable"]}
    assert set(unreachable) == gpu_services
    # 7 GPUs at the floor leave 14: each GPU service alone still reaches its ceiling.
    assert all(u["together"] == [f"requests.{GPU}"] and u["alone"] == u["ceiling"]
               for u in unreachable.values())
    assert cli("capacity", "live", "--at", "floor", root=scratch).code == 0


def test_a_service_alone_short_of_its_ceiling(scratch, rendered):
    quota(scratch, **{"requests__nvidia__com/gpu": "12"})
    result = cli("capacity", "live", "-o", "json", root=scratch)
    assert result.code == 1
    hpas = {h["spec"]["scaleTargetRef"]["name"]: h["spec"]
            for h in rendered["live"].all if h["kind"] == "HorizontalPodAutoscaler"}
    spare = 12 - 7  # the GPUs the floor leaves
    for u in result.json["unreachable"]:
        spec = hpas[u["name"]]
        assert u["alone"] == min(spec["maxReplicas"], spec["minReplicas"] + spare), u


def test_surge_alone_can_break_the_fit(scratch, rendered):
    peak = hand_count(rendered["live"], "max", surge=False)["total"]["pods"]
    rolling = hand_count(rendered["live"], "max", surge=True)["total"]["pods"]
    quota(scratch, pods=str(peak))  # max fits; its 25% surge does not
    result = cli("capacity", "live", "--at", "max", root=scratch)
    assert_one_line_error(result, 1, "during a rolling update", f"pods {rolling} > {peak}")


def test_pool_arithmetic(scratch, rendered):
    quota(scratch)
    gpus = hand_count(rendered["live"], "max", surge=True)["total"]["gpus"]
    assert cli("capacity", "live", "--pool", "cpu=40x16c64g,gpu=11x4gpu", root=scratch).code == 0
    result = cli("capacity", "live", "--pool", "cpu=20x16c64g,gpu=2x4gpu", root=scratch)
    line = assert_one_line_error(result, 1, "pool:", "elixir-realtime needs 38 CPU nodes",
                                 f"GPU pods request {gpus} nvidia.com/gpu, the GPU nodes have 8")
    assert "does not fit at max" in line
    assert_one_line_error(cli("capacity", "live", "--at", "floor", "--pool", "cpu=40x16c64g", root=scratch), 1,
                          "4 Deployments need GPU nodes and the pool has none")


@pytest.mark.parametrize("args,mentions", [
    (["--at", "150"], ["--at", "150"]),
    (["--at", "soon"], ["--at", "soon"]),
    (["--pool", "cpu=forty"], ["--pool", "cpu=forty", "NAME=COUNTxSHAPE"]),
    (["--pool", "cpu=4x8c,cpu=2x8c"], ["--pool", "'cpu' is named twice"]),
])
def test_bad_options_are_one_line(args, mentions):
    assert_one_line_error(cli("capacity", "live", *args), 2, *mentions)


def test_unknown_environment_is_one_line():
    assert_one_line_error(cli("capacity", "prod"), 2, "values/prod.yaml", "no such environment")


def test_text_shows_stacks_quota_and_reason():
    result = cli("capacity", "live", "--at", "floor")
    assert result.code == 0, result.stderr
    for text in ("requests by stack, floor / max", "spring-boot", "python", "+ surge",
                 "ResourceQuota quikapp-quota", "requests.nvidia.com/gpu",
                 "live fits at floor with a rolling-update surge."):
        assert text in result.stdout
