from __future__ import annotations

import os
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).parent))

from harness import Service


def _settings_variables() -> set[str]:
    """Every environment variable Ilios's settings read."""
    from pydantic import AliasChoices

    from ilios.config import Settings

    names: set[str] = set()
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        names.update(alias.choices if isinstance(alias, AliasChoices) else [alias])  # type: ignore[list-item]
    return {str(n) for n in names if n}


SCRUBBED_PREFIXES = ("ILIOS_", "AWS_", "MISTRAL_", "S3_")
SCRUBBED_NAMES = _settings_variables()


def _scrubbed(name: str) -> bool:
    return name.startswith(SCRUBBED_PREFIXES) or name in SCRUBBED_NAMES


@pytest.fixture(scope="session", autouse=True)
def _clean_session_environment() -> None:
    """Before any service starts: the developer's Ilios, AWS and Mistral settings go
    (the services' children get an allow-listed environment besides, and run
    where no ``.env`` is: harness.child_env)."""
    for name in [n for n in os.environ if _scrubbed(n)]:
        del os.environ[name]


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees settings another test left in the environment."""
    for name in [n for n in os.environ if _scrubbed(n)]:
        monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pathlib.Path]:
    """Test documents built once from known text: name -> path."""
    import corpus as builder

    directory = tmp_path_factory.mktemp("corpus")
    files = builder.write_all(directory)
    twenty = directory / "twenty.pdf"
    builder.make_text_pdf(twenty, pages=20)
    files["twenty.pdf"] = twenty
    (directory / "empty.pdf").write_bytes(b"")
    files["empty.pdf"] = directory / "empty.pdf"
    (directory / "archive.zip").write_bytes(b"PK\x03\x04" + bytes(200))
    files["archive.zip"] = directory / "archive.zip"
    return files


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory):
    """The whole service, without auth, shared by the integration tests."""
    svc = Service(tmp_path_factory.mktemp("svc")).start()
    yield svc
    svc.stop()


@pytest.fixture(scope="session")
def keyed_service(tmp_path_factory: pytest.TempPathFactory):
    """The whole service with API_KEY set."""
    svc = Service(
        tmp_path_factory.mktemp("keyed"), API_KEY="test-key-123", WORKER_COUNT="1"
    ).start()
    yield svc
    svc.stop()


@pytest.fixture(scope="session")
def pg_cluster():
    """A throwaway PostgreSQL cluster for the session (tests/pgcluster.py)."""
    from pgcluster import Cluster

    cluster = Cluster().start()
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_url(pg_cluster) -> str:
    """A new, empty database on the session's cluster."""
    return pg_cluster.database()
