"""Suggestion latency over HTTP, and the acceptance-rate report, against a running server.

Usage: .venv/bin/python benchmarks/assist_http.py [--model-dir DIR] [--rounds N]
           [--postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/bench] [--chart PNG]

`cxops serve` runs in a child process over a fresh database (SQLite in a temp dir, and
PostgreSQL when a URL is given; that database is emptied first) with the demo retailer loaded.
Each question of src/cxops/data/kb/questions.yaml is posted as a signed-in demo customer's
message, then `GET /v1/conversations/{id}/suggestions` is timed: database reads, order-system
lookups, drafting, guidance and the insert of the drafts shown, durably committed.

The acceptance report needs agents' feedback, and a benchmark has no agents, so a simulated one
gives it: it accepts the top draft when it is built on an article that answers the question (the
question set's labels), edits such a draft when it ranks lower (appending a sentence), and
ignores every other draft. Its rates measure how often the right passage is offered, and where;
they are not a prediction of real agents' acceptance. The report itself is read back from
`GET /v1/assist/acceptance` exactly as an analyst would.
"""

import argparse
import statistics
import tempfile
import time
from collections import Counter
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Any

import httpx
import matplotlib
import yaml
from rich.progress import Progress
from routing_latency import empty_database, percentile, served
from triage_latency import trained_model_dir

from cxops.demo.retail import generate
from cxops.triage.intent import Tier

matplotlib.use("Agg")
import matplotlib.pyplot as plt

PORT = 8766


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model-dir", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres-url")
    parser.add_argument("--chart", type=Path, help="Write the acceptance report as a PNG here.")
    args = parser.parse_args()
    questions = yaml.safe_load(
        files("cxops.data").joinpath("kb/questions.yaml").read_text(encoding="utf-8")
    )
    with tempfile.TemporaryDirectory() as scratch:
        model_dir = trained_model_dir(args.model_dir, Path(scratch), tier=Tier.FAST)
        databases = [("SQLite", f"sqlite:///{scratch}/bench.db")]
        if args.postgres_url:
            empty_database(args.postgres_url)
            databases.append(("PostgreSQL", args.postgres_url))
        for label, url in databases:
            report = run(label, url, questions, model_dir, Path(scratch), args.rounds)
        print_report(report)
        if args.chart:
            chart(report, args.chart)
            print(f"chart: {args.chart}")


def run(
    label: str,
    url: str,
    questions: list[dict[str, Any]],
    model_dir: Path,
    scratch: Path,
    rounds: int,
) -> dict[str, Any]:
    latencies: list[float] = []
    fallbacks = 0
    requests: Counter[str] = Counter()
    with served(url, model_dir, scratch, port=PORT, role="admin", customers=200, orders=800) as (
        base,
        token,
    ):
        headers = {"Authorization": f"Bearer {token}"}
        with (
            httpx.Client(base_url=base, headers=headers, timeout=30) as client,
            Progress(transient=True) as progress,
        ):
            customers = [c.id for c in generate(today=date.today(), customers=200).customers]
            task = progress.add_task(f"suggestions on {label}", total=rounds * len(questions))
            for n in range(rounds * len(questions)):
                item = questions[n % len(questions)]
                conversation = open_with(client, customers[n % len(customers)], item["question"])
                started = time.perf_counter()
                answer = client.get(f"/v1/conversations/{conversation}/suggestions")
                latencies.append((time.perf_counter() - started) * 1000)
                answer.raise_for_status()
                body = answer.json()
                fallbacks += bool(body["fallbacks"])
                if n < len(questions):
                    requests[give_feedback(client, body["suggestions"], set(item["answers"]))] += 1
                progress.advance(task)
            report = {
                by: client.get("/v1/assist/acceptance", params={"by": by}).json()["rows"]
                for by in ("intent", "source")
            }
    print(f"HTTP GET suggestions, {label}: {len(latencies)} requests, one client")
    print(f"  p50 {statistics.median(latencies):.1f} ms, p99 {percentile(latencies, 99):.1f} ms")
    print(f"  requests that fell back to stay within the budget: {fallbacks}")
    shares = ", ".join(f"{k} {v / len(questions):.0%}" for k, v in requests.most_common())
    print(f"  simulated agent, per question: {shares}")
    return report


def open_with(client: httpx.Client, customer: str, text: str) -> str:
    opened = client.post("/v1/conversations", json={"channel": "chat", "customer_id": customer})
    opened.raise_for_status()
    conversation = str(opened.json()["id"])
    client.post(
        f"/v1/conversations/{conversation}/messages", json={"text": text}
    ).raise_for_status()
    return conversation


def give_feedback(client: httpx.Client, drafts: list[dict[str, Any]], answers: set[str]) -> str:
    """The simulated agent (see the module docstring); what it did with the request's drafts."""
    outcome = "none right"
    for draft in drafts:
        right = draft["source"] == "article" and draft["source_id"] in answers
        if right and outcome == "none right":
            outcome = "top draft accepted" if draft["rank"] == 1 else "lower draft edited"
        if right and draft["rank"] == 1:
            feedback: dict[str, Any] = {"action": "accepted"}
        elif right:
            feedback = {"action": "edited", "final_text": draft["text"] + " Thanks for waiting."}
        else:
            feedback = {"action": "ignored", "reason": "not what the customer asked"}
        client.post(f"/v1/suggestions/{draft['id']}/feedback", json=feedback).raise_for_status()
    return outcome


def print_report(report: dict[str, Any]) -> None:
    for by, rows in report.items():
        print(f"acceptance by {by} (simulated agent, first round):")
        for row in sorted(rows, key=lambda r: -r["shown"]):
            print(
                f"  {row['key']:<28} shown {row['shown']:>4}  accepted {row['accepted']:>3}"
                f"  edited {row['edited']:>3}  ignored {row['ignored']:>4}"
                f"  rate {row['acceptance_rate']:.1%}"
            )


def chart(report: dict[str, Any], path: Path) -> None:
    rows = sorted(report["intent"], key=lambda r: r["acceptance_rate"])
    figure, axis = plt.subplots(figsize=(8, max(3.0, 0.28 * len(rows))))
    axis.barh([r["key"] for r in rows], [100 * r["acceptance_rate"] for r in rows])
    axis.set_xlabel("suggestions accepted or edited, % of those with feedback")
    axis.set_title("Suggestion acceptance by intent (simulated agent)")
    axis.set_xlim(0, 100)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


if __name__ == "__main__":
    main()
