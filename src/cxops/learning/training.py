"""Training the intent model from the project's own corpus or from a user's labelled file."""

from collections.abc import Callable
from pathlib import Path

from cxops.learning.corpus import build_corpus
from cxops.learning.datasets import read_label_map, read_labelled
from cxops.learning.registry import ModelRegistry
from cxops.triage.intent import IntentModel, Tier, load_intent_model, train

Progress = Callable[[str, float], None]


def intent_registry(root: Path) -> ModelRegistry[IntentModel]:
    """The registry of intent models under `root` (the settings' model directory)."""
    return ModelRegistry(root, load=load_intent_model)


def train_default(*, tier: Tier = Tier.FAST, progress: Progress | None = None) -> IntentModel:
    """Train on the retail corpus that ships with cxops (deterministic for a given release)."""
    corpus = build_corpus()
    return train(
        [example.text for example in corpus],
        [example.label for example in corpus],
        tier=tier,
        progress=progress,
    )


def train_from_file(
    path: Path,
    *,
    label_map: Path | None = None,
    tier: Tier = Tier.FAST,
    progress: Progress | None = None,
) -> IntentModel:
    """Train on a user's labelled CSV or JSONL file, optionally mapping its labels onto ours."""
    examples = read_labelled(path)
    if label_map is not None:
        examples = read_label_map(label_map).apply(examples)
    return train(
        [text for text, _ in examples],
        [label for _, label in examples],
        tier=tier,
        progress=progress,
    )


def current_or_default(registry: ModelRegistry[IntentModel]) -> IntentModel:
    """Load the active intent model; on a fresh install, train the default one and activate it."""
    model = registry.load_current()
    if model is not None:
        return model
    model = train_default()
    registry.save(model)
    registry.activate(model.version)
    return model
