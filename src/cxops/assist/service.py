"""Agent assist's shell: gathers the case from the database and the order system, asks the pure
engines for drafts and guidance, stores what is shown, and records the agent's feedback.

A suggestion request has a latency budget. The order system is asked in a worker thread and, if
it has not answered when the budget runs out (or is down), the drafts go out without the
customer's facts; an optional generative draft gets only what is left of the budget. Either
fallback is named in `Assistance.fallbacks`, so the agent knows what is missing and why.

The knowledge index is built once per knowledge-base state (the articles' fingerprints) and
shared by requests; an empty knowledge base falls back to the shipped articles, so assist works
before `cxops kb import` ever ran, without writing on a read.
"""

import hashlib
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import datetime, timedelta
from threading import Lock
from typing import Literal

import structlog

from cxops.assist.acceptance import edit_distance
from cxops.assist.entitlements import Offer, Warranty, offers, warranty
from cxops.assist.generative import Generated, GenerativeDrafter, Grounding
from cxops.assist.guidance import Guidance, guide
from cxops.assist.kb import chunk, shipped_articles, shipped_macros
from cxops.assist.retrieval import Embedder, KnowledgeIndex
from cxops.assist.rules import LoadedRules
from cxops.assist.suggest import Case, Draft, MacroLibrary, OrderFacts, draft_replies
from cxops.domain.access import Role
from cxops.domain.assist import (
    AcceptanceRow,
    Feedback,
    FeedbackAction,
    Suggestion,
    SuggestionSource,
)
from cxops.domain.catalog import Promotion
from cxops.domain.conversations import Conversation, ConversationStatus, Message, MessageRole
from cxops.domain.customers import Customer
from cxops.domain.errors import (
    BusinessRuleError,
    ConnectorUnavailableError,
    InvalidInputError,
    NotFoundError,
)
from cxops.domain.ids import ConversationId, CustomerId, MessageId, OrderId, SuggestionId, new_id
from cxops.domain.knowledge import Chunk, Macro
from cxops.domain.orders import Order, Return, ReturnStatus
from cxops.domain.triage import Triage
from cxops.governance.masking import customer_for, order_for
from cxops.ports import Clock, OrderSystem, UnitOfWork, UnitOfWorkFactory
from cxops.selfservice.replies import money
from cxops.selfservice.slots import chosen_items, order_numbers
from cxops.selfservice.state import Dialogue
from cxops.triage.sentiment import trajectory

log = structlog.get_logger("cxops.assist")

MAX_FEEDBACK_CHARS = 20_000
REPEAT_WINDOW = timedelta(days=7)
# Orders searched for an item the customer mentions, and shown in the customer's context.
RECENT_ORDERS = 5
PAST_CONTACTS = 10
OPEN_RETURN_STATUSES = frozenset({ReturnStatus.AUTHORIZED, ReturnStatus.RECEIVED})
# Below this much budget left, a generative draft is not even tried.
MIN_GENERATION_SECONDS = 0.05


@dataclass(frozen=True, slots=True)
class Assistance:
    """What the agent sees for the conversation's latest customer message."""

    conversation_id: ConversationId
    suggestions: tuple[Suggestion, ...]
    guidance: Guidance
    rules_version: str
    fallbacks: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Read:
    """What the case needs from the database, read in one transaction. `promotions` are only
    read for a verified customer: nobody else is offered one."""

    latest: Message
    texts: tuple[str, ...]
    triage: Mapping[MessageId, Triage]
    dialogue: Dialogue
    verified: CustomerId | None
    repeats: int
    promotions: tuple[Promotion, ...]


@dataclass(frozen=True, slots=True)
class _Known:
    """What the order system says of the verified customer: who, their recent orders, and the
    order the conversation is about."""

    customer: Customer
    recent: list[Order]
    order: Order | None


@dataclass(frozen=True, slots=True)
class PastContact:
    """Another conversation of the customer: what it was about and how it ended."""

    conversation: Conversation
    intents: tuple[str, ...]
    handled_by: Literal["agent", "bot", "nobody yet"]


@dataclass(frozen=True, slots=True)
class CustomerView:
    """Who the agent is talking to, masked for the viewer's role. `customer` is None until the
    customer is identified (signed in, or verified by the bot)."""

    conversation_id: ConversationId
    customer: Customer | None
    recent_orders: tuple[Order, ...]
    open_returns: tuple[Return, ...]
    past_contacts: tuple[PastContact, ...]


class Assistant:
    def __init__(
        self,
        *,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        orders: OrderSystem,
        embedder: Embedder,
        rules: LoadedRules,
        budget_seconds: float = 1.0,
        generator: GenerativeDrafter | None = None,
        generator_name: str = "",
    ) -> None:
        self._budget = budget_seconds
        self._generator = generator
        self._generator_name = generator_name
        self._lookups = ThreadPoolExecutor(max_workers=4, thread_name_prefix="assist-orders")
        self._uow = uow_factory
        self._clock = clock
        self._orders = orders
        self._embedder = embedder
        self._rules = rules
        self._lock = Lock()
        self._index: tuple[str, KnowledgeIndex] | None = None
        self._macros: tuple[str, MacroLibrary] | None = None

    def assist(self, conversation_id: ConversationId) -> Assistance:
        """Drafts and guidance for the latest customer message, stored before they are shown.

        The database is read first and the order system asked after, with no transaction open:
        the embedded order store takes its own, and SQLite serialises transactions.
        """
        deadline = time.monotonic() + self._budget
        with self._uow() as uow:
            conversation = uow.conversations.get(conversation_id)
            if conversation is None:
                raise NotFoundError("conversation", conversation_id)
            read = self._read(uow, conversation)
            fingerprint, stale = self._stale_chunks(uow)
            macro_fingerprint, imported = self._stale_macros(uow)
        index = self._index_for(fingerprint, stale)
        library = self._library(macro_fingerprint, imported)
        fallbacks: list[str] = []
        case = self._case(conversation, read, self._known_by(read, deadline, fallbacks))
        message_id = read.latest.id
        rules = self._rules.rules
        drafts = draft_replies(case, index=index, library=library, rules=rules)
        drafts = self._with_generated(case, drafts, deadline, fallbacks)
        now = self._clock.now()
        shown = tuple(
            Suggestion(
                id=SuggestionId(new_id("sug")),
                conversation_id=conversation_id,
                message_id=message_id,
                rank=rank,
                text=draft.text,
                source=draft.source,
                source_id=draft.source_id,
                intent=case.intent,
                score=draft.score,
                rationale=draft.rationale,
                created_at=now,
            )
            for rank, draft in enumerate(drafts, start=1)
        )
        took_ms = round((time.monotonic() - deadline + self._budget) * 1000, 1)
        with self._uow() as uow:
            uow.suggestions.add_many(shown)
            uow.monitoring.add_assist_request(
                conversation_id=conversation_id, at=now, latency_ms=took_ms, fallbacks=fallbacks
            )
            uow.commit()
        log.info(
            "assist.suggested",
            conversation_id=conversation_id,
            intent=case.intent,
            suggestions=len(shown),
            sources=[s.source.value for s in shown],
            fallbacks=fallbacks,
            ms=took_ms,
        )
        return Assistance(
            conversation_id,
            shown,
            guide(case, rules),
            self._rules.version_label,
            tuple(fallbacks),
        )

    def warm_up(self) -> None:
        """Build the knowledge index and the macro library now (about a second), so the first
        suggestion request is not the one that pays for it. A later knowledge-base import
        makes the next request rebuild them."""
        with self._uow() as uow:
            fingerprint, stale = self._stale_chunks(uow)
            macro_fingerprint, imported = self._stale_macros(uow)
        self._index_for(fingerprint, stale)
        self._library(macro_fingerprint, imported)

    def close(self) -> None:
        self._lookups.shutdown(wait=False, cancel_futures=True)
        if self._generator is not None:
            self._generator.close()

    def feedback(
        self,
        suggestion_id: SuggestionId,
        *,
        action: FeedbackAction,
        final_text: str | None,
        reason: str,
        given_by: str,
    ) -> Feedback:
        """Record what the agent did with a suggestion, once. Accepted means sent as drafted;
        edited needs the text sent; ignored keeps no text."""
        if final_text is not None and len(final_text) > MAX_FEEDBACK_CHARS:
            raise InvalidInputError(
                "final_text", f"must be at most {MAX_FEEDBACK_CHARS} characters"
            )
        if action is FeedbackAction.EDITED and not (final_text or "").strip():
            raise InvalidInputError("final_text", "is required when the suggestion was edited")
        with self._uow() as uow:
            suggestion = uow.suggestions.get(suggestion_id)
            if suggestion is None:
                raise NotFoundError("suggestion", suggestion_id)
            sent = {
                FeedbackAction.ACCEPTED: suggestion.text,
                FeedbackAction.EDITED: final_text,
                FeedbackAction.IGNORED: None,
            }[action]
            given = Feedback(
                suggestion_id=suggestion_id,
                action=action,
                final_text=sent,
                edit_distance=0 if sent is None else edit_distance(suggestion.text, sent),
                reason=reason.strip(),
                given_by=given_by,
                given_at=self._clock.now(),
            )
            if not uow.suggestions.record_feedback(given):
                raise BusinessRuleError(
                    "feedback_given", f"suggestion {suggestion_id} already has feedback"
                )
            uow.commit()
        log.info(
            "assist.feedback",
            suggestion_id=suggestion_id,
            action=action.value,
            edit_distance=given.edit_distance,
        )
        return given

    def acceptance(
        self, *, since: datetime | None, by: Literal["intent", "source"]
    ) -> list[AcceptanceRow]:
        with self._uow() as uow:
            return uow.suggestions.acceptance(since=since, by=by)

    def context(self, conversation_id: ConversationId, *, viewer: Role) -> CustomerView:
        """The customer's profile, recent orders, open returns and past contacts, with personal
        data masked for `viewer`."""
        with self._uow() as uow:
            conversation = uow.conversations.get(conversation_id)
            if conversation is None:
                raise NotFoundError("conversation", conversation_id)
            stored = uow.dialogues.get(conversation_id)
            dialogue = Dialogue() if stored is None else Dialogue.from_json(stored[0])
            verified = conversation.customer_id or dialogue.customer_id
            past = []
            if verified is not None:
                for other in uow.conversations.list_for_customer(
                    CustomerId(verified), limit=PAST_CONTACTS, excluding=conversation_id
                ):
                    seen = uow.triage.for_conversation(other.id).values()
                    past.append(
                        PastContact(
                            conversation=other,
                            intents=tuple(dict.fromkeys(t.intent.name for t in seen)),
                            handled_by=_handled_by(other),
                        )
                    )
        customer = (
            None
            if verified is None
            else self._orders.find_customer(customer_id=CustomerId(verified))
        )
        if customer is None:
            return CustomerView(conversation_id, None, (), (), tuple(past))
        orders = self._orders.list_orders(customer.id, limit=RECENT_ORDERS)
        return CustomerView(
            conversation_id=conversation_id,
            customer=customer_for(customer, viewer),
            recent_orders=tuple(order_for(o, viewer) for o in orders),
            open_returns=tuple(
                r for o in orders for r in o.returns if r.status in OPEN_RETURN_STATUSES
            ),
            past_contacts=tuple(past),
        )

    # -- the case -------------------------------------------------------------------------------

    def _read(self, uow: UnitOfWork, conversation: Conversation) -> _Read:
        messages = uow.messages.list_for_conversation(conversation.id)
        customer_turns = [m for m in messages if m.role is MessageRole.CUSTOMER]
        if not customer_turns:
            raise BusinessRuleError(
                "no_customer_message", f"conversation {conversation.id} has no customer message"
            )
        latest = customer_turns[-1]
        triage = uow.triage.for_conversation(conversation.id)
        if latest.id not in triage:
            raise BusinessRuleError("not_triaged", f"message {latest.id} was never triaged")
        stored = uow.dialogues.get(conversation.id)
        dialogue = Dialogue() if stored is None else Dialogue.from_json(stored[0])
        verified = conversation.customer_id or dialogue.customer_id
        repeats = (
            0
            if verified is None
            else uow.conversations.count_for_customer_since(
                CustomerId(verified),
                since=conversation.created_at - REPEAT_WINDOW,
                excluding=conversation.id,
            )
        )
        return _Read(
            latest=latest,
            texts=tuple(m.text for m in customer_turns),
            triage=triage,
            dialogue=dialogue,
            verified=None if verified is None else CustomerId(verified),
            repeats=repeats,
            promotions=()
            if verified is None
            else tuple(uow.catalog.active_promotions(self._clock.now())),
        )

    def _known_by(self, read: _Read, deadline: float, fallbacks: list[str]) -> _Known | None:
        """The order system's answer if it comes before `deadline`; else None, with the reason
        in `fallbacks` (the lookup finishes in the background and is discarded)."""
        if read.verified is None:
            return None
        lookup = self._lookups.submit(self._known, read)
        try:
            return lookup.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            fallbacks.append("order_system_slow")
        except ConnectorUnavailableError:
            fallbacks.append("order_system_unavailable")
        return None

    def _known(self, read: _Read) -> _Known | None:
        assert read.verified is not None
        customer = self._orders.find_customer(customer_id=read.verified)
        if customer is None:
            return None
        recent = self._orders.list_orders(customer.id, limit=RECENT_ORDERS)
        order = self._order(customer.id, read.dialogue, list(read.texts), recent)
        return _Known(customer, recent, order)

    def _case(self, conversation: Conversation, read: _Read, known: _Known | None) -> Case:
        """The case, with what the order system said of the verified customer, their order and
        what they are entitled to (nothing of it when `known` is None)."""
        now = self._clock.now()
        triage = read.triage[read.latest.id]
        scores = [t.sentiment.score for t in read.triage.values()]
        said = " ".join(read.texts)
        order = None if known is None else known.order
        return Case(
            query=read.latest.text,
            intent=_intent(triage, read.dialogue),
            confidence=triage.intent.confidence,
            language=triage.language.code if triage.language.code in ("en", "es") else "en",
            sentiment=triage.sentiment.score,
            sentiment_trend=trajectory(scores).trend if len(scores) > 1 else None,
            sensitive_topics=_topics(read.triage.values()),
            identity_verified=known is not None,
            first_name=None if known is None else known.customer.first_name,
            order=None if order is None else _facts(order, warranty(order, said, at=now)),
            channel=conversation.channel.value,
            repeat_contacts=read.repeats,
            pii_types=tuple(sorted({p.type.value for p in triage.pii})),
            offers=() if known is None else _offers(known, read.promotions, now),
        )

    def _with_generated(
        self, case: Case, drafts: list[Draft], deadline: float, fallbacks: list[str]
    ) -> list[Draft]:
        """A generative draft first, grounded in the retrieved ones, when an endpoint is
        configured, the topic is not sensitive (approved wording only) and time is left."""
        if self._generator is None or case.sensitive_topics or not drafts:
            return drafts
        left = deadline - time.monotonic()
        if left < MIN_GENERATION_SECONDS:
            fallbacks.append("generative_no_time")
            return drafts
        rules = self._rules.rules
        voice = rules.voice_for(case.language)
        facts = case.facts()
        made = self._generator.draft(
            Grounding(
                query=case.query,
                intent=case.intent,
                language=case.language,
                facts=facts,
                passages=[(d.source_id, d.text) for d in drafts[:3]],
                greeting=voice.greeting if "first_name" in facts else voice.anonymous_greeting,
                closing=voice.closing,
                forbidden=rules.compliance.forbidden,
            ),
            timeout_seconds=left,
        )
        if not isinstance(made, Generated):
            fallbacks.append(f"generative_{made.value}")
            return drafts
        return [_generated_draft(made, drafts[0].score, self._generator_name), *drafts][
            : rules.suggestions.max
        ]

    def _order(
        self, customer_id: CustomerId, dialogue: Dialogue, texts: list[str], recent: list[Order]
    ) -> Order | None:
        """The order the conversation is about: the bot's, the last one the customer named (if
        it is theirs), else the most recent one holding an item the customer mentions, else the
        most recent one."""
        named = [n for text in reversed(texts) for n in order_numbers(text)]
        for number in ([dialogue.order_id] if dialogue.order_id else []) + named:
            try:
                order = self._orders.get_order(OrderId(number))
            except NotFoundError:
                continue
            if order.customer_id == customer_id:
                return order
        said = " ".join(texts)
        for order in recent:
            if chosen_items(said, [item.product_name for item in order.items]):
                return order
        return recent[0] if recent else None

    # -- shared, built once ---------------------------------------------------------------------

    def _stale_chunks(self, uow: UnitOfWork) -> tuple[str, list[Chunk] | None]:
        """The stored knowledge base's fingerprint, and its chunks only if the cached index was
        built from another state (so a current cache costs one small query per request)."""
        fingerprint = _fingerprint(uow.knowledge.fingerprints())
        with self._lock:
            if self._index is not None and self._index[0] == fingerprint:
                return fingerprint, None
        return fingerprint, uow.knowledge.chunks()

    def _index_for(self, fingerprint: str, chunks: list[Chunk] | None) -> KnowledgeIndex:
        """Build the index outside any transaction (it takes about a second); `chunks` None
        means the cached one is current. An empty store falls back to the shipped articles."""
        if chunks is None:
            with self._lock:
                assert self._index is not None
                return self._index[1]
        if not chunks:
            chunks = [c for article in shipped_articles() for c in chunk(article)]
        index = KnowledgeIndex(chunks, embedder=self._embedder)
        with self._lock:
            self._index = (fingerprint, index)
        return index

    def _stale_macros(self, uow: UnitOfWork) -> tuple[str, list[Macro] | None]:
        """The imported macros' fingerprint, and the macros only if the cached library was
        built from another state."""
        fingerprint = _fingerprint(uow.knowledge.macro_fingerprints())
        with self._lock:
            if self._macros is not None and self._macros[0] == fingerprint:
                return fingerprint, None
        return fingerprint, uow.knowledge.macros()

    def _library(self, fingerprint: str, imported: list[Macro] | None) -> MacroLibrary:
        """The shipped macros with the retailer's imported ones laid over them by id;
        `imported` None means the cached library is current."""
        if imported is None:
            with self._lock:
                assert self._macros is not None
                return self._macros[1]
        mine = {m.id for m in imported}
        library = MacroLibrary(
            [m for m in shipped_macros() if m.id not in mine] + imported, embedder=self._embedder
        )
        with self._lock:
            self._macros = (fingerprint, library)
        return library


def _intent(triage: Triage, dialogue: Dialogue) -> str:
    """The request being served: the bot's flow when it was mid-flow, else the message's."""
    if triage.intent.out_of_scope and dialogue.flow:
        return dialogue.flow
    return dialogue.flow if dialogue.flow and triage.intent.confidence < 0.5 else triage.intent.name


def _offers(known: _Known, promotions: Iterable[Promotion], now: datetime) -> tuple[Offer, ...]:
    return tuple(
        offers(
            list(promotions),
            segment=known.customer.segment,
            has_ordered=bool(known.recent),
            categories=[item.category for o in known.recent for item in o.items],
            at=now,
            currency=known.recent[0].currency if known.recent else "USD",
        )
    )


def _generated_draft(made: Generated, score: float, model: str) -> Draft:
    why = [f"written by {model or 'the generative model'} from " + ", ".join(made.sources)]
    if made.used_facts:
        why.append("uses " + ", ".join(made.used_facts))
    if made.guarded:
        why.append("the customer's words were withheld from the model (possible prompt injection)")
    return Draft(
        text=made.text,
        source=SuggestionSource.GENERATED,
        source_id=model or "generative",
        score=score,
        rationale=tuple(why),
    )


def _handled_by(conversation: Conversation) -> Literal["agent", "bot", "nobody yet"]:
    if conversation.assigned_agent_id is not None:
        return "agent"
    if conversation.status is ConversationStatus.CLOSED:
        return "bot"
    return "nobody yet"


def _topics(triages: Iterable[Triage]) -> tuple[str, ...]:
    """Every sensitive topic raised so far in the conversation: one mention is enough."""
    return tuple(sorted({s.topic for t in triages for s in t.sensitive_topics}))


def _facts(order: Order, cover: Warranty | None) -> OrderFacts:
    shipment = order.shipments[-1] if order.shipments else None
    ret = order.returns[-1] if order.returns else None
    refund = order.refunds[-1] if order.refunds else None
    return OrderFacts(
        order_id=order.id,
        status=order.status.value,
        carrier="" if shipment is None else shipment.carrier,
        tracking_number="" if shipment is None else shipment.tracking_number,
        eta="" if shipment is None or shipment.eta is None else shipment.eta.date().isoformat(),
        label_reference="" if ret is None else ret.label_reference,
        refund_amount="" if refund is None else money(refund.amount_cents, order.currency),
        product="" if cover is None else cover.product,
        warranty_until="" if cover is None or not cover.running else cover.until.isoformat(),
        warranty_ended="" if cover is None or cover.running else cover.until.isoformat(),
    )


def _fingerprint(shas: list[str]) -> str:
    return hashlib.sha256("".join(sorted(shas)).encode()).hexdigest()
