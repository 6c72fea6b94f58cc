"""`cxops model train --tier embedding` and `cxops model eval`, as a user would run them.

Training and evaluation run the real CLI in this process (`CliRunner`), so torch is imported once
per test session rather than once per command; the missing-extra case needs a fresh interpreter.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from cxops.cli import app
from tests.unit.test_intent_embedding import corpus_slice


def cxops(env: dict[str, str], *args: str, prelude: str = "") -> subprocess.CompletedProcess[str]:
    """Run the CLI in a fresh interpreter; `prelude` is Python run before it starts."""
    script = f"{prelude}\nimport sys\nfrom cxops.cli import app\nsys.argv[0] = 'cxops'\napp()\n"
    return subprocess.run(
        [sys.executable, "-c", script, *args], env=env, capture_output=True, text=True
    )


def model_env(tmp_path: Path) -> dict[str, str]:
    """The model commands need no database: only where models live."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("CXOPS_")}
    return env | {
        "CXOPS_DATA_DIR": str(tmp_path),
        "CXOPS_MODEL_DIR": str(tmp_path / "models"),
        "CXOPS_LOG_LEVEL": "warning",
    }


def write_jsonl(path: Path, texts: list[str], labels: list[str]) -> Path:
    lines = (json.dumps({"text": t, "label": x}) for t, x in zip(texts, labels, strict=True))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_that_an_embedding_model_trains_from_a_file_then_evaluates(tmp_path: Path) -> None:
    runner = CliRunner(env=model_env(tmp_path))
    small = write_jsonl(tmp_path / "small.jsonl", *corpus_slice(6, seed=3))
    texts, labels = corpus_slice(2, seed=4)
    held_out = write_jsonl(tmp_path / "held_out.jsonl", texts, labels)

    trained = runner.invoke(app, ["model", "train", "--tier", "embedding", "--data", str(small)])
    assert trained.exit_code == 0, trained.stderr
    version = trained.stdout.strip()
    assert version.endswith("-emb")
    assert f"* {version}" in runner.invoke(app, ["model", "list"]).stdout

    evaluated = runner.invoke(app, ["model", "eval", "--data", str(held_out)])
    assert evaluated.exit_code == 0, evaluated.stderr
    assert f"{version} on {len(texts)} examples" in evaluated.stdout
    assert "macro-F1" in evaluated.stdout
    assert "went to the encoder" in evaluated.stdout


def test_that_the_embedding_tier_without_its_extra_says_how_to_install_it(tmp_path: Path) -> None:
    small = write_jsonl(tmp_path / "small.jsonl", *corpus_slice(3, seed=5))

    done = cxops(
        model_env(tmp_path),
        "model",
        "train",
        "--tier",
        "embedding",
        "--data",
        str(small),
        prelude="import sys\nsys.modules['sentence_transformers'] = None",
    )

    assert done.returncode == 2
    assert "pip install 'cxops[embeddings]'" in done.stderr
    assert "Traceback" not in done.stderr
