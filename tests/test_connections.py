"""Pooled connections against servers that behave like real infrastructure: keep-alive
timeouts that close idle connections, restarts between calls, `Connection: close` answers.

The server counts what it receives; the client's DEBUG log counts what it tried. A request
written into a connection the server already closed never reaches the server, so both are
checked: every try must be a request the server saw.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator

import pytest

import exa_webhooks as ew
from keepalive import KeepAliveServer

EVENTS = ["webset.created"]
URL = "https://example.com/h"
# Longer than the server's keep-alive timeout, so every pooled connection is closed by then.
PAUSE = 0.8


@pytest.fixture
def keepalive() -> Iterator[KeepAliveServer]:
    server = KeepAliveServer(idle_timeout=0.3)
    yield server
    server.stop()


def tries(caplog: pytest.LogCaptureFixture) -> int:
    return sum(1 for r in caplog.records if r.name == "exa_webhooks" and r.levelno == logging.DEBUG)


def test_sync_creates_after_the_server_closed_idle_connections(
    keepalive: KeepAliveServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="exa_webhooks")
    with ew.Client("k", base_url=keepalive.url, max_retries=0) as client:
        for _ in range(4):
            client.create_webhook(EVENTS, URL)  # max_retries=0: a stale connection would raise
            time.sleep(PAUSE)
    assert [r.method for r in keepalive.requests] == ["POST"] * 4
    assert keepalive.connections == 4  # each closed by the server while idle, none reused
    assert tries(caplog) == 4


def test_reads_after_idle_closes_pay_no_failed_try(
    keepalive: KeepAliveServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="exa_webhooks")
    with ew.Client("k", base_url=keepalive.url) as client:
        for _ in range(3):
            client.get_webhook("webhook_1")
            time.sleep(PAUSE)
    assert len(keepalive.requests) == 3
    assert tries(caplog) == 3  # no try went into a dead socket


def test_async_creates_after_the_server_closed_idle_connections(
    keepalive: KeepAliveServer,
) -> None:
    async def main() -> None:
        async with ew.AsyncClient("k", base_url=keepalive.url, max_retries=0) as client:
            for _ in range(3):
                await client.create_webhook(EVENTS, URL)
                await asyncio.sleep(PAUSE)

    asyncio.run(main())
    assert len(keepalive.requests) == 3
    assert keepalive.connections == 3


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
def test_a_server_restarted_between_calls_is_transparent(
    keepalive: KeepAliveServer, asynchronous: bool
) -> None:
    keepalive.idle_timeout = 30  # only the restart closes connections

    async def calls(client: ew.AsyncClient) -> None:
        for _ in range(3):
            await client.create_webhook(EVENTS, URL)
            keepalive.restart()
            await asyncio.sleep(0.05)

    if asynchronous:

        async def main() -> None:
            async with ew.AsyncClient("k", base_url=keepalive.url, max_retries=0) as client:
                await calls(client)

        asyncio.run(main())
    else:
        with ew.Client("k", base_url=keepalive.url, max_retries=0) as client:
            for _ in range(3):
                client.create_webhook(EVENTS, URL)
                keepalive.restart()
                time.sleep(0.05)
    assert len(keepalive.requests) == 3
    assert keepalive.connections == 3


@pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])
def test_connection_close_answers_are_transparent(
    keepalive: KeepAliveServer, asynchronous: bool
) -> None:
    keepalive.connection_close = True
    if asynchronous:

        async def main() -> None:
            async with ew.AsyncClient("k", base_url=keepalive.url, max_retries=0) as client:
                for _ in range(5):
                    await client.create_webhook(EVENTS, URL)

        asyncio.run(main())
    else:
        with ew.Client("k", base_url=keepalive.url, max_retries=0) as client:
            for _ in range(5):
                client.create_webhook(EVENTS, URL)
    assert len(keepalive.requests) == 5
    assert keepalive.connections == 5


def test_a_live_connection_is_still_reused(keepalive: KeepAliveServer) -> None:
    keepalive.idle_timeout = 30
    with ew.Client("k", base_url=keepalive.url, max_retries=0) as client:
        for _ in range(5):
            client.create_webhook(EVENTS, URL)
    assert len(keepalive.requests) == 5
    assert keepalive.connections == 1
