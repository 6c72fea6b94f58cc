"""Full-triage latency and throughput on one core, model load time and memory, for either tier.

Usage: .venv/bin/python benchmarks/triage_latency.py [--model-dir DIR | --tier fast|embedding]
           [--rounds N]

Without a model directory, trains the default model of `--tier` into a temporary one first, with
`cxops model train` in a child process, so the load measured here starts cold (for the embedding
tier: importing torch and reading the encoder too). Messages are the dev set in benchmarks/data
(real-looking customer text, 20-400 characters), each triaged alone, as the pipeline does, on
one core and one thread.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from cxops.bootstrap import build_triage
from cxops.learning.training import intent_registry
from cxops.settings import Settings
from cxops.triage.intent import Tier

HERE = Path(__file__).parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model-dir", type=Path)
    parser.add_argument("--tier", type=Tier, choices=list(Tier), default=Tier.FAST)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    texts = dev_texts()
    with tempfile.TemporaryDirectory() as scratch:
        model_dir = trained_model_dir(args.model_dir, Path(scratch), tier=args.tier)
        os.sched_setaffinity(0, {0})
        settings = Settings(data_dir=Path(scratch), model_dir=model_dir)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        engine = build_triage(settings)
        load_s = time.perf_counter() - started
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        model = intent_registry(model_dir).load_current()
        if model is None:
            raise SystemExit(f"no current intent model in {model_dir}")
        print(f"intent model {model.version} ({model.tier} tier)")
        print(f"engine load (model + language detector + warm-up): {load_s:.2f} s")
        print(f"peak RSS after load: {rss_mb:.0f} MB (before: {before / 1024:.0f} MB)")

        latencies = []
        encoded_before = 0 if model.encoder is None else model.encoder.texts_encoded
        with threadpool_limits(limits=1):
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
        if model.encoder is not None:
            encoded = model.encoder.texts_encoded - encoded_before
            print(f"cascade: {encoded / len(latencies):.1%} of messages reached the encoder")


def dev_texts() -> list[str]:
    """The messages of the project's dev set (benchmarks/data), in file order."""
    lines = (HERE / "data" / "retail_intents_dev.jsonl").read_text().splitlines()
    return [json.loads(line)["text"] for line in lines]


def trained_model_dir(given: Path | None, scratch: Path, *, tier: Tier) -> Path:
    """`given`, or a fresh model directory under `scratch` with the default model of `tier`."""
    if given is not None:
        return given
    model_dir = scratch / "models"
    train_in_child(model_dir, tier=tier)
    return model_dir


def train_in_child(model_dir: Path, *, tier: Tier) -> None:
    """Train and activate the default model of `tier` with the CLI (its progress on stderr)."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("CXOPS_")}
    environment |= {"CXOPS_MODEL_DIR": str(model_dir), "CXOPS_DATA_DIR": str(model_dir.parent)}
    subprocess.run(
        [sys.executable, "-m", "cxops", "model", "train", "--tier", tier.value],
        env=environment,
        check=True,
        stdout=subprocess.DEVNULL,
    )


if __name__ == "__main__":
    main()
