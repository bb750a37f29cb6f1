"""MkDocs hook: the docstrings use Sphinx roles (``:meth:`step```, ``:math:`t```), which
Markdown renders as ``:meth:<code>step</code>``; show them as the code they name."""

from __future__ import annotations

import re
from typing import Any

_ROLE = re.compile(r":(?:meth|class|func|mod|attr|obj|exc|data|math):(<code>)")


def on_page_content(html: str, **kwargs: Any) -> str:
    return _ROLE.sub(r"\1", html)
