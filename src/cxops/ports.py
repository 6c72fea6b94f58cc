"""The interfaces the core depends on. Adapters in `store` and `connectors` implement them;
only `bootstrap` names the concrete classes."""

from collections.abc import Iterable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from cxops.domain.access import ApiKey, User
from cxops.domain.catalog import Product, Promotion
from cxops.domain.conversations import Conversation, Message
from cxops.domain.customers import Address, Customer
from cxops.domain.decisions import Decision
from cxops.domain.ids import (
    AgentId,
    ApiKeyId,
    ConversationId,
    CustomerId,
    DecisionId,
    OrderId,
    ProductId,
    QueueId,
    RefundId,
    ReturnId,
    UserId,
)
from cxops.domain.orders import Order, OrderStatus, Refund, Return, ReturnItem, Shipment
from cxops.domain.workforce import Agent, Queue


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
    def add_refund(self, refund: Refund) -> None: ...
    def get_return(self, return_id: ReturnId) -> Return | None: ...
    def get_refund(self, refund_id: RefundId) -> Refund | None: ...


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


class WorkforceRepository(Protocol):
    def add_queues(self, queues: Iterable[Queue]) -> None: ...
    def add_agents(self, agents: Iterable[Agent]) -> None: ...
    def list_queues(self) -> list[Queue]: ...
    def get_queue(self, queue_id: QueueId) -> Queue | None: ...
    def list_agents(self) -> list[Agent]: ...
    def get_agent(self, agent_id: AgentId) -> Agent | None: ...


class AccessRepository(Protocol):
    def add_user(self, user: User) -> None: ...
    def get_user(self, user_id: UserId) -> User | None: ...
    def add_key(self, key: ApiKey) -> None: ...
    def find_key(self, prefix: str) -> ApiKey | None: ...
    def list_keys(self) -> list[ApiKey]: ...
    def revoke_key(self, key_id: ApiKeyId, *, at: datetime) -> None: ...


class UnitOfWork(Protocol):
    """One transaction across every repository. Leaving the block without `commit()` rolls back,
    so a crash mid-request never leaves half-written state."""

    customers: CustomerRepository
    catalog: CatalogRepository
    orders: OrderRepository
    operations: OperationLog
    conversations: ConversationRepository
    messages: MessageRepository
    decisions: DecisionRepository
    workforce: WorkforceRepository
    access: AccessRepository

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
