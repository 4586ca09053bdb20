"""A loopback server speaking OpenAI's chat-completions API, for the real langchain-openai client.

Each test sets ``reply`` to a function of the request body returning what to serve: text
(200 with a proper completion), an ``(status, json)`` pair for errors, or a ``Slow`` value
that sleeps before answering. Every request body is recorded in ``requests``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Slow:
    seconds: float
    text: str = "Too late [1]"


@dataclass
class FakeOpenAI:
    reply: Callable[[dict], Any] = lambda body: "Say people first [1]."
    requests: list[dict] = field(default_factory=list)

    def start(self) -> FakeOpenAI:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                fake.requests.append(body)
                if self.path.rstrip("/") != "/v1/chat/completions":
                    return self._send(
                        404, {"error": {"message": "not found", "type": "invalid_request_error"}}
                    )
                outcome = fake.reply(body)
                if isinstance(outcome, Slow):
                    time.sleep(outcome.seconds)
                    outcome = outcome.text
                if isinstance(outcome, tuple):
                    return self._send(*outcome)
                self._send(
                    200,
                    {
                        "id": "chatcmpl-test",
                        "object": "chat.completion",
                        "created": int(time.time()),
                        "model": body.get("model", "test-model"),
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": outcome},
                                "finish_reason": "stop",
                                "logprobs": None,
                            }
                        ],
                        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
                    },
                )

            def _send(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"


RATE_LIMITED = (
    429,
    {"error": {"message": "Rate limit reached", "type": "rate_limit_error", "code": "rate_limit"}},
)
SERVER_ERROR = (500, {"error": {"message": "The server had an error", "type": "server_error"}})
