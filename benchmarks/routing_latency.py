"""Decision latency (the pure engine) and message-to-decision latency over HTTP.

Usage: .venv/bin/python benchmarks/routing_latency.py [--model-dir DIR] [--messages N]
           [--postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/test]

1. The engine alone: every dev-set message (benchmarks/data) is triaged once, then each triage is
   decided `--rounds` times against the shipped policy, the 40 demo agents and live-looking
   forecasts for the seven queues, on one core. This is the figure the issue targets (< 2 ms).
2. End to end: `cxops serve` in a child process over a fresh database (SQLite in a temp dir, and
   PostgreSQL when a URL is given; that database is emptied first), the demo retailer loaded, and
   `--messages` customer messages posted one at a time, each in its own conversation for a demo
   customer, timing the POST that returns the triage and the decision (durably committed).
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import httpx
from rich.progress import Progress
from sqlalchemy import MetaData, create_engine
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]
from triage_latency import dev_texts, trained_model_dir

from cxops.bootstrap import build_triage
from cxops.demo.retail import generate
from cxops.domain.ids import QueueId
from cxops.domain.routing import AgentLoad, ConversationState, CustomerContext, QueueForecast
from cxops.routing.engine import decide
from cxops.routing.policy import default_policy
from cxops.settings import Settings
from cxops.triage.intent import Tier


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model-dir", type=Path)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--postgres-url")
    args = parser.parse_args()
    texts = dev_texts()
    with tempfile.TemporaryDirectory() as scratch:
        model_dir = trained_model_dir(args.model_dir, Path(scratch), tier=Tier.FAST)
        engine_figures(texts, model_dir, Path(scratch), rounds=args.rounds)
        sqlite_url = f"sqlite:///{scratch}/bench.db"
        http_figures("SQLite", sqlite_url, texts, model_dir, Path(scratch), args.messages)
        if args.postgres_url:
            empty_database(args.postgres_url)
            http_figures(
                "PostgreSQL", args.postgres_url, texts, model_dir, Path(scratch), args.messages
            )


def engine_figures(texts: list[str], model_dir: Path, scratch: Path, *, rounds: int) -> None:
    triage_engine = build_triage(Settings(data_dir=scratch, model_dir=model_dir))
    triages = [triage_engine.triage(text) for text in texts]
    policy = default_policy().policy
    dataset = generate(today=date(2026, 11, 1), customers=20, products=11, orders=0)
    agents = [AgentLoad.of(a, active=n % 3) for n, a in enumerate(dataset.agents)]
    forecasts = {
        QueueId(q.id): QueueForecast(QueueId(q.id), 45.0, 0.82, 0.8, False, False)
        for q in policy.queues
    }
    state = ConversationState(customer_turns=1, bot_turns=0, clarifications=0, sentiment=None)
    customer = CustomerContext(known=True)
    os.sched_setaffinity(0, {0})
    latencies = []
    outcomes: Counter[str] = Counter()
    with threadpool_limits(limits=1):
        for _ in range(rounds):
            for triage in triages:
                started = time.perf_counter()
                decision = decide(
                    triage=triage,
                    state=state,
                    customer=customer,
                    forecasts=forecasts,
                    agents=agents,
                    policy=policy,
                )
                latencies.append((time.perf_counter() - started) * 1000)
                outcomes[decision.outcome.value] += 1
    os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
    print(f"decision engine: {len(latencies)} decisions, one core")
    print(f"  p50 {statistics.median(latencies):.3f} ms, p99 {percentile(latencies, 99):.3f} ms")
    share = ", ".join(f"{k} {v / len(latencies):.0%}" for k, v in sorted(outcomes.items()))
    print(f"  outcomes on the dev set: {share}")


def http_figures(
    label: str, url: str, texts: list[str], model_dir: Path, scratch: Path, count: int
) -> None:
    with served(url, model_dir, scratch, port=8765, role="integration") as (base, token):
        dice = random.Random(7)
        customers = [c.id for c in generate(today=date.today(), customers=500, orders=0).customers]
        latencies = []
        outcomes: Counter[str] = Counter()
        with (
            httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as client,
            Progress(transient=True) as progress,
        ):
            task = progress.add_task(f"posting to {label}", total=count)
            for n in range(count):
                customer = dice.choice(customers)
                opened = client.post(
                    "/v1/conversations", json={"channel": "chat", "customer_id": customer}
                )
                if opened.status_code != 201:
                    raise SystemExit(f"could not open a conversation: {opened.text}")
                conversation = opened.json()
                started = time.perf_counter()
                posted = client.post(
                    f"/v1/conversations/{conversation['id']}/messages",
                    json={"text": texts[n % len(texts)]},
                )
                latencies.append((time.perf_counter() - started) * 1000)
                posted.raise_for_status()
                outcomes[posted.json()["decision"]["outcome"]] += 1
                progress.advance(task)
    print(f"HTTP message -> triage + decision, {label}: {count} messages, one client")
    print(f"  p50 {statistics.median(latencies):.1f} ms, p99 {percentile(latencies, 99):.1f} ms")
    share = ", ".join(f"{k} {v / count:.0%}" for k, v in sorted(outcomes.items()))
    print(f"  outcomes: {share}")


@contextmanager
def served(
    url: str,
    model_dir: Path,
    scratch: Path,
    *,
    port: int,
    role: str,
    customers: int = 500,
    orders: int = 2000,
) -> Iterator[tuple[str, str]]:
    """`cxops serve` in a child process over `url` with the demo retailer seeded: yields its
    base URL and an API key of `role`; stopped on exit."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CXOPS_")}
    env |= {
        "CXOPS_DATABASE_URL": url,
        "CXOPS_DATA_DIR": str(scratch),
        "CXOPS_MODEL_DIR": str(model_dir),
        "CXOPS_PORT": str(port),
        "CXOPS_LOG_LEVEL": "warning",
        "CXOPS_WEBHOOK_DISPATCHER": "false",
        "CXOPS_MONITOR_INTERVAL_SECONDS": "0",
    }
    cli = [sys.executable, "-m", "cxops"]
    seeding = [*cli, "seed", "--customers", str(customers), "--orders", str(orders)]
    subprocess.run(seeding, env=env, check=True, capture_output=True)
    token = subprocess.run(
        [*cli, "keys", "create", "--role", role],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    server = subprocess.Popen(
        [*cli, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(base)
        yield base, token
    finally:
        server.terminate()
        server.wait(timeout=30)


def wait_ready(base: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("server did not become ready")


def empty_database(url: str) -> None:
    """Drop every table in the benchmark's PostgreSQL database (it must be a scratch one)."""
    engine = create_engine(url)
    meta = MetaData()
    meta.reflect(engine)
    meta.drop_all(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    engine.dispose()


def percentile(values: list[float], p: int) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * p / 100) - 1)]


if __name__ == "__main__":
    main()
