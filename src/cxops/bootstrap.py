"""The composition root: the only module that names concrete adapters.

Tests call `bootstrap` with their own settings, clock and (shared) triage engine; the CLI and the
server call it once at start-up. The triage engine is built on first use: loading the language
and intent models takes seconds and a few hundred MB, which commands like `cxops keys create`
should not pay.
"""

from datetime import timedelta
from functools import cached_property

import structlog
from sqlalchemy import Engine

from cxops.analytics.alerts import default_alert_rules, read_alert_rules
from cxops.analytics.costs import default_cost_model, read_cost_model
from cxops.analytics.monitor import Monitor
from cxops.analytics.service import Reporting
from cxops.assist.generative import GenerativeDrafter, GenerativeSettings
from cxops.assist.retrieval import static_embedder
from cxops.assist.rules import default_rules
from cxops.assist.service import Assistant
from cxops.background import Every
from cxops.connectors.clock import SystemClock
from cxops.connectors.rest_order_system import RestOrderSystem
from cxops.connectors.sql_order_store import SqlOrderStore
from cxops.connectors.webhooks import BackgroundDispatcher, WebhookDispatcher
from cxops.domain.webhooks import RetryPolicy
from cxops.floor import Floor, PolicyBook
from cxops.learning.corpus import load_taxonomy
from cxops.learning.training import current_or_default, intent_registry
from cxops.pipeline import Pipeline
from cxops.ports import Clock, OrderSystem, UnitOfWorkFactory
from cxops.qa.scorecard import default_scorecard, read_scorecard
from cxops.qa.service import QualityDesk
from cxops.selfservice.service import SelfService
from cxops.settings import Settings
from cxops.store.engine import make_engine
from cxops.store.uow import SqlUnitOfWorkFactory
from cxops.triage.engine import TriageEngine
from cxops.triage.language import LanguageDetector

log = structlog.get_logger("cxops.bootstrap")


def build_triage(settings: Settings) -> TriageEngine:
    """Load the active intent model (training the default one on a fresh install) and warm up."""
    model = current_or_default(intent_registry(settings.effective_model_dir))
    engine = TriageEngine(intent=model, language=LanguageDetector())
    engine.triage("Hello, where is my order W1000001? My email is someone@example.com")
    log.info("triage.engine.ready", intent_model=model.version)
    return engine


class Container:
    """Everything a running cxops needs, each part built once."""

    def __init__(
        self,
        *,
        settings: Settings,
        engine: Engine,
        clock: Clock,
        uow: UnitOfWorkFactory,
        orders: OrderSystem,
        triage: TriageEngine | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.clock = clock
        self.uow = uow
        self.orders = orders
        if triage is not None:
            self.__dict__["triage"] = triage

    @cached_property
    def triage(self) -> TriageEngine:
        return build_triage(self.settings)

    @cached_property
    def floor(self) -> Floor:
        return Floor(uow_factory=self.uow, clock=self.clock, policies=PolicyBook())

    @cached_property
    def pipeline(self) -> Pipeline:
        return Pipeline(
            uow_factory=self.uow,
            clock=self.clock,
            triage=self.triage,
            floor=self.floor,
            selfservice=self.selfservice,
            max_message_chars=self.settings.max_message_chars,
            on_closed=self.quality.conversation_closed,
        )

    @cached_property
    def monitor(self) -> Monitor:
        path = self.settings.alert_rules
        return Monitor(
            uow_factory=self.uow,
            clock=self.clock,
            orders=self.orders,
            floor=self.floor,
            rules=default_alert_rules() if path is None else read_alert_rules(path),
            intents=frozenset(i.name for i in load_taxonomy()),
            current=timedelta(hours=self.settings.monitor_current_hours),
            baseline=timedelta(days=self.settings.monitor_baseline_days),
        )

    def background_monitor(self) -> Every | None:
        """The monitor and the scoring sweep, every `monitor_interval_seconds`; not started."""
        seconds = self.settings.monitor_interval_seconds
        if not seconds:
            return None

        def watch() -> None:
            self.quality.score_unscored()
            self.monitor.run()

        return Every(seconds, watch, name="cxops-monitor")

    @cached_property
    def reporting(self) -> Reporting:
        path = self.settings.cost_model
        return Reporting(
            uow_factory=self.uow,
            clock=self.clock,
            cost_model=default_cost_model() if path is None else read_cost_model(path),
        )

    @cached_property
    def quality(self) -> QualityDesk:
        return QualityDesk(
            uow_factory=self.uow,
            clock=self.clock,
            scorecard=default_scorecard()
            if self.settings.scorecard is None
            else read_scorecard(self.settings.scorecard),
            embed=static_embedder().embed,
        )

    @cached_property
    def assistant(self) -> Assistant:
        return Assistant(
            uow_factory=self.uow,
            clock=self.clock,
            orders=self.orders,
            embedder=static_embedder(),
            rules=default_rules(),
            budget_seconds=self.settings.assist_budget_ms / 1000,
            generator=self._generator(),
            generator_name=self.settings.generative_model or "",
        )

    def release(self) -> None:
        """Stop what the container started lazily (assist's lookup workers, its HTTP client)."""
        if "assistant" in self.__dict__:
            self.assistant.close()

    def _generator(self) -> GenerativeDrafter | None:
        s = self.settings
        if not s.generative_url or not s.generative_model:
            return None
        return GenerativeDrafter(
            GenerativeSettings(
                base_url=s.generative_url,
                model=s.generative_model,
                api_key=s.generative_api_key,
                timeout_seconds=s.assist_budget_ms / 1000,
            )
        )

    @cached_property
    def selfservice(self) -> SelfService:
        return SelfService(
            uow_factory=self.uow,
            clock=self.clock,
            orders=self.orders,
            floor=self.floor,
            redact=lambda text: self.triage.redact(text)[0],
        )

    def webhook_dispatcher(self) -> WebhookDispatcher:
        """A new dispatcher with its own HTTP connections; the caller closes it."""
        s = self.settings
        return WebhookDispatcher(
            uow_factory=self.uow,
            clock=self.clock,
            policy=RetryPolicy(
                base_delay=timedelta(seconds=s.webhook_backoff_base_seconds),
                max_delay=timedelta(seconds=s.webhook_backoff_max_seconds),
                max_attempts=s.webhook_max_attempts,
            ),
            timeout_seconds=s.webhook_timeout_seconds,
        )

    def background_webhooks(self) -> BackgroundDispatcher:
        """A dispatcher thread for a server's lifetime, not yet started."""
        return BackgroundDispatcher(
            self.webhook_dispatcher(), poll_seconds=self.settings.webhook_poll_seconds
        )


def bootstrap(
    settings: Settings, *, clock: Clock | None = None, triage: TriageEngine | None = None
) -> Container:
    """Wire the adapters named in `settings`. Does not migrate: that is `cxops db upgrade`'s job."""
    engine = make_engine(settings.effective_database_url)
    clock = clock or SystemClock()
    uow = SqlUnitOfWorkFactory(engine)
    # A retailer's own order system when one is configured (`ConfigError` if it is invalid).
    orders: OrderSystem = (
        SqlOrderStore(uow_factory=uow, clock=clock)
        if settings.order_system_config is None
        else RestOrderSystem.from_file(settings.order_system_config)
    )
    return Container(
        settings=settings,
        engine=engine,
        clock=clock,
        uow=uow,
        orders=orders,
        triage=triage,
    )
