"""The knowledge base on a real database: storing articles with their chunks, importing files,
and keeping the shipped articles in step."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cxops.assist.kb import chunk, parse_markdown, shipped_articles
from cxops.assist.library import import_knowledge, load_shipped
from cxops.connectors.clock import FixedClock
from cxops.domain.errors import NotFoundError
from cxops.domain.knowledge import ArticleSource
from cxops.store.uow import SqlUnitOfWorkFactory

CLOCK = FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))

GUIDE = """\
---
id: gift-cards
title: Gift cards
intents: [payment_methods]
language: en
---
Gift cards never expire.

## Balance

Check the balance online.

## Lost cards

We can replace a registered card.
"""


def store(uow_factory: SqlUnitOfWorkFactory, text: str, *, at: datetime) -> str:
    article = parse_markdown(text, source_name="guide.md")
    with uow_factory() as uow:
        outcome = uow.knowledge.upsert(article, chunk(article), origin="/kb/guide.md", at=at)
        uow.commit()
    return outcome


def test_that_an_article_is_stored_with_its_chunks_in_order(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    assert store(uow_factory, GUIDE, at=CLOCK.now()) == "added"

    with uow_factory() as uow:
        stored = uow.knowledge.get("gift-cards")
        chunks = uow.knowledge.chunks()
        assert uow.knowledge.count() == 1
        assert uow.knowledge.chunk_counts() == {"gift-cards": 3}
    assert stored == parse_markdown(GUIDE, source_name="guide.md")
    assert chunks == chunk(stored)


def test_that_storing_the_same_article_again_changes_nothing(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    store(uow_factory, GUIDE, at=CLOCK.now())

    assert store(uow_factory, GUIDE, at=CLOCK.now() + timedelta(hours=1)) == "unchanged"

    with uow_factory() as uow:
        assert [c.id for c in uow.knowledge.chunks()] == [f"gift-cards#{i}" for i in range(3)]


def test_that_a_changed_article_replaces_its_chunks(uow_factory: SqlUnitOfWorkFactory) -> None:
    store(uow_factory, GUIDE, at=CLOCK.now())
    shorter = GUIDE.split("## Lost cards")[0].replace("online", "in the app")

    assert store(uow_factory, shorter, at=CLOCK.now()) == "updated"

    with uow_factory() as uow:
        chunks = uow.knowledge.chunks()
        body = uow.knowledge.get("gift-cards")
    assert [c.heading for c in chunks] == ["", "Balance"]
    assert "in the app" in chunks[1].text
    assert body is not None
    assert "Lost cards" not in body.body


def test_that_chunks_can_be_read_in_one_language(uow_factory: SqlUnitOfWorkFactory) -> None:
    store(uow_factory, GUIDE, at=CLOCK.now())
    store(
        uow_factory,
        GUIDE.replace("gift-cards", "tarjetas").replace("language: en", "language: es"),
        at=CLOCK.now(),
    )

    with uow_factory() as uow:
        spanish = uow.knowledge.chunks("es")
        everything = uow.knowledge.chunks()
    assert {c.article_id for c in spanish} == {"tarjetas"}
    assert len(everything) == 6


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def documents(tmp_path: Path) -> Path:
    folder = tmp_path / "kb"
    write(folder, "gift-cards.md", GUIDE)
    write(folder, "faq/Store Hours.markdown", "# Store hours\n\nWe open at nine.\n")
    write(folder, "faq/delivery.HTML", "<title>Delivery</title><h2>Cost</h2><p>Free over $50.</p>")
    write(folder, "broken.md", "---\nlanguage: [en\n---\nText.\n")
    write(folder, "notes.txt", "not a document")
    write(folder, ".drafts/secret.md", "# Draft\n\nNot ready.\n")
    return folder


def test_that_a_folder_is_imported_and_a_broken_file_is_reported_while_the_others_import(
    uow_factory: SqlUnitOfWorkFactory, documents: Path
) -> None:
    seen: list[tuple[int, int]] = []

    report = import_knowledge(
        uow_factory, [documents], clock=CLOCK, progress=lambda *p: seen.append(p)
    )

    assert (report.added, report.updated, report.unchanged) == (3, 0, 0)
    assert len(report.problems) == 1
    assert report.problems[0].startswith(f"{documents / 'broken.md'}: front matter:")
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    with uow_factory() as uow:
        articles = {a.id: a for a in uow.knowledge.articles()}
        counts = uow.knowledge.chunk_counts()
    assert sorted(articles) == ["delivery", "gift-cards", "store-hours"]
    assert all(a.source is ArticleSource.IMPORTED for a in articles.values())
    assert counts == {"delivery": 1, "gift-cards": 3, "store-hours": 1}


def test_that_importing_again_skips_unchanged_files_and_updates_changed_ones(
    uow_factory: SqlUnitOfWorkFactory, documents: Path
) -> None:
    import_knowledge(uow_factory, [documents], clock=CLOCK)
    write(documents, "faq/Store Hours.markdown", "# Store hours\n\nWe open at ten.\n")

    report = import_knowledge(uow_factory, [documents], clock=CLOCK)

    assert (report.added, report.updated, report.unchanged) == (0, 1, 2)
    with uow_factory() as uow:
        assert uow.knowledge.chunk_counts() == {"delivery": 1, "gift-cards": 3, "store-hours": 1}
        assert "ten" in uow.knowledge.chunks()[-1].text


def test_that_two_files_with_one_id_do_not_overwrite_each_other(
    uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    first = write(tmp_path, "a/faq.md", "First.")
    second = write(tmp_path, "b/faq.md", "Second.")

    report = import_knowledge(uow_factory, [first, second], clock=CLOCK)

    assert report.added == 1
    assert report.problems == (f"{second}: id: 'faq' is also the id of {first}",)
    with uow_factory() as uow:
        stored = uow.knowledge.get("faq")
    assert stored is not None
    assert stored.body == "First."


def test_that_a_missing_path_is_not_found_before_anything_is_imported(
    uow_factory: SqlUnitOfWorkFactory, documents: Path
) -> None:
    with pytest.raises(NotFoundError):
        import_knowledge(uow_factory, [documents, documents / "absent"], clock=CLOCK)
    with uow_factory() as uow:
        assert uow.knowledge.count() == 0


def test_that_the_shipped_articles_load_once_with_chunks_for_each(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    shipped = shipped_articles()

    first = load_shipped(uow_factory, CLOCK)
    again = load_shipped(uow_factory, CLOCK)

    assert first.added == len(shipped)
    assert (again.added, again.updated, again.unchanged) == (0, 0, len(shipped))
    with uow_factory() as uow:
        counts = uow.knowledge.chunk_counts()
        stored = uow.knowledge.articles()
    assert set(counts) == {a.id for a in shipped}
    assert all(a.source is ArticleSource.SHIPPED for a in stored)


def test_that_the_retailers_own_version_of_a_shipped_article_is_kept(
    uow_factory: SqlUnitOfWorkFactory, tmp_path: Path
) -> None:
    shipped_id = shipped_articles()[0].id
    own = write(tmp_path, f"{shipped_id}.md", "# Our own words\n\nThe retailer's text.\n")
    load_shipped(uow_factory, CLOCK)

    assert import_knowledge(uow_factory, [own], clock=CLOCK).updated == 1
    load_shipped(uow_factory, CLOCK)

    with uow_factory() as uow:
        stored = uow.knowledge.get(shipped_id)
    assert stored is not None
    assert stored.source is ArticleSource.IMPORTED
    assert stored.title == "Our own words"


def test_that_a_shipped_article_no_longer_shipped_is_removed(
    uow_factory: SqlUnitOfWorkFactory,
) -> None:
    retired = replace(parse_markdown(GUIDE, source_name="x.md"), source=ArticleSource.SHIPPED)
    with uow_factory() as uow:
        uow.knowledge.upsert(retired, chunk(retired), origin="cxops:kb/x.md", at=CLOCK.now())
        uow.commit()

    report = load_shipped(uow_factory, CLOCK)

    assert report.removed == 1
    with uow_factory() as uow:
        assert uow.knowledge.get("gift-cards") is None
        assert "gift-cards" not in uow.knowledge.chunk_counts()
