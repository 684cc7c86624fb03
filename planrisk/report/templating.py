"""Report stage: the jinja2 environment of the template-based renderers.

Input: a template name under `planrisk/report/templates/` and the data shaped in Python.
Output: text. Undefined names fail (StrictUndefined); HTML templates are autoescaped; every
value a template prints has its control characters shown as escapes (`planrisk.report.hygiene`).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import jinja2
import markupsafe

from planrisk.report.hygiene import clean_controls


@cache
def environment() -> jinja2.Environment:
    """One shared environment: StrictUndefined, autoescape for `.html.j2` templates."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("planrisk.report", "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2", "svg.j2")),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_clean,
    )


def _clean(value: Any) -> Any:
    """A printed value without control characters (markup stays markup)."""
    if isinstance(value, markupsafe.Markup):
        return markupsafe.Markup(clean_controls(str(value)))
    if isinstance(value, str):
        return clean_controls(value)
    return value


def render_template(name: str, **data: Any) -> str:
    """Render one template with `data`."""
    return environment().get_template(name).render(**data)
