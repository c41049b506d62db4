"""Retries, timeouts and deadlines, provoked for real with ExaServer's scripted faults."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from email.utils import formatdate
from typing import Any

import pytest

import exa_webhooks as ew
from exa_webhooks.testing import ExaServer
from ports import held_port

URL = "https://example.com/hook"
EVENTS = ["webset.created"]
CREATE_PATH = "/websets/v0/webhooks"


def count(server: ExaServer, method: str | None = None) -> int:
    return sum(1 for r in server.requests if method is None or r.method == method)


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504])
def test_reads_retry_transient_statuses(server: ExaServer, status: int) -> None:
    wh = server.client().create_webhook(EVENTS, URL)
    server.add_fault(status=status, times=2, headers={"retry-after-ms": "10"})
    client = server.client(timeout=5)
    assert client.get_webhook(wh.id).id == wh.id
    assert count(server, "GET") == 3


@pytest.mark.parametrize("status", [400, 401, 402, 403, 404, 422])
def test_reads_never_retry_client_errors(server: ExaServer, status: int) -> None:
    server.add_fault(status=status, times=5)
    with pytest.raises(ew.APIError) as excinfo:
        server.client().list_webhooks()
    assert excinfo.value.status_code == status
    assert excinfo.value.attempts == 1
    assert count(server) == 1


def test_retries_give_up_after_max_retries(server: ExaServer) -> None:
    server.add_fault(status=503, times=10, headers={"retry-after-ms": "1"})
    with pytest.raises(ew.InternalServerError) as excinfo:
        server.client(max_retries=3).list_webhooks()
    assert excinfo.value.attempts == 4
    assert excinfo.value.request_id is not None
    assert count(server) == 4
    server.clear_faults()
    server.add_fault(status=503, times=10)
    with pytest.raises(ew.InternalServerError) as excinfo:
        server.client(max_retries=0).list_webhooks()
    assert excinfo.value.attempts == 1


def test_backoff_grows_with_jitter(server: ExaServer) -> None:
    server.add_fault(status=502, times=2)
    started = time.monotonic()
    server.client().list_webhooks()
    elapsed = time.monotonic() - started
    # 0.5 s then 1 s, each scaled by a jitter factor in [0.75, 1].
    assert 1.1 <= elapsed < 3.0


def test_retry_after_seconds_and_http_date(server: ExaServer) -> None:
    server.add_fault(status=429, headers={"Retry-After": "1"})
    started = time.monotonic()
    server.client().list_webhooks()
    assert 0.95 <= time.monotonic() - started < 2.5

    server.add_fault(status=503, headers={"Retry-After": formatdate(time.time() + 2, usegmt=True)})
    started = time.monotonic()
    server.client().list_webhooks()
    assert 0.9 <= time.monotonic() - started < 3.5


def test_retry_after_longer_than_a_minute_gives_up_at_once(server: ExaServer) -> None:
    server.add_fault(status=429, headers={"Retry-After": "120"}, times=3)
    started = time.monotonic()
    with pytest.raises(ew.RateLimitError) as excinfo:
        server.client().list_webhooks()
    assert time.monotonic() - started < 10  # far below the 120 s asked for
    assert excinfo.value.retry_after == 120
    assert excinfo.value.attempts == 1


def test_retry_after_beyond_the_deadline_gives_up(server: ExaServer) -> None:
    server.add_fault(status=429, headers={"Retry-After": "30"}, times=3)
    started = time.monotonic()
    with pytest.raises(ew.RateLimitError):
        server.client(timeout=1).list_webhooks()
    assert time.monotonic() - started < 10  # far below the 30 s asked for


def test_reads_retry_timeouts_resets_and_truncation(server: ExaServer) -> None:
    wh = server.client().create_webhook(EVENTS, URL)
    client = server.client(timeout=0.5)
    server.add_fault(hang=True)
    assert client.get_webhook(wh.id).id == wh.id
    server.add_fault(reset=True)
    assert client.update_webhook(wh.id, metadata={"a": "b"}).metadata == {"a": "b"}
    server.add_fault(truncate=True)
    assert len(client.list_webhooks()) == 1
    assert count(server, "GET") == 4


def test_a_truncated_body_without_retries(server: ExaServer) -> None:
    server.add_fault(truncate=True)
    client = server.client(max_retries=0)
    with pytest.raises(ew.APIConnectionError) as excinfo:
        client.list_webhooks()
    assert not isinstance(excinfo.value, ew.APITimeoutError)


def test_overall_deadline(server: ExaServer) -> None:
    server.add_fault(hang=True, times=10)
    client = server.client(timeout=0.3, max_retries=2)
    started = time.monotonic()
    with pytest.raises(ew.APITimeoutError) as excinfo:
        client.list_webhooks()
    elapsed = time.monotonic() - started
    # 3 tries of 0.3 s and at most 1.5 s of backoff, with slack for a loaded machine.
    assert elapsed < 3 * 0.3 + 1.5 + 3
    assert excinfo.value.attempts == 3


# --- Creates: never duplicated -------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ({"delay": 1.0}, ew.APITimeoutError),
        ({"hang": True}, ew.APITimeoutError),
        ({"reset": True}, ew.APIConnectionError),
        ({"truncate": True}, ew.APIConnectionError),
        ({"status": 500}, ew.InternalServerError),
        ({"status": 502}, ew.InternalServerError),
        ({"status": 504}, ew.InternalServerError),
    ],
)
def test_a_create_that_may_have_happened_is_not_retried(
    server: ExaServer, fault: dict[str, Any], error: type[ew.ExaError]
) -> None:
    server.add_fault(after_processing=True, method="POST", times=5, **fault)
    client = server.client(timeout=0.4)
    with pytest.raises(error) as excinfo:
        client.create_webhook(EVENTS, URL)
    assert "may have been created" in str(excinfo.value)
    assert "list_webhooks" in str(excinfo.value)
    assert excinfo.value.attempts == 1  # type: ignore[attr-defined]
    assert count(server, "POST") == 1
    assert len(server.webhooks) == 1, "the one create the server processed"
    server.clear_faults()
    # The advice works: the webhook is there to be found.
    assert [w.url for w in client.list_webhooks()] == [URL]


@pytest.mark.parametrize("status", [429, 503])
def test_a_create_the_server_refused_is_retried(server: ExaServer, status: int) -> None:
    server.add_fault(status=status, times=2, method="POST", headers={"retry-after-ms": "5"})
    wh = server.client().create_webhook(EVENTS, URL)
    assert count(server, "POST") == 3
    assert [w.id for w in server.webhooks] == [wh.id]


@pytest.mark.parametrize("status", [408, 409])
def test_a_create_is_not_retried_on_other_transient_statuses(
    server: ExaServer, status: int
) -> None:
    server.add_fault(status=status, times=2, method="POST")
    with pytest.raises(ew.APIError):
        server.client().create_webhook(EVENTS, URL)
    assert count(server, "POST") == 1
    assert server.webhooks == []


def test_a_create_is_retried_when_the_connection_was_refused() -> None:
    # Nothing listens yet: the server comes up on the held port once the client says, in its
    # INFO record, that the refused try will be retried (during that backoff, >= 0.375 s).
    refused = threading.Event()
    logger = logging.getLogger("exa_webhooks")

    class OnRetry(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno == logging.INFO:
                refused.set()

    handler = OnRetry()
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)
    started: list[ExaServer] = []

    def start_on_retry(port: int) -> None:
        if refused.wait(30):
            started.append(ExaServer(port=port))

    try:
        with held_port() as port:
            starter = threading.Thread(target=start_on_retry, args=(port,))
            starter.start()
            try:
                client = ew.Client("test-key", base_url=f"http://127.0.0.1:{port}", max_retries=3)
                wh = client.create_webhook(EVENTS, URL)
            finally:
                refused.set()
                starter.join()
            (server,) = started
            assert [w.id for w in server.webhooks] == [wh.id]
            assert count(server, "POST") == 1
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        for s in started:
            s.stop()


def test_no_duplicates_under_every_fault_async(server: ExaServer) -> None:
    async def main() -> None:
        client = server.async_client(timeout=0.4)
        for fault in ({"reset": True}, {"hang": True}, {"status": 502}):
            server.add_fault(after_processing=True, method="POST", **fault)
            with pytest.raises(ew.ExaError, match="may have been created"):
                await client.create_webhook(EVENTS, URL)
        server.add_fault(status=503, method="POST", headers={"retry-after-ms": "1"})
        await client.create_webhook(EVENTS, URL)

    asyncio.run(main())
    assert count(server, "POST") == 5
    assert len(server.webhooks) == 4


# --- Logging --------------------------------------------------------------------------------


def test_one_debug_record_per_attempt(server: ExaServer, caplog: pytest.LogCaptureFixture) -> None:
    server.add_fault(status=503, headers={"retry-after-ms": "1"})
    client = ew.Client("test-key", base_url=server.url)
    with caplog.at_level(logging.DEBUG, logger="exa_webhooks"):
        wh = client.create_webhook(EVENTS, URL)
    records = [r for r in caplog.records if r.name == "exa_webhooks" and r.levelno == logging.DEBUG]
    assert len(records) == 2
    first, second = (r.getMessage() for r in records)
    assert first.startswith("POST /websets/v0/webhooks -> 503 (request id req_")
    assert "attempt 1" in first
    assert second.startswith("POST /websets/v0/webhooks -> 200 (request id req_")
    assert "attempt 2" in second
    text = " ".join(r.getMessage() for r in records)
    assert "test-key" not in text
    assert wh.secret is not None
    assert wh.secret not in text


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
def test_one_info_record_per_retry(
    server: ExaServer, caplog: pytest.LogCaptureFixture, asynchronous: bool
) -> None:
    server.add_fault(status=503, times=2, headers={"retry-after-ms": "1"}, method="GET")
    with caplog.at_level(logging.INFO, logger="exa_webhooks"):
        if asynchronous:

            async def main() -> None:
                async with server.async_client() as client:
                    await client.list_webhooks()
                    server.add_fault(status=404, method="GET")
                    with pytest.raises(ew.NotFoundError):
                        await client.list_webhooks()

            asyncio.run(main())
        else:
            with server.client() as client:
                client.list_webhooks()
                server.add_fault(status=404, method="GET")
                with pytest.raises(ew.NotFoundError):
                    client.list_webhooks()  # a 404 is final: no retry, no record
    records = [r for r in caplog.records if r.name == "exa_webhooks"]
    assert [r.levelno for r in records] == [logging.INFO, logging.INFO]
    # Logged on the calling (or the event loop's) thread, never on a tokio thread.
    assert {r.thread for r in records} == {threading.get_ident()}
    first, second = (r.getMessage() for r in records)
    assert first.startswith("GET /websets/v0/webhooks: try 1 of 3 failed after ")
    assert "(503: " in first
    assert "retrying in 0.00 s" in first
    assert second.startswith("GET /websets/v0/webhooks: try 2 of 3 failed")


def test_logging_follows_level_and_disabled_changes_between_calls(
    server: ExaServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Counts the calls Rust makes to `logger.debug`: when DEBUG is off there must be none at
    # all, not merely no record (logging would drop those by itself).
    client = server.client()
    logger = logging.getLogger("exa_webhooks")
    calls: list[tuple[Any, ...]] = []
    monkeypatch.setattr(logger, "debug", lambda *args: calls.append(args))

    def logged() -> int:
        calls.clear()
        client.list_webhooks()
        return len(calls)

    original = logger.level
    try:
        logger.setLevel(logging.WARNING)
        assert logged() == 0
        logger.setLevel(logging.DEBUG)
        assert logged() == 1
        logger.disabled = True
        assert logged() == 0
        logger.disabled = False
        assert logged() == 1
        logger.setLevel(logging.INFO)
        assert logged() == 0
    finally:
        logger.setLevel(original)
        logger.disabled = False


# --- The process around the call ------------------------------------------------------------


def test_close_ends_calls_in_flight(server: ExaServer) -> None:
    server.add_fault(hang=True)
    client = server.client(timeout=30)
    errors: list[BaseException] = []

    def call() -> None:
        try:
            client.list_webhooks()
        except BaseException as e:
            errors.append(e)

    thread = threading.Thread(target=call)
    thread.start()
    # Close only once the request is in flight (the server has it), not merely started.
    deadline = time.monotonic() + 5
    while not server.requests and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.requests
    started = time.monotonic()
    client.close()
    thread.join(5)
    assert not thread.is_alive()
    assert time.monotonic() - started < 5  # far below the 30 s timeout
    assert len(errors) == 1
    assert isinstance(errors[0], ew.APIConnectionError)
    assert "closed" in str(errors[0])


def test_async_close_with_requests_in_flight(server: ExaServer) -> None:
    server.add_fault(hang=True, times=5)

    async def main() -> list[Any]:
        client = server.async_client(timeout=30)
        tasks = [asyncio.ensure_future(client.list_webhooks()) for _ in range(5)]
        deadline = time.monotonic() + 5
        while count(server) < 5 and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert count(server) == 5
        await client.aclose()
        return await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 2)

    results = asyncio.run(main())
    assert all(isinstance(r, ew.APIConnectionError) for r in results)


def test_cancelling_a_task_cancels_the_request() -> None:
    closed = threading.Event()
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]

        got_request = threading.Event()

        def serve() -> None:
            conn, _ = listener.accept()
            with conn:
                conn.recv(65536)  # the request; never answered
                got_request.set()
                conn.settimeout(10)
                try:
                    if conn.recv(1) == b"":
                        closed.set()
                except OSError:
                    closed.set()

        server_thread = threading.Thread(target=serve, daemon=True)
        server_thread.start()

        async def main() -> None:
            client = ew.AsyncClient("k", base_url=f"http://127.0.0.1:{port}", timeout=30)
            task = asyncio.ensure_future(client.list_webhooks())
            deadline = time.monotonic() + 5
            while not got_request.is_set() and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            assert got_request.is_set()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task

        asyncio.run(main())
        assert closed.wait(3), "the connection was not closed after cancellation"


def test_eight_threads_one_thousand_calls(server: ExaServer) -> None:
    client = server.client()
    wh = client.create_webhook(EVENTS, URL)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(125):
                client.get_webhook(wh.id)
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert count(server, "GET") == 1000


def test_async_retries_and_deadline(server: ExaServer) -> None:
    async def main() -> None:
        client = ew.AsyncClient(server.api_key, base_url=server.url, timeout=0.3)
        wh = await client.create_webhook(EVENTS, URL)
        server.add_fault(status=503, times=2, headers={"retry-after-ms": "1"})
        assert (await client.get_webhook(wh.id)).id == wh.id
        server.add_fault(reset=True)
        assert len(await client.list_webhooks()) == 1
        server.add_fault(status=404, times=3)
        with pytest.raises(ew.NotFoundError) as not_found:
            await client.get_webhook(wh.id)
        assert not_found.value.attempts == 1
        assert server.pending_faults == 2
        server.clear_faults()
        server.add_fault(hang=True, times=10)
        started = time.monotonic()
        with pytest.raises(ew.APITimeoutError) as timed_out:
            await client.list_webhooks()
        assert time.monotonic() - started < 3 * 0.3 + 1.5 + 3
        assert timed_out.value.attempts == 3

    asyncio.run(main())


def test_one_async_client_serves_loops_in_turn_and_at_once(server: ExaServer) -> None:
    """Each call is resolved on the loop that awaits it: successive `asyncio.run` loops, and
    two threads whose loops interleave their calls on the same client. A future made on the
    wrong loop would raise ("attached to a different loop") or never be resolved here."""
    client = ew.AsyncClient("test-key", base_url=server.url)
    done: dict[str, int] = {}

    async def creates(name: str, n: int) -> None:
        for _ in range(n):
            call = client.create_webhook(EVENTS, URL, {"by": name})
            webhook = await asyncio.wait_for(call, 10)
            assert webhook.metadata == {"by": name}
            done[name] = done.get(name, 0) + 1
            await asyncio.sleep(0)

    for i in range(3):
        asyncio.run(creates(f"run-{i}", 5))
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def in_thread(name: str) -> None:
        barrier.wait()
        try:
            asyncio.run(creates(name, 40))
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=in_thread, args=(f"thread-{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "a loop's calls never finished"
    assert not errors, errors
    assert done == {"run-0": 5, "run-1": 5, "run-2": 5, "thread-0": 40, "thread-1": 40}
