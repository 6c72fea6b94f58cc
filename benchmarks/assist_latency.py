"""Suggestion latency: reply drafts and guidance for one customer message, in process.

Usage: .venv/bin/python benchmarks/assist_latency.py [--rounds N]

Each question of src/cxops/data/kb/questions.yaml stands for a customer's latest message; the
drafts (macro scoring with embeddings, hybrid knowledge retrieval, filling, compliance filter)
and the guidance are computed for it as a verified customer with an order in transit, `--rounds`
times, on one core. The target for issue [5] is under 50 ms without a generative endpoint; the
HTTP endpoint adds the database reads and the insert of the suggestions shown.
"""

import argparse
import statistics
import time
from importlib.resources import files

import yaml
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from cxops.assist.guidance import guide
from cxops.assist.kb import chunk, shipped_articles, shipped_macros
from cxops.assist.retrieval import KnowledgeIndex, static_embedder
from cxops.assist.rules import default_rules
from cxops.assist.suggest import Case, MacroLibrary, OrderFacts, draft_replies
from cxops.logs import configure_logging


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    configure_logging("WARNING")
    questions = yaml.safe_load(
        files("cxops.data").joinpath("kb/questions.yaml").read_text(encoding="utf-8")
    )
    rules = default_rules().rules
    index = KnowledgeIndex(
        [c for a in shipped_articles() for c in chunk(a)], embedder=static_embedder()
    )
    library = MacroLibrary(shipped_macros(), embedder=static_embedder())
    order = OrderFacts("W2001234", "shipped", "UPS", "1Z999AA10123456784", "2026-11-25")
    timings = []
    counts = []
    with threadpool_limits(limits=1):
        for _ in range(args.rounds):
            for item in questions:
                case = Case(
                    query=item["question"],
                    intent="order_status",
                    confidence=0.9,
                    language=item["language"],
                    sentiment=-0.2,
                    sentiment_trend=None,
                    sensitive_topics=(),
                    identity_verified=True,
                    first_name="Ana",
                    order=order,
                    channel="chat",
                )
                started = time.perf_counter()
                drafts = draft_replies(case, index=index, library=library, rules=rules)
                guide(case, rules)
                timings.append((time.perf_counter() - started) * 1000)
                counts.append(len(drafts))
    cuts = statistics.quantiles(timings, n=100)
    print(f"{len(timings)} suggestion sets ({statistics.mean(counts):.1f} drafts each), one core")
    print(
        f"  p50 {statistics.median(timings):.2f} ms, p95 {cuts[94]:.2f} ms, p99 {cuts[98]:.2f} ms"
    )


if __name__ == "__main__":
    main()
