"""The loader of helm's output builds what PyYAML's safe loader builds, and leaves to it every
document that is more than plain mappings, lists and scalars (so its errors are the safe loader's)."""
from __future__ import annotations

import datetime

import pytest
import yaml

from quikapp_charts.core import rendering
from quikapp_charts.core.errors import UserError
from quikapp_charts.core.yaml_loader import RenderLoader

SAFE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@pytest.mark.parametrize("env", ["live", "local"])
def test_a_render_loads_as_the_safe_loader_loads_it(rendered, env):
    text = rendered[env].text
    objects = list(yaml.load_all(text, Loader=RenderLoader))
    assert len(objects) > 100
    assert objects == list(yaml.load_all(text, Loader=SAFE))


@pytest.mark.parametrize("text, expected", [
    ("a: 1\nb: [yes, no, ~, 1.5, .inf, 0x1F, '010', 010]\nc: 2026-01-01\nd: !!binary aGk=\n'1': x\n2: y\n",
     {"a": 1, "b": [True, False, None, 1.5, float("inf"), 31, "010", 8], "c": datetime.date(2026, 1, 1),
      "d": b"hi", "1": "x", 2: "y"}),
    ("a: &shared {b: 1}\nc: *shared\n", {"a": {"b": 1}, "c": {"b": 1}}),
    ("<<: {m: 1, n: 1}\nn: 2\n", {"m": 1, "n": 2}),
    ("a: !!str 1\nb: !!int '2'\nc: {x: 1, x: 2}\n", {"a": "1", "b": 2, "c": {"x": 2}}),
])
def test_scalars_aliases_merge_keys_and_tags_as_the_safe_loader_reads_them(text, expected):
    assert yaml.load(text, Loader=RenderLoader) == expected == yaml.load(text, Loader=SAFE)


def test_an_alias_shares_its_object_as_the_safe_loader_does():
    loaded = yaml.load("a: &shared [1]\nb: *shared\n", Loader=RenderLoader)
    assert loaded["a"] is loaded["b"]


@pytest.mark.parametrize("text, message", [
    ("? [1, 2]\n: x\n", "found unhashable key"),
    ("a: !custom 1\n", "could not determine a constructor for the tag '!custom'"),
])
def test_what_the_safe_loader_refuses_it_refuses_in_the_same_words(text, message):
    with pytest.raises(yaml.constructor.ConstructorError, match=message):
        yaml.load(text, Loader=SAFE)
    with pytest.raises(yaml.constructor.ConstructorError, match=message):
        yaml.load(text, Loader=RenderLoader)


def test_a_render_that_is_not_yaml_is_one_line():
    with pytest.raises(UserError, match=r"^the render is not valid YAML \(while parsing"):
        rendering.load_objects("kind: ConfigMap\nmetadata: {name: a\n")
