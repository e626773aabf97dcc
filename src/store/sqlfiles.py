"""A backend's SQL files: its named queries and its numbered migrations.

``queries.sql`` holds every query under a header line ``-- name --``;
comment lines inside a query are dropped. ``migrations/NNN_what.sql`` are
applied in the order of their numbers.
"""

from __future__ import annotations

import pathlib
import re

_QUERY_HEADER = re.compile(r"^-- (\w+) --\s*$", re.MULTILINE)


def named_queries(path: pathlib.Path) -> dict[str, str]:
    """The queries of the file at ``path``, by name."""
    parts = _QUERY_HEADER.split(path.read_text())
    queries: dict[str, str] = {}
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        lines = [ln for ln in body.strip().splitlines() if not ln.startswith("--")]
        queries[name] = "\n".join(lines).strip()
    return queries


def migrations(folder: pathlib.Path) -> list[tuple[int, str, str]]:
    """The numbered migrations in ``folder``: (number, name, script), in order."""
    found = []
    for entry in folder.glob("*.sql"):
        found.append((int(entry.name.split("_", 1)[0]), entry.stem, entry.read_text()))
    return sorted(found)
