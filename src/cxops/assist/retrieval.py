"""Hybrid retrieval over the knowledge base: BM25 for the customer's exact words, static
embeddings for their meaning, re-ranked by the conversation's intent and language.

Pure apart from loading the embedding model from its package: an index is built from chunks and
answers queries from memory. Why both: BM25 finds "PayPal" and "W2001234" that no embedding
separates, embeddings find "money back" for an article that says "refund"; neither alone ranks
well on short, misspelt customer messages.

The embedding model is WordLlama's `l2_supercat` (256 dimensions), whose weights and tokenizer
ship inside the `wordllama` wheel: it is loaded from the installed package with downloads
disabled, so nothing is fetched at run time.
"""

import re
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Protocol

import bm25s
import numpy as np
import numpy.typing as npt
import snowballstemmer

from cxops.domain.knowledge import Chunk

# How much each signal weighs in the fused score; the boosts reward chunks written for the
# conversation's intent and in the customer's language.
LEXICAL_WEIGHT = 0.45
SEMANTIC_WEIGHT = 0.55
INTENT_BOOST = 0.15
LANGUAGE_BOOST = 0.05
_WORD = re.compile(r"[a-z0-9]+")
_STOPWORDS = frozenset(
    {
        *("a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "do", "does", "for"),
        *("from", "how", "i", "if", "in", "is", "it", "me", "my", "of", "on", "or", "our", "so"),
        *("that", "the", "this", "to", "was", "we", "what", "when", "where", "which", "will"),
        *("with", "you", "your", "de", "del", "el", "ella", "en", "es", "la", "las", "los"),
        *("mi", "mis", "no", "para", "por", "que", "se", "su", "sus", "un", "una", "y"),
    }
)


class Embedder(Protocol):
    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """One L2-normalised row per text."""
        ...


class StaticEmbedder:
    """WordLlama static embeddings, loaded from the installed package, never downloaded."""

    def __init__(self) -> None:
        import wordllama

        self._model = wordllama.WordLlama.load(
            cache_dir=Path(wordllama.__file__).parent, disable_download=True
        )

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        return np.asarray(self._model.embed(list(texts), norm=True), dtype=np.float32)


@cache
def static_embedder() -> StaticEmbedder:
    """The process's one embedding model (about 0.6 s and 20 MB to load)."""
    return StaticEmbedder()


@dataclass(frozen=True, slots=True)
class Hit:
    """A chunk and why it ranks: `lexical` (BM25 relative to the best match) and `semantic`
    (cosine similarity) in [0, 1], `score` fused with the boosts."""

    chunk: Chunk
    score: float
    lexical: float
    semantic: float


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_local = threading.local()


def _stemmer(language: str) -> snowballstemmer.stemmer:
    """A stemmer of this thread's own: Snowball stemmers keep state while they work."""
    name = "spanish" if language == "es" else "english"
    held: dict[str, snowballstemmer.stemmer] = _local.__dict__.setdefault("stemmers", {})
    if name not in held:
        held[name] = snowballstemmer.stemmer(name)
    return held[name]


def terms(text: str, language: str = "en") -> list[str]:
    """BM25 terms: folded, stop words dropped, stemmed in the text's language."""
    words = [w for w in _WORD.findall(_fold(text)) if w not in _STOPWORDS]
    return list(_stemmer(language).stemWords(words))


class KnowledgeIndex:
    """An in-memory index of chunks; rebuild it when the knowledge base changes."""

    def __init__(self, chunks: Sequence[Chunk], *, embedder: Embedder) -> None:
        self.chunks = tuple(chunks)
        self._embedder = embedder
        self._bm25 = bm25s.BM25()
        if self.chunks:
            self._bm25.index(
                [terms(c.text, c.language) or ["_"] for c in self.chunks], show_progress=False
            )
            self._vectors = embedder.embed([c.text for c in self.chunks])
        else:
            self._vectors = np.zeros((0, 1), dtype=np.float32)

    def search(
        self,
        query: str,
        *,
        k: int = 5,
        intent: str | None = None,
        language: str | None = None,
    ) -> list[Hit]:
        """The best chunk of each of the `k` best articles for `query`, best first."""
        if not self.chunks or not query.strip():
            return []
        lexical = self._lexical(query, language or "en")
        semantic = np.clip(self._vectors @ self._embedder.embed([query])[0], 0.0, 1.0)
        best: dict[str, Hit] = {}
        for index, chunk in enumerate(self.chunks):
            score = LEXICAL_WEIGHT * lexical[index] + SEMANTIC_WEIGHT * float(semantic[index])
            if intent is not None and intent in chunk.intents:
                score += INTENT_BOOST
            if language is not None and chunk.language == language:
                score += LANGUAGE_BOOST
            hit = Hit(chunk, score, float(lexical[index]), float(semantic[index]))
            held = best.get(chunk.article_id)
            if held is None or hit.score > held.score:
                best[chunk.article_id] = hit
        return sorted(best.values(), key=lambda h: (-h.score, h.chunk.id))[:k]

    def _lexical(self, query: str, language: str) -> npt.NDArray[np.float64]:
        """BM25 of every chunk, divided by the best one's (0 everywhere when nothing matches)."""
        words = terms(query, language)
        if language != "en":
            words += terms(query, "en")
        scores = np.zeros(len(self.chunks), dtype=np.float64)
        if not words:
            return scores
        scores[:] = self._bm25.get_scores(words)
        top = scores.max()
        return scores / top if top > 0 else scores
