"""The procrastinate app that bench/queue_postgres.py measures: one no-op task.

Its worker processes import it (``procrastinate --app procrastinate_app.app
worker``); the database comes from ``PROCRASTINATE_URL``."""

from __future__ import annotations

import os

import procrastinate

app = procrastinate.App(
    connector=procrastinate.PsycopgConnector(conninfo=os.environ.get("PROCRASTINATE_URL", ""))
)


@app.task(name="procrastinate_app.noop")
def noop() -> None:
    """Nothing: the queue's own cost is what is measured."""
