"""A webhook receiver for tests: a real HTTP server on 127.0.0.1 that verifies every delivery
with ``construct_event`` and answers as a test decides."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import exa_webhooks as ew


@dataclass
class Delivery:
    path: str
    headers: dict[str, str]
    body: bytes
    event: ew.WebhookEvent | None
    error: str | None


@dataclass
class Receiver:
    """``secrets`` maps a path to the secret of the webhook delivering there."""

    secrets: dict[str, str] = field(default_factory=dict)
    status: int = 200
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    on_request: Callable[[], Any] | None = None
    deliveries: list[Delivery] = field(default_factory=list)

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                event, error = None, None
                try:
                    event = ew.construct_event(
                        body, self.headers, receiver.secrets.get(self.path, "no-secret")
                    )
                except ew.ExaError as e:
                    error = f"{type(e).__name__}: {e}"
                if receiver.on_request is not None:
                    receiver.on_request()
                headers = {k.lower(): v for k, v in self.headers.items()}
                receiver.deliveries.append(Delivery(self.path, headers, body, event, error))
                if receiver.delay:
                    time.sleep(receiver.delay)
                status = 400 if error else receiver.status
                answer = b"bad signature" if error else b"thanks"
                try:
                    self.send_response(status)
                    for k, v in receiver.headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
