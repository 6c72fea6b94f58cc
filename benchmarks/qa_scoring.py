"""Conversations scored per second: the QA engine alone, and scoring with its database work.

Usage: .venv/bin/python benchmarks/qa_scoring.py [--conversations 300]

1. Engine: transcripts built from the self-service scenario suite's conversations (bot) and the
   same turns answered by an agent (person), scored against the shipped scorecard, with and
   without the static-embedding model for the semantic criteria, on one core.
2. With the database: `--conversations` contacts go through the real pipeline into SQLite (the
   scenario world, the real triage model), are closed, and then `QualityDesk.rescore` reads each
   one, scores it, summarises its contact facts and writes both, one transaction per
   conversation: what `cxops qa rescore` does.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from rich.progress import Progress
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]
from triage_latency import trained_model_dir

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.selfservice_suite import NOW, build_template, load_suite
from tests.wiring import build_pipeline

from cxops.assist.retrieval import static_embedder
from cxops.bootstrap import build_triage
from cxops.connectors.clock import FixedClock
from cxops.domain.conversations import Channel, MessageRole, Outcome
from cxops.domain.ids import ConversationId
from cxops.logs import configure_logging
from cxops.pipeline import NewConversation, NewMessage, Pipeline
from cxops.qa.scorecard import default_scorecard
from cxops.qa.scoring import score
from cxops.qa.service import QualityDesk
from cxops.qa.transcript import transcript
from cxops.settings import Settings
from cxops.store.engine import make_engine
from cxops.store.uow import SqlUnitOfWorkFactory
from cxops.triage.engine import TriageEngine
from cxops.triage.intent import Tier

AGENT = "Thanks for your patience, I'm sorry for the wait. Is there anything else?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=300)
    parser.add_argument("--model-dir", type=Path)
    args = parser.parse_args()
    configure_logging("warning")
    with tempfile.TemporaryDirectory() as scratch:
        model_dir = trained_model_dir(args.model_dir, Path(scratch), tier=Tier.FAST)
        triage = build_triage(Settings(data_dir=Path(scratch), model_dir=model_dir))
        uow = SqlUnitOfWorkFactory(
            make_engine(f"sqlite:///{build_template(load_suite().world, Path(scratch))}")
        )
        clock = FixedClock(NOW - timedelta(days=1))
        fill(uow, clock, triage, args.conversations)
        engine_figures(uow)
        desk = QualityDesk(uow_factory=uow, clock=clock, scorecard=default_scorecard())
        started = time.perf_counter()
        done = desk.rescore(since=NOW - timedelta(days=2), until=NOW + timedelta(days=1))
        took = time.perf_counter() - started
        print(f"with the database (SQLite): {done} conversations in {took:.1f} s,")
        print(f"  {done / took:.0f} conversations/s (read, score, summarise, write)")


def fill(uow: SqlUnitOfWorkFactory, clock: FixedClock, triage: TriageEngine, count: int) -> None:
    pipeline = build_pipeline(uow, clock, triage)
    scripts = [s.turns for s in load_suite().scenarios if s.account is None]
    with Progress(transient=True) as progress:
        task = progress.add_task("conversations through the pipeline", total=count)
        for n in range(count):
            opened = pipeline.start_conversation(NewConversation(channel=Channel.CHAT))
            conversation = opened.conversation
            for turn in scripts[n % len(scripts)]:
                clock.advance(timedelta(seconds=25))
                if not is_open(pipeline, conversation.id):
                    break
                pipeline.post_message(conversation.id, NewMessage(text=turn))
                if n % 2 and is_open(pipeline, conversation.id):
                    reply = NewMessage(text=AGENT, role=MessageRole.AGENT)
                    pipeline.post_message(conversation.id, reply)
            if is_open(pipeline, conversation.id):
                pipeline.close(conversation.id, outcome=Outcome.RESOLVED)
            progress.advance(task)


def is_open(pipeline: Pipeline, conversation_id: ConversationId) -> bool:
    return pipeline.conversation(conversation_id).conversation.status.value != "closed"


def engine_figures(uow: SqlUnitOfWorkFactory) -> None:
    with uow() as u:
        ids = u.contacts.closed_between(NOW - timedelta(days=3), NOW + timedelta(days=1))
        transcripts = [
            transcript(
                u.conversations.get(i),  # type: ignore[arg-type]
                u.messages.list_for_conversation(i),
                u.triage.for_conversation(i),
                u.decisions.list_for_conversation(i),
                u.actions.for_conversation(i),
            )
            for i in ids
        ]
    card = default_scorecard()
    embed = static_embedder().embed
    os.sched_setaffinity(0, {0})
    with threadpool_limits(limits=1):
        for label, embedder in (("phrases only", None), ("with semantic criteria", embed)):
            timings = []
            for _ in range(3):
                started = time.perf_counter()
                for t in transcripts:
                    score(t, card, embed=embedder)
                timings.append(time.perf_counter() - started)
            rate = len(transcripts) / statistics.median(timings)
            turns = statistics.mean(len(t.turns) for t in transcripts)
            print(
                f"engine, {label}: {rate:,.0f} conversations/s ({turns:.1f} turns each, one core)"
            )
    os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))


if __name__ == "__main__":
    main()
