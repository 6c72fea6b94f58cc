"""The unit of work over SQLAlchemy: one connection, one transaction, every repository."""

from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine

from cxops.store.access import SqlAccessRepository
from cxops.store.assist import SqlSuggestionRepository
from cxops.store.catalog import SqlCatalogRepository
from cxops.store.conversations import SqlConversationRepository, SqlMessageRepository
from cxops.store.customers import SqlCustomerRepository
from cxops.store.decisions import SqlDecisionRepository
from cxops.store.handoffs import SqlHandoffRepository
from cxops.store.knowledge import SqlKnowledgeRepository
from cxops.store.operations import SqlOperationLog
from cxops.store.orders import SqlOrderRepository
from cxops.store.policies import SqlPolicyRepository
from cxops.store.quality import SqlContactRepository, SqlMonitorRepository, SqlQualityRepository
from cxops.store.selfservice import SqlActionRepository, SqlDialogueRepository
from cxops.store.triage import SqlTriageRepository
from cxops.store.webhooks import SqlWebhookRepository
from cxops.store.workforce import SqlWorkforceRepository


class SqlUnitOfWork:
    """Use as `with uow: ...; uow.commit()`. Without `commit()` everything rolls back."""

    customers: SqlCustomerRepository
    catalog: SqlCatalogRepository
    orders: SqlOrderRepository
    operations: SqlOperationLog
    conversations: SqlConversationRepository
    messages: SqlMessageRepository
    decisions: SqlDecisionRepository
    workforce: SqlWorkforceRepository
    access: SqlAccessRepository
    triage: SqlTriageRepository
    policies: SqlPolicyRepository
    handoffs: SqlHandoffRepository
    webhooks: SqlWebhookRepository
    dialogues: SqlDialogueRepository
    actions: SqlActionRepository
    knowledge: SqlKnowledgeRepository
    suggestions: SqlSuggestionRepository

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conn: Connection | None = None

    def __enter__(self) -> Self:
        conn = self._engine.connect()
        conn.begin()
        self._conn = conn
        self.customers = SqlCustomerRepository(conn)
        self.catalog = SqlCatalogRepository(conn)
        self.orders = SqlOrderRepository(conn)
        self.operations = SqlOperationLog(conn)
        self.conversations = SqlConversationRepository(conn)
        self.messages = SqlMessageRepository(conn)
        self.decisions = SqlDecisionRepository(conn)
        self.workforce = SqlWorkforceRepository(conn)
        self.access = SqlAccessRepository(conn)
        self.triage = SqlTriageRepository(conn)
        self.policies = SqlPolicyRepository(conn)
        self.handoffs = SqlHandoffRepository(conn)
        self.webhooks = SqlWebhookRepository(conn)
        self.dialogues = SqlDialogueRepository(conn)
        self.actions = SqlActionRepository(conn)
        self.knowledge = SqlKnowledgeRepository(conn)
        self.suggestions = SqlSuggestionRepository(conn)
        self.contacts = SqlContactRepository(conn)
        self.quality = SqlQualityRepository(conn)
        self.monitoring = SqlMonitorRepository(conn)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn = self._require()
        try:
            if conn.in_transaction():
                conn.rollback()
        finally:
            conn.close()
            self._conn = None

    def commit(self) -> None:
        self._require().commit()

    def rollback(self) -> None:
        self._require().rollback()

    def _require(self) -> Connection:
        if self._conn is None:
            raise RuntimeError("unit of work used outside its `with` block")
        return self._conn


class SqlUnitOfWorkFactory:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine)
