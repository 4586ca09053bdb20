"""Opening the Chroma collection, on disk by default or on a Chroma server.

One function, ``open_collection``, is used by ingestion and retrieval alike, so both always
open the collection with the project's embedder (never Chroma's default model, which would
try to download weights) and with cosine distance.

langchain-chroma is not used: its ``Chroma`` wrapper opens collections with
``embedding_function=None``, which is exactly what we must avoid.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import threading
from typing import Any
from urllib.parse import urlparse

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import chromadb
import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
from chromadb.config import Settings as ChromaSettings
from chromadb.utils.embedding_functions import register_embedding_function
from langchain_core.embeddings import Embeddings as LangChainEmbeddings

from bot.errors import ConfigError, LinesError
from bot.index.embedding import build_embeddings
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
        return [
            np.asarray(v, dtype=np.float32) for v in self.embeddings.embed_documents(list(input))
        ]

    def embed_query(self, input: Documents) -> Embeddings:
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


class ChromaUnavailable(LinesError):
    """The Chroma server cannot be reached or refused us; the message says what to check."""


AUTH_HEADERS = ("Authorization", "X-Chroma-Token")
_warned_insecure: set[str] = set()


def insecure_server_warning(settings: Settings) -> str | None:
    """A warning when ``CHROMA_URL`` leaves this machine and no token is set, else None.

    ``chroma run`` has no authentication of its own: off loopback it must sit behind a
    token-checking proxy, and Lines must send the token.
    """
    if not settings.chroma_url or settings.chroma_auth_token:
        return None
    host = urlparse(settings.chroma_url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return None
    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:
        pass
    return (
        f"CHROMA_URL points at {host}, off this machine, and no CHROMA_AUTH_TOKEN is set: "
        "anyone who can reach that server can read and change the index. Put the server "
        "behind a token-checking proxy and set CHROMA_AUTH_TOKEN (see the README)."
    )


# chromadb keeps one "system" per on-disk path for the whole process, created by the first
# client and stopped when the last one closes; creating and closing clients from several
# threads at once races on that shared table, so it is done under one lock.
_CLIENTS = threading.Lock()


def close_client(client: chromadb.ClientAPI) -> None:
    """Close ``client``; the last client of an on-disk index releases its files and threads."""
    with _CLIENTS:
        try:
            client.close()
        except Exception as exc:  # closing must never take a reader down with it
            log.warning("closing a Chroma client failed (%s)", type(exc).__name__)


def open_client(settings: Settings) -> chromadb.ClientAPI:
    """A Chroma client: ``HttpClient`` when ``CHROMA_URL`` is set, else ``PersistentClient``.

    With ``CHROMA_AUTH_TOKEN`` every request carries the token, through chromadb's own token
    auth provider, as ``Authorization: Bearer <token>`` or ``X-Chroma-Token: <token>``
    (``CHROMA_AUTH_HEADER``). A server that cannot be reached or refuses us raises
    ``ChromaUnavailable`` saying which.
    """
    if not settings.chroma_url:
        try:
            settings.chroma_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(
                f"CHROMA_DIR={settings.chroma_dir}: cannot create the index folder "
                f"({exc.strerror}); set CHROMA_DIR (or --db) to a folder you can write."
            ) from None
        with _CLIENTS:
            return chromadb.PersistentClient(
                path=str(settings.chroma_dir),
                settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False),
            )
    url = urlparse(settings.chroma_url)
    if url.scheme not in ("http", "https") or not url.hostname:
        raise SettingsError(
            f"CHROMA_URL={settings.chroma_url!r} is not an http(s) URL such as http://127.0.0.1:8000"
        )
    warning = insecure_server_warning(settings)
    if warning and settings.chroma_url not in _warned_insecure:
        _warned_insecure.add(settings.chroma_url)
        log.warning(warning)
    auth: dict[str, Any] = {}
    if settings.chroma_auth_token:
        header = _auth_header(settings.chroma_auth_header)
        auth = {
            "chroma_client_auth_provider": "chromadb.auth.token_authn.TokenAuthClientProvider",
            "chroma_client_auth_credentials": settings.chroma_auth_token,
            "chroma_auth_token_transport_header": header,
        }
    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False, **auth)
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        with _CLIENTS:
            return chromadb.HttpClient(
                host=url.hostname, port=port, ssl=url.scheme == "https", settings=chroma_settings
            )
    except Exception as exc:
        raise server_error(settings, exc) from None


def server_error(settings: Settings, exc: Exception) -> ChromaUnavailable:
    """``exc`` from the Chroma server, explained in terms a person can act on."""
    if isinstance(exc, ChromaUnavailable):
        return exc  # already explained where it happened
    text = " ".join(str(exc).split())[:200]
    status = getattr(getattr(exc, "response", None), "status_code", None)
    refused = status in (401, 403) or any(
        word in text.lower() for word in ("401", "403", "unauthorized", "forbidden", "authoriz")
    )
    if refused:
        hint = (
            "check CHROMA_AUTH_TOKEN (and CHROMA_AUTH_HEADER)"
            if settings.chroma_auth_token
            else "set CHROMA_AUTH_TOKEN to the token the server's proxy expects"
        )
        return ChromaUnavailable(
            f"the Chroma server at {settings.chroma_url} refused the request "
            f"(not authorised: {text}); {hint}"
        )
    return ChromaUnavailable(
        f"CHROMA_URL={settings.chroma_url}: no Chroma server answers there ({text}). Start one "
        "with `chroma run --path DIR --port PORT` (see the README on running it safely), or "
        "unset CHROMA_URL to use the on-disk index."
    )


def _auth_header(name: str) -> str:
    for allowed in AUTH_HEADERS:
        if name.strip().lower() == allowed.lower():
            return allowed
    raise SettingsError(f"CHROMA_AUTH_HEADER={name!r} is not one of {', '.join(AUTH_HEADERS)}.")


def open_collection(
    settings: Settings,
    embeddings: LangChainEmbeddings | None = None,
    client: chromadb.ClientAPI | None = None,
    name: str | None = None,
    create: bool = True,
):
    """A collection (default: ``settings.collection``), created on first use unless
    ``create`` is False (then a missing one raises chromadb's ``NotFoundError``).

    Always opened with our embedder and cosine space, never Chroma's default model.
    """
    embedder = embeddings if embeddings is not None else build_embeddings(settings.embedding_model)
    function = LangChainEmbeddingFunction(embedder, settings.embedding_model)
    client = client if client is not None else open_client(settings)
    name = name or settings.collection
    if not create:
        return client.get_collection(name=name, embedding_function=function)
    return client.get_or_create_collection(
        name=name,
        embedding_function=function,
        configuration={"hnsw": {"space": SPACE}},
    )
