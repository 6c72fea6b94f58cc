"""Shared fixtures: a migrated database on every backend the machine offers.

Tests that take `uow_factory` (or `engine`) run once on SQLite and once on PostgreSQL. PostgreSQL
comes from `CXOPS_TEST_DATABASE_URL`; without it those runs skip, saying so. Each test session
gets its own PostgreSQL schema, so parallel runs on one server never see each other's rows.
"""

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from cxops.bootstrap import build_triage
from cxops.settings import Settings
from cxops.store.engine import make_engine
from cxops.store.migrate import upgrade
from cxops.store.tables import metadata
from cxops.store.uow import SqlUnitOfWorkFactory
from cxops.triage.engine import TriageEngine

PG_URL_VARIABLE = "CXOPS_TEST_DATABASE_URL"


def postgres_url() -> str | None:
    return os.environ.get(PG_URL_VARIABLE) or None


@pytest.fixture(scope="session")
def pg_schema_url() -> Iterator[str]:
    """A PostgreSQL URL whose connections live in a schema made for this test session."""
    base = postgres_url()
    if base is None:
        pytest.skip(f"PostgreSQL tests need {PG_URL_VARIABLE} (e.g. postgresql+psycopg://...)")
    schema = f"t_{os.getpid()}_{secrets.token_hex(4)}"
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated, empty-at-start database URL, once per backend."""
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("sqlite") / "cxops.db"
        url = f"sqlite:///{path}"
    else:
        url = request.getfixturevalue("pg_schema_url")
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def session_engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def empty_all_tables(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def engine(session_engine: Engine) -> Engine:
    """The session's engine, with every table emptied before the test."""
    empty_all_tables(session_engine)
    return session_engine


@pytest.fixture
def uow_factory(engine: Engine) -> SqlUnitOfWorkFactory:
    return SqlUnitOfWorkFactory(engine)


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model directory holding the default intent model, trained once per test session."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def triage_engine(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> TriageEngine:
    """The real triage engine over the real default model (trained on first use, ~40 s)."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"), model_dir=model_dir)
    return build_triage(settings)
