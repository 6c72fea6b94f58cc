"""Next-best-actions, compliance reminders and de-escalation phrases for the agent.

Pure rules over the case: each action and reminder carries the reason it is shown, so an agent
(and a QA reviewer later) can see why it was offered.
"""

from dataclasses import dataclass

from cxops.assist.rules import AssistRules
from cxops.assist.suggest import Case
from cxops.domain.order_rules import RETURNABLE
from cxops.domain.triage import ORDER_INTENTS

LEGAL = frozenset({"lawsuit", "lawyer", "legal_action", "court", "regulator", "data_protection"})
RETURN_INTENTS = frozenset({"return_item", "exchange_item", "damaged_item", "wrong_item"})


@dataclass(frozen=True, slots=True)
class NextAction:
    """`code` is stable (verify_identity, send_return_label, offer_goodwill_credit,
    escalate_to_supervisor, schedule_callback); `text` tells the agent what to do; `reason`
    why now."""

    code: str
    text: str
    reason: str


@dataclass(frozen=True, slots=True)
class Guidance:
    actions: tuple[NextAction, ...]
    reminders: tuple[str, ...]
    de_escalation: tuple[str, ...]


def guide(case: Case, rules: AssistRules) -> Guidance:
    return Guidance(
        actions=tuple(_actions(case, rules)),
        reminders=tuple(_reminders(case, rules)),
        de_escalation=_de_escalation(case, rules),
    )


def _actions(case: Case, rules: AssistRules) -> list[NextAction]:
    actions = []
    if not case.identity_verified and case.intent in ORDER_INTENTS:
        actions.append(
            NextAction(
                "verify_identity",
                "Verify the customer: the account's email plus the order number or postcode.",
                f"{case.intent.replace('_', ' ')} needs the order, and identity is not verified.",
            )
        )
    if (
        case.intent in RETURN_INTENTS
        and case.order is not None
        and case.order.status in {status.value for status in RETURNABLE}
        and case.identity_verified
    ):
        actions.append(
            NextAction(
                "send_return_label",
                f"Start a return on {case.order.order_id} and send the label.",
                "The order was delivered and the customer asks about "
                f"{case.intent.replace('_', ' ')}.",
            )
        )
    goodwill = rules.goodwill
    if case.sentiment <= goodwill.sentiment_at_most or case.repeat_contacts:
        why = (
            f"Sentiment {case.sentiment:+.2f}"
            if case.sentiment <= goodwill.sentiment_at_most
            else f"Contact number {case.repeat_contacts + 1} about this"
        )
        actions.append(
            NextAction(
                "offer_goodwill_credit",
                f"Offer store credit of up to ${goodwill.max_credit:.2f} (policy limit).",
                f"{why}; a small gesture within policy often saves the relationship.",
            )
        )
    legal = sorted(LEGAL & set(case.sensitive_topics))
    if case.sentiment <= rules.escalation.sentiment_at_most or legal:
        actions.append(
            NextAction(
                "escalate_to_supervisor",
                "Bring in a supervisor.",
                f"Legal topic ({', '.join(legal)})."
                if legal
                else f"Sentiment {case.sentiment:+.2f} is very negative.",
            )
        )
    if case.channel == "voice" and (case.repeat_contacts or case.sentiment < 0):
        actions.append(
            NextAction(
                "schedule_callback",
                "Offer a callback at a time that suits the customer.",
                "A voice customer who is unhappy or calling again should not have to wait on hold.",
            )
        )
    return actions


def _reminders(case: Case, rules: AssistRules) -> list[str]:
    reminders = []
    if not case.identity_verified and case.intent in ORDER_INTENTS:
        reminders.append("Identity not yet verified: share no order details until it is.")
    disclosure = rules.compliance.disclosures.get(case.intent)
    if disclosure:
        reminders.append(disclosure)
    if "card" in case.pii_types:
        reminders.append(
            "The customer shared a card number: never repeat it; it is masked in the record."
        )
    if case.sensitive_topics:
        topics = ", ".join(t.replace("_", " ") for t in case.sensitive_topics)
        reminders.append(f"Sensitive topic ({topics}): use the approved wording only.")
    return reminders


def _de_escalation(case: Case, rules: AssistRules) -> tuple[str, ...]:
    falling = case.sentiment_trend is not None and case.sentiment_trend < -0.1
    if case.sentiment > rules.goodwill.sentiment_at_most and not falling:
        return ()
    return rules.de_escalation.get(case.language) or rules.de_escalation.get("en", ())
