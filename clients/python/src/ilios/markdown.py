"""How a document's pages join into one Markdown text.

Pages are stored one row each; whoever returns a whole document (the
gateway, GetDocumentContent, batch downloads) joins them here, so every path
gives the same text: page 1 as is, then a ``<!-- page N -->`` comment before
each later page.
"""

from __future__ import annotations

from collections.abc import Iterable


def page_marker(number: int) -> str:
    return f"<!-- page {number} -->"


def join_pages(pages: Iterable[tuple[int, str]]) -> str:
    """Join ``(number, markdown)`` pairs, in the order given."""
    parts: list[str] = []
    for number, markdown in pages:
        if parts:
            parts.append(page_marker(number))
        parts.append(markdown.strip())
    return "\n\n".join(parts) + ("\n" if parts else "")
