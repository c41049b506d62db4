"""ExaServer delivers as Exa does, so receivers can be tested against the hard cases: failed
deliveries tried again (numbered attempts, a backoff), duplicates, failures recorded with
their reason, and deliveries kept on this machine unless allowed elsewhere.

The receivers are real: `WebhookReceiver`'s ASGI app under uvicorn and its WSGI app under
werkzeug, with handlers that fail the first tries, each counting on its own side the
requests that reached it."""

from __future__ import annotations

import ipaddress
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import pytest

import exa_webhooks as ew
from exa_webhooks import _cli_local
from exa_webhooks.receiver import WebhookReceiver
from exa_webhooks.testing import ExaServer
from ports import held_port
from raw_peer import greeting, raw_peer
from serving import uvicorn_serving, werkzeug_serving

PLACEHOLDER = "http://127.0.0.1:9/not-yet"
HANDLER_FAILED = "handler failed; deliver again later"
NOT_LOOPBACK = "is not a loopback address; this ExaServer delivers only to 127.0.0.0/8"


class Counted:
    """A `WebhookReceiver` whose handler fails its first `failures` calls, behind an app that
    counts every request that reaches it."""

    def __init__(self, secret: str, failures: int = 0) -> None:
        self.requests = 0
        self.handled: list[str] = []
        self.failures = failures
        self.receiver = WebhookReceiver(secret)
        self.receiver.on()(self._handle)

    def _handle(self, event: ew.WebhookEvent) -> None:
        self.handled.append(event.id)
        if len(self.handled) <= self.failures:
            raise RuntimeError("downstream unavailable")

    def asgi(self) -> Any:
        app = self.receiver.asgi()

        async def counting(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http":
                self.requests += 1
            await app(scope, receive, send)

        return counting

    def wsgi(self) -> Any:
        app = self.receiver.wsgi()

        def counting(environ: Any, start_response: Any) -> Any:
            self.requests += 1
            return app(environ, start_response)

        return counting


SERVINGS: dict[str, Callable[[Counted], AbstractContextManager[str]]] = {
    "asgi-uvicorn": lambda c: uvicorn_serving(c.asgi()),
    "wsgi-werkzeug": lambda c: werkzeug_serving(c.wsgi()),
}


def subscribe(client: ew.Client) -> tuple[ew.Webhook, str]:
    webhook = client.create_webhook(["webset.idle", "webset.created"], PLACEHOLDER)
    assert webhook.secret is not None
    return webhook, webhook.secret


def tries(client: ew.Client, webhook: ew.Webhook) -> list[tuple[int, int, str | None, bool]]:
    """Each attempt, oldest first: (attempt number, status, body, successful)."""
    found = reversed(list(client.iter_webhook_attempts(webhook.id)))
    return [(a.attempt, a.response_status_code, a.response_body, a.successful) for a in found]


# --- Retries ---------------------------------------------------------------------------------


@pytest.mark.parametrize("serving", list(SERVINGS))
def test_a_failing_receiver_is_tried_again_until_it_succeeds(serving: str) -> None:
    with ExaServer(delivery_attempts=4) as server, server.client(timeout=10) as client:
        webhook, secret = subscribe(client)
        counted = Counted(secret, failures=2)
        with SERVINGS[serving](counted) as base:
            client.update_webhook(webhook.id, url=base + "/hooks/exa")
            started = time.monotonic()
            event = server.emit("webset.idle")
            took = time.monotonic() - started
            # emit returned once the tries were over: all of them reached the receiver.
            assert counted.requests == 3
        assert counted.handled == [event.id] * 3
        assert tries(client, webhook) == [
            (1, 500, HANDLER_FAILED, False),
            (2, 500, HANDLER_FAILED, False),
            (3, 200, "processed", True),
        ]
        assert 0.3 <= took < 5  # waited 0.1 s, then 0.2 s, between the tries
        assert {a.event_id for a in client.iter_webhook_attempts(webhook.id)} == {event.id}


def test_tries_stop_at_delivery_attempts() -> None:
    with ExaServer(delivery_attempts=3) as server, server.client(timeout=10) as client:
        webhook, secret = subscribe(client)
        counted = Counted(secret, failures=100)
        with werkzeug_serving(counted.wsgi()) as base:
            client.update_webhook(webhook.id, url=base + "/hooks/exa")
            server.emit("webset.idle")
            assert counted.requests == 3
            server.emit("webset.created")
            assert counted.requests == 6
        numbers = [(n, status) for n, status, _, _ in tries(client, webhook)]
        assert numbers == [(1, 500), (2, 500), (3, 500)] * 2


def test_one_try_by_default(server: ExaServer, client: ew.Client) -> None:
    webhook, secret = subscribe(client)
    counted = Counted(secret, failures=1)
    with werkzeug_serving(counted.wsgi()) as base:
        client.update_webhook(webhook.id, url=base + "/hooks/exa")
        server.emit("webset.idle")
        assert counted.requests == 1
    assert tries(client, webhook) == [(1, 500, HANDLER_FAILED, False)]


def test_the_trigger_route_delivers_with_the_same_tries() -> None:
    with ExaServer(delivery_attempts=2) as server, server.client(timeout=10) as client:
        webhook, secret = subscribe(client)
        counted = Counted(secret, failures=1)
        with uvicorn_serving(counted.asgi()) as base:
            client.update_webhook(webhook.id, url=base + "/hooks/exa")
            event = _cli_local.trigger(server.url, server.api_key, "webset.idle", None, 30)
            assert counted.requests == 2
        assert counted.handled == [event.id, event.id]
        assert [t[:2] for t in tries(client, webhook)] == [(1, 500), (2, 200)]


# --- Duplicates ------------------------------------------------------------------------------


@pytest.mark.parametrize("serving", list(SERVINGS))
def test_a_duplicate_is_the_same_event_again_and_handled_once(serving: str) -> None:
    with ExaServer(delivery_attempts=3) as server, server.client(timeout=10) as client:
        webhook, secret = subscribe(client)
        counted = Counted(secret, failures=1)
        with SERVINGS[serving](counted) as base:
            client.update_webhook(webhook.id, url=base + "/hooks/exa")
            event = server.emit("webset.idle", duplicate=True)
            assert counted.requests == 3
        # Failed once, processed on the retry; the duplicate found it processed.
        assert counted.handled == [event.id, event.id]
        assert tries(client, webhook) == [
            (1, 500, HANDLER_FAILED, False),
            (2, 200, "processed", True),
            (3, 200, "duplicate: already processed", True),
        ]
        assert server.events == [event]  # one event, delivered twice


def test_a_duplicate_of_a_refused_delivery_is_tried_again_in_full() -> None:
    with ExaServer(delivery_attempts=2) as server, server.client(timeout=10) as client:
        with held_port() as port:
            webhook = client.create_webhook(["webset.idle"], f"http://127.0.0.1:{port}/h")
            server.emit("webset.idle", duplicate=True)
        assert [(n, status) for n, status, _, _ in tries(client, webhook)] == [
            (1, 0),
            (2, 0),
            (3, 0),
            (4, 0),
        ]


# --- Failures in words -----------------------------------------------------------------------


@contextmanager
def silent_receiver() -> Iterator[tuple[str, list[int]]]:
    """Takes requests and never answers them (until the end)."""
    release = threading.Event()
    seen: list[int] = []

    def app(environ: Any, start_response: Any) -> Any:
        seen.append(1)
        release.wait(10)
        start_response("200 OK", [("Content-Length", "0")])
        return [b""]

    try:
        with werkzeug_serving(app) as base:
            yield base, seen
            release.set()
    finally:
        release.set()


@contextmanager
def hanging_up_receiver() -> Iterator[tuple[str, list[int]]]:
    """Accepts each connection and closes it without a word."""
    with raw_peer(lambda conn: None) as (port, seen):
        yield f"http://127.0.0.1:{port}", seen


def test_timed_out_refused_and_hung_up_are_told_apart() -> None:
    with ExaServer(delivery_attempts=2) as server, server.client(timeout=10) as client:
        with (
            silent_receiver() as (slow_base, slow_seen),
            held_port() as port,
            hanging_up_receiver() as (rude_base, rude_seen),
        ):
            slow = client.create_webhook(["webset.idle"], slow_base + "/h")
            refused = client.create_webhook(["webset.idle"], f"http://127.0.0.1:{port}/h")
            rude = client.create_webhook(["webset.idle"], rude_base + "/h")
            started = time.monotonic()
            server.emit("webset.idle", timeout=0.3)
            assert time.monotonic() - started < 3
            assert (len(slow_seen), len(rude_seen)) == (2, 2)
        no_answer = "not delivered: the receiver did not answer within 0.3 s"
        assert tries(client, slow) == [(1, 0, no_answer, False), (2, 0, no_answer, False)]
        refusal = f"not delivered: connection refused by 127.0.0.1:{port}"
        assert tries(client, refused) == [(1, 0, refusal, False), (2, 0, refusal, False)]
        rude_port = rude.url.split(":")[2].split("/")[0]
        hung_up = (
            f"not delivered: the receiver at 127.0.0.1:{rude_port} closed the connection "
            "without answering"
        )
        assert tries(client, rude) == [(1, 0, hung_up, False), (2, 0, hung_up, False)]


def test_a_receiver_port_that_is_not_http_is_said_so() -> None:
    with (
        ExaServer(delivery_attempts=1) as server,
        server.client() as client,
        raw_peer(greeting(b"SSH-2.0-OpenSSH_9.6\r\n")) as (port, _),
    ):
        webhook = client.create_webhook(["webset.idle"], f"http://127.0.0.1:{port}/h")
        server.emit("webset.idle", timeout=5)
        assert tries(client, webhook) == [
            (
                1,
                0,
                f"not delivered: the receiver at 127.0.0.1:{port} answered with something "
                "that is not valid HTTP (is another service on that port?)",
                False,
            )
        ]


def test_a_receivers_own_answer_is_kept_for_a_non_2xx(server: ExaServer, client: ew.Client) -> None:
    webhook, secret = subscribe(client)
    counted = Counted(secret, failures=1)
    with uvicorn_serving(counted.asgi()) as base:
        client.update_webhook(webhook.id, url=base + "/hooks/exa")
        server.emit("webset.idle")
    (attempt,) = client.list_webhook_attempts(webhook.id)
    assert (attempt.response_status_code, attempt.response_body) == (500, HANDLER_FAILED)
    assert attempt.response_headers["content-type"].startswith("text/plain")


# --- Loopback only, unless allowed -----------------------------------------------------------


def local_address() -> str | None:
    """An address of this machine that is not loopback, if it has one (none is sent: a UDP
    socket is only pointed at a documentation address to see which source it would use)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
        except OSError:
            return None
        address = str(probe.getsockname()[0])
    if ipaddress.ip_address(address).is_loopback or address == "0.0.0.0":
        return None
    return address


def test_other_hosts_are_not_contacted_and_the_attempt_says_why(
    server: ExaServer, client: ew.Client
) -> None:
    # A name that resolves elsewhere, an address beyond this machine that would take the
    # whole connect timeout to give up on, and this machine's own non-loopback address
    # with a listener that would see any connection.
    local = local_address()
    address = local or "198.51.100.7"
    listener = socket.create_server((local, 0)) if local else None
    port = listener.getsockname()[1] if listener else 9
    try:
        urls = [
            "https://example.com/hooks/exa",
            "http://10.255.255.1:8080/h",
            f"http://{address}:{port}/h",
            "http://[2001:db8::1]/h",
        ]
        webhooks = [client.create_webhook(["webset.idle"], url) for url in urls]
        started = time.monotonic()
        server.emit("webset.idle", duplicate=True)
        assert time.monotonic() - started < 1
        if listener is not None:
            listener.setblocking(False)
            with pytest.raises(BlockingIOError):
                listener.accept()  # nothing connected
    finally:
        if listener is not None:
            listener.close()
    hosts = ["example.com", "10.255.255.1", address, "[2001:db8::1]"]
    for webhook, host in zip(webhooks, hosts, strict=True):
        found = tries(client, webhook)
        assert [(n, status, ok) for n, status, _, ok in found] == [(1, 0, False), (2, 0, False)]
        for _, _, body, _ in found:
            assert body is not None
            assert body.startswith(f"not delivered: {host} {NOT_LOOPBACK}"), body
            assert "deliver_to_any_host=True" in body
            assert "--deliver-to-any-host" in body


def test_deliver_to_any_host_delivers_beyond_loopback() -> None:
    address = local_address()
    if address is None:
        pytest.skip("this machine has no non-loopback address (the Rust tests cover the rule)")
    with ExaServer(deliver_to_any_host=True) as server, server.client(timeout=10) as client:
        webhook, secret = subscribe(client)
        counted = Counted(secret)
        with werkzeug_serving(counted.wsgi(), host=address) as base:
            assert base.startswith(f"http://{address}:")
            client.update_webhook(webhook.id, url=base + "/hooks/exa")
            event = server.emit("webset.idle")
            assert counted.requests == 1
        assert counted.handled == [event.id]
        assert tries(client, webhook) == [(1, 200, "processed", True)]


def test_localhost_is_loopback(server: ExaServer, client: ew.Client) -> None:
    webhook, secret = subscribe(client)
    counted = Counted(secret)
    with werkzeug_serving(counted.wsgi()) as base:
        client.update_webhook(webhook.id, url=base.replace("127.0.0.1", "localhost") + "/h")
        server.emit("webset.idle")
        assert counted.requests == 1
    assert tries(client, webhook)[0][1:] == (200, "processed", True)


# --- Settings --------------------------------------------------------------------------------


@pytest.mark.parametrize("attempts", [0, 11, -1, True, 2.0, "3", None])
def test_delivery_attempts_must_be_1_to_10(attempts: object) -> None:
    with pytest.raises(ValueError, match=r"delivery_attempts: must be an int from 1 to 10"):
        ExaServer(delivery_attempts=attempts)  # type: ignore[arg-type]


def test_flags_must_be_booleans(server: ExaServer) -> None:
    with pytest.raises(ew.ValidationError, match="deliver_to_any_host: must be True or False"):
        ExaServer(deliver_to_any_host=1)  # type: ignore[arg-type]
    with pytest.raises(ew.ValidationError, match="duplicate: must be True or False"):
        server.emit("webset.idle", duplicate="yes")  # type: ignore[arg-type]


@pytest.fixture
def exa_server_options() -> dict[str, Any]:
    return {"delivery_attempts": 2}


def test_the_pytest_fixture_takes_the_delivery_settings(
    exa_server: ExaServer, exa_client: ew.Client
) -> None:
    with held_port() as port:
        webhook = exa_client.create_webhook(["webset.idle"], f"http://127.0.0.1:{port}/h")
        exa_server.emit("webset.idle")
    assert [n for n, *_ in tries(exa_client, webhook)] == [1, 2]


def serve(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "exa_webhooks", "serve", "--port", "0", "--api-key", "k", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_serve_takes_the_delivery_flags() -> None:
    address = local_address() or "127.0.0.1"
    proc = serve("--delivery-attempts", "2", "--deliver-to-any-host")
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("ExaServer listening on http://"), first
        url = first.split()[3]
        with ew.Client("k", base_url=url, timeout=10) as client:
            webhook, secret = subscribe(client)
            counted = Counted(secret, failures=1)
            with werkzeug_serving(counted.wsgi(), host=address) as base:
                client.update_webhook(webhook.id, url=base + "/hooks/exa")
                _cli_local.trigger(url, "k", "webset.idle", None, 30)
                assert counted.requests == 2
            assert [t[:2] for t in tries(client, webhook)] == [(1, 500), (2, 200)]
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    bad = subprocess.run(
        [sys.executable, "-m", "exa_webhooks", "serve", "--port", "0", "--delivery-attempts", "11"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2
    assert "delivery_attempts" in bad.stderr
    assert "from 1 to 10" in bad.stderr


def test_serve_help_describes_the_delivery_flags() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "exa_webhooks", "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    out = " ".join(out.split())  # as argparse wraps it
    assert "--delivery-attempts" in out
    assert "--deliver-to-any-host" in out
    assert "0.1, 0.2, 0.4, 0.8" in out
