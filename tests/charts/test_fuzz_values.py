"""Hostile strings in every string leaf of the values schema (hypothesis): each value is either
refused with one line that names its key, or rendered into exactly the same kinds and number of
objects with the value intact where it belongs (a string scalar or key of a rendered object).

Leaves are read from the generated schema ($defs/service and $defs/global): strings, strings in a
oneOf, map keys, map values and array items. A service leaf is set on a service where its feature
is on (ingress on backend-gateway, the Key Vault on auth-service, clustering on call-service, the
rest on ml-service, a GPU service). Each hypothesis example sets one hostile string in every leaf
at once and renders them in one `helm template`; the leaves helm names are refused, the rest are
rendered again without them until the render passes, so a run costs a few renders per example.
"""
from __future__ import annotations

import json
import re
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quikapp_charts.catalogue import values_schema
from quikapp_charts.core import paths, rendering
from quikapp_charts.core.errors import UserError
from support import strings_in

SCHEMA = values_schema.schemas([])["quikapp"]["$defs"]
# Where a service leaf is set, by its first key: a service whose feature it belongs to is on.
SERVICE_AT = {"ingress": ("nestjs", "services", "backend-gateway"),
              "keyVault": ("spring-boot", "services", "auth-service"),
              "clustering": ("elixir", "services", "call-service")}
SERVICE_DEFAULT = ("python", "services", "ml-service")
# A valid key for each map whose values are fuzzed (the key is fuzzed as a leaf of its own).
MAP_KEY = {"env": "FUZZ_VAR", "annotations": "nginx.ingress.kubernetes.io/proxy-body-size", "podAnnotations": "example.com/fuzz",
           "nodeSelector": "example.com/fuzz", "podLabels": "example.com/fuzz", "config": "FUZZ_KEY",
           "dataStores": "database", "requests": "cpu", "limits": "cpu", "resourceQuota": "pods",
           "podsMetrics": "fuzz_metric", "writablePaths": "fuzz", "ports": "fuzz"}
# Leaves that steer checks only and reach no object: a value there is accepted and rendered nowhere.
CHECKS_ONLY = {("global", "networkPolicy", "dataStores", "<key>")}
HOSTILE = [
    "x\n---\napiVersion: v1\nkind: Secret", "a: b", "- item", "'quoted'", '"double"', "$(id)", "`id`",
    "${HOME}", "x; wget http://169.254.169.254", "{{ .Values }}", "#comment", "&anchor", "*alias", "!!str",
    "yes", "NO", "on", "Off", "y", "~", "null", "true", "0x1F", "1e3", "012", "", " ", "tab\there",
    "é-ünïcødé", "名前", "emoji-😀", "\u202eevil", "\x00nul", "\x1b[31m", "a" * 300, "/", "/../etc",
    "/ok/path", "ok-name", "10.0.0.0/8", "Ok.Example.com",
]


def _resolve(schema: dict) -> dict:
    ref = schema.get("$ref")
    return SCHEMA[ref.rsplit("/", 1)[1]] if ref else schema


def _is_string(schema: dict) -> bool:
    schema = _resolve(schema)
    kind = schema.get("type")
    return kind == "string" or (isinstance(kind, list) and "string" in kind) or any(
        _is_string(b) for b in schema.get("oneOf") or [])


def leaves(schema: dict, path: tuple = ()) -> list[tuple]:
    """Paths of every string leaf; `<key>` marks a map key, 0 an array item."""
    schema = _resolve(schema)
    found: list[tuple] = []
    branches = schema.get("oneOf") or []
    if _is_string(schema):
        found.append(path)
    for branch in branches:
        if _resolve(branch).get("type") == "object":
            found += leaves(branch, path)
    for key, sub in (schema.get("properties") or {}).items():
        found += leaves(sub, path + (key,))
    values = schema.get("additionalProperties")
    for sub in (schema.get("patternProperties") or {}).values():
        values = sub
    if isinstance(values, dict) and schema.get("type") == "object":
        found.append(path + ("<key>",))
        found += leaves(values, path + (MAP_KEY.get(path[-1], "fuzz"),))
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        found += leaves(schema["items"], path + (0,))
    return list(dict.fromkeys(found))


def located(path: tuple) -> tuple:
    if len(path) == 3 and path[0] == "env" and path[1] == MAP_KEY["env"]:
        path = ("env", f"FUZZ_{path[2].upper()}", path[2])  # one variable per reference field
    if path[0] == "global":
        return path
    return (SERVICE_AT.get(path[0], SERVICE_DEFAULT)) + path


LEAVES = [located(p) for p in leaves(SCHEMA["global"], ("global",))] + \
         [located(p) for p in leaves(SCHEMA["service"])]


# Siblings a fuzzed field needs to be judged on its own (an env reference names its key, a
# toleration its taint, a seccomp profile its type, capabilities drop ALL), filled in where missing.
COMPANIONS = {"tolerations": ("key", "example.com/fuzz"), "capabilities": ("drop", ["ALL"]),
              "seccompProfile": ("type", "Localhost"), "appArmorProfile": ("type", "Localhost"),
              "FUZZ_NAME": ("secret", "FUZZ_KEY")}


def nested(path: tuple, value: str):
    """The values document that holds value at path alone."""
    if not path:
        return value
    step, rest = path[0], path[1:]
    if rest == ("<key>",):
        return {step: {value: _key_payload(path)}}
    inner = nested(rest, value)
    return [inner] if step == 0 else {step: inner}


def complete(node, name: str = "") -> None:
    if isinstance(node, list):
        for item in node:
            if isinstance(item, dict) and name in COMPANIONS:
                item.setdefault(*COMPANIONS[name])
            complete(item)
    elif isinstance(node, dict):
        if name in COMPANIONS and name != "tolerations":
            node.setdefault(*COMPANIONS[name])
        for key, value in node.items():
            complete(value, key)


def merge(dst, src):
    if isinstance(dst, dict) and isinstance(src, dict):
        for key, value in src.items():
            dst[key] = merge(dst[key], value) if key in dst else value
        return dst
    if isinstance(dst, list) and isinstance(src, list) and dst and src and isinstance(dst[0], dict) \
            and isinstance(src[0], dict):
        return [merge(dst[0], src[0])]
    return src


def place(values: dict, path: tuple, value: str) -> None:
    merge(values, nested(path, value))


def _key_payload(path: tuple):
    """A valid value under a fuzzed map key."""
    return {"ports": 1234, "writablePaths": "/fuzz", "dataStores": {"ports": [1]}, "requests": "1",
            "limits": "1", "resourceQuota": "1", "podsMetrics": "1"}.get(path[-2], "value")


def named(message: str, path: tuple) -> bool:
    """Does helm's or the checks' one line name this leaf (or, for a key, its map)?"""
    parts = [str(p) for p in path]
    if parts[-1] == "<key>":
        parts = parts[:-1]
    key = ".".join(p for p in parts if p != "0")
    keys = {key, ".".join(parts)}
    if parts[0] == "global":
        keys |= {f"{stack}.{k}" for stack in paths.STACKS for k in keys}
    if any(re.search(rf"(^|[ ;]){re.escape(k)}([.:]|$)", message) for k in keys):
        return True
    # An env reference is one oneOf: helm names the variable whose only field is the fuzzed one.
    parent = ".".join(parts[:-1])
    return "env" in parts and f"{parent}: 'oneOf' failed" in message


CASES = Counter()
EXAMPLES = 6  # each example is one hostile string in every leaf, a few renders


def render(tmp_path, values: dict):
    extra = tmp_path / "fuzz.yaml"
    extra.write_text(json.dumps(values, ensure_ascii=False))  # YAML takes no JSON surrogate pairs
    return rendering.render("dev", extra=["--values", str(extra)])


@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(st.sampled_from(HOSTILE), min_size=len(LEAVES), max_size=len(LEAVES)))
def test_hostile_strings_are_refused_by_name_or_render_intact(tmp_path, rendered, chosen):
    baseline = Counter(o["kind"] for o in rendered["dev"].all)
    pending = dict(zip(LEAVES, chosen, strict=True))
    while pending:
        values: dict = {}
        for path, value in pending.items():
            place(values, path, value)
        complete(values)
        try:
            result = render(tmp_path, values)
        except UserError as exc:
            message = str(exc)
            assert "\n" not in message and "Traceback" not in message
            refused = [p for p in pending if named(message, p)]
            assert refused, f"refused, naming no fuzzed key: {message}"
            for path in refused:
                CASES["refused"] += 1
                del pending[path]
            continue
        objects = result.objects
        assert Counter(o["kind"] for o in objects) == baseline, "a value added or removed objects"
        scalars = strings_in(objects)
        for path, value in pending.items():
            CASES["rendered"] += 1
            if path in CHECKS_ONLY or value == "":
                continue
            assert any(value in s for s in scalars), f"{'.'.join(map(str, path))}: {value!r} not intact"
        break


def test_fuzz_covered_every_leaf_and_reports_its_cases():
    """Runs after the property (file order): the figures go to the test log."""
    assert len(LEAVES) > 80
    total = CASES["refused"] + CASES["rendered"]
    assert total >= EXAMPLES * len(LEAVES)
    print(f"fuzzed {len(LEAVES)} string leaves: {total} cases, {CASES['refused']} refused by name, "
          f"{CASES['rendered']} rendered intact")
