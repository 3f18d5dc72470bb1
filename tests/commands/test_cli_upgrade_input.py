"""plan and recover refuse bad input in one line with exit 2, before they ask any cluster."""
from __future__ import annotations

import pytest

from support import assert_one_line_error, cli


@pytest.mark.parametrize("args,mentions", [
    (["recover", "live", "--timeout", "ten"], ["--timeout ten", "not a duration"]),
    (["recover", "prod"], ["values/prod.yaml", "no such environment"]),
    (["plan", "live", "--chart", "charts/quikapp", "--version", "1.0.0"], ["--chart and --version"]),
    (["plan", "live", "--version", "99.0.0"], ["--version 99.0.0", "quikapp-99.0.0"]),
    (["plan", "live", "-o", "text", "--out", "x.html"], ["--out", "json or html"]),
    (["plan", "prod"], ["values/prod.yaml", "no such environment"]),
])
def test_bad_input_is_one_line(args, mentions):
    assert_one_line_error(cli(*args), 2, *mentions)
