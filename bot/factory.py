"""Assembling the advisor from settings: the one place that knows which parts go together."""

from __future__ import annotations

import logging

from langchain_core.embeddings import Embeddings

from bot.advisor import Advisor
from bot.compose import ExtractiveComposer
from bot.embedding import build_embeddings
from bot.retrieval import ChromaRetriever
from bot.settings import Settings

log = logging.getLogger(__name__)


def build_advisor(settings: Settings, *, embeddings: Embeddings | None = None) -> Advisor:
    """The advisor every surface uses: retrieval, answerer, escalation detector and queue."""
    embedder = embeddings if embeddings is not None else build_embeddings(settings.embedding_model)
    return Advisor(
        retriever=ChromaRetriever(settings, embedder),
        answerer=ExtractiveComposer(),
    )
