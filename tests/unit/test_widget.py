"""The chat widget's pure parts: its cookie, what the customer is shown, the rate limit and the
framing policy."""

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from cxops.domain.conversations import (
    Channel,
    Conversation,
    ConversationStatus,
    Message,
    MessageRole,
)
from cxops.domain.ids import ConversationId, MessageId, QueueId
from cxops.settings import Settings
from cxops.web.widget import (
    Visit,
    chat_markup,
    customer_lines,
    headers,
    notice_for,
    over_rate,
    seal,
    unseal,
)

SECRET = "s" * 40
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
DAY = 24 * 3600


def test_that_a_sealed_visit_opens_with_the_same_secret_only() -> None:
    visit = Visit(token="tok", conversation_id=ConversationId("conv_1"))
    sealed = seal(visit, secret=SECRET)
    assert unseal(sealed, secret=SECRET, max_age_seconds=DAY) == visit
    assert unseal(sealed, secret="t" * 40, max_age_seconds=DAY) is None
    assert unseal(sealed[:-2], secret=SECRET, max_age_seconds=DAY) is None
    assert unseal(None, secret=SECRET, max_age_seconds=DAY) is None
    assert unseal("", secret=SECRET, max_age_seconds=DAY) is None


def test_that_a_visit_without_a_conversation_round_trips() -> None:
    visit = Visit(token="tok")
    assert unseal(seal(visit, secret=SECRET), secret=SECRET, max_age_seconds=DAY) == visit


def test_that_a_cookie_older_than_its_age_opens_to_nothing() -> None:
    sealed = seal(Visit(token="tok"), secret=SECRET)
    assert unseal(sealed, secret=SECRET, max_age_seconds=-1) is None


def test_that_bot_markdown_becomes_markup_and_everything_else_is_escaped() -> None:
    shown = chat_markup(
        "Your order **W1** ships today.\n\n"
        "- track it [here](https://track.example/W1?a=1&b=2)\n"
        "- or [there](javascript:alert(1))\n\n"
        "<script>alert(1)</script>"
    )
    assert "<strong>W1</strong>" in shown
    assert (
        '<a href="https://track.example/W1?a=1&amp;b=2" target="_blank" '
        'rel="noopener noreferrer">here</a>'
    ) in shown
    assert "<ul><li>" in shown
    assert 'href="javascript' not in shown
    assert "[there](javascript:alert(1))" in shown
    assert "<script>" not in shown
    assert "&lt;script&gt;" in shown


def test_that_a_link_cannot_break_out_of_its_attribute() -> None:
    shown = chat_markup('[x](https://a.example/"onmouseover="alert(1))')
    assert 'href="https://a.example/&quot;onmouseover=&quot;alert(1"' in shown


def _message(role: MessageRole, text: str) -> Message:
    return Message(
        id=MessageId(f"msg_{role.value}"),
        conversation_id=ConversationId("conv_1"),
        role=role,
        text=text,
        created_at=NOW,
    )


def test_that_the_customer_reads_their_bot_s_and_agents_messages_but_no_system_lines() -> None:
    lines = customer_lines(
        [
            _message(MessageRole.CUSTOMER, "Where is <b>it</b>?"),
            _message(MessageRole.BOT, "It is **on its way**."),
            _message(MessageRole.SYSTEM, "internal: routed to q_vip"),
            _message(MessageRole.AGENT, "Hi, Bea here.\nLet me look."),
        ],
        brand="Northwind",
    )
    assert [(line.role, line.who) for line in lines] == [
        ("customer", "You"),
        ("bot", "Northwind assistant"),
        ("agent", "Northwind team"),
    ]
    assert lines[0].html == "<p>Where is &lt;b&gt;it&lt;/b&gt;?</p>"
    assert lines[1].html == "<p>It is <strong>on its way</strong>.</p>"
    assert lines[2].html == "<p>Hi, Bea here.</p><p>Let me look.</p>"


def _conversation(status: ConversationStatus) -> Conversation:
    return Conversation(
        id=ConversationId("conv_1"),
        channel=Channel.CHAT,
        status=status,
        created_at=NOW,
        updated_at=NOW,
        queue_id=QueueId("q_returns"),
    )


def test_that_the_customer_is_told_where_the_conversation_stands() -> None:
    assert notice_for(_conversation(ConversationStatus.OPEN), queue_name="Returns") is None
    queued = notice_for(_conversation(ConversationStatus.QUEUED), queue_name="Returns")
    assert queued is not None
    assert queued.text == "You're in the queue for Returns; a person will answer here."
    assigned = notice_for(_conversation(ConversationStatus.ASSIGNED), queue_name=None)
    assert assigned is not None
    assert assigned.text == "A person has your conversation and will answer here."
    closed = notice_for(_conversation(ConversationStatus.CLOSED), queue_name="Returns")
    assert closed is not None
    assert closed.kind == "closed"


def test_that_the_rate_limit_counts_only_the_last_minute() -> None:
    recent = [NOW - timedelta(seconds=s) for s in (5, 30, 59)]
    old = [NOW - timedelta(seconds=s) for s in (60, 61, 600)]
    assert not over_rate(recent + old, now=NOW, per_minute=4)
    assert over_rate(recent + old, now=NOW, per_minute=3)
    assert not over_rate([], now=NOW, per_minute=1)


def test_that_the_configured_sites_may_frame_widget_pages() -> None:
    policy = headers(["https://shop.example.com", "https://*.example.org"])[
        "Content-Security-Policy"
    ]
    assert policy.endswith("frame-ancestors 'self' https://shop.example.com https://*.example.org")
    assert "script-src 'self';" in policy
    assert headers([])["Content-Security-Policy"].endswith("frame-ancestors 'self'")


@pytest.mark.parametrize(
    "origin",
    [
        "shop.example.com",
        "https://shop.example.com/path",
        "https://shop.example.com; script-src *",
        "https://shop.example.com 'unsafe-inline'",
        "*",
        "ftp://shop.example.com",
    ],
)
def test_that_only_bare_origins_may_frame_the_widget(origin: str) -> None:
    with pytest.raises(ValidationError, match="widget_origins"):
        Settings(widget_origins=[origin])


def test_that_origins_lose_a_trailing_slash() -> None:
    settings = Settings(widget_origins=["https://shop.example.com/", "http://localhost:3000"])
    assert settings.widget_origins == ["https://shop.example.com", "http://localhost:3000"]
    assert not Settings().widget_enabled
