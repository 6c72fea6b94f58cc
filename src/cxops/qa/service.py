"""QA's shell: scores a conversation when it closes and summarises it for the KPIs, re-scores a
period, records human reviews and disputes, surveys, and reports agreement with reviewers.

Scoring runs after the close is committed, in a transaction of its own, so a scorer problem can
never undo a close. A conversation closed but never scored (the process stopped in between) is
found by `score_unscored`, which the server's monitor loop and `cxops monitor run` run, and
`cxops qa rescore` covers too.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

import structlog

from cxops.analytics.contacts import summarise
from cxops.domain.contacts import REPEAT_WINDOW_DAYS, Survey
from cxops.domain.conversations import ConversationStatus
from cxops.domain.errors import BusinessRuleError, InvalidInputError, NotFoundError
from cxops.domain.ids import ConversationId, CustomerId, new_id
from cxops.domain.qa import HumanReview, QaResult
from cxops.ports import Clock, UnitOfWork, UnitOfWorkFactory
from cxops.qa.agreement import CriterionAgreement, agreement_by_criterion
from cxops.qa.scorecard import LoadedScorecard
from cxops.qa.scoring import Embed
from cxops.qa.scoring import score as score_transcript
from cxops.qa.transcript import transcript
from cxops.selfservice.state import Dialogue
from cxops.triage.pii import find_pii, redact

log = structlog.get_logger("cxops.qa")

Progress = Callable[[int, int], None]
MAX_COMMENT_CHARS = 2000
MAX_DISPUTE_CHARS = 2000
SUMMARY_DAYS = 7
SWEEP = 500


@dataclass(frozen=True, slots=True)
class Scored:
    """A stored QA result with when it was scored and who handled the conversation."""

    result: QaResult
    scored_at: datetime
    handled_by: str


@dataclass(frozen=True, slots=True)
class Review:
    id: str
    review: HumanReview
    disputes: dict[str, str]
    created_at: datetime


class QualityDesk:
    def __init__(
        self,
        *,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        scorecard: LoadedScorecard,
        embed: Embed | None = None,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._scorecard = scorecard
        self._embed = embed

    def conversation_closed(self, conversation_id: ConversationId) -> QaResult:
        """Score the closed conversation and store its contact facts, in one transaction; a
        repeat contact marks the customer's earlier contact about the same intent."""
        with self._uow() as uow:
            result = self._score(uow, conversation_id)
            uow.commit()
        log.info(
            "qa.scored",
            conversation_id=conversation_id,
            score=result.score,
            auto_failed=result.auto_failed,
            scorecard=result.scorecard_version,
        )
        return result

    def score_unscored(self, *, limit: int = SWEEP, progress: Progress | None = None) -> int:
        """Score up to `limit` closed conversations that have no contact facts yet, oldest
        first; how many. Bounded, so a sweep never holds a server's start or a monitor run for
        long: a backlog is worked off over several sweeps (or at once by `cxops qa rescore`)."""
        with self._uow() as uow:
            pending = uow.contacts.unscored(limit=limit)
        return self._score_all(pending, progress)

    def rescore(
        self, *, since: datetime, until: datetime | None = None, progress: Progress | None = None
    ) -> int:
        """Score again every conversation closed in [since, until) with the current scorecard
        (e.g. after changing it); each in its own transaction. How many."""
        with self._uow() as uow:
            closed = uow.contacts.closed_between(since, until or self._clock.now())
        return self._score_all(closed, progress)

    def result(self, conversation_id: ConversationId) -> Scored:
        with self._uow() as uow:
            found = uow.quality.result(conversation_id)
            if found is None:
                if uow.conversations.get(conversation_id) is None:
                    raise NotFoundError("conversation", conversation_id)
                raise BusinessRuleError(
                    "not_scored",
                    f"conversation {conversation_id} has not been scored (is it closed?)",
                )
        return Scored(*found)

    def review(
        self,
        conversation_id: ConversationId,
        *,
        reviewer: str,
        verdicts: Mapping[str, bool | None],
        disputes: Mapping[str, str],
    ) -> Review:
        """Record a person's verdicts on a scored conversation and their disputes of the
        automated ones; every criterion id must be one the conversation was scored on."""
        scored = self.result(conversation_id)
        known = {r.criterion_id for r in scored.result.results}
        for field, ids in (("verdicts", verdicts), ("disputes", disputes)):
            if unknown := sorted(set(ids) - known):
                raise InvalidInputError(
                    f"{field}.{unknown[0]}",
                    f"is not a criterion of {scored.result.scorecard_version}",
                )
        for criterion, note in disputes.items():
            if not note.strip() or len(note) > MAX_DISPUTE_CHARS:
                raise InvalidInputError(
                    f"disputes.{criterion}", f"must say why, in 1 to {MAX_DISPUTE_CHARS} characters"
                )
        if not verdicts and not disputes:
            raise InvalidInputError("verdicts", "give at least one verdict or dispute")
        made = Review(
            id=new_id("rev"),
            review=HumanReview(conversation_id, reviewer, dict(verdicts)),
            disputes={k: v.strip() for k, v in disputes.items()},
            created_at=self._clock.now(),
        )
        with self._uow() as uow:
            uow.quality.add_review(
                review_id=made.id, review=made.review, disputes=made.disputes, at=made.created_at
            )
            uow.commit()
        log.info("qa.reviewed", conversation_id=conversation_id, disputes=len(disputes))
        return made

    def reviews(self, conversation_id: ConversationId) -> list[Review]:
        with self._uow() as uow:
            return [Review(*r) for r in uow.quality.reviews(conversation_id=conversation_id)]

    def agreement(self, *, since: datetime | None = None) -> list[CriterionAgreement]:
        """Per criterion, how often the scorer agrees with reviewers (Cohen's kappa); each
        conversation counts once, with its latest review."""
        with self._uow() as uow:
            latest = {r[1].conversation_id: r[1] for r in uow.quality.reviews(since=since)}
            results = uow.quality.results(latest)
        return agreement_by_criterion(results, list(latest.values()))

    def summary(
        self,
        *,
        since: datetime | None,
        until: datetime | None,
        by: Literal["agent", "queue", "handled_by"],
    ) -> list[tuple[str, int, float | None, int]]:
        """(key, scored, average score, auto-failed) for conversations closed in the period,
        by default the last `SUMMARY_DAYS` days."""
        until = until or self._clock.now()
        since = since or until - timedelta(days=SUMMARY_DAYS)
        with self._uow() as uow:
            return uow.quality.summary(since=since, until=until, by=by)

    def survey(self, conversation_id: ConversationId, *, score: int, comment: str) -> Survey:
        """Record the customer's satisfaction answer, once per conversation; personal data in
        the comment is redacted before it is stored, as in messages."""
        if not 1 <= score <= 5:
            raise InvalidInputError("score", "must be between 1 and 5")
        if len(comment) > MAX_COMMENT_CHARS:
            raise InvalidInputError("comment", f"must be at most {MAX_COMMENT_CHARS} characters")
        text = comment.strip()
        answer = Survey(conversation_id, score, redact(text, find_pii(text)), self._clock.now())
        with self._uow() as uow:
            if uow.conversations.get(conversation_id) is None:
                raise NotFoundError("conversation", conversation_id)
            if not uow.contacts.add_survey(answer):
                raise BusinessRuleError(
                    "survey_answered", f"conversation {conversation_id} already has a survey answer"
                )
            uow.contacts.set_csat(conversation_id, score)
            uow.conversations.set_csat(conversation_id, score)
            uow.commit()
        log.info("qa.survey", conversation_id=conversation_id, score=score)
        return answer

    # -- scoring ------------------------------------------------------------------------------

    def _score_all(self, ids: list[ConversationId], progress: Progress | None) -> int:
        for done, conversation_id in enumerate(ids, start=1):
            with self._uow() as uow:
                self._score(uow, conversation_id)
                uow.commit()
            if progress is not None:
                progress(done, len(ids))
        return len(ids)

    def _score(self, uow: UnitOfWork, conversation_id: ConversationId) -> QaResult:
        conversation = uow.conversations.get(conversation_id)
        if conversation is None:
            raise NotFoundError("conversation", conversation_id)
        if conversation.status is not ConversationStatus.CLOSED:
            raise BusinessRuleError(
                "conversation_open", f"conversation {conversation_id} is not closed"
            )
        messages = uow.messages.list_for_conversation(conversation_id)
        triage = uow.triage.for_conversation(conversation_id)
        decisions = uow.decisions.list_for_conversation(conversation_id)
        actions = uow.actions.for_conversation(conversation_id)
        read = transcript(conversation, messages, triage, decisions, actions)
        result = score_transcript(read, self._scorecard, embed=self._embed)
        stored = uow.dialogues.get(conversation_id)
        dialogue = Dialogue() if stored is None else Dialogue.from_json(stored[0])
        customer_id = conversation.customer_id or dialogue.customer_id
        customer = None if customer_id is None else uow.customers.get(CustomerId(customer_id))
        handoff = uow.handoffs.latest(conversation_id)
        learned = None if handoff is None else handoff.packet.get("bot_learned")
        facts = summarise(
            conversation,
            messages,
            triage,
            decisions,
            learned=learned if isinstance(learned, dict) else None,
            segment=None if customer is None else customer.segment.value,
            suggestions=uow.suggestions.stats_for(conversation_id),
        )
        if customer_id is not None and facts.customer_id is None:
            facts = replace(facts, customer_id=CustomerId(customer_id))
        survey = uow.contacts.survey(conversation_id)
        if survey is not None:
            facts = replace(facts, csat=survey.score)
        if facts.customer_id is not None and facts.intent is not None:
            earlier = uow.contacts.previous_about(
                facts.customer_id,
                intent=facts.intent,
                since=facts.opened_at - timedelta(days=REPEAT_WINDOW_DAYS),
                before=facts.opened_at,
                excluding=conversation_id,
            )
            if earlier is not None:
                uow.contacts.mark_repeated(earlier)
                facts = replace(facts, repeat_of=earlier)
        uow.contacts.save(facts)
        uow.quality.save_result(
            result,
            handled_by=read.handled_by.value,
            agent_id=conversation.assigned_agent_id,
            queue_id=conversation.queue_id,
            at=self._clock.now(),
        )
        return result
