"""The flow of one contact: open a conversation, take in a message, triage it, decide and route
it, and record all of it durably.

This is the one place where the steps meet. Each public method owns one unit of work, so a request
either commits completely or leaves nothing behind.
"""

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta

import structlog

from cxops.domain.conversations import (
    Channel,
    Conversation,
    ConversationStatus,
    Message,
    MessageRole,
    Outcome,
)
from cxops.domain.customers import Segment
from cxops.domain.decisions import Decision
from cxops.domain.errors import (
    BusinessRuleError,
    DuplicateKeyError,
    IdempotencyConflictError,
    InvalidInputError,
    NotFoundError,
)
from cxops.domain.ids import ConversationId, CustomerId, MessageId, new_id
from cxops.domain.routing import RoutingOutcome
from cxops.domain.triage import SentimentTrajectory, Triage
from cxops.floor import ROUTING, Floor
from cxops.ports import Clock, UnitOfWork, UnitOfWorkFactory
from cxops.selfservice.service import CONVERSATION_BUSY, SelfService, Standing, bot_answers
from cxops.triage.engine import TriageContext, TriageEngine
from cxops.triage.sentiment import trajectory

REPEAT_CONTACT_WINDOW = timedelta(days=7)

log = structlog.get_logger("cxops.pipeline")


@dataclass(frozen=True, slots=True)
class NewConversation:
    channel: Channel
    customer_id: CustomerId | None = None
    subject: str = ""
    external_ref: str | None = None


@dataclass(frozen=True, slots=True)
class NewMessage:
    text: str
    role: MessageRole = MessageRole.CUSTOMER


@dataclass(frozen=True, slots=True)
class Started:
    conversation: Conversation
    replayed: bool


@dataclass(frozen=True, slots=True)
class Posted:
    """The stored message (its text redacted) and, for a customer message, its triage, the
    routing decision taken on it, and the bot's replies (whole for the customer; stored
    redacted)."""

    message: Message
    triage: Triage | None
    decision: Decision | None
    replayed: bool
    replies: tuple[Message, ...] = ()


@dataclass(frozen=True, slots=True)
class ConversationView:
    conversation: Conversation
    messages: tuple[Message, ...]
    decisions: tuple[Decision, ...]
    triage: Mapping[MessageId, Triage]
    sentiment: SentimentTrajectory | None


def _fingerprint(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def _same_request(conversation: Conversation, request: NewConversation) -> bool:
    return (
        conversation.channel,
        conversation.customer_id,
        conversation.subject,
        conversation.external_ref,
    ) == (request.channel, request.customer_id, request.subject, request.external_ref)


class Pipeline:
    """Entry point for everything that arrives from a channel."""

    def __init__(
        self,
        *,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        triage: TriageEngine,
        floor: Floor,
        selfservice: SelfService,
        max_message_chars: int,
        on_closed: Callable[[ConversationId], object] | None = None,
    ) -> None:
        self._on_closed = on_closed
        self._uow = uow_factory
        self._clock = clock
        self._triage = triage
        self._floor = floor
        self._selfservice = selfservice
        self._max_chars = max_message_chars

    def start_conversation(
        self, request: NewConversation, *, idempotency_key: str | None = None
    ) -> Started:
        """Open a conversation; a retry with the same key returns the one first opened."""
        with self._uow() as uow:
            if idempotency_key is not None:
                existing = uow.conversations.find_by_idempotency_key(idempotency_key)
                if existing is not None:
                    return self._replay_conversation(existing, request, idempotency_key)
            if request.customer_id is not None and uow.customers.get(request.customer_id) is None:
                raise InvalidInputError("customer_id", f"no customer {request.customer_id!r}")
            now = self._clock.now()
            conversation = Conversation(
                id=ConversationId(new_id("conv")),
                channel=request.channel,
                status=ConversationStatus.OPEN,
                created_at=now,
                updated_at=now,
                customer_id=request.customer_id,
                subject=request.subject,
                external_ref=request.external_ref,
            )
            try:
                uow.conversations.add(conversation, idempotency_key=idempotency_key)
            except DuplicateKeyError:
                assert idempotency_key is not None
                winner = uow.conversations.find_by_idempotency_key(idempotency_key)
                assert winner is not None
                return self._replay_conversation(winner, request, idempotency_key)
            uow.commit()
        log.info("conversation.started", conversation_id=conversation.id, channel=request.channel)
        return Started(conversation=conversation, replayed=False)

    def post_message(
        self,
        conversation_id: ConversationId,
        request: NewMessage,
        *,
        idempotency_key: str | None = None,
    ) -> Posted:
        """Triage a customer message, store it with its triage and routing decision, and let
        the bot answer it when routing leaves it to the bot.

        The message is durable before the bot starts: stored text is redacted (personal data
        replaced by typed placeholders), and the bot's turn is recorded in a transaction of its
        own (see `cxops.selfservice.service`). With an idempotency key, a retry returns the
        original and writes nothing, except that a message whose bot turn never completed is
        answered now; the same key with a different message raises `IdempotencyConflictError`.
        """
        self._check_text(request.text)
        request_hash = _fingerprint(request.role.value, request.text)
        standing: Standing | None = None
        replies: list[Message] = []
        with self._uow() as uow:
            conversation = uow.conversations.get(conversation_id)
            if conversation is None:
                raise NotFoundError("conversation", conversation_id)
            if idempotency_key is not None:
                existing = uow.messages.find_by_idempotency_key(conversation_id, idempotency_key)
                if existing is not None:
                    return self._replay_message(
                        uow, existing, request, request_hash, idempotency_key
                    )
            if conversation.status == ConversationStatus.CLOSED:
                raise BusinessRuleError(
                    "conversation_closed", f"conversation {conversation_id} is closed"
                )
            now = self._clock.now()
            triage: Triage | None = None
            if request.role == MessageRole.CUSTOMER:
                triage = self._triage.triage(request.text, self._context(uow, conversation))
                stored_text = triage.redacted_text
            else:
                stored_text, _ = self._triage.redact(request.text)
            message = Message(
                id=MessageId(new_id("msg")),
                conversation_id=conversation_id,
                role=request.role,
                text=stored_text,
                created_at=now,
                idempotency_key=idempotency_key,
                request_hash=request_hash,
            )
            try:
                uow.messages.add(message)
            except DuplicateKeyError:
                assert idempotency_key is not None
                winner = uow.messages.find_by_idempotency_key(conversation_id, idempotency_key)
                assert winner is not None
                return self._replay_message(uow, winner, request, request_hash, idempotency_key)
            uow.conversations.touch(conversation_id, at=now)
            decision: Decision | None = None
            if triage is not None:
                uow.triage.add(
                    message_id=message.id, conversation_id=conversation_id, triage=triage, at=now
                )
                standing = self._selfservice.standing(uow, conversation, request.text)
                decision = self._floor.route(
                    uow,
                    conversation=conversation,
                    message_id=message.id,
                    triage=triage,
                    bot=standing.context if standing.version else None,
                )
                if _handed_over_now(conversation, decision):
                    replies.append(
                        self._selfservice.handover_reply(
                            uow, conversation, message, standing, language=triage.language.code
                        )
                    )
            uow.commit()
        if triage is not None and standing is not None and bot_answers(decision):
            assert decision is not None
            replies = self._answer(message, request.text, triage, decision, standing)
        log.info(
            "conversation.message.received",
            conversation_id=conversation_id,
            message_id=message.id,
            role=request.role,
            chars=len(request.text),
            replies=len(replies),
            **_triage_log_fields(triage),
        )
        return Posted(
            message=message,
            triage=triage,
            decision=decision,
            replayed=False,
            replies=tuple(replies),
        )

    def _answer(
        self,
        message: Message,
        text: str,
        triage: Triage,
        decision: Decision,
        standing: Standing,
    ) -> list[Message]:
        """The bot's turn on a stored message: order-system calls first, then one transaction."""
        with self._uow() as uow:
            conversation = uow.conversations.get(message.conversation_id)
        assert conversation is not None
        turn = self._selfservice.answer(
            conversation=conversation,
            message=message,
            text=text,
            triage=triage,
            decision=decision,
            standing=standing,
        )
        try:
            with self._uow() as uow:
                conversation = uow.conversations.get(message.conversation_id)
                assert conversation is not None
                replies = self._selfservice.record(
                    uow,
                    conversation=conversation,
                    message=message,
                    triage=triage,
                    standing=standing,
                    turn=turn,
                )
                uow.commit()
            if turn.close:
                self._closed(message.conversation_id)
        except BusinessRuleError as exc:
            if exc.code != CONVERSATION_BUSY:
                raise
            # A concurrent retry of this same message may have answered it first: then its
            # answer is this one's (every write ran under the same action ids).
            with self._uow() as uow:
                if not self._selfservice.answered(uow, message):
                    raise
                return self._selfservice.replies_to(uow, message)
        return replies

    def close(self, conversation_id: ConversationId, *, outcome: Outcome) -> Conversation:
        """Close a conversation (see `Floor.close`), then score it."""
        closed = self._floor.close(conversation_id, outcome=outcome)
        self._closed(conversation_id)
        return closed

    def _closed(self, conversation_id: ConversationId) -> None:
        """Run the close hook after the close is committed. Its failure is logged, never raised:
        the close stands, and the unscored conversation is picked up by the next sweep."""
        if self._on_closed is None:
            return
        try:
            self._on_closed(conversation_id)
        except Exception:
            log.exception("conversation.closed_hook_failed", conversation_id=conversation_id)

    def triage_text(self, text: str) -> Triage:
        """Triage text that belongs to no conversation (the stateless integrator endpoint)."""
        self._check_text(text)
        return self._triage.triage(text)

    def conversation(self, conversation_id: ConversationId) -> ConversationView:
        """Return a conversation with its messages and decisions, oldest first."""
        with self._uow() as uow:
            conversation = uow.conversations.get(conversation_id)
            if conversation is None:
                raise NotFoundError("conversation", conversation_id)
            triage = uow.triage.for_conversation(conversation_id)
            return ConversationView(
                conversation=conversation,
                messages=tuple(uow.messages.list_for_conversation(conversation_id)),
                decisions=tuple(uow.decisions.list_for_conversation(conversation_id)),
                triage=triage,
                sentiment=trajectory([t.sentiment.score for t in triage.values()])
                if triage
                else None,
            )

    def _context(self, uow: UnitOfWork, conversation: Conversation) -> TriageContext:
        """What the customer's record says about this contact: VIP, in touch recently, language."""
        if conversation.customer_id is None:
            return TriageContext()
        customer = uow.customers.get(conversation.customer_id)
        recent = uow.conversations.count_for_customer_since(
            conversation.customer_id,
            since=conversation.created_at - REPEAT_CONTACT_WINDOW,
            excluding=conversation.id,
        )
        return TriageContext(
            repeat_contact=recent > 0,
            vip=customer is not None and customer.segment == Segment.VIP,
            preferred_language=None if customer is None else customer.preferred_language,
        )

    def _check_text(self, text: str) -> None:
        if not text.strip():
            raise InvalidInputError("text", "must not be empty")
        if len(text) > self._max_chars:
            raise InvalidInputError(
                "text", f"is {len(text)} characters; the limit is {self._max_chars}"
            )

    @staticmethod
    def _replay_conversation(existing: Conversation, request: NewConversation, key: str) -> Started:
        if not _same_request(existing, request):
            raise IdempotencyConflictError(
                f"Idempotency-Key {key!r} was already used to open a different conversation"
            )
        return Started(conversation=existing, replayed=True)

    def _replay_message(
        self,
        uow: UnitOfWork,
        existing: Message,
        request: NewMessage,
        request_hash: str,
        key: str,
    ) -> Posted:
        """Return the original message and what came of it; if the bot's turn on it never
        completed (a crash after the message was stored), run that turn now."""
        if existing.request_hash != request_hash:
            raise IdempotencyConflictError(
                f"Idempotency-Key {key!r} was already used for a different message"
            )
        decision = next(
            (
                d
                for d in uow.decisions.list_for_conversation(existing.conversation_id)
                if d.message_id == existing.id and d.kind == ROUTING
            ),
            None,
        )
        triage = uow.triage.get(existing.id)
        replies = self._selfservice.replies_to(uow, existing)
        conversation = uow.conversations.get(existing.conversation_id)
        assert conversation is not None
        unanswered = (
            triage is not None
            and bot_answers(decision)
            and not replies
            and not self._selfservice.answered(uow, existing)
        )
        if unanswered:
            assert triage is not None
            assert decision is not None
            standing = self._selfservice.standing(uow, conversation, request.text)
            uow.rollback()
            replies = self._answer(existing, request.text, triage, decision, standing)
        return Posted(
            message=existing,
            triage=triage,
            decision=decision,
            replayed=True,
            replies=tuple(replies),
        )


def _handed_over_now(conversation: Conversation, decision: Decision | None) -> bool:
    """Whether this message's routing handed a conversation the bot had to a person."""
    return (
        decision is not None
        and conversation.status is ConversationStatus.OPEN
        and decision.outcome in (RoutingOutcome.QUEUE.value, RoutingOutcome.AGENT.value)
    )


def _triage_log_fields(triage: Triage | None) -> dict[str, object]:
    """What may be logged of a triage: labels and numbers, never text or evidence."""
    if triage is None:
        return {}
    return {
        "intent": triage.intent.name,
        "intent_confidence": round(triage.intent.confidence, 3),
        "urgency": triage.urgency.level,
        "language": triage.language.code,
        "pii_found": len(triage.pii),
        "triage_ms": triage.latency_ms,
    }
