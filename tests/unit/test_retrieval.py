"""Hybrid retrieval on a handful of hand-written chunks, with the real shipped embedding model."""

import pytest

from cxops.assist.retrieval import KnowledgeIndex, static_embedder, terms
from cxops.domain.knowledge import Chunk


def passage(
    article: str, text: str, *, intents: tuple[str, ...] = (), language: str = "en"
) -> Chunk:
    return Chunk(
        id=f"{article}#0",
        article_id=article,
        ordinal=0,
        heading="",
        text=text,
        language=language,
        intents=intents,
        title=article,
    )


CHUNKS = [
    passage(
        "refund-timing",
        "Refund timing. Your money goes back to the original payment method within 5 business "
        "days of the returned item reaching our warehouse.",
        intents=("refund_status",),
    ),
    passage(
        "paypal",
        "Paying with PayPal. Choose PayPal at checkout; the payment is taken when the order ships.",
        intents=("payment_methods",),
    ),
    passage(
        "password",
        "Resetting your password. Use the Forgot password link on the sign-in page; the reset "
        "email arrives within minutes.",
        intents=("account_access",),
    ),
    passage(
        "reembolso",
        "Plazo del reembolso. El dinero vuelve al método de pago original en 5 días laborables "
        "desde que recibimos el artículo.",
        intents=("refund_status",),
        language="es",
    ),
]


@pytest.fixture(scope="module")
def index() -> KnowledgeIndex:
    return KnowledgeIndex(CHUNKS, embedder=static_embedder())


def test_that_meaning_finds_an_article_that_shares_no_word_with_the_question(
    index: KnowledgeIndex,
) -> None:
    hits = index.search("when do I get my money back?", k=1)
    assert hits[0].chunk.article_id == "refund-timing"
    assert hits[0].semantic > 0


def test_that_an_exact_name_is_found_by_its_word(index: KnowledgeIndex) -> None:
    hits = index.search("can i pay with paypal", k=1)
    assert hits[0].chunk.article_id == "paypal"
    assert hits[0].lexical == pytest.approx(1.0)


def test_that_the_conversation_intent_and_language_lift_their_articles(
    index: KnowledgeIndex,
) -> None:
    english = index.search("reembolso", k=2, language="en")
    spanish = index.search("reembolso", k=2, language="es", intent="refund_status")
    assert spanish[0].chunk.article_id == "reembolso"
    assert spanish[0].score > english[0].score or english[0].chunk.article_id == "reembolso"


def test_that_each_article_appears_once_with_its_best_chunk() -> None:
    two = [
        passage("a", "Tracking a parcel with the carrier's tracking number."),
        Chunk("a#1", "a", 1, "More", "Tracking updates every few hours.", "en", (), "a"),
        passage("b", "Store opening hours."),
    ]
    hits = KnowledgeIndex(two, embedder=static_embedder()).search("tracking number", k=5)
    assert [h.chunk.article_id for h in hits].count("a") == 1
    assert hits[0].chunk.id == "a#0"


def test_that_empty_queries_and_empty_indexes_find_nothing(index: KnowledgeIndex) -> None:
    assert index.search("   ") == []
    assert KnowledgeIndex([], embedder=static_embedder()).search("refund") == []
    assert all(hit.lexical == 0.0 for hit in index.search("zzzz qqqq", k=4))


def test_that_terms_are_folded_stemmed_and_free_of_stop_words() -> None:
    assert terms("Where are my Refunds?") == ["refund"]
    assert terms("¿Dónde están mis reembolsos?", "es") == ["dond", "estan", "reembols"]
