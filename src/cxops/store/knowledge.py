"""The knowledge base: articles as imported, and the chunks cut from them for retrieval.

An article and its chunks are written together, so the stored chunks are always those of the
stored text; an unchanged article (same id, same fingerprint) is not written at all.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from cxops.domain.knowledge import Article, ArticleSource, Chunk, Macro, UpsertOutcome
from cxops.store.tables import kb_articles, kb_chunks, kb_macros


def _article(row: Any) -> Article:
    return Article(
        id=row.id,
        title=row.title,
        topic=row.topic,
        intents=tuple(row.intents),
        language=row.language,
        source=ArticleSource(row.source),
        body=row.body,
        sha256=row.sha256,
    )


def _chunk(row: Any) -> Chunk:
    return Chunk(
        id=row.id,
        article_id=row.article_id,
        ordinal=row.ordinal,
        heading=row.heading,
        text=row.text,
        language=row.language,
        intents=tuple(row.intents),
        title=row.title,
    )


def _macro(row: Any) -> Macro:
    return Macro(
        id=row.id,
        title=row.title,
        intents=tuple(row.intents),
        language=row.language,
        text=row.text,
        requires=tuple(row.requires),
    )


class SqlKnowledgeRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def upsert(
        self, article: Article, chunks: Sequence[Chunk], *, origin: str, at: datetime
    ) -> UpsertOutcome:
        """Store the article with `chunks` (cut from it) unless it is stored unchanged.

        A concurrent first import of the same id is caught in a savepoint and treated as if
        that article had been there already.
        """
        values = {
            "title": article.title,
            "topic": article.topic,
            "intents": list(article.intents),
            "language": article.language,
            "source": article.source.value,
            "origin": origin,
            "sha256": article.sha256,
            "body": article.body,
            "updated_at": at,
        }
        stored = self._stored_sha256(article.id)
        if stored is None:
            try:
                with self._conn.begin_nested():
                    self._conn.execute(insert(kb_articles).values(id=article.id, **values))
            except IntegrityError:
                stored = self._stored_sha256(article.id)
                if stored is None:
                    raise
            else:
                self._add_chunks(chunks)
                return "added"
        if stored == article.sha256:
            return "unchanged"
        self._conn.execute(
            update(kb_articles).where(kb_articles.c.id == article.id).values(**values)
        )
        self._conn.execute(delete(kb_chunks).where(kb_chunks.c.article_id == article.id))
        self._add_chunks(chunks)
        return "updated"

    def remove(self, article_id: str) -> None:
        self._conn.execute(delete(kb_chunks).where(kb_chunks.c.article_id == article_id))
        self._conn.execute(delete(kb_articles).where(kb_articles.c.id == article_id))

    def get(self, article_id: str) -> Article | None:
        row = self._conn.execute(select(kb_articles).where(kb_articles.c.id == article_id)).first()
        return None if row is None else _article(row)

    def articles(self) -> list[Article]:
        rows = self._conn.execute(select(kb_articles).order_by(kb_articles.c.id))
        return [_article(row) for row in rows]

    def chunks(self, language: str | None = None) -> list[Chunk]:
        query = select(kb_chunks).order_by(kb_chunks.c.article_id, kb_chunks.c.ordinal)
        if language is not None:
            query = query.where(kb_chunks.c.language == language)
        return [_chunk(row) for row in self._conn.execute(query)]

    def fingerprints(self) -> list[str]:
        return list(
            self._conn.execute(select(kb_articles.c.sha256).order_by(kb_articles.c.id)).scalars()
        )

    def chunk_counts(self) -> dict[str, int]:
        rows = self._conn.execute(
            select(kb_chunks.c.article_id, func.count()).group_by(kb_chunks.c.article_id)
        )
        return {article_id: int(count) for article_id, count in rows}

    def count(self) -> int:
        return int(self._conn.execute(select(func.count()).select_from(kb_articles)).scalar_one())

    def upsert_macro(self, macro: Macro, *, origin: str, at: datetime) -> UpsertOutcome:
        """A concurrent first import of the same id is caught in a savepoint and treated as if
        that macro had been there already."""
        values = {
            "title": macro.title,
            "intents": list(macro.intents),
            "language": macro.language,
            "text": macro.text,
            "requires": list(macro.requires),
            "origin": origin,
            "sha256": macro.sha256,
            "updated_at": at,
        }
        stored = self._stored_macro_sha256(macro.id)
        if stored is None:
            try:
                with self._conn.begin_nested():
                    self._conn.execute(insert(kb_macros).values(id=macro.id, **values))
            except IntegrityError:
                stored = self._stored_macro_sha256(macro.id)
                if stored is None:
                    raise
            else:
                return "added"
        if stored == macro.sha256:
            return "unchanged"
        self._conn.execute(update(kb_macros).where(kb_macros.c.id == macro.id).values(**values))
        return "updated"

    def macros(self) -> list[Macro]:
        return [
            _macro(row) for row in self._conn.execute(select(kb_macros).order_by(kb_macros.c.id))
        ]

    def macro_fingerprints(self) -> list[str]:
        return list(
            self._conn.execute(select(kb_macros.c.sha256).order_by(kb_macros.c.id)).scalars()
        )

    def _stored_macro_sha256(self, macro_id: str) -> str | None:
        return self._conn.execute(
            select(kb_macros.c.sha256).where(kb_macros.c.id == macro_id)
        ).scalar_one_or_none()

    def _stored_sha256(self, article_id: str) -> str | None:
        return self._conn.execute(
            select(kb_articles.c.sha256).where(kb_articles.c.id == article_id)
        ).scalar_one_or_none()

    def _add_chunks(self, chunks: Sequence[Chunk]) -> None:
        if chunks:
            self._conn.execute(
                insert(kb_chunks),
                [
                    {
                        "id": c.id,
                        "article_id": c.article_id,
                        "ordinal": c.ordinal,
                        "heading": c.heading,
                        "text": c.text,
                        "language": c.language,
                        "intents": list(c.intents),
                        "title": c.title,
                    }
                    for c in chunks
                ],
            )
