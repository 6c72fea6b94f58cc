"""Knowledge retrieval for agent assist: recall@3 and latency on the project's question set.

Usage: .venv/bin/python benchmarks/kb_retrieval.py

The question set (src/cxops/data/kb/questions.yaml: questions written as customers write them,
each with the articles that answer it) is searched against the shipped knowledge base three
ways: BM25 only, static embeddings only, and the hybrid `KnowledgeIndex` uses. A question counts
as found when one of its answering articles is among the top 3 articles.
"""

import statistics
import time
from collections.abc import Callable
from importlib.resources import files

import yaml

from cxops.assist import retrieval
from cxops.assist.kb import chunk, shipped_articles
from cxops.assist.retrieval import KnowledgeIndex, static_embedder
from cxops.logs import configure_logging


def main() -> None:
    configure_logging("WARNING")
    questions = yaml.safe_load(
        files("cxops.data").joinpath("kb/questions.yaml").read_text(encoding="utf-8")
    )
    chunks = [c for article in shipped_articles() for c in chunk(article)]
    started = time.perf_counter()
    index = KnowledgeIndex(chunks, embedder=static_embedder())
    print(
        f"{len(chunks)} chunks of {len({c.article_id for c in chunks})} articles indexed in "
        f"{(time.perf_counter() - started) * 1000:.0f} ms (model load included)"
    )
    modes: dict[str, tuple[float, float]] = {
        "bm25 only": (1.0, 0.0),
        "embeddings only": (0.0, 1.0),
        "hybrid": (retrieval.LEXICAL_WEIGHT, retrieval.SEMANTIC_WEIGHT),
    }
    for name, (lexical, semantic) in modes.items():
        retrieval.LEXICAL_WEIGHT, retrieval.SEMANTIC_WEIGHT = lexical, semantic
        report(name, questions, lambda q, lang: index.search(q, k=3, language=lang))


def report(
    name: str,
    questions: list[dict[str, object]],
    search: Callable[[str, str], list[retrieval.Hit]],
) -> None:
    found = 0
    by_language: dict[str, list[bool]] = {}
    timings = []
    for item in questions:
        started = time.perf_counter()
        hits = search(str(item["question"]), str(item["language"]))
        timings.append((time.perf_counter() - started) * 1000)
        answers = set(item["answers"])  # type: ignore[call-overload]
        ok = any(h.chunk.article_id in answers for h in hits)
        found += ok
        by_language.setdefault(str(item["language"]), []).append(ok)
    languages = ", ".join(f"{lang} {sum(v)}/{len(v)}" for lang, v in sorted(by_language.items()))
    cuts = statistics.quantiles(timings, n=100)
    print(
        f"{name:<16} recall@3 {found}/{len(questions)} = {found / len(questions):.1%} "
        f"({languages}); query p50 {statistics.median(timings):.2f} ms, p99 {cuts[98]:.2f} ms"
    )


if __name__ == "__main__":
    main()
