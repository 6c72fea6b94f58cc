"""Quality: each conversation's QA result with its evidence, human reviews and disputes, the
scorer's agreement with reviewers, QA summaries, and the customer satisfaction survey."""

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, status

from cxops.api.deps import ContainerDep, allow
from cxops.api.errors import ERROR_RESPONSES
from cxops.api.schemas import (
    AgreementOut,
    CriterionOut,
    QaOut,
    QaSummaryRow,
    ReviewCreate,
    ReviewOut,
    SurveyCreate,
    SurveyOut,
)
from cxops.domain.access import Principal
from cxops.domain.ids import ConversationId
from cxops.governance.roles import Permission
from cxops.qa.service import Review

router = APIRouter(tags=["quality"], responses=ERROR_RESPONSES)

Reader = Annotated[Principal, Depends(allow(Permission.CONVERSATIONS_READ))]
Writer = Annotated[Principal, Depends(allow(Permission.CONVERSATIONS_WRITE))]
Reviewer = Annotated[Principal, Depends(allow(Permission.QA_REVIEW))]
Analyst = Annotated[Principal, Depends(allow(Permission.METRICS_READ))]
Since = Annotated[datetime | None, Query(description="ISO 8601, with a time zone")]


def _review_out(made: Review) -> ReviewOut:
    return ReviewOut(
        id=made.id,
        reviewer=made.review.reviewer,
        verdicts=made.review.verdicts,
        disputes=made.disputes,
        created_at=made.created_at,
    )


@router.get("/v1/conversations/{conversation_id}/qa", response_model=QaOut)
def get_qa(conversation_id: str, container: ContainerDep, _: Reader) -> QaOut:
    """The closed conversation's score against the QA scorecard: every criterion's verdict with
    its evidence (messages, span, action), and the human reviews recorded on it."""
    scored = container.quality.result(ConversationId(conversation_id))
    result = scored.result
    return QaOut(
        conversation_id=result.conversation_id,
        scorecard_version=result.scorecard_version,
        handled_by=scored.handled_by,
        score=result.score,
        auto_failed=result.auto_failed,
        scored_at=scored.scored_at,
        criteria=[CriterionOut.model_validate(asdict(r)) for r in result.results],
        reviews=[_review_out(r) for r in container.quality.reviews(result.conversation_id)],
    )


@router.post(
    "/v1/conversations/{conversation_id}/qa/reviews",
    status_code=status.HTTP_201_CREATED,
    response_model=ReviewOut,
)
def review_qa(
    conversation_id: str, body: ReviewCreate, container: ContainerDep, principal: Reviewer
) -> ReviewOut:
    """A person's own verdicts, and disputes of the automated ones (each with why)."""
    made = container.quality.review(
        ConversationId(conversation_id),
        reviewer=principal.user_id or principal.key_id,
        verdicts=body.verdicts,
        disputes=body.disputes,
    )
    return _review_out(made)


@router.get("/v1/qa/agreement", response_model=list[AgreementOut])
def qa_agreement(container: ContainerDep, _: Analyst, since: Since = None) -> list[AgreementOut]:
    """Per criterion: how often the automated verdict matches reviewers', and Cohen's kappa, so
    a criterion that cannot be trusted is found and fixed."""
    return [
        AgreementOut.model_validate(asdict(row)) for row in container.quality.agreement(since=since)
    ]


@router.get("/v1/qa/summary", response_model=list[QaSummaryRow])
def qa_summary(
    container: ContainerDep,
    _: Analyst,
    by: Annotated[Literal["agent", "queue", "handled_by"], Query()] = "handled_by",
    since: Since = None,
    until: Since = None,
) -> list[QaSummaryRow]:
    """Average QA score and auto-fails per agent, queue, or bot against people, for the
    conversations closed in the period (default: the last 7 days)."""
    rows = container.quality.summary(since=since, until=until, by=by)
    return [
        QaSummaryRow(key=k, scored=n, average_score=avg, auto_failed=fails)
        for k, n, avg, fails in rows
    ]


@router.post(
    "/v1/conversations/{conversation_id}/survey",
    status_code=status.HTTP_201_CREATED,
    response_model=SurveyOut,
)
def answer_survey(
    conversation_id: str, body: SurveyCreate, container: ContainerDep, _: Writer
) -> SurveyOut:
    """The customer's satisfaction answer (CSAT), once per conversation; a second is 409."""
    answer = container.quality.survey(
        ConversationId(conversation_id), score=body.score, comment=body.comment
    )
    return SurveyOut.model_validate(answer)
