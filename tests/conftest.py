"""Shared fixtures: the package's own ExaServer, and a scripted HTTP server for error paths.

Both are real HTTP servers on 127.0.0.1; nothing in this suite mocks the HTTP layer.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import exa_webhooks as ew
from exa_webhooks.testing import ExaServer
from ports import held_port
from scripted import ScriptedServer


@pytest.fixture
def server() -> Iterator[ExaServer]:
    with ExaServer() as s:
        yield s


@pytest.fixture
def client(server: ExaServer) -> Iterator[ew.Client]:
    with server.client(timeout=10) as c:
        yield c


@pytest.fixture
def scripted() -> Iterator[ScriptedServer]:
    s = ScriptedServer()
    yield s
    s.close()


# --- A real Redis server for the receiver's RedisDedupe tests --------------------------------


@pytest.fixture(scope="session")
def redis_server() -> Iterator[str]:
    """Debian's redis-server on a free loopback port, no persistence, stopped at the end.
    Skipped where it is not installed, except in CI (which must run these tests)."""
    import os
    import shutil
    import socket
    import subprocess
    import tempfile
    import time

    binary = shutil.which("redis-server")
    if binary is None:
        message = "redis-server is not installed (apt-get install redis-server)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    # Held until the end: redis-server binds it beside this socket (SO_REUSEADDR).
    with held_port() as port:
        workdir = tempfile.mkdtemp(prefix="exa-redis-")
        args = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly"]
        proc = subprocess.Popen(
            [*args, "no", "--dir", workdir, "--daemonize", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                _, err = proc.communicate(timeout=5)
                pytest.fail(f"redis-server did not start on port {port}: {err.decode()[-500:]}")
            time.sleep(0.05)
        try:
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
            shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture
def redis_url(redis_server: str) -> str:
    """The session's Redis, emptied for this test."""
    import redis

    with redis.Redis.from_url(redis_server, socket_timeout=5) as client:
        client.flushall()
    return redis_server
