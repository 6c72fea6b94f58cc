"""`cxops kb`: importing a retailer's documents and listing the knowledge base, as a user would."""

from pathlib import Path

import pytest
from sqlalchemy import Engine

from cxops.store.uow import SqlUnitOfWorkFactory
from tests.e2e.test_cli import cxops
from tests.e2e.test_restart import cxops_env


@pytest.fixture
def env(database_url: str, engine: Engine, tmp_path: Path) -> dict[str, str]:
    return cxops_env(database_url, tmp_path, 8000, tmp_path / "models") | {"COLUMNS": "200"}


def test_that_a_folder_imports_reporting_the_broken_file_and_imports_again_as_unchanged(
    env: dict[str, str], tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "gift-wrap.md").write_text("# Gift wrapping\n\nWe wrap for free.\n")
    (docs / "hours.html").write_text("<title>Store hours</title><p>Nine to five.</p>")
    (docs / "broken.md").write_text("---\nlanguage: klingon\n---\nText.\n")

    first = cxops(env, "kb", "import", str(docs))
    assert first.returncode == 2, first.stderr
    assert "added 2, updated 0, unchanged 0" in first.stderr
    assert f"{docs / 'broken.md'}: language:" in first.stderr

    (docs / "broken.md").unlink()
    again = cxops(env, "kb", "import", str(docs))
    assert again.returncode == 0, again.stderr
    assert "added 0, updated 0, unchanged 2" in again.stderr

    listed = cxops(env, "kb", "list")
    assert listed.returncode == 0, listed.stderr
    rows = {line.split()[0]: line for line in listed.stdout.splitlines()[3:] if line.strip()}
    assert "imported" in rows["gift-wrap"]
    assert "Gift wrapping" in rows["gift-wrap"]
    assert "shipped" in rows["returns-how-to-start"]
    assert "es" in rows["returns-how-to-start-es"]
    assert f"{len(rows)} articles" in listed.stderr


@pytest.mark.parametrize(
    ("target", "message"),
    [
        pytest.param("absent", "not found", id="missing"),
        pytest.param(
            "empty",
            "no .md, .markdown, .html, .htm, macros.yaml, macros.yml files",
            id="nothing-importable",
        ),
    ],
)
def test_that_a_path_with_nothing_to_import_is_a_clear_error(
    env: dict[str, str], tmp_path: Path, target: str, message: str
) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("not a document")

    done = cxops(env, "kb", "import", str(tmp_path / target))

    assert done.returncode == 1
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_that_imported_macros_are_stored_replace_shipped_ones_and_reimport_unchanged(
    env: dict[str, str], tmp_path: Path, engine: Engine
) -> None:
    docs = tmp_path / "macros"
    docs.mkdir()
    (docs / "store.macros.yaml").write_text(
        "- id: closing-resolved\n"
        "  title: Our own closing\n"
        "  intents: []\n"
        "  language: en\n"
        "  text: Glad that's sorted, {first_name}. Have a great day from all of us!\n"
        "- id: gift-wrap\n"
        "  title: Gift wrapping\n"
        "  intents: [store_info]\n"
        "  language: en\n"
        "  text: We gift-wrap any order for free; tick the box at checkout.\n"
    )
    (docs / "broken.macros.yaml").write_text(
        "- id: bad\n  title: Bad\n  intents: []\n  language: en\n  text: Hi {password}\n"
    )

    first = cxops(env, "kb", "import", str(docs))
    assert first.returncode == 2, first.stderr
    assert "macros: added 2, updated 0, unchanged 0" in first.stderr
    assert "unknown placeholders ['password']" in first.stderr

    (docs / "broken.macros.yaml").unlink()
    again = cxops(env, "kb", "import", str(docs))
    assert again.returncode == 0, again.stderr
    assert "macros: added 0, updated 0, unchanged 2" in again.stderr

    with SqlUnitOfWorkFactory(engine)() as uow:
        stored = {m.id: m for m in uow.knowledge.macros()}
    assert set(stored) == {"closing-resolved", "gift-wrap"}
    assert stored["gift-wrap"].intents == ("store_info",)
