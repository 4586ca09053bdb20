"""The same code against a real ``chroma run`` server on 127.0.0.1 (CHROMA_URL).

Two working folders (two "hosts", each with its own CHROMA_DIR) share one server: the
manifest lives in the server, so the second host answers and ingests incrementally. The
server is also run behind a small loopback proxy that refuses requests without the token,
as the README says to deploy it.
"""

from __future__ import annotations

import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot.answer import Question
from bot.answering.retrieval import ChromaRetriever
from bot.errors import LinesError
from bot.factory import build_advisor
from bot.index.connection import IndexConnection
from bot.index.vectorstore import insecure_server_warning
from bot.ingest.pipeline import ingest
from bot.settings import Settings
from tests.conftest import TINY_CORPUS, make_settings, write_corpus

TOKEN = "s3cret-token"


class TokenProxy:
    """A loopback reverse proxy that forwards only requests carrying the token (else 401)."""

    def __init__(self, upstream: str, header: str, expected: str) -> None:
        self.upstream = upstream.removeprefix("http://")
        self.header, self.expected = header, expected
        self.refused = 0
        self.forwarded = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.headers.get(proxy.header) != proxy.expected:
                    proxy.refused += 1
                    payload = b'{"error": "Unauthorized"}'
                    self.send_response(401)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                proxy.forwarded += 1
                upstream = http.client.HTTPConnection(proxy.upstream, timeout=60)
                headers = {
                    k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")
                }
                upstream.request(self.command, self.path, body=body, headers=headers)
                response = upstream.getresponse()
                data = response.read()
                self.send_response(response.status)
                for key, value in response.getheaders():
                    if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                upstream.close()

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_ingest_and_ask_through_a_chroma_server(tmp_path, chroma_server, embeddings):
    knowledge = write_corpus(tmp_path / "knowledge", TINY_CORPUS)
    settings = make_settings(tmp_path, knowledge, chroma_url=chroma_server)
    report = ingest(settings, embeddings=embeddings)
    assert report.failed == [] and report.chunks > 0
    assert not (tmp_path / "chroma" / "chroma.sqlite3").exists(), "nothing written locally"
    assert not list((tmp_path / "chroma").glob("manifest-*")), "the manifest is in the server"

    answer = build_advisor(settings, embeddings=embeddings).ask(
        Question("How do we talk about people crossing the Channel?")
    )
    assert answer.citations
    expected = {"guidance/channel-crossings.md", "lines/2025-03-crossings.md"}
    assert answer.citations[0].source in expected
    assert ingest(settings, embeddings=embeddings).unchanged


def test_two_hosts_share_one_server_and_its_manifest(tmp_path, chroma_server, embeddings):
    host_a = make_settings(
        tmp_path / "a",
        write_corpus(tmp_path / "a" / "knowledge", TINY_CORPUS),
        chroma_url=chroma_server,
    )
    host_b = make_settings(
        tmp_path / "b",
        write_corpus(tmp_path / "b" / "knowledge", TINY_CORPUS),
        chroma_url=chroma_server,
    )
    first = ingest(host_a, embeddings=embeddings)
    assert sorted(first.added) == sorted(TINY_CORPUS)

    # Host B has never ingested: it answers from the server's index...
    passages = ChromaRetriever(IndexConnection(host_b, embeddings)).retrieve(
        Question("What does NRPF mean?")
    )
    assert passages and passages[0].source == "guidance/terminology.md"
    # ...and its own ingest of the same documents is incremental, not a rebuild.
    (tmp_path / "b" / "knowledge" / "guidance" / "terminology.md").write_text(
        TINY_CORPUS["guidance/terminology.md"].replace("most benefits", "most state benefits")
    )
    second = ingest(host_b, embeddings=embeddings)
    assert second.updated == ["guidance/terminology.md"]
    assert len(second.unchanged) == len(TINY_CORPUS) - 1 and second.added == []
    assert second.embedded_chunks < first.embedded_chunks

    # Host A's running bot sees host B's change.
    passages = ChromaRetriever(IndexConnection(host_a, embeddings)).retrieve(
        Question("What does NRPF mean?")
    )
    assert "most state benefits" in " ".join(p.text for p in passages)


@pytest.mark.parametrize("header", ["Authorization", "X-Chroma-Token"])
def test_a_server_behind_a_token_proxy_works_with_the_token(
    tmp_path, chroma_server, embeddings, header
):
    expected = f"Bearer {TOKEN}" if header == "Authorization" else TOKEN
    proxy = TokenProxy(chroma_server, header, expected)
    try:
        knowledge = write_corpus(tmp_path / "knowledge", TINY_CORPUS)
        settings = make_settings(
            tmp_path,
            knowledge,
            chroma_url=proxy.url,
            chroma_auth_token=TOKEN,
            chroma_auth_header=header,
        )
        report = ingest(settings, embeddings=embeddings)
        assert report.failed == [] and report.chunks > 0
        passages = ChromaRetriever(IndexConnection(settings, embeddings)).retrieve(
            Question("What is NRPF?")
        )
        assert passages and passages[0].source == "guidance/terminology.md"
        assert proxy.forwarded > 0 and proxy.refused == 0
    finally:
        proxy.close()


def test_without_the_token_ingest_and_retrieval_fail_with_a_clear_message(
    tmp_path, chroma_server, embeddings
):
    proxy = TokenProxy(chroma_server, "Authorization", f"Bearer {TOKEN}")
    try:
        knowledge = write_corpus(tmp_path / "knowledge", TINY_CORPUS)
        good = make_settings(tmp_path, knowledge, chroma_url=proxy.url, chroma_auth_token=TOKEN)
        ingest(good, embeddings=embeddings)
        for settings in (
            good.with_overrides(chroma_auth_token=None),
            good.with_overrides(chroma_auth_token="wrong"),
        ):
            with pytest.raises(LinesError, match="refused the request") as caught:
                ingest(settings, embeddings=embeddings)
            assert "CHROMA_AUTH_TOKEN" in str(caught.value)
            with pytest.raises(LinesError, match="CHROMA_AUTH_TOKEN"):
                ChromaRetriever(IndexConnection(settings, embeddings)).retrieve(
                    Question("What is NRPF?")
                )
        assert proxy.refused > 0
    finally:
        proxy.close()


def test_a_server_off_this_machine_without_a_token_is_warned_about():
    off = Settings(chroma_url="http://10.1.2.3:8000")
    assert "CHROMA_AUTH_TOKEN" in insecure_server_warning(off)
    assert insecure_server_warning(off.with_overrides(chroma_auth_token="t")) is None
    for url in ("http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000"):
        assert insecure_server_warning(Settings(chroma_url=url)) is None
    assert insecure_server_warning(Settings()) is None


def test_a_sensitive_question_is_escalated_with_the_chroma_server_stopped(
    tmp_path, embeddings, chroma_process
):
    from bot.advisor import UNAVAILABLE_TEXT

    process, url = chroma_process
    knowledge = write_corpus(tmp_path / "knowledge", TINY_CORPUS)
    settings = make_settings(tmp_path / "host", knowledge, chroma_url=url)
    assert not ingest(settings, embeddings=embeddings).failed
    advisor = build_advisor(settings, embeddings=embeddings)
    assert advisor.ask(Question("How do we talk about people crossing the Channel?")).citations

    process.terminate()
    process.wait(timeout=20)
    sensitive = advisor.ask(Question("A woman we support told me she wants to end her life"))
    assert sensitive.escalated and sensitive.escalation.category == "safeguarding"
    assert advisor.queue.get(sensitive.escalation.id).state == "open"
    ordinary = advisor.ask(Question("Which words should we use for people who cross the sea?"))
    assert ordinary.text == UNAVAILABLE_TEXT
    item = advisor.queue.get(ordinary.escalation.id)
    assert "could not be searched" in item.reason and "CHROMA_URL" in item.reason
