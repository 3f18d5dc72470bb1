"""The library chart's templates keep the layout charts/quikapp-lib/templates/_README.tpl states:
defines named by layer, each with its Usage line, none with control flow over 60 lines, and one
place for the GPU resource name. Reads the files only."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = next(p for p in Path(__file__).resolve().parents if (p / "charts" / "quikapp-lib").is_dir())
CHARTS = ROOT / "charts"
TEMPLATES = CHARTS / "quikapp-lib" / "templates"

LAYERS = ("render", "object", "part", "settings", "checks", "defaults", "util")
MAX_CONTROL_FLOW_LINES = 60

_COMMENT = re.compile(r"\{\{-?\s*/\*.*?\*/\s*-?\}\}", re.DOTALL)
_DEFINE = re.compile(r'\{\{-?\s*define\s+"([^"]+)"\s*-?\}\}')
_OPEN = re.compile(r"\{\{-?\s*(?:if|range|with|define|block)\b")
_END = re.compile(r"\{\{-?\s*end\b")
_CONTROL = re.compile(r"\{\{-?\s*(?:if|range|with)\b")
_KIND = re.compile(r"^kind: (\w+)$", re.MULTILINE)
_INCLUDE = re.compile(r'include\s+"([^"]+)"')
_NAME = re.compile(r"quikapp\.(?:" + "|".join(LAYERS) + r")(?:\.[A-Za-z][A-Za-z0-9]*)+")


@dataclass
class Define:
    name: str
    file: str
    line: int
    body: str  # from the define action to its end, comments blanked
    comment: str  # the {{/* */}} block just before it, if any

    @property
    def lines(self) -> int:
        return self.body.count("\n") + 1


def _blank(match: re.Match) -> str:
    """A comment replaced by spaces and its newlines, so that offsets and line numbers hold."""
    return re.sub(r"[^\n]", " ", match.group(0))


def defines() -> list[Define]:
    found = []
    for path in sorted(TEMPLATES.glob("*.tpl")):
        text = path.read_text()
        code = _COMMENT.sub(_blank, text)
        for match in _DEFINE.finditer(code):
            depth, end = 0, None
            for action in re.finditer(r"\{\{.*?\}\}", code[match.start():], re.DOTALL):
                depth += bool(_OPEN.match(action.group(0))) - bool(_END.match(action.group(0)))
                if depth == 0:
                    end = match.start() + action.end()
                    break
            assert end is not None, f"{path.name}: define {match.group(1)} has no end"
            before = text[:match.start()].rstrip()
            comment = before[before.rfind("{{/*"):] if before.endswith("*/}}") else ""
            found.append(Define(match.group(1), path.name, code.count("\n", 0, match.start()) + 1,
                                code[match.start():end], comment))
    return found


DEFINES = defines()


def test_the_library_has_its_defines():
    assert len(DEFINES) > 40
    names = [d.name for d in DEFINES]
    assert len(names) == len(set(names))


def test_no_define_with_control_flow_is_over_60_lines():
    long = [f"{d.file}:{d.line} {d.name} ({d.lines} lines)" for d in DEFINES
            if _CONTROL.search(d.body) and d.lines > MAX_CONTROL_FLOW_LINES]
    assert long == []


def test_every_define_has_a_usage_line_that_names_it():
    missing = [f"{d.file}:{d.line} {d.name}" for d in DEFINES
               if not re.search(r'^Usage: .*"' + re.escape(d.name) + '"', d.comment, re.MULTILINE)]
    assert missing == []


def test_define_names_say_their_layer():
    wrong = [f"{d.file}:{d.line} {d.name}" for d in DEFINES
             if not _NAME.fullmatch(d.name)]
    assert wrong == []


def test_an_object_define_writes_one_object_of_the_kind_it_names():
    wrong = []
    for d in DEFINES:
        if d.name.startswith("quikapp.object."):
            kinds = _KIND.findall(d.body)
            if kinds != [d.name.split(".")[2]]:
                wrong.append(f"{d.file}:{d.line} {d.name} writes kind {kinds}")
    assert wrong == []


def test_the_charts_templates_include_the_render_entry_points_and_only_them():
    manifests = [p for p in CHARTS.glob("*/templates/**/*.yaml") if "quikapp-lib" not in p.parts]
    included = {name for p in manifests for name in _INCLUDE.findall(p.read_text())}
    entry_points = {d.name for d in DEFINES if d.name.startswith("quikapp.render.")}
    assert included == entry_points


@pytest.mark.parametrize("word", ["service", "render"])
def test_one_meaning_per_word(word):
    """"service" is a QuikApp service (a Kubernetes Service is the kind `Service`); "render" is an
    entry point that writes YAML documents."""
    if word == "service":
        wrong = [d.name for d in DEFINES if "service" in d.name.split(".")[2:] and d.name.startswith(
            ("quikapp.object.", "quikapp.part."))]
    else:
        wrong = [d.name for d in DEFINES if "render" in d.name.lower() and not d.name.startswith("quikapp.render.")]
    assert wrong == []


def test_the_gpu_resource_is_named_once():
    """Outside the data defines (quikapp.defaults.*, values a user may change, such as the GPU
    tolerations' key), "nvidia.com/gpu" is spelled in one place."""
    data = [d for d in DEFINES if d.name.startswith("quikapp.defaults.")]
    count = sum(path.read_text().count("nvidia.com/gpu") for path in TEMPLATES.glob("*.tpl"))
    in_data = sum(d.body.count("nvidia.com/gpu") for d in data)
    assert count - in_data == 1
