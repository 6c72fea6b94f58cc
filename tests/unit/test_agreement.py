"""Agreement between automated QA and human reviewers: Cohen's kappa, per criterion."""

import random

import pytest
from sklearn.metrics import cohen_kappa_score

from cxops.domain.ids import ConversationId
from cxops.domain.qa import CriterionResult, HumanReview, QaResult
from cxops.qa.agreement import CriterionAgreement, agreement_by_criterion, cohen_kappa


def test_that_kappa_matches_the_hand_computed_value() -> None:
    # p_o = (20 + 15) / 50 = 0.7; p_e = 0.5 * 0.6 + 0.5 * 0.4 = 0.5; kappa = 0.2 / 0.5
    pairs = [(True, True)] * 20 + [(True, False)] * 5 + [(False, True)] * 10
    pairs += [(False, False)] * 15
    assert cohen_kappa(pairs) == pytest.approx(0.4)


def test_that_kappa_of_a_small_balanced_sample_is_a_third() -> None:
    # p_o = 4/6, p_e = 1/2: (2/3 - 1/2) / (1/2) = 1/3
    pairs = [(True, True), (True, True), (True, False), (False, False), (False, True)]
    pairs.append((False, False))
    assert cohen_kappa(pairs) == pytest.approx(1 / 3)


def test_that_kappa_agrees_with_scikit_learn_where_both_are_defined() -> None:
    rng = random.Random(7)
    first = [rng.random() < 0.7 for _ in range(200)]
    second = [f if rng.random() < 0.8 else not f for f in first]
    expected = cohen_kappa_score(first, second)
    assert cohen_kappa(zip(first, second, strict=True)) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        ([], None),
        ([(True, True)] * 5, 1.0),
        ([(False, False)] * 3, 1.0),
        ([(True, True), (False, False)], 1.0),
        ([(True, False), (False, True)], -1.0),
        ([(True, False)] * 4, 0.0),
    ],
    ids=[
        "no pairs",
        "all passed",
        "all failed",
        "perfect",
        "always opposite",
        "each rater one class, never agreeing",
    ],
)
def test_that_the_degenerate_cases_have_a_defined_kappa(
    pairs: list[tuple[bool, bool]], expected: float | None
) -> None:
    assert cohen_kappa(pairs) == expected


def result(conversation: str, **verdicts: bool | None) -> QaResult:
    return QaResult(
        conversation_id=ConversationId(conversation),
        scorecard_version="test@1+00000000",
        score=None,
        auto_failed=False,
        results=tuple(
            CriterionResult(
                criterion_id=criterion,
                name=criterion,
                passed=passed,
                points=0.0,
                possible=0.0,
                auto_fail=False,
                evidence=(),
            )
            for criterion, passed in verdicts.items()
        ),
    )


def review(conversation: str, **verdicts: bool | None) -> HumanReview:
    return HumanReview(
        conversation_id=ConversationId(conversation), reviewer="qa-lead", verdicts=verdicts
    )


def test_that_agreement_is_reported_per_criterion_in_scorecard_order() -> None:
    results = [
        result("c1", greeting=True, empathy=None),
        result("c2", greeting=True, empathy=False),
        result("c3", greeting=False, empathy=True),
        result("c4", greeting=False, empathy=True),
    ]
    reviews = [
        review("c1", greeting=True, empathy=True),
        review("c2", greeting=True, empathy=False),
        review("c3", greeting=True, empathy=None),
        review("c4", greeting=False, empathy=True, closing=False),
        review("c9", greeting=False),
    ]
    assert agreement_by_criterion(results, reviews) == [
        # greeting: (T,T) (T,T) (F,T) (F,F): p_o 3/4, p_e 1/2 * 3/4 + 1/2 * 1/4 = 1/2
        CriterionAgreement(
            criterion_id="greeting", n=4, observed=0.75, kappa=0.5, applicability_disagreements=0
        ),
        CriterionAgreement(
            criterion_id="empathy", n=2, observed=1.0, kappa=1.0, applicability_disagreements=2
        ),
    ]


def test_that_a_criterion_nobody_reviewed_has_no_agreement() -> None:
    rows = agreement_by_criterion([result("c1", greeting=True)], [])
    assert rows == [
        CriterionAgreement(
            criterion_id="greeting", n=0, observed=None, kappa=None, applicability_disagreements=0
        )
    ]


def test_that_two_results_for_one_conversation_are_refused() -> None:
    with pytest.raises(ValueError, match="two results for conversation c1"):
        agreement_by_criterion([result("c1", greeting=True), result("c1", greeting=False)], [])
