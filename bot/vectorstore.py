"""Opening the Chroma collection, on disk by default or on a Chroma server.

One function, ``open_collection``, is used by ingestion and retrieval alike, so both always
open the collection with the project's embedder (never Chroma's default model, which would
try to download weights) and with cosine distance.

langchain-chroma is not used: its ``Chroma`` wrapper opens collections with
``embedding_function=None``, which is exactly what we must avoid.
"""

from __future__ import annotations

import logging
import os
from typing import Any
from urllib.parse import urlparse

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import chromadb
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.config import Settings as ChromaSettings
from chromadb.utils.embedding_functions import register_embedding_function
from langchain_core.embeddings import Embeddings as LangChainEmbeddings

from bot.embedding import build_embeddings
from bot.errors import ConfigError
from bot.settings import Settings, SettingsError

log = logging.getLogger(__name__)

SPACE = "cosine"


@register_embedding_function
class LangChainEmbeddingFunction(EmbeddingFunction[Documents]):
    """Chroma's embedding-function protocol over any LangChain ``Embeddings``."""

    def __init__(self, embeddings: LangChainEmbeddings, model: str = "minilm-int8") -> None:
        self.embeddings = embeddings
        self.model = model

    def __call__(self, input: Documents) -> Embeddings:
        import numpy as np

        return [
            np.asarray(v, dtype=np.float32) for v in self.embeddings.embed_documents(list(input))
        ]

    def embed_query(self, input: Documents) -> Embeddings:
        import numpy as np

        return [np.asarray(self.embeddings.embed_query(t), dtype=np.float32) for t in input]

    @staticmethod
    def name() -> str:
        return "lines-langchain"

    def default_space(self) -> str:
        return SPACE

    def supported_spaces(self) -> list[str]:
        return [SPACE]

    def get_config(self) -> dict[str, Any]:
        return {"model": self.model}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> LangChainEmbeddingFunction:
        model = config.get("model", "minilm-int8")
        return LangChainEmbeddingFunction(build_embeddings(model), model)


def open_client(settings: Settings) -> chromadb.ClientAPI:
    """A Chroma client: ``HttpClient`` when ``CHROMA_URL`` is set, else ``PersistentClient``."""
    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise SettingsError(
                f"CHROMA_URL={settings.chroma_url!r} is not an http(s) URL such as http://127.0.0.1:8000"
            )
        port = url.port or (443 if url.scheme == "https" else 80)
        try:
            return chromadb.HttpClient(
                host=url.hostname, port=port, ssl=url.scheme == "https", settings=chroma_settings
            )
        except ValueError:  # chromadb's "Could not connect to a Chroma server"
            raise ConfigError(
                f"CHROMA_URL={settings.chroma_url}: no Chroma server answers there. "
                "Start one with `chroma run --path DIR --port PORT`, or unset CHROMA_URL to "
                "use the on-disk index."
            ) from None
    try:
        settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"CHROMA_DIR={settings.chroma_dir}: cannot create the index folder "
            f"({exc.strerror}); set CHROMA_DIR (or --db) to a folder you can write."
        ) from None
    return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)


def open_collection(
    settings: Settings,
    embeddings: LangChainEmbeddings | None = None,
    client: chromadb.ClientAPI | None = None,
):
    """The project's collection, created on first use, always with our embedder and cosine space."""
    embedder = embeddings if embeddings is not None else build_embeddings(settings.embedding_model)
    function = LangChainEmbeddingFunction(embedder, settings.embedding_model)
    client = client if client is not None else open_client(settings)
    return client.get_or_create_collection(
        name=settings.collection,
        embedding_function=function,
        configuration={"hnsw": {"space": SPACE}},
    )
