"""Jinja2 templates of the reports the commands write (tools/quikapp_charts/templates/): one
environment for all of them, loading from the package, escaping HTML, failing on undefined names."""
from __future__ import annotations

import functools

import jinja2


@functools.cache
def environment() -> jinja2.Environment:
    """The one environment (it keeps each template compiled once per process)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("quikapp_charts", "templates"),
        autoescape=jinja2.select_autoescape(["html", "html.j2", "svg.j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env


def render(template: str, **context) -> str:
    return environment().get_template(template).render(**context)
