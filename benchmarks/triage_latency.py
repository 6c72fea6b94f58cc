"""Full-triage latency and throughput on one core, model load time and memory.

Usage: .venv/bin/python benchmarks/triage_latency.py [--model-dir DIR] [--rounds N]

Trains the default model into a temporary directory when no model directory is given. Messages
are the dev set in benchmarks/data (real-looking customer text, 20-400 characters), each triaged
alone, as the pipeline does.
"""

import argparse
import json
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path

from cxops.bootstrap import build_triage
from cxops.settings import Settings

HERE = Path(__file__).parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model-dir", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    os.sched_setaffinity(0, {0})
    texts = [
        json.loads(line)["text"]
        for line in (HERE / "data" / "retail_intents_dev.jsonl").read_text().splitlines()
    ]
    with tempfile.TemporaryDirectory() as scratch:
        model_dir = args.model_dir or Path(scratch)
        settings = Settings(data_dir=Path(scratch), model_dir=model_dir)
        if args.model_dir is None:
            build_triage(settings)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        engine = build_triage(settings)
        load_s = time.perf_counter() - started
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"engine load (model + language detector + warm-up): {load_s:.2f} s")
        print(f"peak RSS after load: {rss_mb:.0f} MB (before: {before / 1024:.0f} MB)")

        latencies = []
        started = time.perf_counter()
        for _ in range(args.rounds):
            for text in texts:
                t0 = time.perf_counter()
                engine.triage(text)
                latencies.append((time.perf_counter() - t0) * 1000)
        elapsed = time.perf_counter() - started
        latencies.sort()
        p99 = latencies[int(0.99 * len(latencies)) - 1]
        print(f"messages: {len(latencies)} ({len(texts)} texts x {args.rounds} rounds), one core")
        print(f"full triage p50 {statistics.median(latencies):.2f} ms, p99 {p99:.2f} ms")
        print(f"throughput: {len(latencies) / elapsed:.0f} messages/s")


if __name__ == "__main__":
    main()
