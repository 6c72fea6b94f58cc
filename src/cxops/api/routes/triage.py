"""Stateless triage for integrators: understand a text without storing anything."""

from typing import Annotated

from fastapi import APIRouter, Depends

from cxops.api.deps import ContainerDep, allow
from cxops.api.errors import ERROR_RESPONSES
from cxops.api.schemas import TriageOut, TriageRequest
from cxops.domain.access import Principal
from cxops.governance.roles import Permission

router = APIRouter(prefix="/v1/triage", tags=["triage"], responses=ERROR_RESPONSES)

Runner = Annotated[Principal, Depends(allow(Permission.TRIAGE_RUN))]


@router.post("", response_model=TriageOut)
def triage(body: TriageRequest, container: ContainerDep, _: Runner) -> TriageOut:
    """Intent, sentiment, urgency, language, sensitive topics and personal data of one text.

    Nothing is stored; PII spans are offsets into the text as sent, for masking on the caller's
    side.
    """
    return TriageOut.model_validate(container.pipeline.triage_text(body.text))
