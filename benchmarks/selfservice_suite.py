"""The self-service bot on its scripted conversation suite: containment, correct outcomes and
per-turn latency.

Usage: .venv/bin/python benchmarks/selfservice_suite.py [--model-dir DIR] [--rounds N]

Every scenario of tests/scenarios/selfservice.yaml (customer turns and the outcome a production
bot must reach) runs through the real pipeline, in process: the default intent model (trained
into a scratch directory unless `--model-dir` holds one), the shipped routing policy, the bot and
the embedded order store on SQLite, each scenario on a fresh copy of the suite's retail world.

- containment: scenarios that ended without a person (no handoff), of all scenarios;
- correct outcome: scenarios whose end state (resolved / escalated with the expected reason /
  waiting for approval, store changes, what was and was not said) matches the script;
- per-turn latency: one customer message, from the call to the committed bot reply (triage,
  routing, order-system calls, records), over `--rounds` runs of the suite.
"""

import argparse
import statistics
import sys
import tempfile
from collections import Counter
from pathlib import Path

from rich.progress import Progress
from triage_latency import trained_model_dir

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.selfservice_suite import Result, build_template, load_suite, run_scenario

from cxops.bootstrap import build_triage
from cxops.logs import configure_logging
from cxops.settings import Settings
from cxops.triage.intent import Tier


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model-dir", type=Path, default=None)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    configure_logging("WARNING")
    suite = load_suite()
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        model_dir = trained_model_dir(args.model_dir, work, tier=Tier.FAST)
        triage = build_triage(Settings(data_dir=work, model_dir=model_dir))
        template = build_template(suite.world, work)
        results: list[Result] = []
        turns: list[float] = []
        with Progress() as progress:
            task = progress.add_task("scenarios", total=len(suite.scenarios) * args.rounds)
            for round_no in range(args.rounds):
                for scenario in suite.scenarios:
                    result = run_scenario(scenario, template=template, workdir=work, triage=triage)
                    turns.extend(result.turn_ms)
                    if round_no == 0:
                        results.append(result)
                    progress.advance(task)
    report(results, turns)


def report(results: list[Result], turns: list[float]) -> None:
    total = len(results)
    contained = sum(r.contained for r in results)
    correct = sum(r.ok for r in results)
    print(f"scenarios: {total}  (turns timed: {len(turns)})")
    print(f"containment: {contained}/{total} = {contained / total:.1%}")
    print(f"correct outcome: {correct}/{total} = {correct / total:.1%}")
    expected = Counter(r.scenario.expect.outcome for r in results)
    right = Counter(r.scenario.expect.outcome for r in results if r.ok)
    for outcome, count in sorted(expected.items()):
        print(f"  expected {outcome:<9} {right[outcome]}/{count}")
    cuts = statistics.quantiles(turns, n=100)
    print(
        f"per-turn latency ms: p50 {statistics.median(turns):.1f}  p95 {cuts[94]:.1f}  "
        f"p99 {cuts[98]:.1f}  max {max(turns):.1f}"
    )
    for result in results:
        if not result.ok:
            print(f"  wrong: {result.scenario.name}: {'; '.join(result.problems)}")


if __name__ == "__main__":
    main()
