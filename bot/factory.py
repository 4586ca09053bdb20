"""Assembling Lines from settings: the one place that knows which parts go together.

Everything shared by a process is built here once, on the main thread, before any surface,
staff desk or loop thread starts: the embedding model (loaded and warmed), the one
connection to the index (``IndexConnection``: chromadb imported and its client opened), the
escalation policy and detector (its examples embedded) and the queue. Threads started later
only use these; none of them imports a heavy library or opens a client of its own.
"""

from __future__ import annotations

import logging

from langchain_core.embeddings import Embeddings

from bot.advisor import Advisor
from bot.answering.compose import ExtractiveComposer
from bot.answering.llm import build_answerer
from bot.answering.retrieval import ChromaRetriever
from bot.check.checker import DraftChecker
from bot.check.rulebook import RuleBook
from bot.escalation.detect import EscalationDetector
from bot.escalation.judge import build_judge
from bot.escalation.policy import load_policy
from bot.index.connection import IndexConnection
from bot.index.embedding import CachedEmbeddings, build_embeddings
from bot.settings import Settings
from bot.storage.store import EscalationStore

log = logging.getLogger(__name__)


def build_advisor(
    settings: Settings, *, embeddings: Embeddings | None = None, queue: bool = True
) -> Advisor:
    """The advisor every surface uses: retrieval, answerer, escalation detector and queue.

    With ``queue=False`` (``lines ask --no-queue``, evaluations) no queue is opened and
    escalations are returned without an item id, so trying things out leaves no trace.

    Raises ``PolicyError`` for a bad policy file, ``StoreUnavailable`` for a bad
    ``DATABASE_URL``, ``EmbeddingModelError`` for an unknown model and ``LLMConfigError`` for
    an unusable ``LLM_PROVIDER``: ``ConfigError``s the ``lines`` entry point reports in one
    line before exiting with code 2.
    """
    model = embeddings if embeddings is not None else build_embeddings(settings.embedding_model)
    # One question passes the detector, retrieval and the composer: through this cache it is
    # embedded once, whichever asks first.
    embedder = CachedEmbeddings(model)
    # Load the model now, on this thread: the first questions neither wait for it nor race
    # to import onnxruntime from several threads.
    embedder.embed_query("Lines is starting.")
    policy = load_policy(settings.policy_path)
    index = IndexConnection(settings, embedder)
    index.open()
    retriever = ChromaRetriever(index)
    composer = ExtractiveComposer(embedder, vocabulary=retriever.vocabulary)
    detector = EscalationDetector(policy, embedder, judge=build_judge(settings))
    detector.warm()  # embed the policy's examples now: the first questions neither wait nor race
    return Advisor(
        retriever=retriever,
        answerer=build_answerer(settings, fallback=composer),
        detector=detector,
        queue=EscalationStore.from_settings(settings) if queue else None,
        max_question_chars=settings.max_question_chars,
        index=index,
    )


def build_checker(settings: Settings, *, advisor: Advisor | None = None) -> DraftChecker:
    """The draft checker a surface uses, sharing the advisor's index, detector and queue.

    Without an advisor, one is built from ``settings``, so the checker uses exactly the
    escalation detector and queue questions use.
    """
    advisor = advisor if advisor is not None else build_advisor(settings)
    return DraftChecker(RuleBook(advisor.index), advisor.detector, advisor.queue)
