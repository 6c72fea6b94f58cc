"""DTOs at the HTTP edge. Domain objects never leave through the API without passing here."""

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from cxops.domain.assist import FeedbackAction
from cxops.domain.conversations import Channel, ConversationStatus, MessageRole, Outcome
from cxops.domain.customers import Segment
from cxops.domain.orders import (
    OrderStatus,
    PaymentMethod,
    RefundStatus,
    ReturnStatus,
    ShipmentStatus,
)
from cxops.domain.selfservice import ActionKind
from cxops.domain.triage import (
    PiiType,
    SensitiveCategory,
    SentimentLabel,
    UrgencyLevel,
)
from cxops.domain.webhooks import DeliveryStatus
from cxops.domain.workforce import AgentStatus

_SURROGATE = re.compile("[\ud800-\udfff]")


def _replace_lone_surrogates(text: str) -> str:
    """JSON may escape half a UTF-16 pair (`"\\ud800"`); no database or encoder accepts that, so
    each such code point becomes U+FFFD and the rest of the message is kept. (Whole pairs are
    already joined into one character by the JSON parser.)"""
    return _SURROGATE.sub("\ufffd", text)


Text = Annotated[str, AfterValidator(_replace_lone_surrogates)]


class Strict(BaseModel):
    """Request bodies: unknown fields are an error, so a typo is reported, not ignored."""

    model_config = ConfigDict(extra="forbid")


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ConversationCreate(Strict):
    channel: Channel
    customer_id: str | None = Field(default=None, min_length=1, max_length=40)
    subject: str = Field(default="", max_length=500)
    external_ref: str | None = Field(default=None, min_length=1, max_length=255)


class MessageCreate(Strict):
    text: Text = Field(description="Message text; the length limit is a server setting.")
    role: Literal["customer", "agent", "system"] = "customer"


class ConversationOut(Out):
    id: str
    channel: Channel
    status: ConversationStatus
    customer_id: str | None
    subject: str
    external_ref: str | None
    queue_id: str | None
    assigned_agent_id: str | None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    outcome: Outcome | None
    csat: int | None


class IntentScoreOut(Out):
    name: str
    confidence: float


class IntentOut(Out):
    name: str
    confidence: float = Field(description="Calibrated probability of `name`.")
    alternatives: list[IntentScoreOut]
    out_of_scope: bool


class SentimentOut(Out):
    score: float = Field(description="-1 (very negative) to +1 (very positive).")
    label: SentimentLabel
    frustration: list[str]


class UrgencyOut(Out):
    level: UrgencyLevel
    reasons: list[str]


class LanguageOut(Out):
    code: str = Field(description="ISO 639-1, or `und` when undetermined.")
    confidence: float


class SensitiveTopicOut(Out):
    category: SensitiveCategory
    topic: str
    evidence: str
    start: int
    end: int


class PiiSpanOut(Out):
    type: PiiType
    start: int = Field(description="Character offset into the text as it was sent.")
    end: int


class TriageOut(Out):
    intent: IntentOut
    sentiment: SentimentOut
    urgency: UrgencyOut
    language: LanguageOut
    sensitive_topics: list[SensitiveTopicOut]
    pii: list[PiiSpanOut]
    redacted_text: str
    model_versions: dict[str, str]
    latency_ms: float


class TriageRequest(Strict):
    text: Text = Field(description="Message text; the length limit is a server setting.")
    channel: Channel = Channel.CHAT


class SentimentTrajectoryOut(Out):
    current: float
    minimum: float
    trend: float = Field(description="Change of the score per customer turn.")
    turns: int


class MessageOut(Out):
    id: str
    conversation_id: str
    role: MessageRole
    text: str = Field(description="As stored: personal data replaced by [EMAIL], [PHONE] ...")
    created_at: datetime
    idempotency_key: str | None
    in_reply_to: str | None = Field(
        default=None, description="For bot replies: the customer message answered."
    )
    triage: TriageOut | None = Field(default=None, description="For customer messages.")


class ReasonOut(Out):
    code: str
    text: str


class DecisionOut(Out):
    """`outcome` is `automate`, `clarify`, `queue` or `agent` for routing decisions; `reasons`
    are in order of precedence."""

    id: str
    message_id: str | None
    kind: str
    outcome: str
    queue: str | None = Field(validation_alias="queue_id")
    priority: int | None
    agent: str | None = Field(validation_alias="agent_id")
    reasons: list[ReasonOut]
    policy_version: str
    model_version: str
    created_at: datetime


class DecisionDetail(DecisionOut):
    """A decision with everything it read, and the policy text it was made under."""

    conversation_id: str
    inputs: dict[str, Any]
    policy_text: str | None = Field(
        description="The exact policy YAML in force; null if that version was never stored."
    )


class HandoffOut(Out):
    id: str
    conversation_id: str
    decision_id: str
    queue: str = Field(validation_alias="queue_id")
    agent: str | None = Field(validation_alias="agent_id")
    packet: dict[str, Any]
    created_at: datetime


class AgentStatusUpdate(Strict):
    status: AgentStatus
    capacity: int | None = Field(
        default=None, ge=1, le=50, description="Conversations the agent can hold at once."
    )


class AgentOut(BaseModel):
    id: str
    name: str
    status: AgentStatus
    languages: list[str]
    skills: dict[str, int]
    capacity: int
    active: int


class AgentStatusChanged(BaseModel):
    agent: AgentOut
    assigned: list[ConversationOut] = Field(
        description="Waiting conversations given to the agent by this change."
    )


class AgentList(BaseModel):
    items: list[AgentOut]


class NextConversation(BaseModel):
    conversation: ConversationOut | None = Field(description="Null when nothing is waiting.")


class QueueOut(BaseModel):
    """Live figures: `predicted_wait_seconds` is null when nobody with the skill is signed in."""

    id: str
    name: str
    skill: str
    language: str
    sla_seconds: int
    sla_target_percent: int
    waiting: int
    longest_wait_seconds: float
    servers: int
    arrivals_per_hour: float
    handle_time_seconds: float
    predicted_wait_seconds: float | None
    service_level: float
    breaching: bool
    spike: bool


class QueueList(BaseModel):
    items: list[QueueOut]


class CloseRequest(Strict):
    outcome: Outcome


class HoldRequest(Strict):
    started_at: datetime = Field(description="ISO 8601, with a time zone")
    ended_at: datetime = Field(description="ISO 8601, with a time zone")


class TransferRequest(Strict):
    queue_id: str = Field(min_length=1, max_length=40, description="The queue to move it to.")
    reason: str = Field(default="", max_length=500, description="Why, for the record.")


class PolicyOut(BaseModel):
    version: str
    name: str
    sha256: str
    created_at: datetime
    activated_at: datetime | None
    text: str


class ConversationDetail(ConversationOut):
    messages: list[MessageOut]
    decisions: list[DecisionOut]
    sentiment: SentimentTrajectoryOut | None = Field(
        description="Over the customer's messages so far; null before the first one."
    )


class MessagePosted(BaseModel):
    conversation_id: str
    message: MessageOut
    decision: DecisionOut | None = Field(
        default=None, description="For customer messages: what cxops decided, and why."
    )
    replies: list[MessageOut] = Field(
        default=[],
        description="The bot's answer (role `bot`), in the channel's style, to show the "
        "customer. It is stored redacted, like every message.",
    )


class ApprovalOut(Out):
    """A bot action held for a person's approval. `preview` is the dry run: what the write will
    change; `reasons` say why it needs approval."""

    id: str
    conversation_id: str
    kind: str
    order_id: str
    status: str
    params: dict[str, Any]
    preview: dict[str, Any]
    result: dict[str, Any]
    reasons: list[ReasonOut]
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    note: str


class ApprovalDecision(Strict):
    decision: Literal["approve", "reject"]
    note: str = Field(default="", max_length=2000)


class AddressOut(Out):
    line1: str
    line2: str
    city: str
    region: str
    postal_code: str
    country: str


class ConsentOut(Out):
    marketing_email: bool
    marketing_sms: bool
    analytics: bool


class OrderItemOut(Out):
    product_id: str
    product_name: str
    category: str
    quantity: int
    unit_price_cents: int
    warranty_months: int
    return_window_days: int


class ShipmentOut(Out):
    id: str
    carrier: str
    tracking_number: str
    status: ShipmentStatus
    shipped_at: datetime
    eta: datetime | None
    delivered_at: datetime | None
    last_event: str


class ReturnItemOut(Out):
    product_id: str
    quantity: int


class ReturnOut(Out):
    id: str
    order_id: str
    items: list[ReturnItemOut]
    reason: str
    status: ReturnStatus
    label_reference: str
    created_at: datetime


class RefundOut(Out):
    id: str
    amount_cents: int
    reason: str
    status: RefundStatus
    return_id: str | None
    created_at: datetime


class OrderOut(Out):
    id: str
    status: OrderStatus
    placed_at: datetime
    updated_at: datetime
    delivered_at: datetime | None
    currency: str
    subtotal_cents: int
    shipping_cents: int
    discount_cents: int
    tax_cents: int
    total_cents: int
    refunded_cents: int
    payment_method: PaymentMethod
    promotion_code: str | None
    shipping_address: AddressOut
    items: list[OrderItemOut]
    shipments: list[ShipmentOut]
    returns: list[ReturnOut]
    refunds: list[RefundOut]


class CustomerOut(Out):
    id: str
    first_name: str
    last_name: str
    email: str
    phone: str
    segment: Segment
    preferred_language: str
    consent: ConsentOut
    address: AddressOut
    loyalty_points: int
    created_at: datetime


class CustomerDetail(CustomerOut):
    orders: list[OrderOut]


class CustomerList(BaseModel):
    customers: list[CustomerDetail]


class WebhookCreate(Strict):
    url: str = Field(description="Where to POST events: an absolute http:// or https:// URL.")
    topics: list[str] = Field(
        description="Topics to receive (`handoff.created`), prefixes (`handoff.*`) or `*`."
    )


class WebhookOut(Out):
    id: str
    url: str
    topics: list[str]
    active: bool
    created_at: datetime
    deactivated_at: datetime | None


class WebhookCreated(WebhookOut):
    secret: str = Field(
        description="Signs every delivery (`X-Cxops-Signature`). Shown only in this response."
    )


class WebhookList(BaseModel):
    webhooks: list[WebhookOut]


class DeliveryOut(Out):
    id: str = Field(description="Sent as `X-Cxops-Delivery`; receivers de-duplicate on it.")
    subscription_id: str
    event_id: str
    topic: str
    payload: dict[str, Any]
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime = Field(description="When a pending delivery is tried next.")
    last_error: str | None
    last_status_code: int | None
    created_at: datetime
    delivered_at: datetime | None


class DeliveryList(BaseModel):
    deliveries: list[DeliveryOut]
    next_before: str | None = Field(
        description="Pass as `before` for the next (older) page; null on the last page."
    )


class FieldError(BaseModel):
    field: str
    message: str


class ErrorBody(BaseModel):
    code: str
    message: str
    fields: list[FieldError] = []


class ErrorOut(BaseModel):
    error: ErrorBody


class DryRunRequest(Strict):
    """An action to check without running it: `params` as the kind needs (`reason`; `address`
    for change_address; `items` as [[product_id, quantity]] for create_return; `amount_cents`
    for issue_refund)."""

    kind: ActionKind
    order_id: str = Field(min_length=1, max_length=64)
    params: dict[str, Any] = {}


class DryRunOut(BaseModel):
    allowed: bool
    needs_approval: bool
    reasons: list[ReasonOut]
    preview: dict[str, Any] | None = Field(
        description="What the write would change; null if refused."
    )


class SuggestionOut(Out):
    """A reply draft: `source` is macro or article, `source_id` which one; `rationale` says why
    it ranks; `score` orders them (higher is better)."""

    id: str
    rank: int
    text: str
    source: str
    source_id: str
    intent: str
    score: float
    rationale: list[str]


class NextActionOut(Out):
    code: str
    text: str
    reason: str


class AssistanceOut(BaseModel):
    conversation_id: str
    suggestions: list[SuggestionOut]
    next_best_actions: list[NextActionOut]
    reminders: list[str]
    de_escalation: list[str] = Field(description="Phrases for an upset customer, when upset.")
    rules_version: str
    fallbacks: list[str] = Field(
        description="What the drafts had to do without to stay within the latency budget: "
        "order_system_slow, order_system_unavailable, generative_timeout, "
        "generative_unavailable, generative_rejected, generative_no_time."
    )


class FeedbackCreate(Strict):
    action: FeedbackAction
    final_text: str | None = Field(
        default=None, description="The text sent, when the draft was edited."
    )
    reason: str = Field(default="", max_length=1000)


class FeedbackOut(Out):
    suggestion_id: str
    action: FeedbackAction
    final_text: str | None
    edit_distance: int
    reason: str
    given_by: str
    given_at: datetime


class AcceptanceOut(BaseModel):
    by: str
    rows: list[dict[str, Any]]


class PastContactOut(BaseModel):
    conversation_id: str
    channel: Channel
    created_at: datetime
    status: ConversationStatus
    outcome: Outcome | None
    intents: list[str]
    handled_by: str


class CustomerContextOut(BaseModel):
    """The customer behind a conversation, masked for the caller's role; `customer` is null
    until they are identified (signed in, or verified by the bot)."""

    conversation_id: str
    customer: CustomerOut | None
    recent_orders: list[OrderOut]
    open_returns: list[ReturnOut]
    past_contacts: list[PastContactOut]


class TranscriptSegment(Strict):
    """One segment of a live call's transcript from a voice platform. Only final segments are
    stored (as messages of the speaker); `sequence` numbers the segments of the call, so a
    platform that resends one stores it once."""

    speaker: Literal["customer", "agent"]
    text: Text
    final: bool = True
    sequence: int = Field(ge=0, le=10_000_000)


class SegmentOut(BaseModel):
    stored: MessageOut | None = Field(description="The message stored; null for a partial segment.")
    assistance: AssistanceOut | None = Field(
        description="Fresh suggestions after a final customer segment; null otherwise."
    )


class SpanOut(Out):
    message_id: str
    start: int
    end: int


class EvidenceOut(Out):
    note: str
    message_ids: list[str]
    span: SpanOut | None
    action_id: str | None


class CriterionOut(Out):
    criterion_id: str
    name: str
    passed: bool | None = Field(description="null: the criterion did not apply")
    points: float
    possible: float
    auto_fail: bool
    evidence: list[EvidenceOut]


class ReviewOut(BaseModel):
    id: str
    reviewer: str
    verdicts: dict[str, bool | None]
    disputes: dict[str, str]
    created_at: datetime


class QaOut(BaseModel):
    conversation_id: str
    scorecard_version: str
    handled_by: str
    score: float | None = Field(description="0-100 over the criteria that applied")
    auto_failed: bool
    scored_at: datetime
    criteria: list[CriterionOut]
    reviews: list[ReviewOut]


class ReviewCreate(Strict):
    verdicts: dict[str, bool | None] = Field(
        default_factory=dict,
        description="Your verdict per criterion id: true passed, false failed, null n/a.",
    )
    disputes: dict[str, str] = Field(
        default_factory=dict, description="Criterion id -> why the automated verdict is wrong."
    )


class AgreementOut(BaseModel):
    criterion_id: str
    n: int
    observed: float | None
    kappa: float | None = Field(description="Cohen's kappa; null when it cannot be computed")
    applicability_disagreements: int


class QaSummaryRow(BaseModel):
    key: str
    scored: int
    average_score: float | None
    auto_failed: int


class SurveyCreate(Strict):
    score: int = Field(ge=1, le=5, description="1 very dissatisfied ... 5 very satisfied")
    comment: str = Field(default="", max_length=2000)


class SurveyOut(Out):
    conversation_id: str
    score: int
    comment: str
    answered_at: datetime
