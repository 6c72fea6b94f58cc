"""Every scripted conversation of the suite reaches its expected outcome (see
`tests/scenarios/selfservice.yaml`): run through the real pipeline, model and order store."""

from pathlib import Path

import pytest

from cxops.triage.engine import TriageEngine
from tests.selfservice_suite import Scenario, build_template, load_suite, run_scenario

SUITE = load_suite()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(SUITE.world, tmp_path_factory.mktemp("world"))


def test_that_the_suite_is_big_enough_and_names_are_unique() -> None:
    names = [s.name for s in SUITE.scenarios]
    assert len(names) == len(set(names))
    assert len(names) >= 60


@pytest.mark.parametrize("scenario", SUITE.scenarios, ids=lambda s: s.name)
def test_scenario(
    scenario: Scenario, template: Path, tmp_path: Path, triage_engine: TriageEngine
) -> None:
    result = run_scenario(scenario, template=template, workdir=tmp_path, triage=triage_engine)
    assert result.ok, "\n".join([*result.problems, "bot said:", *result.replies])
