"""KPI queries over a million messages, on SQLite and PostgreSQL.

Usage: .venv/bin/python benchmarks/kpi_queries.py [--messages 1000000]
           [--postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/bench]

A query benchmark needs volume the pipeline cannot produce in minutes (a million messages at
~25 ms each is seven hours), so this script writes the rows directly, in the shapes the pipeline
writes them: conversations of four messages over 90 days, each customer message with its triage
row (intent, language, confidence, latency), and one contact-facts row per closed conversation
(what `QualityDesk` writes at close). The timed calls are exactly what `GET /v1/kpis` runs
(`Reporting.kpis`): one GROUP BY query over the contact facts and the pure KPI layer, for the
last 30 days by day, for every breakdown, and for 90 days by week. The PostgreSQL database is
emptied first.
"""

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.progress import Progress
from routing_latency import empty_database
from sqlalchemy import Engine, insert

from cxops.analytics.costs import default_cost_model
from cxops.analytics.kpis import Dimension, Granularity, LatencyHistogram
from cxops.analytics.service import Reporting
from cxops.connectors.clock import FixedClock
from cxops.store.engine import make_engine
from cxops.store.migrate import upgrade
from cxops.store.tables import contact_facts, conversations, message_triage, messages
from cxops.store.uow import SqlUnitOfWorkFactory

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)
DAYS = 90
BATCH = 10_000
INTENTS = ("order_status", "return_item", "refund_status", "missing_delivery", "cancel_order")
INTENTS += ("complaint", "damaged_item", "warranty_claim", "payment_issue", "store_info")
QUEUES = ("q_orders_delivery", "q_returns", "q_billing", "q_care", "q_vip", "q_es", "q_general")
CHANNELS = ("chat", "chat", "chat", "email", "sms", "voice")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--postgres-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        targets = [("SQLite", f"sqlite:///{Path(scratch) / 'kpis.db'}")]
        if args.postgres_url:
            empty_database(args.postgres_url)
            targets.append(("PostgreSQL", args.postgres_url))
        for label, url in targets:
            engine = make_engine(url)
            upgrade(engine)
            started = time.perf_counter()
            fill(engine, args.messages, label)
            took = time.perf_counter() - started
            print(f"{label}: {args.messages:,} messages written in {took:.0f} s")
            measure(engine, label)
            engine.dispose()


def fill(engine: Engine, count: int, label: str) -> None:
    dice = random.Random(11)
    conversations_needed = count // 4
    with Progress(transient=True) as progress, engine.begin() as conn:
        task = progress.add_task(f"writing {label}", total=conversations_needed)
        rows: dict[str, list[dict[str, Any]]] = {"c": [], "m": [], "t": [], "f": []}
        for n in range(conversations_needed):
            add_conversation(rows, n, dice)
            if len(rows["c"]) >= BATCH:
                flush(conn, rows)
                progress.update(task, completed=n + 1)
        flush(conn, rows)


def add_conversation(rows: dict[str, list[dict[str, Any]]], n: int, dice: random.Random) -> None:
    opened = NOW - timedelta(seconds=dice.uniform(0, DAYS * 86400))
    closed = opened + timedelta(minutes=dice.uniform(2, 40))
    cid = f"conv_b{n:012d}"
    intent = dice.choice(INTENTS)
    bot = dice.random() < 0.7
    escalated = bot and dice.random() < 0.35
    person = not bot or escalated
    resolved = dice.random() < 0.85
    rows["c"].append(
        {
            "id": cid,
            "channel": dice.choice(CHANNELS),
            "status": "closed",
            "subject": "",
            "created_at": opened,
            "updated_at": closed,
            "closed_at": closed,
            "outcome": "resolved" if resolved else "unresolved",
        }
    )
    latencies = []
    for k in range(4):
        mid = f"msg_b{n:012d}{k}"
        at = opened + timedelta(seconds=30 * k)
        role = "customer" if k % 2 == 0 else ("bot" if bot and k == 1 else "agent")
        rows["m"].append(
            {"id": mid, "conversation_id": cid, "role": role, "text": "…", "created_at": at}
        )
        if role == "customer":
            rows["t"].append(triage_row(mid, cid, intent, at, dice))
            latencies.append(rows["t"][-1]["latency_ms"])
    assigned = opened + timedelta(minutes=1)
    rows["f"].append(
        {
            "conversation_id": cid,
            "customer_id": f"C{dice.randrange(50_000):06d}",
            "channel": rows["c"][-1]["channel"],
            "intent": intent,
            "queue_id": dice.choice(QUEUES) if person else None,
            "agent_id": f"A{dice.randrange(40):03d}" if person else None,
            "segment": "vip" if dice.random() < 0.1 else "standard",
            "variant": "retail-default@2026.11.1+abcd1234",
            "opened_at": opened,
            "closed_at": closed,
            "outcome": rows["c"][-1]["outcome"],
            "bot_started": bot,
            "escalated": escalated,
            "escalation_reasked": escalated and dice.random() < 0.2,
            "agent_handled": person,
            "contained": bot and not escalated and resolved,
            "transfers": int(person and dice.random() < 0.08),
            "handle_seconds": (closed - assigned).total_seconds() if person else 0.0,
            "customer_turns": 2,
            "bot_turns": 1 if bot else 0,
            "agent_turns": 1 if person else 0,
            "suggestions_shown": 5 if person else 0,
            "suggestions_with_feedback": 3 if person else 0,
            "suggestions_used": dice.randrange(0, 2) if person else 0,
            "generative_drafts": 0,
            "csat": dice.randint(1, 5) if dice.random() < 0.3 else None,
            "repeated": dice.random() < 0.12,
            "repeat_of": None,
            **{
                f"latency_b{i}": count
                for i, count in enumerate(LatencyHistogram.from_values(latencies).counts)
            },
        }
    )


def triage_row(
    mid: str, cid: str, intent: str, at: datetime, dice: random.Random
) -> dict[str, Any]:
    return {
        "message_id": mid,
        "conversation_id": cid,
        "intent": intent,
        "intent_confidence": dice.uniform(0.4, 1.0),
        "out_of_scope": dice.random() < 0.05,
        "intent_alternatives": [],
        "sentiment_score": dice.uniform(-1, 1),
        "sentiment_label": "neutral",
        "frustration": [],
        "urgency": "normal",
        "urgency_reasons": [],
        "language": "es" if dice.random() < 0.15 else "en",
        "language_confidence": 0.99,
        "sensitive_topics": [],
        "pii": [],
        "model_versions": {},
        "latency_ms": dice.lognormvariate(1.0, 0.5),
        "created_at": at,
    }


def flush(conn: Any, rows: dict[str, list[dict[str, Any]]]) -> None:
    for key, table in (
        ("c", conversations),
        ("m", messages),
        ("t", message_triage),
        ("f", contact_facts),
    ):
        if rows[key]:
            conn.execute(insert(table), rows[key])
            rows[key].clear()


def measure(engine: Engine, label: str) -> None:
    reporting = Reporting(
        uow_factory=SqlUnitOfWorkFactory(engine),
        clock=FixedClock(NOW),
        cost_model=default_cost_model(),
    )
    cases: list[tuple[str, dict[str, Any]]] = [
        (f"30 days by day, by {d.value}", {"dimension": d, "since": NOW - timedelta(days=30)})
        for d in Dimension
    ]
    cases.append(
        (
            "90 days by week, by intent",
            {
                "dimension": Dimension.INTENT,
                "granularity": Granularity.WEEK,
                "since": NOW - timedelta(days=DAYS),
            },
        )
    )
    print(f"{label}: KPI report (GET /v1/kpis's work), median and worst of 5 runs")
    for name, kwargs in cases:
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            report = reporting.kpis(until=NOW, **kwargs)
            timings.append((time.perf_counter() - started) * 1000)
        contacts = sum(row.sums.contacts for row in report.totals())
        print(
            f"  {name:<34} {statistics.median(timings):7.0f} ms  (max {max(timings):.0f} ms,"
            f" {contacts:,} contacts)"
        )


if __name__ == "__main__":
    main()
