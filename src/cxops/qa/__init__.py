"""Automated quality assurance of closed conversations, bot and human alike.

`scorecard` reads and validates the versioned YAML scorecards; `scoring` judges one transcript
against one, with evidence for every point; `agreement` measures how far the automated verdicts
agree with human reviewers' (Cohen's kappa per criterion). All pure: data in, results out.
"""

from cxops.qa.agreement import CriterionAgreement, agreement_by_criterion, cohen_kappa
from cxops.qa.scorecard import (
    LoadedScorecard,
    Scorecard,
    default_scorecard,
    parse_scorecard,
    read_scorecard,
)
from cxops.qa.scoring import Embed, score

__all__ = [
    "CriterionAgreement",
    "Embed",
    "LoadedScorecard",
    "Scorecard",
    "agreement_by_criterion",
    "cohen_kappa",
    "default_scorecard",
    "parse_scorecard",
    "read_scorecard",
    "score",
]
