"""fork(): a client (and the shared default client) used before a fork works in the child."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import subprocess
import sys
import time

import pytest

import exa_webhooks as ew
from exa_webhooks.testing import ExaServer

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="fork is POSIX")

URL = "https://example.com/hook"
SHARED: ew.Client | None = None


def wait_child(pid: int, timeout: float = 20) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.02)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    raise AssertionError("the forked child hung")


def test_client_used_before_fork_works_in_the_child(
    server: ExaServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXA_API_KEY", server.api_key)
    monkeypatch.setenv("EXA_BASE_URL", server.url)
    client = server.client(timeout=5)
    client.create_webhook(["webset.created"], URL)  # runtime and pool exist now
    ew.create_webhook(["webset.created"], URL)  # and the shared default client's

    pid = os.fork()
    if pid == 0:  # the child: any failure is its exit code
        code = 1
        try:
            client.create_webhook(["webset.idle"], URL)
            ew.create_webhook(["webset.idle"], URL)

            async def main() -> None:
                async with server.async_client(timeout=5) as aclient:
                    await aclient.create_webhook(["webset.idle"], URL)

            asyncio.run(main())
            code = 0
        finally:
            os._exit(code)
    assert wait_child(pid) == 0
    # And the parent's client still works too.
    client.create_webhook(["webset.created"], URL)
    events = sorted(w.events[0] for w in server.webhooks)
    assert events == ["webset.created"] * 3 + ["webset.idle"] * 3


def create_in_worker(url: str) -> str:
    assert SHARED is not None
    return SHARED.create_webhook(["import.completed"], url).id


def test_multiprocessing_pool_with_fork(server: ExaServer) -> None:
    global SHARED
    SHARED = server.client(timeout=5)
    SHARED.list_webhooks()
    try:
        with multiprocessing.get_context("fork").Pool(2) as pool:
            ids = pool.map(create_in_worker, [f"{URL}/{i}" for i in range(6)], chunksize=1)
    finally:
        SHARED = None
    assert sorted(ids) == sorted(w.id for w in server.webhooks)
    assert len(ids) == 6


EXIT_SCRIPT = """
import asyncio, sys, exa_webhooks as ew

async def main():
    client = ew.AsyncClient("test-key", base_url=sys.argv[1])
    await asyncio.gather(*(client.create_webhook(["webset.created"], "https://e.com")
                           for _ in range(200)))

asyncio.run(main())
"""


def test_interpreter_exit_right_after_async_calls_is_clean(server: ExaServer) -> None:
    """Results are handed to asyncio from tokio threads; the interpreter must never be
    finalized under one of them (that aborted the process before `runtime::drain`)."""
    for _ in range(8):
        result = subprocess.run(
            [sys.executable, "-c", EXIT_SCRIPT, server.url], capture_output=True, timeout=60
        )
        assert result.returncode == 0, result.stderr.decode()[-2000:]
