"""Reply drafts and guidance from the shipped macros, knowledge base and rules."""

from dataclasses import replace

import pytest

from cxops.assist.guidance import guide
from cxops.assist.kb import chunk, shipped_articles, shipped_macros
from cxops.assist.retrieval import KnowledgeIndex, static_embedder
from cxops.assist.rules import default_rules
from cxops.assist.suggest import Case, Draft, MacroLibrary, OrderFacts, draft_replies

RULES = default_rules().rules
ORDER = OrderFacts(
    order_id="W3000002",
    status="shipped",
    carrier="UPS",
    tracking_number="1Z999AA10123456784",
    eta="2026-11-22",
)
CASE = Case(
    query="where is my order? it should have arrived by now",
    intent="order_status",
    confidence=0.95,
    language="en",
    sentiment=0.0,
    sentiment_trend=None,
    sensitive_topics=(),
    identity_verified=True,
    first_name="Ana",
    order=ORDER,
    channel="chat",
)


@pytest.fixture(scope="module")
def engines() -> tuple[KnowledgeIndex, MacroLibrary]:
    chunks = [c for article in shipped_articles() for c in chunk(article)]
    return (
        KnowledgeIndex(chunks, embedder=static_embedder()),
        MacroLibrary(shipped_macros(), embedder=static_embedder()),
    )


def drafts(case: Case, engines: tuple[KnowledgeIndex, MacroLibrary]) -> list[Draft]:
    index, library = engines
    return draft_replies(case, index=index, library=library, rules=RULES)


def test_that_a_verified_customer_gets_ranked_drafts_filled_with_their_order(
    engines: tuple[KnowledgeIndex, MacroLibrary],
) -> None:
    found = drafts(CASE, engines)
    assert RULES.suggestions.min <= len(found) <= RULES.suggestions.max
    assert [d.score for d in found] == sorted((d.score for d in found), reverse=True)
    assert any("1Z999AA10123456784" in d.text for d in found)
    assert all("{" not in d.text for d in found)
    assert {d.source.value for d in found} == {"macro", "article"}


def test_that_nothing_about_the_order_is_drafted_before_identity_is_verified(
    engines: tuple[KnowledgeIndex, MacroLibrary],
) -> None:
    found = drafts(replace(CASE, identity_verified=False, first_name=None), engines)
    assert found[0].source_id == "verify-identity"
    assert not any("W3000002" in d.text or "1Z999" in d.text for d in found)


def test_that_a_sensitive_topic_gets_only_the_approved_wording(
    engines: tuple[KnowledgeIndex, MacroLibrary],
) -> None:
    found = drafts(replace(CASE, sensitive_topics=("lawyer",)), engines)
    assert found
    assert {d.source_id for d in found} <= set(RULES.compliance.sensitive_macros)


def test_that_forbidden_promises_are_never_suggested(
    engines: tuple[KnowledgeIndex, MacroLibrary],
) -> None:
    strict = RULES.model_copy(
        update={"compliance": RULES.compliance.model_copy(update={"forbidden": ("order",)})}
    )
    index, library = engines
    found = draft_replies(CASE, index=index, library=library, rules=strict)
    assert all("order" not in d.text.lower() for d in found)


def test_that_a_spanish_customer_gets_spanish_macros(
    engines: tuple[KnowledgeIndex, MacroLibrary],
) -> None:
    found = drafts(replace(CASE, language="es", query="¿dónde está mi pedido?"), engines)
    macros = [d for d in found if d.source.value == "macro"]
    assert macros
    assert all(d.source_id.endswith("-es") for d in macros)


def test_that_guidance_gives_its_reasons() -> None:
    upset = replace(
        CASE, identity_verified=False, sentiment=-0.8, sensitive_topics=("lawyer",), channel="voice"
    )
    guidance = guide(upset, RULES)
    codes = [a.code for a in guidance.actions]
    assert codes == [
        "verify_identity",
        "offer_goodwill_credit",
        "escalate_to_supervisor",
        "schedule_callback",
    ]
    assert all(a.reason for a in guidance.actions)
    assert guidance.de_escalation
    assert any("approved wording" in r for r in guidance.reminders)
    calm = guide(CASE, RULES)
    assert calm.actions == ()
    assert calm.de_escalation == ()
