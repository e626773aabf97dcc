"""The queue's and the API's integration tests, run again on PostgreSQL.

The modules here import tests from tests/integration; pytest collects them
again in this folder, where every service they start (``harness.Service``,
``running``, the shared ``service`` fixtures) gets a database of its own on the
session's throwaway cluster (``DATABASE_URL``) and a blob directory declared
shared (``BLOB_DIR_SHARED``: one host). The SQLite run of those tests, in
tests/integration, is unchanged.
"""

from __future__ import annotations

import pathlib
import sys

import harness
import pytest
from harness import Service

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "integration"))


@pytest.fixture(scope="module", autouse=True)
def _on_postgres(pg_cluster):
    """While this folder's tests run, each service's data directory has its own
    database (the same one when the service starts again on its data)."""
    databases: dict[pathlib.Path, str] = {}

    def database_for(data_dir: pathlib.Path) -> str:
        key = data_dir.resolve()
        if key not in databases:
            databases[key] = pg_cluster.database()
        return databases[key]

    harness.DATABASE_FOR = database_for
    yield
    harness.DATABASE_FOR = None


def _on(pg_cluster) -> dict[str, str]:
    return {"DATABASE_URL": pg_cluster.database(), "BLOB_DIR_SHARED": "true"}


@pytest.fixture(scope="session")
def service(tmp_path_factory, pg_cluster):
    """The whole service on PostgreSQL, without auth."""
    svc = Service(tmp_path_factory.mktemp("svc-pg"), **_on(pg_cluster)).start()
    yield svc
    svc.stop()


@pytest.fixture(scope="session")
def keyed_service(tmp_path_factory, pg_cluster):
    """The whole service on PostgreSQL with API_KEY set."""
    svc = Service(
        tmp_path_factory.mktemp("keyed-pg"),
        API_KEY="test-key-123",
        WORKER_COUNT="1",
        **_on(pg_cluster),
    ).start()
    yield svc
    svc.stop()
