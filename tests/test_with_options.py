"""`with_options`: a client with another timeout or retries that shares the connection pool.

The server counts connections (tests/keepalive.py) and requests, so sharing is seen from the
outside; the policy is seen in how many tries a failing call makes and how long it waits.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

import exa_webhooks as ew
from exa_webhooks.testing import ExaServer
from keepalive import KeepAliveServer

EVENTS = ["webset.created"]
URL = "https://example.com/h"


@pytest.fixture
def keepalive() -> Iterator[KeepAliveServer]:
    server = KeepAliveServer(idle_timeout=30)
    yield server
    server.stop()


def test_sync_clients_of_with_options_share_one_connection(keepalive: KeepAliveServer) -> None:
    with ew.Client("k", base_url=keepalive.url, max_retries=0) as client:
        quick = client.with_options(timeout=5)
        client.create_webhook(EVENTS, URL)
        quick.create_webhook(EVENTS, URL)
        client.with_options(max_retries=1).get_webhook("webhook_1")
    assert len(keepalive.requests) == 3
    assert keepalive.connections == 1


def test_async_clients_of_with_options_share_one_connection(keepalive: KeepAliveServer) -> None:
    async def main() -> None:
        async with ew.AsyncClient("k", base_url=keepalive.url, max_retries=0) as client:
            await client.create_webhook(EVENTS, URL)
            await client.with_options(timeout=5).create_webhook(EVENTS, URL)

    asyncio.run(main())
    assert len(keepalive.requests) == 2
    assert keepalive.connections == 1


def test_each_client_keeps_its_own_policy(server: ExaServer) -> None:
    client = server.client(max_retries=2, timeout=5)
    once = client.with_options(max_retries=0)
    assert (once.timeout, once.max_retries) == (5, 0)
    assert (client.timeout, client.max_retries) == (5, 2)
    server.add_fault(status=503, times=10, headers={"retry-after-ms": "1"})
    with pytest.raises(ew.InternalServerError) as derived:
        once.list_webhooks()
    with pytest.raises(ew.InternalServerError) as original:
        client.list_webhooks()
    assert (derived.value.attempts, original.value.attempts) == (1, 3)

    server.clear_faults()
    server.add_fault(hang=True, times=2)
    started = time.monotonic()
    with pytest.raises(ew.APITimeoutError) as timed_out:
        client.with_options(timeout=0.3, max_retries=0).list_webhooks()
    assert time.monotonic() - started < 4  # 0.3 s, not the original 5 s
    assert "0.3 s" in str(timed_out.value)


def test_async_with_options_keeps_its_own_policy(server: ExaServer) -> None:
    async def main() -> None:
        client = server.async_client(max_retries=2, timeout=5)
        server.add_fault(status=503, times=10, headers={"retry-after-ms": "1"})
        with pytest.raises(ew.InternalServerError) as derived:
            await client.with_options(max_retries=0).list_webhooks()
        assert derived.value.attempts == 1
        assert isinstance(client.with_options(), ew.AsyncClient)

    asyncio.run(main())


def test_close_closes_the_shared_pool_for_every_client(server: ExaServer) -> None:
    client = server.client()
    derived = client.with_options(timeout=5)
    derived.close()
    assert client.closed
    assert derived.closed
    with pytest.raises(ew.ExaError, match="closed"):
        client.list_webhooks()


def test_bad_options_are_refused_and_change_nothing(server: ExaServer) -> None:
    client = server.client(timeout=5, max_retries=2)
    for bad in ({"timeout": -1}, {"timeout": "soon"}, {"max_retries": 11}, {"max_retries": True}):
        with pytest.raises(ew.ValidationError) as excinfo:
            client.with_options(**bad)  # type: ignore[arg-type]
        assert excinfo.value.errors[0]["field"] in bad
    assert (client.timeout, client.max_retries) == (5, 2)
    assert server.requests == []
    with pytest.raises(TypeError):
        client.with_options(5)  # type: ignore[misc]
