"""Filling the knowledge base: importing a retailer's documents and macros, and storing the
shipped KB.

The I/O around the pure `kb` module. Each imported file is its own transaction, so one broken
file costs only itself: it is reported with its path and reason, and the others are imported.
Articles are Markdown and HTML files; macros are YAML lists in files named `macros.yaml` or
`*.macros.yaml` (`.yml` too), in the shipped `macros.yaml`'s format.
"""

from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol

from cxops.assist.kb import (
    chunk,
    parse_html,
    parse_macros,
    parse_markdown,
    shipped_articles,
    shipped_origin,
)
from cxops.configfile import ConfigError
from cxops.domain.errors import InvalidInputError, NotFoundError
from cxops.domain.knowledge import Article, ArticleSource, ImportReport, Macro, UpsertOutcome
from cxops.ports import Clock, UnitOfWorkFactory


class _Parser(Protocol):
    def __call__(self, text: str, *, source_name: str) -> Article: ...


_PARSERS: dict[str, _Parser] = {
    ".md": parse_markdown,
    ".markdown": parse_markdown,
    ".html": parse_html,
    ".htm": parse_html,
}
SUFFIXES = (*_PARSERS, "macros.yaml", "macros.yml")
"""The documents an import reads, by how their names end (compared in lower case)."""

_MAX_ORIGIN = 500  # the stored column's length

Progress = Callable[[int, int], None]
"""Called as `progress(done, total)` after each document."""


def find_documents(paths: Iterable[Path]) -> list[Path]:
    """The Markdown and HTML files among `paths`: a file as given, a folder searched through
    (hidden files and folders skipped), sorted within each path.

    Raise `NotFoundError` for a path that does not exist, before anything is read.
    """
    found: list[Path] = []
    for path in paths:
        if not path.exists():
            raise NotFoundError("file or folder", str(path))
        if path.is_dir():
            found += sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and _readable(p)
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        elif _readable(path):
            found.append(path)
    return found


def _readable(path: Path) -> bool:
    return path.suffix.lower() in _PARSERS or _is_macros(path)


def _is_macros(path: Path) -> bool:
    name = path.name.lower()
    return name in ("macros.yaml", "macros.yml") or name.endswith((".macros.yaml", ".macros.yml"))


def import_knowledge(
    uow_factory: UnitOfWorkFactory,
    paths: Iterable[Path],
    *,
    clock: Clock,
    progress: Progress | None = None,
) -> ImportReport:
    """Import the documents `find_documents` finds in `paths` as the retailer's own articles
    and macros. An imported macro with a shipped macro's id replaces it.

    An id another document of the same import already took is a problem, not an overwrite.
    `NotFoundError` for a missing path; every other failure is a problem in the report.
    """
    documents = find_documents(paths)
    articles: Counter[UpsertOutcome] = Counter()
    macros: Counter[UpsertOutcome] = Counter()
    problems: list[str] = []
    first_with: dict[str, Path] = {}
    for done, path in enumerate(documents, start=1):
        try:
            if _is_macros(path):
                macros.update(_import_macros(uow_factory, path, clock, first_with))
            else:
                articles[_import_article(uow_factory, path, clock, first_with)] += 1
        except InvalidInputError as exc:
            problems.append(exc.message)
        except ConfigError as exc:
            problems.extend(exc.problems)
        if progress is not None:
            progress(done, len(documents))
    return ImportReport(
        added=articles["added"],
        updated=articles["updated"],
        unchanged=articles["unchanged"],
        problems=tuple(problems),
        macros_added=macros["added"],
        macros_updated=macros["updated"],
        macros_unchanged=macros["unchanged"],
    )


def _import_article(
    uow_factory: UnitOfWorkFactory, path: Path, clock: Clock, first_with: dict[str, Path]
) -> UpsertOutcome:
    article = _read(path)
    _claim(first_with, f"article {article.id}", path)
    with uow_factory() as uow:
        outcome = uow.knowledge.upsert(
            article, chunk(article), origin=_origin(path), at=clock.now()
        )
        uow.commit()
    return outcome


def _import_macros(
    uow_factory: UnitOfWorkFactory, path: Path, clock: Clock, first_with: dict[str, Path]
) -> list[UpsertOutcome]:
    """One file's macros, all or none."""
    macros: list[Macro] = parse_macros(_text(path), source=str(path))
    for macro in macros:
        _claim(first_with, f"macro {macro.id}", path)
    with uow_factory() as uow:
        outcomes = [
            uow.knowledge.upsert_macro(macro, origin=_origin(path), at=clock.now())
            for macro in macros
        ]
        uow.commit()
    return outcomes


def _claim(first_with: dict[str, Path], key: str, path: Path) -> None:
    first = first_with.setdefault(key, path)
    if first != path:
        raise InvalidInputError(f"{path}: id", f"{key.split()[1]!r} is also the id of {first}")


def load_shipped(uow_factory: UnitOfWorkFactory, clock: Clock) -> ImportReport:
    """Bring the stored shipped articles up to date with this version of cxops, in one
    transaction: new and changed ones written, ones no longer shipped removed. Safe to repeat.

    An imported article with a shipped id is the retailer's own version and is left alone.
    """
    articles = shipped_articles()
    outcomes: Counter[UpsertOutcome] = Counter()
    removed = 0
    with uow_factory() as uow:
        stored = {a.id: a.source for a in uow.knowledge.articles()}
        for article in articles:
            if stored.get(article.id) is ArticleSource.IMPORTED:
                outcomes["unchanged"] += 1
                continue
            outcomes[
                uow.knowledge.upsert(
                    article, chunk(article), origin=shipped_origin(article), at=clock.now()
                )
            ] += 1
        shipped = {a.id for a in articles}
        for article_id, source in stored.items():
            if source is ArticleSource.SHIPPED and article_id not in shipped:
                uow.knowledge.remove(article_id)
                removed += 1
        uow.commit()
    return ImportReport(
        added=outcomes["added"],
        updated=outcomes["updated"],
        unchanged=outcomes["unchanged"],
        removed=removed,
    )


def _read(path: Path) -> Article:
    return _PARSERS[path.suffix.lower()](_text(path), source_name=str(path))


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInputError(str(path), "is not UTF-8 text") from exc
    except OSError as exc:
        raise InvalidInputError(str(path), f"cannot be read: {exc.strerror}") from exc


def _origin(path: Path) -> str:
    """The absolute path, its end kept if it is too long to store whole."""
    return str(path.resolve())[-_MAX_ORIGIN:]
