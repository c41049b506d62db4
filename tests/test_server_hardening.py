"""ExaServer against careless and hostile clients, and the crashes that must not happen.

Slow heads, idle and stalled connections, too many connections, big unauthenticated
requests, a full store, a server bound to every interface, plain http to a named test host,
``stop()`` during ``emit()``, ``emit()`` in a forked child, and bad arguments. Every test
provokes the case for real, on real sockets; crashes and forks run in subprocesses.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import exa_webhooks as ew
from exa_webhooks.testing import ExaServer

KEY = "test-key"
CREATE = {"events": ["webset.created"], "url": "https://example.com/h"}
HALF_HEAD = b"POST /websets/v0/webhooks HTTP/1.1\r\nHost: x\r\nx-api-key: test-key\r\n"


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.02)


def connect(server: ExaServer, **options: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    for name, value in options.items():
        sock.setsockopt(socket.SOL_SOCKET, getattr(socket, name), value)
    sock.settimeout(30)
    sock.connect(("127.0.0.1", server.port))
    return sock


def closed_by_server(sock: socket.socket, timeout: float) -> bool:
    """Whether the server closes `sock` within `timeout` (reading and dropping what comes)."""
    sock.settimeout(timeout)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if not sock.recv(65536):
                return True
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False
    return False


def request(
    server: ExaServer,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    conn: http.client.HTTPConnection | None = None,
) -> tuple[int, dict[str, str], Any]:
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    payload = None if body is None else json.dumps(body).encode()
    conn.request(method, path, payload, {"x-api-key": KEY, **(headers or {})})
    response = conn.getresponse()
    data = response.read()
    if own:
        conn.close()
    answer = json.loads(data) if data else None
    return response.status, {k.lower(): v for k, v in response.getheaders()}, answer


@pytest.fixture
def quick() -> Iterator[ExaServer]:
    """Short clocks, so the timeouts are seen in a test's time."""
    with ExaServer(header_timeout=1.0, idle_timeout=1.0, max_connections=1000) as server:
        yield server


# --- Slow and idle clients ---------------------------------------------------------------------


def test_hundreds_of_half_heads_are_closed_while_real_clients_are_served() -> None:
    with ExaServer(header_timeout=1.0, idle_timeout=60.0, max_connections=1000) as server:
        stalled = []
        for _ in range(300):
            sock = connect(server)
            sock.sendall(HALF_HEAD)
            stalled.append(sock)
        # Served meanwhile, on fresh connections and on one kept alive.
        client = server.client(timeout=10, max_retries=0)
        for i in range(20):
            client.create_webhook(["webset.created"], f"https://example.com/{i}")
        assert len(server.webhooks) == 20
        # Every stalled head is closed by the server: none is left hanging.
        deadline = time.monotonic() + 20
        still_open = [
            s for s in stalled if not closed_by_server(s, max(0.05, deadline - time.monotonic()))
        ]
        assert not still_open, f"{len(still_open)} of 300 stalled connections left open"
        for sock in stalled:
            sock.close()
        # None of them counted as a request.
        assert len(server.requests) == 20
        assert client.list_webhooks(limit=200).data[0].url == "https://example.com/19"


def test_a_head_sent_a_byte_at_a_time_is_still_cut_off() -> None:
    with ExaServer(header_timeout=1.0, idle_timeout=60.0) as server:
        sock = connect(server)
        started = time.monotonic()
        closed = False
        # Two bytes a second, for ever: the head's clock does not restart with each byte.
        for byte in HALF_HEAD * 20:
            try:
                sock.sendall(bytes([byte]))
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            sock.settimeout(0.5)
            try:
                if not sock.recv(1024):
                    closed = True
                    break
            except TimeoutError:
                pass
            except ConnectionResetError:
                closed = True
                break
            if time.monotonic() - started > 30:
                break
        sock.close()
        assert closed, "a trickled head was never cut off"


def test_a_silent_connection_is_closed_after_the_header_timeout(quick: ExaServer) -> None:
    sock = connect(quick)
    assert closed_by_server(sock, timeout=20)
    sock.close()


def test_an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() -> None:
    with ExaServer(idle_timeout=0.5, header_timeout=30.0) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        status, headers, _ = request(server, "GET", "/websets/v0/webhooks", conn=conn)
        assert status == 200
        assert headers.get("connection") != "close"
        assert conn.sock is not None
        assert closed_by_server(conn.sock, timeout=20)
        conn.close()


def test_idle_and_header_clocks_are_separate() -> None:
    # A keep-alive connection may idle far longer than a head may take to arrive.
    with ExaServer(header_timeout=0.3, idle_timeout=60.0) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        assert request(server, "GET", "/websets/v0/webhooks", conn=conn)[0] == 200
        sock = conn.sock
        time.sleep(1.5)  # five header timeouts, idle
        assert request(server, "GET", "/websets/v0/webhooks", conn=conn)[0] == 200
        assert conn.sock is sock, "the connection was replaced"
        conn.close()


def test_a_body_that_stalls_gets_408_and_is_not_recorded(quick: ExaServer) -> None:
    sock = connect(quick)
    head = (
        b"POST /websets/v0/webhooks HTTP/1.1\r\nHost: x\r\nx-api-key: test-key\r\n"
        b'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"events":'
    )
    sock.sendall(head)
    sock.settimeout(20)
    answer = b""
    while b"\r\n\r\n" not in answer:
        chunk = sock.recv(4096)
        assert chunk, "closed without an answer"
        answer += chunk
    assert answer.startswith(b"HTTP/1.1 408")
    assert b"connection: close" in answer.lower()
    sock.close()
    assert quick.requests == []


def test_a_client_that_never_reads_its_answers_is_dropped() -> None:
    with ExaServer(header_timeout=1.0, idle_timeout=60.0) as server:
        client = server.client()
        for i in range(200):
            client.create_webhook(["webset.created"], f"https://example.com/{'x' * 500}/{i}")
        sock = connect(server, SO_RCVBUF=4096)
        page = (
            b"GET /websets/v0/webhooks?limit=200 HTTP/1.1\r\nHost: x\r\nx-api-key: test-key\r\n\r\n"
        )
        sock.sendall(page * 100)  # about 20 MB of answers, never read
        time.sleep(3)  # the server's writes stall; its stall clock runs out
        # What the server had sent is still readable, then the connection ends: an idle
        # clock of 60 s would have kept it open.
        assert closed_by_server(sock, timeout=20)
        sock.close()
        assert client.list_webhooks(limit=1).data  # and the server is fine


# --- Too many connections ----------------------------------------------------------------------


def test_connections_past_the_limit_get_a_503_and_the_server_recovers() -> None:
    with ExaServer(max_connections=4, header_timeout=30.0, idle_timeout=30.0) as server:
        held = [connect(server) for _ in range(4)]
        time.sleep(0.2)  # accepted and counted
        status, headers, body = request(server, "POST", "/websets/v0/webhooks", CREATE)
        assert status == 503
        assert headers["retry-after"] == "1"
        assert headers["connection"] == "close"
        assert body["tag"] == "SERVICE_OVERLOADED"
        assert "max_connections" in body["error"]
        assert body["requestId"] == headers["x-request-id"]
        with pytest.raises(ew.InternalServerError) as excinfo:
            server.client(max_retries=0).create_webhook(["webset.created"], "https://e.com/x")
        assert excinfo.value.status_code == 503
        assert server.webhooks == []
        assert server.requests == []  # nothing was done, nothing recorded
        # A freed slot is usable at once; the client's own retry of a 503 gets through.
        held.pop().close()
        wh = server.client(max_retries=3).create_webhook(["webset.created"], "https://e.com/y")
        assert server.webhooks == [wh]
        for sock in held:
            sock.close()


# --- Memory ------------------------------------------------------------------------------------


def test_unauthenticated_requests_with_big_headers_are_not_kept(server: ExaServer) -> None:
    big = {"x-filler": "f" * 32_000}
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    for i in range(2_000):  # 64 MB of headers
        key = {"x-api-key": "wrong"} if i % 2 else {"x-api-key": ""}
        status, headers, _ = request(
            server, "POST", "/websets/v0/webhooks", CREATE, {**big, **key}, conn=conn
        )
        assert headers.get("connection") != "close"  # the same connection throughout
        assert status == 401
    conn.close()
    for path in ("/", "/elsewhere", "/v0/webhooks"):
        assert request(server, "GET", path, headers=big)[0] == 404
    assert server.requests == []
    assert server.webhooks == []


def test_recorded_requests_count_their_headers_in_the_budget(server: ExaServer) -> None:
    big = {"x-filler": "f" * 32_000}
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    sent = 3_000  # 96 MB of headers: past the 64 MB budget
    for i in range(sent):
        status, _, _ = request(
            server, "GET", f"/websets/v0/webhooks?limit={1 + i % 200}", headers=big, conn=conn
        )
        assert status == 200
    conn.close()
    kept = server.requests
    size = sum(len(r.path) + sum(len(k) + len(v) for k, v in r.headers.items()) for r in kept)
    assert size <= 64 * 1024 * 1024
    assert 1_000 < len(kept) < sent, len(kept)  # bounded by bytes, not by the count
    assert kept[-1].query == f"limit={1 + (sent - 1) % 200}"  # the latest are the ones kept


def test_a_head_too_large_is_refused_with_431(server: ExaServer) -> None:
    status, _, _ = request(server, "GET", "/websets/v0/webhooks", headers={"x-f": "f" * 100_000})
    assert status == 431
    assert server.requests == []


def test_a_body_too_large_gets_413_and_is_not_recorded(server: ExaServer) -> None:
    sock = connect(server)
    head = (
        b"POST /websets/v0/webhooks HTTP/1.1\r\nHost: x\r\nx-api-key: test-key\r\n"
        b"Content-Length: 2000000\r\n\r\n"
    )
    # A little more than the 1 MB allowed, then nothing: all of it is read, so the answer
    # is not lost to a reset.
    sock.sendall(head + b" " * (1024 * 1024 + 100))
    answer = b""
    while chunk := sock.recv(65536):
        answer += chunk
    sock.close()
    assert answer.startswith(b"HTTP/1.1 413")
    assert b"PAYLOAD_TOO_LARGE" in answer
    assert server.requests == []


@pytest.mark.parametrize("expect", [b"", b"Expect: 100-continue\r\n"])
def test_a_declared_body_too_large_is_refused_before_it_is_sent(
    server: ExaServer, expect: bytes
) -> None:
    sock = connect(server)
    sock.settimeout(10)
    sock.sendall(
        b"POST /websets/v0/webhooks HTTP/1.1\r\nHost: x\r\nx-api-key: test-key\r\n"
        b"Content-Length: 2000000\r\n" + expect + b"\r\n"
    )
    answer = b""  # no body is sent: the answer comes from the head alone
    while chunk := sock.recv(65536):
        answer += chunk
    sock.close()
    assert answer.startswith(b"HTTP/1.1 413"), answer[:80]  # not "100 Continue" first
    assert server.requests == []


# --- The store ---------------------------------------------------------------------------------


def test_a_full_store_refuses_creates_in_exas_shape() -> None:
    with ExaServer(max_webhooks=3) as server:
        client = server.client(max_retries=2)
        hooks = [client.create_webhook(["webset.created"], f"https://e.com/{i}") for i in range(3)]
        with pytest.raises(ew.UnprocessableEntityError) as excinfo:
            client.create_webhook(["webset.created"], "https://e.com/4")
        assert excinfo.value.tag == "WEBHOOK_LIMIT_REACHED"
        assert "max_webhooks" in str(excinfo.value)
        assert excinfo.value.attempts == 1  # not retried: no retry can help
        assert len(server.webhooks) == 3
        client.delete_webhook(hooks[0].id)
        client.create_webhook(["webset.created"], "https://e.com/5")
        assert [w.url for w in server.webhooks] == [
            "https://e.com/1",
            "https://e.com/2",
            "https://e.com/5",
        ]


def test_pages_stay_exact_while_webhooks_come_and_go(server: ExaServer) -> None:
    client = server.client()
    for i in range(450):
        client.create_webhook(["webset.created"], f"https://e.com/{i}")
    first = client.list_webhooks(limit=200)
    assert [w.url for w in first] == [f"https://e.com/{i}" for i in range(449, 249, -1)]
    # Between pages: one added, the cursor's own item deleted, and one not yet seen.
    client.create_webhook(["webset.created"], "https://e.com/new")
    client.delete_webhook(first.data[-1].id)
    client.delete_webhook(server.webhooks[100].id)
    second = client.list_webhooks(limit=200, cursor=first.next_cursor)
    third = client.list_webhooks(limit=200, cursor=second.next_cursor)
    assert not third.has_more
    rest = [w.url for w in [*second, *third]]
    assert rest == [f"https://e.com/{i}" for i in range(249, -1, -1) if i != 100]


# --- Bound to every interface, and plain http to a named host ---------------------------------


def test_a_server_on_every_interface_hands_its_clients_loopback() -> None:
    with ExaServer(host="0.0.0.0") as server:
        assert server.host == "0.0.0.0"
        assert server.url == f"http://127.0.0.1:{server.port}"
        wh = server.client().create_webhook(["webset.created"], "https://e.com/h")
        assert server.webhooks == [wh]

        async def main() -> None:
            async with server.async_client() as client:
                assert (await client.get_webhook(wh.id)).id == wh.id

        asyncio.run(main())


def test_an_ipv6_server_on_every_interface_hands_its_clients_loopback() -> None:
    try:
        server = ExaServer(host="::")
    except OSError:
        pytest.skip("no IPv6 here")
    with server:
        assert server.url == f"http://[::1]:{server.port}"
        assert server.client().list_webhooks().data == []


def named_test_host() -> str:
    """A name, not `localhost`, that resolves to this machine: what `exa-server` is in CI."""
    name = socket.gethostname()
    try:
        socket.getaddrinfo(name, 80, socket.AF_INET)
    except OSError:
        pytest.skip("this machine's name does not resolve")
    if name.lower().rstrip(".") == "localhost":
        pytest.skip("this machine is called localhost")
    return name


def outward_ip() -> str:
    """A non-loopback address of this machine, as another container would see it."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks a route
        ip = str(probe.getsockname()[0])
    except OSError:
        pytest.skip("no route off loopback")
    finally:
        probe.close()
    if ip.startswith("127.") or ip == "0.0.0.0":
        pytest.skip("no address off loopback")
    return ip


@pytest.mark.parametrize("host", [named_test_host, outward_ip], ids=["name", "ip"])
def test_plain_http_to_a_named_host_needs_the_opt_in(
    host: Callable[[], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    name = host()
    with ExaServer(host="0.0.0.0") as server:
        url = f"http://{name}:{server.port}"
        monkeypatch.delenv("EXA_WEBHOOKS_ALLOW_HTTP_HOSTS", raising=False)
        with pytest.raises(ew.ValidationError) as excinfo:
            ew.Client(KEY, base_url=url)
        assert excinfo.value.errors[0]["field"] == "base_url"
        assert "EXA_WEBHOOKS_ALLOW_HTTP_HOSTS" in excinfo.value.errors[0]["message"]
        # Another host named is not this one.
        monkeypatch.setenv("EXA_WEBHOOKS_ALLOW_HTTP_HOSTS", f"exa-server,{name}x")
        with pytest.raises(ew.ValidationError):
            ew.Client(KEY, base_url=url)
        monkeypatch.setenv("EXA_WEBHOOKS_ALLOW_HTTP_HOSTS", f" exa-server , {name.upper()} ")
        with ew.Client(KEY, base_url=url, max_retries=0) as client:
            wh = client.create_webhook(["webset.created"], "https://e.com/h")
        assert server.webhooks == [wh]
        assert server.requests[0].headers["host"].lower() == f"{name}:{server.port}".lower()


@pytest.mark.parametrize(
    "value", ["*.internal", "http://exa-server", "exa-server:8000", "exa-server/v0", "a b"]
)
def test_a_bad_opt_in_is_a_validation_error(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXA_WEBHOOKS_ALLOW_HTTP_HOSTS", f"exa-server,{value}")
    with pytest.raises(ew.ValidationError) as excinfo:
        ew.Client(KEY, base_url="https://api.exa.ai")
    (error,) = excinfo.value.errors
    assert error["field"] == "EXA_WEBHOOKS_ALLOW_HTTP_HOSTS"
    assert value in error["message"]


def serve(*args: str) -> tuple[str, str]:
    """Runs `exa-webhooks serve` until it listens, then Ctrl-C; its stdout and stderr."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "exa_webhooks", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("ExaServer listening on http://"), first
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return first + out, err


def test_serve_warns_when_exposed_with_the_default_key() -> None:
    out, err = serve("--host", "0.0.0.0")
    assert "warning" in err
    assert "0.0.0.0" in err
    assert "test-key" in err
    assert "--api-key" in err
    assert "http://127.0.0.1:" in out  # where this machine reaches it
    # With its own key, or on loopback: no warning.
    assert serve("--host", "0.0.0.0", "--api-key", "my-own-key")[1] == ""
    assert serve()[1] == ""


def test_serve_takes_the_limits() -> None:
    out, err = serve("--max-connections", "3", "--header-timeout", "0.5", "--idle-timeout", "2")
    assert err == ""
    assert "listening" in out
    proc = subprocess.run(
        [sys.executable, "-m", "exa_webhooks", "serve", "--port", "0", "--max-connections", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "max_connections" in proc.stderr


# --- Crashes -----------------------------------------------------------------------------------


def run_script(code: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    tests = str(Path(__file__).resolve().parent)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONPATH": tests, "PYTHONFAULTHANDLER": "1"},
    )


def test_stop_while_another_thread_emits_never_panics() -> None:
    result = run_script(
        """
        import random, threading, time
        import exa_webhooks as ew
        from exa_webhooks.testing import ExaServer
        from receiver import Receiver

        outcomes = {"delivered": 0, "stopped": 0}
        receiver = Receiver(delay=0.02)
        for round in range(60):
            server = ExaServer()
            client = server.client()
            for i in range(3):
                wh = client.create_webhook(["webset.created"], receiver.url + f"/r{i}")
                receiver.secrets[f"/r{i}"] = wh.secret
            failures = []

            def emit():
                try:
                    server.emit("webset.created", timeout=5)
                    outcomes["delivered"] += 1
                except RuntimeError as e:
                    if type(e) is not RuntimeError or "stopped" not in str(e):
                        failures.append(repr(e))
                    outcomes["stopped"] += 1
                except BaseException as e:
                    failures.append(repr(e))

            threads = [threading.Thread(target=emit) for _ in range(3)]
            for t in threads:
                t.start()
            time.sleep(random.uniform(0, 0.05))
            started = time.monotonic()
            server.stop()
            for t in threads:
                t.join(30)
                assert not t.is_alive(), "emit hung after stop"
            assert time.monotonic() - started < 20
            assert not failures, failures
        receiver.close()
        print("ok", outcomes)
        """
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "PanicException" not in result.stderr
    assert "panicked" not in result.stderr
    assert result.stdout.startswith("ok")


def test_emit_in_a_forked_child_fails_at_once_and_the_parent_is_unharmed() -> None:
    if not hasattr(os, "fork"):
        pytest.skip("fork is POSIX")
    result = run_script(
        """
        import os, time, warnings
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads: on purpose
        import exa_webhooks as ew
        from exa_webhooks.testing import ExaServer
        from receiver import Receiver

        receiver = Receiver()
        server = ExaServer()
        wh = server.client().create_webhook(["webset.created"], receiver.url + "/r")
        receiver.secrets["/r"] = wh.secret
        server.emit("webset.created")  # the runtime and the delivery pool are in use
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                started = time.monotonic()
                try:
                    server.emit("webset.created", timeout=5)
                    message = "emit returned in the child"
                except RuntimeError as e:
                    message = str(e)
                took = time.monotonic() - started
                assert not server.running
                server.stop()  # must not wait for threads that are not there
                os.write(write, f"{took:.3f}|{message}".encode())
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        deadline = time.monotonic() + 60
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() > deadline:
                os.kill(pid, 9)
                raise SystemExit("the child hung in emit")
            time.sleep(0.02)
        assert os.waitstatus_to_exitcode(status) == 0
        took, message = os.read(read, 4096).decode().split("|", 1)
        print("child:", took, message)
        assert float(took) < 5, took
        assert "forked child" in message, message
        # The parent's server still works, emit included.
        server.emit("webset.created")
        assert len(server.client().list_webhook_attempts(wh.id).data) == 2
        server.stop()
        receiver.close()
        print("ok")
        """
    )
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")


# --- Bad arguments -----------------------------------------------------------------------------


def fields(call: Callable[[], Any]) -> list[str]:
    with pytest.raises(ew.ValidationError) as excinfo:
        call()
    assert isinstance(excinfo.value, ValueError)
    return [e["field"] for e in excinfo.value.errors]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"times": -1}, "times"),
        ({"times": 0}, "times"),
        ({"times": 2**70}, "times"),
        ({"times": "1"}, "times"),
        ({"times": True}, "times"),
        ({"times": 1.5}, "times"),
        ({"status": 99_999}, "status"),
        ({"status": -1}, "status"),
        ({"status": "500"}, "status"),
        ({"reset": "yes"}, "reset"),
        ({"truncate": 1}, "truncate"),
        ({"hang": None}, "hang"),
        ({"after_processing": "no"}, "after_processing"),
        ({"delay": -1}, "delay"),
        ({"delay": float("nan")}, "delay"),
        ({"delay": float("inf")}, "delay"),
        ({"delay": "1"}, "delay"),
        ({"delay": 10**400}, "delay"),
        ({"method": 5}, "method"),
        ({"method": "GE T"}, "method"),
        ({"method": ""}, "method"),
        ({"path": "no-slash"}, "path"),
        ({"path": b"/x"}, "path"),
        ({"body": "\ud800"}, "body"),
        ({"headers": {"a": 1}}, 'headers["a"]'),
    ],
)
def test_every_bad_add_fault_argument_is_a_validation_error(
    server: ExaServer, kwargs: dict[str, Any], field: str
) -> None:
    assert field in fields(lambda: server.add_fault(**kwargs))
    assert server.pending_faults == 0


def test_add_fault_reports_every_problem_at_once(server: ExaServer) -> None:
    got = fields(lambda: server.add_fault(status=1, times=-1, delay=-1, method=3, reset="x"))
    assert set(got) == {"status", "times", "delay", "method", "reset"}


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"timeout": "x"}, "timeout"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": -1.0}, "timeout"),
        ({"timeout": True}, "timeout"),
        ({"timeout": float("nan")}, "timeout"),
        ({"timeout": 10**400}, "timeout"),
        ({"data": [1]}, "data"),
    ],
)
def test_every_bad_emit_argument_is_a_validation_error(
    server: ExaServer, kwargs: dict[str, Any], field: str
) -> None:
    assert field in fields(lambda: server.emit("webset.created", **kwargs))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"api_key": 5}, "api_key"),
        ({"api_key": ""}, "api_key"),
        ({"host": 5}, "host"),
        ({"host": ""}, "host"),
        ({"host": "a b"}, "host"),
        ({"port": -1}, "port"),
        ({"port": 70_000}, "port"),
        ({"port": "80"}, "port"),
        ({"port": 2**80}, "port"),
        ({"max_connections": 0}, "max_connections"),
        ({"max_connections": 10**9}, "max_connections"),
        ({"max_connections": 2.0}, "max_connections"),
        ({"header_timeout": 0}, "header_timeout"),
        ({"header_timeout": "1"}, "header_timeout"),
        ({"idle_timeout": -1}, "idle_timeout"),
        ({"idle_timeout": float("inf")}, "idle_timeout"),
        ({"max_webhooks": 0}, "max_webhooks"),
        ({"max_webhooks": None}, "max_webhooks"),
    ],
)
def test_every_bad_server_argument_is_a_validation_error(
    kwargs: dict[str, Any], field: str
) -> None:
    assert field in fields(lambda: ExaServer(**kwargs))


def test_a_host_that_cannot_be_bound_is_an_os_error() -> None:
    with pytest.raises(OSError, match="cannot start"):
        ExaServer(host="no-such-host.invalid")


def test_limits_in_use_do_not_break_faults(quick: ExaServer) -> None:
    # A delay longer than both clocks: a request being served is never cut off.
    quick.add_fault(delay=2.5)
    wh = quick.client(max_retries=0).create_webhook(["webset.created"], "https://e.com/h")
    assert quick.webhooks == [wh]
