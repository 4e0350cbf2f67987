"""Text -> HTML text: the one escaping every page fragment uses for data (a report's or a user's words)."""
from __future__ import annotations

import html

_TEMPLATE_CHARS = str.maketrans({"{": "&#123;", "}": "&#125;", "$": "&#36;", "`": "&#96;", "\\": "&#92;"})


def esc(value) -> str:
    """Text -> HTML text: ``& < > " '`` escaped, and also the characters that
    template engines (Gradio's HTML templates are Handlebars + JS template
    literals) could read as syntax, so data can never become markup or code."""
    return html.escape("" if value is None else str(value), quote=True).translate(_TEMPLATE_CHARS)
