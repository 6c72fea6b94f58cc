"""The interfaces the core depends on. Adapters in `store` and `connectors` implement them;
only `bootstrap` names the concrete classes."""

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from types import TracebackType
from typing import Any, Literal, Protocol, Self

from cxops.domain.access import ApiKey, User
from cxops.domain.assist import AcceptanceRow, Feedback, Suggestion
from cxops.domain.catalog import Product, Promotion
from cxops.domain.contacts import ContactFacts, Survey
from cxops.domain.conversations import Conversation, Message, Outcome
from cxops.domain.customers import Address, Customer
from cxops.domain.decisions import Decision
from cxops.domain.ids import (
    ActionId,
    AgentId,
    ApiKeyId,
    ConversationId,
    CustomerId,
    DecisionId,
    DeliveryId,
    MessageId,
    OrderId,
    ProductId,
    QueueId,
    RefundId,
    ReturnId,
    SuggestionId,
    UserId,
    WebhookId,
)
from cxops.domain.knowledge import Article, Chunk, Macro, UpsertOutcome
from cxops.domain.orders import (
    Order,
    OrderStatus,
    Refund,
    Return,
    ReturnItem,
    ReturnStatus,
    Shipment,
)
from cxops.domain.qa import HumanReview, QaResult
from cxops.domain.routing import Handoff, QueueActivity, StoredPolicy
from cxops.domain.selfservice import Action, ActionKind, ActionStatus
from cxops.domain.triage import Triage
from cxops.domain.webhooks import DeliveryStatus, WebhookDelivery, WebhookSubscription
from cxops.domain.workforce import Agent, AgentStatus, Queue


class Clock(Protocol):
    def now(self) -> datetime:
        """Return the current time, timezone-aware UTC."""
        ...


class CustomerRepository(Protocol):
    def add_many(self, customers: Iterable[Customer]) -> None: ...
    def get(self, customer_id: CustomerId) -> Customer | None: ...
    def find_by_email(self, email: str) -> Customer | None: ...
    def find_by_phone(self, phone: str) -> Customer | None: ...
    def count(self) -> int: ...


class CatalogRepository(Protocol):
    def add_products(self, products: Iterable[Product]) -> None: ...
    def add_promotions(self, promotions: Iterable[Promotion]) -> None: ...
    def get_product(self, product_id: ProductId) -> Product | None: ...
    def active_promotions(self, at: datetime) -> list[Promotion]: ...


class OrderRepository(Protocol):
    """Orders come back whole: items, shipments, returns and refunds included."""

    def add_many(self, orders: Iterable[Order]) -> None: ...
    def get(self, order_id: OrderId, *, for_update: bool = False) -> Order | None: ...
    def list_for_customer(self, customer_id: CustomerId, *, limit: int) -> list[Order]: ...
    def set_status(self, order_id: OrderId, status: OrderStatus, *, at: datetime) -> None: ...
    def set_shipping_address(
        self, order_id: OrderId, address: Address, *, at: datetime
    ) -> None: ...
    def add_return(self, ret: Return) -> None: ...
    def set_return_status(self, return_id: ReturnId, status: ReturnStatus) -> None: ...
    def add_refund(self, refund: Refund) -> None: ...
    def get_return(self, return_id: ReturnId) -> Return | None: ...
    def get_refund(self, refund_id: RefundId) -> Refund | None: ...
    def ids_starting_with(self, prefix: str) -> list[OrderId]:
        """Ids of the orders whose id begins with `prefix` (taken literally, not a pattern)."""
        ...


class OperationLog(Protocol):
    """Idempotency records of writes: key -> (operation, request fingerprint, result id)."""

    def find(self, key: str) -> tuple[str, str, str] | None: ...
    def record(self, *, key: str, operation: str, request_hash: str, result_id: str) -> None:
        """Record a write; raises `DuplicateKeyError` if the key is already taken."""
        ...


class ConversationRepository(Protocol):
    def add(self, conversation: Conversation, *, idempotency_key: str | None = None) -> None:
        """Insert; raises `DuplicateKeyError` if the idempotency key is already taken."""
        ...

    def get(self, conversation_id: ConversationId) -> Conversation | None: ...
    def find_by_idempotency_key(self, key: str) -> Conversation | None: ...
    def touch(self, conversation_id: ConversationId, *, at: datetime) -> None: ...
    def list_for_customer(
        self, customer_id: CustomerId, *, limit: int, excluding: ConversationId
    ) -> list[Conversation]:
        """The customer's other conversations, newest first."""
        ...

    def link_customer(self, conversation_id: ConversationId, customer_id: CustomerId) -> None:
        """Record who an anonymous conversation turned out to be (once identity is verified)."""
        ...

    def enqueue(
        self, conversation_id: ConversationId, *, queue: QueueId, priority: int, at: datetime
    ) -> None: ...
    def transfer(
        self, conversation_id: ConversationId, *, queue: QueueId, priority: int, at: datetime
    ) -> None:
        """Move the conversation to `queue`, waiting again, with no agent; the time it first
        joined a queue is kept."""
        ...

    def assign(
        self, conversation_id: ConversationId, *, agent: AgentId, queue: QueueId, at: datetime
    ) -> bool: ...
    def set_csat(self, conversation_id: ConversationId, score: int) -> None:
        """Record the customer's survey score (1-5) on the conversation."""
        ...

    def close(self, conversation_id: ConversationId, *, outcome: Outcome, at: datetime) -> None: ...
    def waiting_in(self, queue_ids: Sequence[QueueId]) -> list[Conversation]: ...
    def assigned_to(self, agent_id: AgentId) -> list[Conversation]: ...
    def active_per_agent(self) -> dict[AgentId, int]: ...
    def queue_activity(self, *, since: datetime) -> list[QueueActivity]: ...
    def count_for_customer_since(
        self, customer_id: CustomerId, *, since: datetime, excluding: ConversationId
    ) -> int:
        """Conversations of the customer opened at or after `since`, other than `excluding`."""
        ...


class MessageRepository(Protocol):
    def add(self, message: Message) -> None:
        """Insert; raises `DuplicateKeyError` if (conversation, idempotency key) is taken."""
        ...

    def find_by_idempotency_key(
        self, conversation_id: ConversationId, key: str
    ) -> Message | None: ...

    def list_for_conversation(self, conversation_id: ConversationId) -> list[Message]: ...


class DecisionRepository(Protocol):
    def add(self, decision: Decision) -> None: ...
    def get(self, decision_id: DecisionId) -> Decision | None: ...
    def list_for_conversation(self, conversation_id: ConversationId) -> list[Decision]: ...
    def routed_per_queue(self, *, since: datetime) -> dict[QueueId, int]: ...


class WorkforceRepository(Protocol):
    def add_agents(self, agents: Iterable[Agent]) -> None: ...
    def list_queues(self) -> list[Queue]: ...
    def get_queue(self, queue_id: QueueId) -> Queue | None: ...
    def list_agents(self) -> list[Agent]: ...
    def get_agent(self, agent_id: AgentId) -> Agent | None: ...
    def agent_for_user(self, user_id: UserId) -> Agent | None:
        """The agent record a console user works as, if any."""
        ...

    def link_user(self, agent_id: AgentId, user_id: UserId | None) -> None:
        """Let `user_id` work as the agent in the console (None unlinks)."""
        ...

    def get_agent_for_update(self, agent_id: AgentId) -> Agent | None: ...
    def set_agent_state(
        self, agent_id: AgentId, *, status: AgentStatus, max_concurrent: int | None = None
    ) -> None: ...
    def sync_queues(self, items: Iterable[Queue]) -> None: ...


class PolicyRepository(Protocol):
    def add(self, policy: StoredPolicy) -> None: ...
    def get(self, version: str) -> StoredPolicy | None: ...
    def activate(self, version: str, *, at: datetime) -> None: ...
    def active(self) -> StoredPolicy | None: ...
    def history(self) -> list[StoredPolicy]: ...


class HandoffRepository(Protocol):
    def add(self, handoff: Handoff) -> None: ...
    def latest(self, conversation_id: ConversationId) -> Handoff | None: ...
    def for_conversation(self, conversation_id: ConversationId) -> list[Handoff]:
        """Every handoff of the conversation, oldest first."""
        ...


class DialogueRepository(Protocol):
    """Self-service state per conversation, with a version for optimistic concurrency."""

    def get(self, conversation_id: ConversationId) -> tuple[dict[str, Any], int] | None:
        """(state, version), or None before the bot's first turn."""
        ...

    def save(
        self,
        conversation_id: ConversationId,
        state: dict[str, Any],
        *,
        expected_version: int,
        at: datetime,
    ) -> bool:
        """Write the state if it is still at `expected_version` (0: not stored yet); False if
        another turn wrote it first."""
        ...


class ActionRepository(Protocol):
    """The bot's actions; those awaiting approval are the approval queue."""

    def save(self, action: Action) -> None: ...
    def get(self, action_id: ActionId) -> Action | None: ...
    def decide(self, action: Action, *, expected: ActionStatus) -> bool: ...
    def listing(self, *, statuses: Sequence[ActionStatus] = (), limit: int = 100) -> list[Action]:
        """Oldest first."""
        ...

    def orders_since(self, since: datetime) -> list[OrderId]:
        """The orders the bot acted on since then, most recent first (what monitoring checks
        the order system's answers on)."""
        ...

    def for_conversation(self, conversation_id: ConversationId) -> list[Action]: ...
    def executed_count(self, order_id: OrderId, kind: ActionKind) -> int: ...


class AccessRepository(Protocol):
    def add_user(self, user: User) -> None: ...
    def get_user(self, user_id: UserId) -> User | None: ...
    def find_user_by_email(self, email: str) -> User | None:
        """The user with exactly this (already normalised) email."""
        ...

    def set_password_hash(self, user_id: UserId, password_hash: str) -> None: ...
    def password_hash(self, user_id: UserId) -> str | None:
        """The stored hash, None for a user who signs in only with API keys."""
        ...

    def add_key(self, key: ApiKey) -> None: ...
    def find_key(self, prefix: str) -> ApiKey | None: ...
    def list_keys(self) -> list[ApiKey]: ...
    def revoke_key(self, key_id: ApiKeyId, *, at: datetime) -> None: ...


class TriageRepository(Protocol):
    def add(
        self,
        *,
        message_id: MessageId,
        conversation_id: ConversationId,
        triage: Triage,
        at: datetime,
    ) -> None: ...
    def get(self, message_id: MessageId) -> Triage | None: ...
    def for_conversation(self, conversation_id: ConversationId) -> dict[MessageId, Triage]:
        """Every stored triage of the conversation by message id, in message order."""
        ...

    def conversations_about(
        self,
        customer_id: CustomerId,
        *,
        intent: str,
        since: datetime,
        excluding: ConversationId,
    ) -> int: ...


class WebhookRepository(Protocol):
    """Webhook subscriptions and the outbox of their deliveries."""

    def add_subscription(self, subscription: WebhookSubscription) -> None: ...
    def get_subscription(self, webhook_id: WebhookId) -> WebhookSubscription | None: ...
    def list_subscriptions(self, *, active_only: bool = False) -> list[WebhookSubscription]:
        """Oldest first."""
        ...

    def deactivate_subscription(self, webhook_id: WebhookId, *, at: datetime) -> None: ...
    def add_deliveries(self, deliveries: Iterable[WebhookDelivery]) -> None: ...
    def get_delivery(self, delivery_id: DeliveryId) -> WebhookDelivery | None: ...
    def list_deliveries(
        self,
        *,
        status: DeliveryStatus | None = None,
        limit: int,
        before: DeliveryId | None = None,
    ) -> list[WebhookDelivery]:
        """Newest first by id (creation order to the millisecond); `before`, the last id of the
        previous page, continues a listing without gaps or repeats."""
        ...

    def claim_due(
        self, *, due_by: datetime, now: datetime, lease_until: datetime, token: str
    ) -> WebhookDelivery | None:
        """Lease the longest-waiting pending delivery due by `due_by` that holds no live lease
        at `now`, marking it with `token` until `lease_until`; None if there is none.

        Atomic across processes: while the lease lives no other caller gets the delivery.
        """
        ...

    def save(self, delivery: WebhookDelivery, *, lease_token: str | None = None) -> bool:
        """Write the delivery's status, attempts and schedule and release any lease.

        With `lease_token`, only if that lease is still held (a dispatcher whose lease expired
        and was taken over must not overwrite the new holder's result). True if written.
        """
        ...


class KnowledgeRepository(Protocol):
    """Knowledge-base articles and their chunks, always in step: an article's stored chunks are
    the ones cut from its stored text."""

    def upsert(
        self, article: Article, chunks: Sequence[Chunk], *, origin: str, at: datetime
    ) -> UpsertOutcome:
        """Store the article and `chunks` (cut from it): "unchanged" when the same id is stored
        with the same `sha256` (nothing written), "updated" when its text changed (its chunks
        replaced), else "added". `origin` records where it came from (a path, `cxops:...`)."""
        ...

    def remove(self, article_id: str) -> None:
        """Delete the article and its chunks (nothing if it is not stored)."""
        ...

    def get(self, article_id: str) -> Article | None: ...
    def articles(self) -> list[Article]:
        """By id."""
        ...

    def chunks(self, language: str | None = None) -> list[Chunk]:
        """Every chunk, or those in `language`, by article id and ordinal."""
        ...

    def fingerprints(self) -> list[str]:
        """Every article's sha256, by article id: what tells a cached index it is stale."""
        ...

    def upsert_macro(self, macro: Macro, *, origin: str, at: datetime) -> UpsertOutcome:
        """Store one of the retailer's macros: "unchanged" when stored with the same
        fingerprint, "updated" when its text or fields changed, else "added"."""
        ...

    def macros(self) -> list[Macro]:
        """The retailer's imported macros, by id (the shipped ones are read from the package)."""
        ...

    def macro_fingerprints(self) -> list[str]:
        """Every imported macro's sha256, by id."""
        ...

    def chunk_counts(self) -> dict[str, int]:
        """Chunks per article id."""
        ...

    def count(self) -> int:
        """Stored articles."""
        ...


class SuggestionRepository(Protocol):
    """Agent-assist suggestions as shown, and the feedback on them (at most one each)."""

    def add_many(self, suggestions: Iterable[Suggestion]) -> None: ...
    def get(self, suggestion_id: SuggestionId) -> Suggestion | None: ...
    def for_message(
        self, conversation_id: ConversationId, message_id: MessageId
    ) -> list[Suggestion]:
        """The suggestions made for that message, by rank."""
        ...

    def latest(self, conversation_id: ConversationId) -> list[Suggestion]:
        """The newest batch of the conversation (the suggestions sharing the newest one's
        `created_at` and message), by rank; [] when it has none."""
        ...

    def for_conversation(self, conversation_id: ConversationId) -> list[Suggestion]:
        """Every suggestion the conversation was shown: oldest batch first, by rank within it."""
        ...

    def feedback_for_conversation(
        self, conversation_id: ConversationId
    ) -> dict[SuggestionId, Feedback]:
        """The feedback on the conversation's suggestions, by suggestion id, oldest first."""
        ...

    def stats_for(self, conversation_id: ConversationId) -> dict[str, int]:
        """The conversation's suggestions: `shown`, `with_feedback`, `used` (accepted or
        edited) and `generated`."""
        ...

    def record_feedback(self, feedback: Feedback) -> bool:
        """Store the feedback; False (nothing written) if the suggestion already has some, even
        when another transaction stored it concurrently. The suggestion must be stored."""
        ...

    def feedback(self, suggestion_id: SuggestionId) -> Feedback | None: ...
    def acceptance(
        self, *, since: datetime | None, by: Literal["intent", "source"]
    ) -> list[AcceptanceRow]:
        """Per intent or per source, sorted by key: suggestions created at or after `since`
        (every one when None) and how many were accepted, edited or ignored."""
        ...


Granularity = Literal["day", "week"]
"""KPI periods: UTC calendar days, or ISO weeks starting on Monday."""


class ContactRepository(Protocol):
    def save(self, facts: ContactFacts) -> None:
        """Insert or replace the facts of a conversation, keeping a survey answer and the
        repeat mark that arrived after it closed."""
        ...

    def get(self, conversation_id: ConversationId) -> ContactFacts | None: ...
    def previous_about(
        self,
        customer_id: CustomerId,
        *,
        intent: str,
        since: datetime,
        before: datetime,
        excluding: ConversationId,
    ) -> ConversationId | None:
        """The customer's latest other contact about `intent` closed in [since, before)."""
        ...

    def mark_repeated(self, conversation_id: ConversationId) -> None: ...
    def set_csat(self, conversation_id: ConversationId, score: int) -> None: ...
    def add_survey(self, survey: Survey) -> bool:
        """Store the answer; False if the conversation already has one."""
        ...

    def survey(self, conversation_id: ConversationId) -> Survey | None: ...
    def unscored(self, *, limit: int) -> list[ConversationId]:
        """Closed conversations without contact facts (closed, then never scored), oldest
        first, at most `limit`."""
        ...

    def closed_between(self, since: datetime, until: datetime) -> list[ConversationId]:
        """Conversations closed in [since, until), oldest first: what a rescore covers."""
        ...

    def sums(
        self,
        *,
        since: datetime,
        until: datetime,
        granularity: Granularity | None,
        dimension: str,
    ) -> list[tuple[date | None, str, dict[str, float]]]:
        """Per period (None when `granularity` is None) and dimension key ("all" for total):
        the sums `analytics.kpis.FactSums` holds and the AI-latency histogram's bucket counts
        (`latency_b0`...), over contacts closed in [since, until)."""
        ...


class QualityRepository(Protocol):
    def save_result(
        self,
        result: QaResult,
        *,
        handled_by: str,
        agent_id: AgentId | None,
        queue_id: QueueId | None,
        at: datetime,
    ) -> None:
        """Insert or replace the conversation's result (a rescore replaces it)."""
        ...

    def result(self, conversation_id: ConversationId) -> tuple[QaResult, datetime, str] | None:
        """The result, when it was scored, and who handled the conversation."""
        ...

    def results(self, conversation_ids: Iterable[ConversationId]) -> list[QaResult]: ...
    def summary(
        self, *, since: datetime, until: datetime, by: Literal["agent", "queue", "handled_by"]
    ) -> list[tuple[str, int, float | None, int]]:
        """(key, conversations scored, average score, auto-failed) for results scored from
        conversations closed in [since, until)."""
        ...

    def add_review(
        self,
        *,
        review_id: str,
        review: HumanReview,
        disputes: dict[str, str],
        at: datetime,
    ) -> None: ...
    def reviews(
        self, *, conversation_id: ConversationId | None = None, since: datetime | None = None
    ) -> list[tuple[str, HumanReview, dict[str, str], datetime]]:
        """(review id, review, disputes, when), oldest first."""
        ...


class MonitorRepository(Protocol):
    def intent_counts(self, since: datetime, until: datetime) -> dict[str, int]: ...
    def language_counts(self, since: datetime, until: datetime) -> dict[str, int]: ...
    def out_of_scope(self, since: datetime, until: datetime) -> tuple[int, int]:
        """(out-of-scope messages, all triaged messages) in [since, until)."""
        ...

    def confidences(self, since: datetime, until: datetime, *, limit: int) -> list[float]:
        """Intent confidences in [since, until), the latest `limit` of them."""
        ...

    def latencies(self, since: datetime, until: datetime, *, limit: int) -> list[float]: ...
    def add_label(self, message_id: MessageId, *, intent: str, by: str, at: datetime) -> None:
        """Record (or correct) a person's label of a message's intent."""
        ...

    def labelled(self, since: datetime, until: datetime) -> list[tuple[str, str]]:
        """(triage's intent, the person's label) for labels given in [since, until)."""
        ...

    def unlabelled_sample(
        self, since: datetime, until: datetime, *, size: int
    ) -> list[tuple[MessageId, str, str, float]]:
        """Up to `size` customer messages of [since, until) nobody labelled yet, spread evenly
        over the period: (message id, redacted text, triage's intent, its confidence)."""
        ...

    def state(self, name: str) -> dict[str, Any] | None: ...
    def save_state(self, name: str, state: dict[str, Any], *, at: datetime) -> None: ...
    def add_assist_request(
        self,
        *,
        conversation_id: ConversationId,
        at: datetime,
        latency_ms: float,
        fallbacks: list[str],
    ) -> None:
        """Record one suggestion request: how long it took and what it fell back from."""
        ...

    def assist_requests(self, since: datetime, until: datetime) -> tuple[int, int]:
        """(suggestion requests, those that fell back) in [since, until): assist's errors."""
        ...

    def add_alert_events(self, events: Sequence[dict[str, Any]]) -> None: ...
    def alert_events(self, *, since: datetime | None, limit: int) -> list[dict[str, Any]]: ...


class UnitOfWork(Protocol):
    """One transaction across every repository. Leaving the block without `commit()` rolls back,
    so a crash mid-request never leaves half-written state."""

    @property
    def customers(self) -> CustomerRepository: ...
    @property
    def catalog(self) -> CatalogRepository: ...
    @property
    def orders(self) -> OrderRepository: ...
    @property
    def operations(self) -> OperationLog: ...
    @property
    def conversations(self) -> ConversationRepository: ...
    @property
    def messages(self) -> MessageRepository: ...
    @property
    def decisions(self) -> DecisionRepository: ...
    @property
    def workforce(self) -> WorkforceRepository: ...
    @property
    def access(self) -> AccessRepository: ...
    @property
    def triage(self) -> TriageRepository: ...
    @property
    def policies(self) -> PolicyRepository: ...
    @property
    def handoffs(self) -> HandoffRepository: ...
    @property
    def webhooks(self) -> WebhookRepository: ...
    @property
    def dialogues(self) -> DialogueRepository: ...
    @property
    def actions(self) -> ActionRepository: ...
    @property
    def knowledge(self) -> KnowledgeRepository: ...
    @property
    def suggestions(self) -> SuggestionRepository: ...
    @property
    def contacts(self) -> ContactRepository: ...
    @property
    def quality(self) -> QualityRepository: ...
    @property
    def monitoring(self) -> MonitorRepository: ...

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...


class OrderSystem(Protocol):
    """The retailer's order system, as self-service and assist see it.

    Every write takes an idempotency key: repeating a call with the same key and arguments returns
    the first result and changes nothing; the same key with other arguments raises
    `IdempotencyConflictError`. Writes that break the order rules raise `BusinessRuleError`.
    A remote order system that cannot answer (down, too slow, failing) makes any call raise
    `ConnectorUnavailableError`: hand the case to a person; a write may be retried later under
    the same key.
    """

    def find_customer(
        self,
        *,
        customer_id: CustomerId | None = None,
        email: str | None = None,
        phone: str | None = None,
    ) -> Customer | None: ...
    def list_orders(self, customer_id: CustomerId, *, limit: int = 20) -> list[Order]: ...
    def get_order(self, order_id: OrderId) -> Order: ...
    def get_tracking(self, order_id: OrderId) -> Sequence[Shipment]: ...
    def cancel_order(self, *, order_id: OrderId, reason: str, idempotency_key: str) -> Order: ...
    def update_shipping_address(
        self, *, order_id: OrderId, address: Address, idempotency_key: str
    ) -> Order: ...
    def create_return(
        self,
        *,
        order_id: OrderId,
        items: Sequence[ReturnItem],
        reason: str,
        idempotency_key: str,
    ) -> Return: ...
    def issue_refund(
        self,
        *,
        order_id: OrderId,
        amount_cents: int,
        reason: str,
        idempotency_key: str,
        return_id: ReturnId | None = None,
    ) -> Refund: ...
    def reship_order(self, *, order_id: OrderId, reason: str, idempotency_key: str) -> Order:
        """Send a replacement for a shipped parcel that never arrived; return the NEW order.

        The replacement carries the same items to the same address at no charge, and the
        original is marked LOST. Only shipped, delayed or lost orders qualify
        (`BusinessRuleError` `order_not_reshippable`). An order system that offers no reshipping
        raises `ConnectorUnavailableError`, so a person takes the case.
        """
        ...
