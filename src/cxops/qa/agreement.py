"""How far automated QA agrees with human reviewers, criterion by criterion.

A criterion is worth automating only if it agrees with people beyond chance, so each one gets
Cohen's kappa over the conversations both the scorer and a reviewer judged, next to the raw share
of agreement. Kappa is computed here rather than with scikit-learn's `cohen_kappa_score`, which
warns and returns NaN when both raters used a single class, the usual case for a criterion that
almost always passes.

Degenerate cases: no pairs gives None (nothing to measure); perfect agreement with one class
only (everything passed, say) gives 1.0, though kappa's formula is 0/0 there: the raters never
disagreed, but such a sample says nothing about whether they would agree on a failure, so read
it with `n` and with `observed`.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from cxops.domain.ids import ConversationId
from cxops.domain.qa import HumanReview, QaResult

__all__ = ["CriterionAgreement", "agreement_by_criterion", "cohen_kappa"]


@dataclass(frozen=True, slots=True)
class CriterionAgreement:
    """One criterion's agreement over `n` conversations that the scorer and a reviewer both
    judged pass or fail. `applicability_disagreements` counts those where one said the criterion
    does not apply and the other gave a verdict (they are not in `n`)."""

    criterion_id: str
    n: int
    observed: float | None
    kappa: float | None
    applicability_disagreements: int


def cohen_kappa(pairs: Iterable[tuple[bool, bool]]) -> float | None:
    """Cohen's kappa of two raters' pass/fail verdicts, one (first, second) pair per item."""
    n = agreed = first_passed = second_passed = 0
    for first, second in pairs:
        n += 1
        agreed += first == second
        first_passed += first
        second_passed += second
    if n == 0:
        return None
    if first_passed == second_passed and first_passed in (0, n):
        return 1.0
    observed = agreed / n
    expected = (first_passed * second_passed + (n - first_passed) * (n - second_passed)) / n**2
    return (observed - expected) / (1 - expected)


def agreement_by_criterion(
    results: Iterable[QaResult], reviews: Iterable[HumanReview]
) -> list[CriterionAgreement]:
    """Agreement per criterion of `results`, in scorecard order, pairing each review with the
    result of its conversation. Reviews of conversations without a result, and verdicts on
    criteria no result has, are left out. Raises `ValueError` on two results for one
    conversation, since a review could not be paired."""
    by_conversation: dict[ConversationId, QaResult] = {}
    for result in results:
        if result.conversation_id in by_conversation:
            raise ValueError(f"two results for conversation {result.conversation_id}")
        by_conversation[result.conversation_id] = result
    criteria = dict.fromkeys(
        verdict.criterion_id for result in by_conversation.values() for verdict in result.results
    )
    pairs: defaultdict[str, list[tuple[bool, bool]]] = defaultdict(list)
    mismatched: Counter[str] = Counter()
    for review in reviews:
        reviewed = by_conversation.get(review.conversation_id)
        if reviewed is None:
            continue
        automated = {verdict.criterion_id: verdict.passed for verdict in reviewed.results}
        for criterion_id, human in review.verdicts.items():
            if criterion_id not in automated:
                continue
            machine = automated[criterion_id]
            if machine is not None and human is not None:
                pairs[criterion_id].append((machine, human))
            elif machine is not None or human is not None:
                mismatched[criterion_id] += 1
    return [
        CriterionAgreement(
            criterion_id=criterion_id,
            n=len(pairs[criterion_id]),
            observed=_observed(pairs[criterion_id]),
            kappa=cohen_kappa(pairs[criterion_id]),
            applicability_disagreements=mismatched[criterion_id],
        )
        for criterion_id in criteria
    ]


def _observed(pairs: list[tuple[bool, bool]]) -> float | None:
    return sum(first == second for first, second in pairs) / len(pairs) if pairs else None
