"""`with_raw_response`: the status, headers, request id and tries of a successful call, with
`parse()` for the usual object; errors raise as always."""

from __future__ import annotations

import asyncio

import pytest

import exa_webhooks as ew
from exa_webhooks.testing import ExaServer
from keepalive import KeepAliveServer

EVENTS = ["webset.created"]
URL = "https://example.com/h"


def test_a_create_answers_with_its_raw_response(server: ExaServer) -> None:
    client = server.client()
    raw = client.with_raw_response.create_webhook(EVENTS, URL)
    assert isinstance(raw, ew.RawResponse)
    assert raw.status_code == 200
    assert raw.attempts == 1
    assert raw.request_id is not None
    assert raw.request_id.startswith("req_")
    assert raw.headers["x-request-id"] == raw.request_id
    assert raw.headers["content-type"].startswith("application/json")
    webhook = raw.parse()
    assert isinstance(webhook, ew.Webhook)
    assert [w.id for w in server.webhooks] == [webhook.id]
    assert webhook.secret is not None
    assert webhook.secret not in repr(raw)


def test_every_call_has_its_raw_form(server: ExaServer) -> None:
    raw = server.client().with_raw_response
    wh = raw.create_webhook(EVENTS, URL).parse()
    assert raw.get_webhook(wh.id).parse() == ew.Client.get_webhook(server.client(), wh.id)
    assert raw.update_webhook(wh.id, url=URL + "/2").parse().url == URL + "/2"
    page = raw.list_webhooks(limit=10).parse()
    assert isinstance(page, ew.Page)
    assert [w.id for w in page] == [wh.id]
    assert isinstance(raw.list_webhook_attempts(wh.id).parse(), ew.Page)
    event = server.emit("webset.created")
    assert [e.id for e in raw.list_events().parse()] == [event.id]
    assert raw.get_event(event.id).parse().id == event.id
    assert raw.delete_webhook(wh.id).parse().id == wh.id
    assert server.webhooks == []


def test_tries_are_counted_and_errors_raise(server: ExaServer) -> None:
    raw = server.client(max_retries=2).with_raw_response
    server.add_fault(status=503, times=2, headers={"retry-after-ms": "1"})
    assert raw.list_webhooks().attempts == 3
    with pytest.raises(ew.NotFoundError) as excinfo:
        raw.get_webhook("webhook_missing")
    assert excinfo.value.request_id is not None
    with pytest.raises(ew.ValidationError):
        raw.create_webhook("webset.created", URL)  # a bare string, refused before any I/O


def test_async_raw_responses(server: ExaServer) -> None:
    async def main() -> None:
        client = server.async_client()
        raw = await client.with_raw_response.create_webhook(EVENTS, URL)
        assert (raw.status_code, raw.attempts) == (200, 1)
        assert raw.request_id == raw.headers["x-request-id"]
        listed = await client.with_raw_response.list_webhooks()
        assert [w.id for w in listed.parse()] == [raw.parse().id]

    asyncio.run(main())


def test_the_raw_form_shares_the_connection_pool() -> None:
    keepalive = KeepAliveServer(idle_timeout=30)
    try:
        with ew.Client("k", base_url=keepalive.url, max_retries=0) as client:
            client.create_webhook(EVENTS, URL)
            assert client.with_raw_response.create_webhook(EVENTS, URL).status_code == 200
        assert len(keepalive.requests) == 2
        assert keepalive.connections == 1
    finally:
        keepalive.stop()
