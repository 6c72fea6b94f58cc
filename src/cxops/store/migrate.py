"""Schema migrations, run from code so they work from an installed package."""

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    """An Alembic config bound to `engine`; no alembic.ini is needed."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to `revision`; safe to run on every start."""
    command.upgrade(alembic_config(engine), revision)


@cache
def shipped_head() -> str | None:
    """The newest revision this code ships; read from the scripts once per process."""
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def schema_revisions(engine: Engine) -> tuple[str | None, str | None]:
    """Return (the database's current revision, the newest revision this code ships)."""
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    return current, shipped_head()
