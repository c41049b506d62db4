"""Network failures say what happened, where, how long and how many tries, in words; the
library's own chain stays reachable as ``__cause__``. Each failure is provoked for real on
127.0.0.1 (a closed port, a plain HTTP server spoken to over https, a server that resets or
closes, one that never answers) or with a ``.invalid`` host (RFC 6761: never resolves).
Sync and async."""

from __future__ import annotations

import asyncio
import http.client
import re
import socket
import ssl
import struct
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

import exa_webhooks as ew
from ports import held_port
from raw_peer import greeting, raw_peer
from scripted import Reply, ScriptedServer, webhook_json

EVENTS = ["webset.created"]
URL = "https://example.com/hook"
PATH = "/websets/v0/webhooks"
MODES = ["sync", "async"]


def fail(mode: str, base_url: str, op: str = "list", **options: Any) -> ew.ExaError:
    """The error a call to ``base_url`` raises, made with a sync or an async client."""
    call = {
        "list": lambda c: c.list_webhooks(),
        "create": lambda c: c.create_webhook(EVENTS, URL),
    }[op]
    if mode == "sync":
        with (
            ew.Client("k", base_url=base_url, **options) as client,
            pytest.raises(ew.ExaError) as excinfo,
        ):
            call(client)
        return excinfo.value

    async def main() -> ew.ExaError:
        async with ew.AsyncClient("k", base_url=base_url, **options) as client:
            with pytest.raises(ew.ExaError) as excinfo:
                await call(client)
        return excinfo.value

    return asyncio.run(main())


class RawServer:
    """Reads each request whole, then resets the connection (RST, with SO_LINGER 0) or
    closes it (FIN) without answering. Counts the requests it read."""

    def __init__(self, action: str) -> None:
        self.action = action
        self.requests = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                head, _, body = data.partition(b"\r\n\r\n")
                length = re.search(rb"(?i)content-length:\s*(\d+)", head)
                while length and len(body) < int(length.group(1)):
                    body += conn.recv(65536)
                self.requests += 1
                if self.action == "reset":
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    def close(self) -> None:
        self.listener.close()


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # A proxy would turn these failures into the proxy's own.
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(params=["reset", "close"])
def raw(request: pytest.FixtureRequest) -> Iterator[RawServer]:
    server = RawServer(request.param)
    yield server
    server.close()


def tries(error: ew.ExaError) -> str:
    found = re.search(r"\((1 try|\d+ tries over \d+(\.\d)? s|\d+ tries over \d+ ms)\)", str(error))
    assert found, str(error)
    return found.group(1)


@pytest.mark.parametrize("mode", MODES)
def test_refused_says_where_and_how_many_tries(mode: str) -> None:
    with held_port() as port:
        error = fail(mode, f"http://127.0.0.1:{port}", max_retries=2)
    assert type(error) is ew.APIConnectionError
    message = str(error)
    assert message.startswith(f"could not connect to 127.0.0.1:{port}: connection refused")
    assert tries(error).startswith("3 tries over")
    assert error.attempts == 3
    assert "is the server running" in message
    assert "client error" not in message
    assert "os error" not in message
    # The library's own words are kept, one step away.
    assert isinstance(error.__cause__, ConnectionRefusedError)
    assert "Connection refused" in str(error.__cause__)
    assert str(error.__cause__) != message


@pytest.mark.parametrize("mode", MODES)
def test_a_create_refused_is_retried_and_says_so(mode: str) -> None:
    with held_port() as port:
        error = fail(mode, f"http://127.0.0.1:{port}", "create", max_retries=1)
    assert error.attempts == 2
    assert tries(error).startswith("2 tries over")
    # Refused means never sent: nothing to check with list_webhooks().
    assert "may have been created" not in str(error)


@pytest.mark.parametrize("mode", MODES)
def test_dns_failure(mode: str) -> None:
    started = time.monotonic()
    error = fail(mode, "https://no-such-host.invalid", max_retries=0)
    assert time.monotonic() - started < 30  # the local resolver answers; nothing waits on it
    assert type(error) is ew.APIConnectionError
    assert str(error).startswith("could not resolve host no-such-host.invalid (1 try)")
    assert "check base_url" in str(error)
    assert isinstance(error.__cause__, socket.gaierror)
    assert "dns error" in str(error.__cause__)


@pytest.mark.parametrize("mode", MODES)
def test_https_to_a_plain_http_server(scripted: ScriptedServer, mode: str) -> None:
    port = scripted.url.rsplit(":", 1)[1]
    error = fail(mode, f"https://localhost:{port}", max_retries=0)
    message = str(error)
    assert message.startswith(f"the server at localhost:{port} does not speak TLS")
    assert message.endswith(f"should base_url be http://localhost:{port}?")
    assert "InvalidContentType" not in message
    assert isinstance(error.__cause__, ssl.SSLError)
    assert "InvalidContentType" in str(error.__cause__)
    assert scripted.received == []  # no request was ever made of it


@pytest.mark.parametrize("mode", MODES)
def test_reset_or_closed_before_the_answer(raw: RawServer, mode: str) -> None:
    error = fail(mode, raw.url, "create", max_retries=2)
    where = f"127.0.0.1:{raw.url.rsplit(':', 1)[1]}"
    request = f"POST {raw.url}{PATH}"
    if raw.action == "reset":
        expected = f"the connection to {where} was reset before {request} was answered (1 try)"
        assert isinstance(error.__cause__, ConnectionResetError)
    else:
        expected = f"{where} closed the connection before answering {request} (1 try)"
        assert type(error.__cause__) is ConnectionError
        assert "connection closed before message completed" in str(error.__cause__)
    assert str(error).startswith(expected)
    # It was sent: a create is not repeated, and the message says why and what to do.
    assert "may have been created" in str(error)
    assert "list_webhooks()" in str(error)
    assert raw.requests == error.attempts == 1


@pytest.mark.parametrize("mode", MODES)
def test_a_read_reset_is_retried_and_counted(raw: RawServer, mode: str) -> None:
    error = fail(mode, raw.url, max_retries=1)
    assert tries(error).startswith("2 tries over")
    assert raw.requests == error.attempts == 2


@pytest.mark.parametrize("mode", MODES)
def test_timeout_says_how_long_for_what_and_tries(scripted: ScriptedServer, mode: str) -> None:
    scripted.script(Reply(200, webhook_json(), delay=5))
    error = fail(mode, scripted.url, "create", timeout=0.3, max_retries=2)
    assert isinstance(error, ew.APITimeoutError)
    assert str(error).startswith(f"no answer from POST {scripted.url}{PATH} within 0.3 s (1 try)")
    assert "may have been created" in str(error)
    assert "operation timed out" not in str(error)
    assert isinstance(error.__cause__, TimeoutError)

    error = fail(mode, scripted.url, timeout=0.3, max_retries=1)
    assert isinstance(error, ew.APITimeoutError)
    assert str(error).startswith(f"no answer from GET {scripted.url}{PATH} within 0.3 s (2 tries")
    assert error.attempts == 2


@pytest.mark.parametrize("mode", MODES)
def test_an_answer_that_stops_halfway(mode: str) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{"data": [')
            time.sleep(5)

    threading.Thread(target=serve, daemon=True).start()
    try:
        error = fail(mode, url, timeout=0.5, max_retries=0)
    finally:
        listener.close()
    assert isinstance(error, ew.APITimeoutError)
    assert str(error).startswith(
        f"the answer from GET {url}{PATH} did not finish arriving within 0.5 s (1 try)"
    )


@pytest.mark.parametrize("mode", MODES)
def test_retried_status_errors_count_their_tries(scripted: ScriptedServer, mode: str) -> None:
    scripted.script(Reply(503, {"error": "busy"}, {"retry-after-ms": "1"}))
    error = fail(mode, scripted.url, max_retries=2)
    assert isinstance(error, ew.InternalServerError)
    assert error.attempts == 3
    assert error.message == f"busy ({tries(error)})"
    assert tries(error).startswith("3 tries over")
    assert error.__cause__ is None


@pytest.mark.parametrize("mode", MODES)
def test_retry_after_over_the_cap_is_said(scripted: ScriptedServer, mode: str) -> None:
    scripted.script(Reply(429, {"error": "slow down"}, {"Retry-After": "120"}))
    error = fail(mode, scripted.url, "create", max_retries=2)
    assert isinstance(error, ew.RateLimitError)
    assert error.retry_after == 120
    assert error.attempts == 1
    assert error.message == (
        "slow down (the server asked to wait 120 s before trying again, more than the 60 s "
        "this client waits, so it was not tried again)"
    )
    assert len(scripted.received) == 1


@pytest.mark.parametrize("mode", MODES)
def test_retry_after_past_the_deadline_is_said(scripted: ScriptedServer, mode: str) -> None:
    # 30 s is within the cap, but not within this call's deadline (3 tries of 0.5 s + backoff).
    scripted.script(Reply(503, {}, {"Retry-After": "30"}))
    started = time.monotonic()
    error = fail(mode, scripted.url, timeout=0.5, max_retries=2)
    assert time.monotonic() - started < 10
    assert error.attempts == 1
    assert "the server asked to wait 30 s before trying again" in str(error)
    assert "another try would run past the call's deadline of 3 s" in str(error)


@pytest.fixture
def stalled_port() -> Iterator[int]:
    """A listener whose accept queue is full: the kernel leaves further SYNs unanswered, so
    connecting neither succeeds nor fails until a timeout."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = int(listener.getsockname()[1])
    queued = []
    try:
        while len(queued) < 64:
            s = socket.socket()
            s.settimeout(0.2)
            try:
                s.connect(("127.0.0.1", port))
            except OSError:
                s.close()
                break
            queued.append(s)
        else:
            pytest.skip("the accept queue never filled")
        yield port
    finally:
        for s in queued:
            s.close()
        listener.close()


@pytest.mark.parametrize("mode", MODES)
def test_a_short_timeout_still_reports_a_connect_timeout(stalled_port: int, mode: str) -> None:
    # timeout < 5 s: connecting gets 90% of it, so the failure is "could not connect", and a
    # create (never sent) is retried, rather than "no answer" and "may have been created".
    error = fail(mode, f"http://127.0.0.1:{stalled_port}", "create", timeout=0.5, max_retries=1)
    assert type(error) is ew.APITimeoutError
    assert str(error).startswith(f"could not connect to 127.0.0.1:{stalled_port} within 0.")
    assert error.attempts == 2
    assert "may have been created" not in str(error)


@pytest.mark.parametrize("mode", MODES)
def test_a_port_answering_something_that_is_not_http(mode: str) -> None:
    # base_url pointing at another service (an SSH server, a database, a TLS-only port).
    with raw_peer(greeting(b"SSH-2.0-OpenSSH_9.6\r\n")) as (port, seen):
        base = f"http://127.0.0.1:{port}"
        error = fail(mode, base, max_retries=1)
    assert isinstance(error, ew.APIConnectionError)
    assert len(seen) == 2  # a read: tried again
    message = str(error)
    assert message.startswith(
        f"127.0.0.1:{port} answered GET {base}{PATH} with something that is not valid HTTP (2 tries"
    ), message
    assert message.endswith("; is base_url's port the API's, and should it be https://?")
    assert isinstance(error.__cause__, http.client.BadStatusLine)
