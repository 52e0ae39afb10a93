"""A webhook receiver for the tests: a real HTTP server on 127.0.0.1 that checks
signatures, answers as it is told, and keeps each effect once per webhook-id (as a
receiver following Standard Webhooks does)."""
from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from engine.integration.webhooks import verify


@dataclass
class Received:
    webhook_id: str
    timestamp: str
    signature: str
    body: bytes
    answered: int
    method: str = "POST"
    path: str = "/hook"

    @property
    def event(self) -> dict[str, Any]:
        return dict(json.loads(self.body))

    def signed_by(self, secret: str) -> bool:
        return verify(secret, self.webhook_id, self.timestamp, self.body, self.signature)


@dataclass
class Receiver:
    """`answers`: status codes to give, in order (then 200), or (code, body) pairs; `hold`:
    called before answering (a test may block there). Takes POST, PUT and PATCH."""

    answers: list[int | tuple[int, str]] = field(default_factory=list)
    hold: Callable[[Received], None] | None = None
    requests: list[Received] = field(default_factory=list)
    effects: dict[str, dict[str, Any]] = field(default_factory=dict)  # webhook-id -> event
    order: list[str] = field(default_factory=list)  # webhook-ids, in the order of effect
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                with receiver.lock:
                    answer = receiver.answers.pop(0) if receiver.answers else 200
                status, text = answer if isinstance(answer, tuple) else \
                    (answer, f"answered {answer}")
                got = Received(self.headers.get("webhook-id", ""),
                               self.headers.get("webhook-timestamp", ""),
                               self.headers.get("webhook-signature", ""), body, status,
                               self.command, self.path)
                if receiver.hold is not None:
                    receiver.hold(got)
                with receiver.lock:
                    receiver.requests.append(got)
                    if 200 <= status < 300 and got.webhook_id not in receiver.effects:
                        receiver.effects[got.webhook_id] = got.event
                        receiver.order.append(got.webhook_id)
                self.send_response(status)
                self.send_header("content-type", "text/plain")
                self.end_headers()
                self.wfile.write(text.encode())

            do_PUT = do_PATCH = do_POST  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def events(self) -> list[dict[str, Any]]:
        with self.lock:
            return [self.effects[i] for i in self.order]
