"""The bundled embedder: offline, checked, and semantically sensible."""

from __future__ import annotations

import numpy as np
import pytest

from bot.index.embedding import EmbeddingModelError, MiniLMEmbeddings, default_model_path


def test_vectors_are_unit_length_and_similar_sentences_are_close(embeddings):
    vectors = embeddings.encode(
        ["A man is eating food.", "A man is eating a piece of bread.", "A man is riding a horse."]
    )
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    similarity = vectors @ vectors.T
    # Reference all-MiniLM-L6-v2 gives about 0.75 for the first pair.
    assert 0.65 < similarity[0, 1] < 0.85
    assert similarity[0, 1] > similarity[0, 2]


def test_langchain_interface(embeddings):
    assert len(embeddings.embed_query("hello")) == 384
    assert len(embeddings.embed_documents(["a", "b"])) == 2
    assert embeddings.embed_documents([]) == []


def test_a_tampered_model_file_is_refused(tmp_path):
    fake = tmp_path / "model.onnx"
    fake.write_bytes(default_model_path().read_bytes()[:1000])
    with pytest.raises(EmbeddingModelError, match="sha256"):
        MiniLMEmbeddings(model_path=fake).embed_query("x")


def test_batching_by_length_returns_each_vector_in_its_texts_place(embeddings):
    import numpy as np

    texts = ["a short one", "x " * 300, "a middling sentence about safe routes", "", "y " * 40]
    together = embeddings.encode(texts)
    alone = np.vstack([embeddings.encode([t]) for t in texts])
    assert together.shape == (5, 384)
    assert np.allclose(together, alone, atol=1e-4)


def test_the_shared_cache_gives_every_thread_the_right_vectors(embeddings):
    """Eight threads ask for overlapping texts through a cache far smaller than what they
    ask for, so entries are evicted between one thread's check and its read all the time."""
    import random
    import threading

    from bot.index.embedding import CachedEmbeddings

    texts = [f"question number {n} about safe routes" for n in range(40)]
    reference = dict(zip(texts, embeddings.embed_documents(texts), strict=True))
    cache = CachedEmbeddings(embeddings, size=4)
    problems: list[str] = []

    def hammer(seed: int) -> None:
        pick = random.Random(seed)
        for _ in range(60):
            batch = pick.sample(texts, 3)
            try:
                got = cache.embed_documents(batch)
            except Exception as exc:
                problems.append(f"{type(exc).__name__}: {exc}")
                return
            for text, vector in zip(batch, got, strict=True):
                if not np.allclose(vector, reference[text], atol=1e-5):
                    problems.append(f"wrong vector for {text!r}")

    threads = [threading.Thread(target=hammer, args=(seed,)) for seed in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert problems == []
    assert len(cache._cache) <= 4
