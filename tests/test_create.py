"""Creating webhooks against ExaServer, sync and async: happy paths and the wire."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone

import pytest

import exa_webhooks as ew
from exa_webhooks.testing import ExaServer
from scripted import Reply, ScriptedServer, webhook_json


def test_create_returns_a_typed_webhook(client: ew.Client, server: ExaServer) -> None:
    before = datetime.now(timezone.utc)
    wh = client.create_webhook(
        ["webset.created", ew.EventType.WEBSET_ITEM_ENRICHED],
        "https://example.com/hooks/exa",
        {"team": "growth"},
    )
    assert wh.id.startswith("webhook_")
    assert wh.object == "webhook"
    assert wh.status == "active"
    assert wh.events == ("webset.created", "webset.item.enriched")
    assert wh.url == "https://example.com/hooks/exa"
    assert wh.metadata == {"team": "growth"}
    assert wh.secret is not None
    assert len(wh.secret) > 20
    assert isinstance(wh.created_at, datetime)
    assert wh.created_at.tzinfo is not None
    assert before.replace(microsecond=0) <= wh.created_at <= datetime.now(timezone.utc)
    assert wh.updated_at == wh.created_at
    assert server.webhooks == [wh]


def test_request_on_the_wire(client: ew.Client, server: ExaServer) -> None:
    client.create_webhook((e for e in ["webset.idle"]), "https://example.com/h")
    (request,) = server.requests
    assert request.method == "POST"
    assert request.path == "/websets/v0/webhooks"
    assert request.headers["x-api-key"] == server.api_key
    assert request.headers["user-agent"] == f"exa-webhooks/{ew.__version__}"
    assert request.headers["content-type"] == "application/json"
    # No metadata given: none sent.
    assert request.json() == {"events": ["webset.idle"], "url": "https://example.com/h"}


def test_every_event_type_and_tuple_or_set_input(client: ew.Client) -> None:
    wh = client.create_webhook(tuple(ew.EventType), "https://example.com/all")
    assert wh.events == tuple(e.value for e in ew.EventType)
    wh = client.create_webhook({"import.completed"}, "http://localhost:9/h")
    assert wh.events == ("import.completed",)


def test_each_create_gets_a_new_id_and_secret(client: ew.Client) -> None:
    hooks = [client.create_webhook(["webset.created"], "https://example.com/h") for _ in range(5)]
    assert len({h.id for h in hooks}) == 5
    assert len({h.secret for h in hooks}) == 5


def test_async_create(server: ExaServer) -> None:
    async def main() -> ew.Webhook:
        async with ew.AsyncClient(server.api_key, base_url=server.url) as client:
            return await client.create_webhook(
                events=[ew.EventType.WEBSET_CREATED], url="https://example.com/h"
            )

    wh = asyncio.run(main())
    assert wh.events == ("webset.created",)
    assert server.webhooks == [wh]


def test_hundred_concurrent_async_creates(server: ExaServer) -> None:
    async def main() -> list[ew.Webhook]:
        async with server.async_client() as client:
            return await asyncio.gather(
                *(
                    client.create_webhook(["webset.created"], f"https://example.com/{i}")
                    for i in range(100)
                )
            )

    hooks = asyncio.run(main())
    assert sorted(h.url for h in hooks) == sorted(f"https://example.com/{i}" for i in range(100))
    assert len({h.id for h in hooks}) == 100
    assert len(server.webhooks) == 100


def test_async_client_under_repeated_asyncio_run(server: ExaServer) -> None:
    client = server.async_client()
    for _ in range(3):
        wh = asyncio.run(client.create_webhook(["webset.created"], "https://example.com/h"))
        assert wh.status == "active"
    assert len(server.webhooks) == 3


def test_sync_client_inside_a_running_event_loop(client: ew.Client) -> None:
    """As in Jupyter, where a loop is already running in the main thread."""

    async def notebook_cell() -> ew.Webhook:
        return client.create_webhook(["webset.created"], "https://example.com/h")

    assert asyncio.run(notebook_cell()).status == "active"


def test_connection_is_reused(scripted: ScriptedServer) -> None:
    scripted.script(Reply(200, webhook_json()))
    with scripted.client() as client:
        for _ in range(5):
            client.create_webhook(["webset.created"], "https://example.com/h")
    ports = {r.client_port for r in scripted.received}
    assert len(scripted.received) == 5
    assert len(ports) == 1, "each request opened a new connection"


def test_unknown_fields_and_event_types_in_responses_are_kept(scripted: ScriptedServer) -> None:
    body = webhook_json(events=["webset.created", "webset.teleported"], futureField={"a": [1]})
    scripted.script(Reply(200, body))
    wh = scripted.client().create_webhook(["webset.created"], "https://example.com/h")
    assert wh.events == ("webset.created", "webset.teleported")
    assert wh.to_dict() == body


def test_metadata_is_optional_in_responses(scripted: ScriptedServer) -> None:
    body = webhook_json(secret=None)
    del body["metadata"]
    scripted.script(Reply(200, body))
    wh = scripted.client().create_webhook(["webset.created"], "https://example.com/h")
    assert wh.metadata == {}
    assert wh.secret is None


def test_any_2xx_is_success(scripted: ScriptedServer) -> None:
    scripted.script(Reply(201, webhook_json()))
    assert scripted.client().create_webhook(["webset.created"], "https://e.com").id == "webhook_123"


def test_base_url_path_prefix_is_kept(scripted: ScriptedServer) -> None:
    scripted.script(Reply(200, webhook_json()))
    client = ew.Client("k", base_url=scripted.url + "/proxy/exa/")
    client.create_webhook(["webset.created"], "https://e.com")
    assert scripted.received[0].path == "/proxy/exa/websets/v0/webhooks"


@pytest.mark.parametrize("key_header", ["x-api-key", "authorization"])
def test_server_accepts_both_auth_headers(server: ExaServer, key_header: str) -> None:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    value = server.api_key if key_header == "x-api-key" else f"Bearer {server.api_key}"
    body = json.dumps({"events": ["webset.created"], "url": "https://e.com"})
    conn.request("POST", "/websets/v0/webhooks", body, {key_header: value})
    response = conn.getresponse()
    assert response.status == 200
    assert json.loads(response.read())["secret"]


def test_limits_are_inclusive(client: ew.Client) -> None:
    url = "https://e.com/" + "a" * (2048 - len("https://e.com/"))
    assert client.create_webhook(["webset.created"], url).url == url
    metadata = {"k": "é" * 1000, "emoji": "🦀"}
    assert client.create_webhook(["webset.created"], url, metadata).metadata == metadata
