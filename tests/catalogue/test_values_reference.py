"""One source for each values key: the library's defaults template, where a key's default stands
under its `## @param PATH TYPE DESCRIPTION` line, is what the schemas and README tables are built
from; a key described wrongly, or not at all, is named in one line."""
from __future__ import annotations

import jsonschema
import pytest

from quikapp_charts.catalogue import values_reference, values_schema, values_types
from quikapp_charts.core.errors import UserError
from release_support import cli
from support import make_workspace

DEFAULTS = "charts/quikapp-lib/templates/_defaults.tpl"


@pytest.fixture
def workspace(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    return make_workspace(root)


def edit(workspace, old: str, new: str) -> None:
    path = workspace / DEFAULTS
    text = path.read_text()
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new))


def test_every_default_is_valid_for_the_type_its_line_states():
    reference = values_reference.load()
    defs = values_schema.defs()
    for section in ("service", "global"):
        schema = {**defs[section], "$defs": defs}
        jsonschema.validate(reference.defaults[section], schema)
    assert [p.path for p in reference.params["service"][:3]] == ["enabled", "tier", "image"]


def test_every_described_key_is_in_the_schema_with_its_description():
    reference = values_reference.load()
    defs = values_schema.defs()
    for section in ("service", "global"):
        for param in reference.params[section]:
            nodes = [defs[section]]
            for part in param.path.split("."):
                nodes = [child for node in nodes for child in
                         (node["properties"].values() if part == "*" else [node["properties"][part]])]
            assert nodes and all(node["description"] == param.description for node in nodes), param.path


@pytest.mark.parametrize(("expression", "schema"), [
    ("boolean", {"type": "boolean"}),
    ("integer[1,9]", {"type": "integer", "minimum": 1, "maximum": 9}),
    ("enum[a,b]", {"enum": ["a", "b"]}),
    ("const:true", {"const": True}),
    ("set[boolean]", {"type": "array", "items": {"type": "boolean"}, "uniqueItems": True}),
    ("list[boolean]", {"type": "array", "items": {"type": "boolean"}}),
    ("object[required:key]", {"type": "object", "additionalProperties": False, "properties": {}, "required": ["key"]}),
    ("boolean?", {"oneOf": [{"type": "boolean"}, {"const": ""}]}),
    ("boolean|null", {"oneOf": [{"type": "boolean"}, {"type": "null"}]}),
])
def test_type_expressions(expression, schema):
    assert values_types.schema_of(expression) == schema


def test_a_generated_file_follows_a_changed_description(workspace):
    edit(workspace, "## @param replicas integer[1,1000] The replica floor", "## @param replicas integer[1,1000] The floor")
    result = cli(workspace, "generate", "--check")
    assert result.returncode == 1
    assert "charts/quikapp/values.schema.json" in result.stdout + result.stderr
    assert "charts/go/README.md" in result.stdout + result.stderr


@pytest.mark.parametrize(("old", "new", "message"), [
    ("## @param replicas integer[1,1000] ", "## @param replicas integr[1,1000] ",
     "_defaults.tpl:{line}: replicas: unknown type 'integr[1,1000]'"),
    ("## @param terminationGracePeriodSeconds integer[0,3600] Seconds a pod has to stop.\n", "",
     "_defaults.tpl: service key terminationGracePeriodSeconds has a default but no `## @param` line"),
    ("## @param tier dns-name ", "## @param tier.name dns-name ",
     "_defaults.tpl:{line}: tier.name: tier is not described as an object"),
    ("## @param tier dns-name The", "## @param tier dns-name\n## @param enabled boolean The",
     "_defaults.tpl:{line}: an @param line is `## @param PATH TYPE DESCRIPTION`"),
])
def test_a_wrong_or_missing_description_is_one_line_naming_the_file_and_line(workspace, old, new, message):
    text = (workspace / DEFAULTS).read_text()
    line = text[:text.index(old)].count("\n") + 1
    edit(workspace, old, new)
    with pytest.raises(UserError) as error:
        values_reference.load(workspace / "charts")
    assert message.format(line=line) in str(error.value)
    assert "\n" not in str(error.value)
    result = cli(workspace, "generate", "--check")
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert message.format(line=line) in result.stderr
