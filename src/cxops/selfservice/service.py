"""The self-service shell: loads and stores the bot's state around `Bot.turn`, and runs the
approval queue.

A bot turn has three steps. The pipeline's transaction stores the customer's message and the
routing decision (`standing` reads the dialogue for routing). Then the bot talks to the order
system with no transaction open, because the order system (the embedded store included) commits
each write itself, and an SQLite writer must not wait on its own open transaction. Last, `record`
stores the reply, the bot's decisions, its actions and the new dialogue state in one transaction,
conditional on the dialogue version read at the start: of two turns racing on one conversation,
one wins and the other is refused (409) with its message kept, to be answered on retry.

A crash between the steps loses nothing: the message is stored, every write the bot made ran
under its action's id as idempotency key, and a retry of the message (same Idempotency-Key)
finds it unanswered and runs the turn again to the same result.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import structlog

from cxops.domain.conversations import (
    Conversation,
    ConversationStatus,
    Message,
    MessageRole,
    Outcome,
)
from cxops.domain.decisions import Decision, Reason
from cxops.domain.errors import BusinessRuleError, InvalidInputError, NotFoundError
from cxops.domain.ids import (
    ActionId,
    ConversationId,
    CustomerId,
    DecisionId,
    MessageId,
    OrderId,
    new_id,
)
from cxops.domain.routing import RoutingOutcome
from cxops.domain.selfservice import Action, ActionKind, ActionStatus
from cxops.domain.triage import Triage
from cxops.floor import BotContext, Floor
from cxops.ports import Clock, OrderSystem, UnitOfWork, UnitOfWorkFactory
from cxops.selfservice.actions import Verdict, check, checked_params, execute, preview
from cxops.selfservice.bot import Bot, BotTurn, TurnInput, answers_pending
from cxops.selfservice.channels import Voice, render
from cxops.selfservice.replies import Replies, default_replies, money
from cxops.selfservice.rules import LANGUAGES
from cxops.selfservice.state import Dialogue
from cxops.webhooks.service import publish

SELFSERVICE = "selfservice"
CONVERSATION_BUSY = "conversation_busy"
APPROVAL = "approval"
APPROVAL_REQUESTED = "approval.requested"
APPROVAL_DECIDED = "approval.decided"
FLOW_CONTINUES = "flow_continues"
BOT_ANSWERS = (RoutingOutcome.AUTOMATE.value, RoutingOutcome.CLARIFY.value)

log = structlog.get_logger("cxops.selfservice")


@dataclass(frozen=True, slots=True)
class Standing:
    """The dialogue as read in the message's transaction, with the action put to the customer."""

    dialogue: Dialogue
    version: int
    pending: Action | None
    answers: bool

    @property
    def context(self) -> BotContext:
        return BotContext(
            flow=self.dialogue.flow,
            stalled=self.dialogue.stalled,
            answers=self.answers,
            learned=self.dialogue.summary(self.pending),
        )


class SelfService:
    def __init__(
        self,
        *,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        orders: OrderSystem,
        floor: Floor,
        redact: Callable[[str], str],
        replies: Replies | None = None,
    ) -> None:
        self._uow = uow_factory
        self._redact = redact
        self._clock = clock
        self._orders = orders
        self._floor = floor
        self._replies = replies or default_replies()

    def standing(self, uow: UnitOfWork, conversation: Conversation, text: str) -> Standing:
        stored = uow.dialogues.get(conversation.id)
        dialogue = Dialogue() if stored is None else Dialogue.from_json(stored[0])
        pending = None
        if dialogue.pending_id is not None:
            pending = uow.actions.get(ActionId(dialogue.pending_id))
        return Standing(
            dialogue=dialogue,
            version=0 if stored is None else stored[1],
            pending=pending,
            answers=answers_pending(dialogue, text),
        )

    def answer(
        self,
        *,
        conversation: Conversation,
        message: Message,
        text: str,
        triage: Triage,
        decision: Decision,
        standing: Standing,
    ) -> BotTurn:
        """Run the bot's turn against the order system; call with no transaction open."""
        with self._uow() as uow:
            policy = self._floor.policies.active(uow).policy
        bot = Bot(
            orders=self._orders,
            rules=policy.selfservice,
            replies=self._replies,
            history=self._history,
            person_intents={
                segment: rule.to_person for segment, rule in policy.automation.segments.items()
            },
        )
        return bot.turn(
            standing.dialogue,
            standing.pending,
            TurnInput(
                conversation_id=conversation.id,
                text=text,
                intent=triage.intent.name,
                alternatives=tuple(a.name for a in triage.intent.alternatives),
                out_of_scope=triage.intent.out_of_scope,
                language=triage.language.code,
                routing=RoutingOutcome(decision.outcome),
                continues_flow=any(r.code == FLOW_CONTINUES for r in decision.reasons),
                account=conversation.customer_id,
                now=self._clock.now(),
            ),
        )

    def record(
        self,
        uow: UnitOfWork,
        *,
        conversation: Conversation,
        message: Message,
        triage: Triage,
        standing: Standing,
        turn: BotTurn,
    ) -> list[Message]:
        """Store the turn; `BusinessRuleError` (409) if another turn changed the dialogue."""
        now = self._clock.now()
        dialogue = turn.dialogue
        dialogue.answered = message.id
        if not uow.dialogues.save(
            conversation.id, dialogue.to_json(), expected_version=standing.version, at=now
        ):
            raise BusinessRuleError(
                CONVERSATION_BUSY,
                f"another message of conversation {conversation.id} was answered meanwhile; "
                "retry with the same Idempotency-Key",
            )
        loaded = self._floor.policies.active(uow)
        for action in turn.actions:
            uow.actions.save(action)
            if action.status is ActionStatus.AWAITING_APPROVAL:
                publish(uow, topic=APPROVAL_REQUESTED, payload=_approval_event(action), at=now)
        for event in turn.events:
            uow.decisions.add(
                Decision(
                    id=DecisionId(new_id("dec")),
                    conversation_id=conversation.id,
                    message_id=message.id,
                    kind=SELFSERVICE,
                    outcome=event.outcome,
                    reasons=event.reasons,
                    inputs=event.inputs,
                    policy_version=loaded.version_label,
                    model_version=triage.model_versions.get("intent", ""),
                    created_at=now,
                )
            )
        verified = None if dialogue.customer_id is None else CustomerId(dialogue.customer_id)
        if (
            verified is not None
            and conversation.customer_id is None
            and uow.customers.get(verified) is not None
        ):
            uow.conversations.link_customer(conversation.id, verified)
        if turn.handover:
            pending = next((a for a in turn.actions if a.id == dialogue.pending_id), None)
            self._floor.hand_over(
                uow,
                conversation=conversation,
                message_id=message.id,
                triage=triage,
                reasons=turn.handover,
                bot=BotContext(
                    flow=dialogue.flow,
                    stalled=dialogue.stalled,
                    answers=standing.answers,
                    learned=dialogue.summary(pending or standing.pending),
                ),
            )
        replies = (
            [self._reply(uow, conversation, message, turn.parts, dialogue, now=now)]
            if turn.parts
            else []
        )
        if turn.close:
            uow.conversations.close(conversation.id, outcome=Outcome.RESOLVED, at=now)
        log.info(
            "selfservice.turn",
            conversation_id=conversation.id,
            flow=dialogue.flow,
            step=dialogue.step.value,
            events=[e.outcome for e in turn.events],
            handover=[r.code for r in turn.handover],
        )
        return replies

    def handover_reply(
        self,
        uow: UnitOfWork,
        conversation: Conversation,
        message: Message,
        standing: Standing,
        *,
        language: str,
    ) -> Message:
        """Tell the customer a person is taking over (routing sent the message to a person)."""
        dialogue = standing.dialogue
        if not standing.version and language in LANGUAGES:
            dialogue = replace(dialogue, language=language)
        parts = [self._replies.say("handover", dialogue.language)]
        return self._reply(uow, conversation, message, parts, dialogue, now=self._clock.now())

    def replies_to(self, uow: UnitOfWork, message: Message) -> list[Message]:
        return [
            m
            for m in uow.messages.list_for_conversation(message.conversation_id)
            if m.in_reply_to == message.id
        ]

    def answered(self, uow: UnitOfWork, message: Message) -> bool:
        stored = uow.dialogues.get(message.conversation_id)
        return stored is not None and stored[0].get("answered") == message.id

    # -- the approval queue -------------------------------------------------------------------

    def approvals(self, *, include_decided: bool = False, limit: int = 100) -> list[Action]:
        """Actions waiting for a person's approval, oldest first (or every held action)."""
        statuses = () if include_decided else (ActionStatus.AWAITING_APPROVAL,)
        with self._uow() as uow:
            found = uow.actions.listing(statuses=statuses, limit=limit)
        return [a for a in found if a.needs_approval]

    def approval(self, action_id: ActionId) -> Action:
        with self._uow() as uow:
            found = uow.actions.get(action_id)
        if found is None or not found.needs_approval:
            raise NotFoundError("approval", action_id)
        return found

    def decide(self, action_id: ActionId, *, approve: bool, by: str, note: str) -> Action:
        """Approve (the write runs now, under the action's id as idempotency key) or reject a
        held action; the customer is told in the conversation either way.

        A decided action cannot be decided again (409). Two approvers at once: both writes carry
        the same key, so the order changes once, and the first to record wins.
        """
        if len(note) > 2000:
            raise InvalidInputError("note", "must be at most 2000 characters")
        action = self.approval(action_id)
        if action.status is not ActionStatus.AWAITING_APPROVAL:
            raise BusinessRuleError(
                "approval_decided", f"approval {action_id} is already {action.status.value}"
            )
        now = self._clock.now()
        decided = replace(action, decided_by=by, decided_at=now, note=note)
        if approve:
            try:
                decided = replace(
                    decided, status=ActionStatus.EXECUTED, result=execute(action, self._orders)
                )
            except BusinessRuleError as exc:
                decided = replace(decided, status=ActionStatus.FAILED, result={"error": exc.code})
        else:
            decided = replace(decided, status=ActionStatus.REJECTED)
        with self._uow() as uow:
            if not uow.actions.decide(decided, expected=ActionStatus.AWAITING_APPROVAL):
                current = uow.actions.get(action_id)
                assert current is not None
                raise BusinessRuleError(
                    "approval_decided",
                    f"approval {action_id} is already {current.status.value}",
                )
            self._tell_customer(uow, decided, now=now)
            publish(uow, topic=APPROVAL_DECIDED, payload=_approval_event(decided), at=now)
            uow.commit()
        log.info(
            "selfservice.approval.decided",
            action_id=action_id,
            kind=action.kind.value,
            status=decided.status.value,
        )
        return decided

    def _tell_customer(self, uow: UnitOfWork, action: Action, *, now: Any) -> None:
        conversation = uow.conversations.get(action.conversation_id)
        assert conversation is not None
        stored = uow.dialogues.get(conversation.id)
        dialogue = Dialogue() if stored is None else Dialogue.from_json(stored[0])
        loaded = self._floor.policies.active(uow)
        outcome = {
            ActionStatus.EXECUTED: "approved",
            ActionStatus.REJECTED: "rejected",
            ActionStatus.FAILED: "approved_but_refused",
        }[action.status]
        uow.decisions.add(
            Decision(
                id=DecisionId(new_id("dec")),
                conversation_id=conversation.id,
                kind=APPROVAL,
                outcome=outcome,
                reasons=(
                    Reason(
                        f"approval.{outcome}",
                        f"{action.kind.value} on {action.order_id} {outcome.replace('_', ' ')} "
                        f"by {action.decided_by}" + (f": {action.note}" if action.note else "."),
                    ),
                ),
                inputs={"action": action.id, "result": action.result},
                policy_version=loaded.version_label,
                model_version="",
                created_at=now,
            )
        )
        if action.id in dialogue.awaiting_approval and stored is not None:
            dialogue.awaiting_approval.remove(action.id)
            uow.dialogues.save(
                conversation.id, dialogue.to_json(), expected_version=stored[1], at=now
            )
        if conversation.status is ConversationStatus.CLOSED:
            return
        parts = [self._outcome_text(action, dialogue.language)]
        self._reply(uow, conversation, None, parts, dialogue, now=now)

    def _outcome_text(self, action: Action, language: str) -> str:
        if action.status is not ActionStatus.EXECUTED:
            return self._replies.say("approval_rejected", language, order=action.order_id)
        currency = str(action.preview.get("currency", "USD"))
        refund = int(action.result.get("refund_cents", action.preview.get("refund_cents", 0)))
        words: dict[str, Any] = {
            "order": action.order_id,
            "refund": money(refund, currency),
            "amount": money(refund, currency),
            "replacement": action.result.get("replacement_order_id", ""),
            "label": action.result.get("label_reference", ""),
            "items": ", ".join(str(name) for name, _ in action.preview.get("items", [])),
            "address": ", ".join(
                str(v) for v in action.preview.get("address_after", {}).values() if v
            ),
            "total": "",
        }
        key = f"done.{action.kind.value}"
        if action.kind is ActionKind.CANCEL_ORDER and not refund:
            key += "_unpaid"
        return self._replies.say(key, language, **words)

    def dry_run(
        self, kind: ActionKind, order_id: OrderId, params: dict[str, Any]
    ) -> tuple[Verdict, dict[str, Any] | None]:
        """Check an action against the order rules and the active policy's limits, and say what
        it would change, without running it."""
        with self._uow() as uow:
            rules = self._floor.policies.active(uow).policy.selfservice
        now = self._clock.now()
        action = Action(
            id=ActionId("dry-run"),
            conversation_id=ConversationId(""),
            kind=kind,
            order_id=order_id,
            params=checked_params(kind, params),
            status=ActionStatus.PROPOSED,
            created_at=now,
        )
        order = self._orders.get_order(order_id)
        verdict = check(action, order, approvals=rules.approvals, history=self._history, now=now)
        return verdict, preview(action, order) if verdict.allowed else None

    # -- helpers ------------------------------------------------------------------------------

    def _history(self, order_id: Any, kind: ActionKind) -> int:
        with self._uow() as uow:
            return uow.actions.executed_count(order_id, kind)

    def _reply(
        self,
        uow: UnitOfWork,
        conversation: Conversation,
        message: Message | None,
        parts: list[str],
        dialogue: Dialogue,
        *,
        now: Any,
    ) -> Message:
        """Store the bot's reply redacted like every message, and return it whole: the customer
        reads the address or name they gave; the record keeps placeholders."""
        loaded = self._floor.policies.active(uow)
        customer_id = conversation.customer_id or dialogue.customer_id
        customer = None if customer_id is None else uow.customers.get(CustomerId(customer_id))
        text = render(
            parts,
            channel=conversation.channel,
            language=dialogue.language,
            name=None if customer is None else customer.first_name,
            voice=Voice(brand=loaded.policy.selfservice.brand),
        )
        reply = Message(
            id=MessageId(new_id("msg")),
            conversation_id=conversation.id,
            role=MessageRole.BOT,
            text=text,
            created_at=now,
            in_reply_to=None if message is None else message.id,
        )
        uow.messages.add(replace(reply, text=self._redact(text)))
        return reply


def _approval_event(action: Action) -> dict[str, Any]:
    """What approval webhooks carry: enough to act on, no customer data beyond the order id."""
    return {
        "approval_id": action.id,
        "conversation_id": action.conversation_id,
        "kind": action.kind.value,
        "order_id": action.order_id,
        "status": action.status.value,
        "reasons": [{"code": r.code, "text": r.text} for r in action.reasons],
        "decided_by": action.decided_by,
    }


def bot_answers(decision: Decision | None) -> bool:
    """Whether the bot replies to a message routed by `decision`."""
    return decision is not None and decision.outcome in BOT_ANSWERS
