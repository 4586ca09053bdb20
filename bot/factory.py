"""Assembling the advisor from settings: the one place that knows which parts go together."""

from __future__ import annotations

import logging

from langchain_core.embeddings import Embeddings

from bot.advisor import Advisor
from bot.compose import ExtractiveComposer
from bot.embedding import CachedEmbeddings, build_embeddings
from bot.escalation.detect import EscalationDetector
from bot.escalation.policy import load_policy
from bot.escalation.store import EscalationStore
from bot.llm import build_answerer, build_judge
from bot.retrieval import ChromaRetriever
from bot.settings import Settings

log = logging.getLogger(__name__)


def build_advisor(settings: Settings, *, embeddings: Embeddings | None = None) -> Advisor:
    """The advisor every surface uses: retrieval, answerer, escalation detector and queue.

    Raises ``PolicyError`` for a bad policy file, ``StoreUnavailable`` for a bad
    ``DATABASE_URL`` and ``LLMConfigError`` for an unusable ``LLM_PROVIDER``: configuration
    errors the caller reports and exits on.
    """
    model = embeddings if embeddings is not None else build_embeddings(settings.embedding_model)
    # One question passes the detector, retrieval and the composer: through this cache it is
    # embedded once, whichever asks first.
    embedder = CachedEmbeddings(model)
    policy = load_policy(settings.policy_path)
    retriever = ChromaRetriever(settings, embedder)
    composer = ExtractiveComposer(embedder, vocabulary=retriever.vocabulary)
    detector = EscalationDetector(policy, embedder, judge=build_judge(settings))
    detector.warm()  # embed the policy's examples now: the first questions neither wait nor race
    return Advisor(
        retriever=retriever,
        answerer=build_answerer(settings, fallback=composer),
        detector=detector,
        queue=EscalationStore.from_settings(settings),
        max_question_chars=settings.max_question_chars,
    )
