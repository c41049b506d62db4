"""The whole Webhooks API against ExaServer, sync and async: get, update, delete, list, attempts."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

import exa_webhooks as ew
from exa_webhooks.testing import ExaServer
from scripted import Reply, ScriptedServer, webhook_json

URL = "https://example.com/hook"


def make(client: ew.Client, n: int) -> list[ew.Webhook]:
    return [client.create_webhook(["webset.created"], f"{URL}/{i}") for i in range(n)]


def test_get_hides_the_secret(client: ew.Client) -> None:
    created = client.create_webhook(["webset.created"], URL, {"a": "b"})
    got = client.get_webhook(created.id)
    assert got.secret is None
    assert got.id == created.id
    assert got.to_dict() == {**created.to_dict(), "secret": None}


def test_get_unknown_is_not_found_with_message_and_request_id(client: ew.Client) -> None:
    with pytest.raises(ew.NotFoundError) as excinfo:
        client.get_webhook("webhook_missing")
    error = excinfo.value
    assert error.status_code == 404
    assert "Webhook not found" in error.message
    assert error.request_id is not None
    assert error.request_id.startswith("req_")
    assert error.tag == "NOT_FOUND"


def test_update_changes_only_what_is_given(client: ew.Client, server: ExaServer) -> None:
    wh = client.create_webhook(["webset.created"], URL, {"team": "a"})
    updated = client.update_webhook(wh.id, url="https://example.com/new")
    assert server.requests[-1].method == "PATCH"
    assert server.requests[-1].json() == {"url": "https://example.com/new"}
    assert updated.url == "https://example.com/new"
    assert updated.events == wh.events
    assert updated.metadata == {"team": "a"}
    assert updated.status == "active"
    assert updated.secret is None
    assert updated.created_at == wh.created_at
    assert updated.updated_at > wh.updated_at

    again = client.update_webhook(wh.id, events=[ew.EventType.IMPORT_COMPLETED], metadata={})
    assert server.requests[-1].json() == {"events": ["import.completed"], "metadata": {}}
    assert again.events == ("import.completed",)
    assert again.metadata == {}
    assert again.url == "https://example.com/new"
    assert again.updated_at > updated.updated_at
    assert client.get_webhook(wh.id) == again


def test_update_validates_like_create(client: ew.Client, server: ExaServer) -> None:
    wh = client.create_webhook(["webset.created"], URL)
    before = len(server.requests)
    with pytest.raises(ew.ValidationError) as excinfo:
        client.update_webhook(wh.id)
    assert excinfo.value.errors[0]["field"] == "update"
    with pytest.raises(ew.ValidationError) as excinfo:
        client.update_webhook(wh.id, events=["webset.completed"], url="ftp://x")
    assert {e["field"] for e in excinfo.value.errors} == {"events[0]", "url"}
    assert len(server.requests) == before


def test_update_unknown_is_not_found(client: ew.Client) -> None:
    with pytest.raises(ew.NotFoundError):
        client.update_webhook("webhook_missing", url=URL)


def test_delete_returns_the_webhook_and_removes_it(client: ew.Client, server: ExaServer) -> None:
    wh = client.create_webhook(["webset.created"], URL)
    deleted = client.delete_webhook(wh.id)
    assert deleted.id == wh.id
    assert deleted.secret is None
    assert server.webhooks == []
    with pytest.raises(ew.NotFoundError):
        client.get_webhook(wh.id)
    with pytest.raises(ew.NotFoundError):
        client.delete_webhook(wh.id)


def test_list_pages(client: ew.Client, server: ExaServer) -> None:
    created = make(client, 7)
    first = client.list_webhooks(limit=3)
    assert isinstance(first, ew.Page)
    assert len(first) == 3
    assert first.has_more
    assert first.next_cursor
    assert [w.id for w in first] == [w.id for w in reversed(created)][:3]
    assert all(w.secret is None for w in first)
    second = client.list_webhooks(limit=3, cursor=first.next_cursor)
    third = client.list_webhooks(limit=3, cursor=second.next_cursor)
    assert (len(second), len(third), third.has_more, third.next_cursor) == (3, 1, False, None)
    seen = [w.id for page in (first, second, third) for w in page]
    assert sorted(seen) == sorted(w.id for w in created)
    assert server.requests[-1].query is not None
    assert "limit=3" in server.requests[-1].query


def test_list_default_limit_is_25(client: ew.Client) -> None:
    make(client, 30)
    page = client.list_webhooks()
    assert (len(page), page.has_more) == (25, True)
    assert len(client.list_webhooks(limit=200)) == 30


def test_iter_webhooks_is_lazy_and_complete(client: ew.Client, server: ExaServer) -> None:
    created = make(client, 11)
    before = len(server.requests)
    iterator = client.iter_webhooks(limit=4)
    assert len(server.requests) == before  # nothing fetched yet
    first = next(iterator)
    assert len(server.requests) == before + 1
    rest = list(iterator)
    assert len(server.requests) == before + 3
    assert sorted(w.id for w in [first, *rest]) == sorted(w.id for w in created)


def test_listing_is_stable_while_items_change(client: ew.Client) -> None:
    created = make(client, 10)
    seen = []
    for i, webhook in enumerate(client.iter_webhooks(limit=3)):
        seen.append(webhook.id)
        if i == 1:
            client.create_webhook(["webset.created"], URL)  # added mid-listing
            client.delete_webhook(created[0].id)  # the oldest, not seen yet
    assert len(seen) == len(set(seen)), "an item was repeated"
    assert sorted(seen) == sorted(w.id for w in created[1:])


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"limit": "10"}, "limit"),
        ({"limit": True}, "limit"),
        ({"cursor": ""}, "cursor"),
        ({"cursor": 5}, "cursor"),
    ],
)
def test_list_arguments_are_validated(
    client: ew.Client, server: ExaServer, kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(ew.ValidationError) as excinfo:
        client.list_webhooks(**kwargs)
    assert excinfo.value.errors[0]["field"] == field
    assert server.requests == []


def test_bad_cursor_is_a_bad_request(client: ew.Client) -> None:
    with pytest.raises(ew.BadRequestError, match="cursor"):
        client.list_webhooks(cursor="not-a-cursor")


HOSTILE_IDS = [
    "",
    "..",
    ".",
    "../webhooks",
    "a/attempts",
    "id?limit=1",
    "id#frag",
    "id%2F..",
    "id with space",
    "id\n",
    "id\x00",
    "a\\b",
]


@pytest.mark.parametrize("bad_id", HOSTILE_IDS)
def test_hostile_ids_never_reach_the_path(
    client: ew.Client, server: ExaServer, bad_id: str
) -> None:
    calls = [
        lambda: client.get_webhook(bad_id),
        lambda: client.update_webhook(bad_id, url=URL),
        lambda: client.delete_webhook(bad_id),
        lambda: client.list_webhook_attempts(bad_id),
    ]
    for call in calls:
        with pytest.raises(ew.ValidationError) as excinfo:
            call()
        assert excinfo.value.errors[0]["field"] == "webhook_id"
    assert server.requests == []


def test_unusual_but_safe_ids_are_escaped(client: ew.Client, server: ExaServer) -> None:
    with pytest.raises(ew.NotFoundError):
        client.get_webhook("wébhook:1")
    assert server.requests[0].path == "/websets/v0/webhooks/w%C3%A9bhook:1"


def test_id_of_wrong_type(client: ew.Client) -> None:
    with pytest.raises(ew.ValidationError, match="webhook_id: must be a str, got int"):
        client.get_webhook(123)  # type: ignore[arg-type]


def test_attempts_empty_and_filters_on_the_wire(client: ew.Client, server: ExaServer) -> None:
    wh = client.create_webhook(["webset.created"], URL)
    page = client.list_webhook_attempts(
        wh.id, event_type=ew.EventType.WEBSET_CREATED, successful=False, limit=5
    )
    assert (page.data, page.has_more, page.next_cursor) == ([], False, None)
    query = server.requests[-1].query
    assert query == "limit=5&eventType=webset.created&successful=false"
    assert list(client.iter_webhook_attempts(wh.id, successful=True)) == []
    assert server.requests[-1].query == "successful=true"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"event_type": "webset.completed"}, "event_type"),
        ({"successful": "yes"}, "successful"),
        ({"successful": 1}, "successful"),
        ({"limit": 500}, "limit"),
    ],
)
def test_attempt_filters_are_validated(
    client: ew.Client, server: ExaServer, kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(ew.ValidationError) as excinfo:
        client.list_webhook_attempts("webhook_1", **kwargs)
    assert excinfo.value.errors[0]["field"] == field
    assert server.requests == []


def test_attempts_of_unknown_webhook(client: ew.Client) -> None:
    with pytest.raises(ew.NotFoundError):
        client.list_webhook_attempts("webhook_missing")


def attempt_json(i: int, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": f"att_{i}",
        "object": "webhook_attempt",
        "eventId": f"evt_{i}",
        "eventType": "webset.created",
        "webhookId": "webhook_1",
        "url": URL,
        "successful": True,
        "responseHeaders": {"content-type": "text/plain"},
        "responseBody": "ok",
        "responseStatusCode": 200,
        "attempt": 1,
        "attemptedAt": "2025-03-04T05:06:07.089Z",
    }
    body.update(overrides)
    return body


def test_attempts_parse_and_paginate(scripted: ScriptedServer) -> None:
    scripted.script(
        Reply(
            200, {"data": [attempt_json(1), attempt_json(2)], "hasMore": True, "nextCursor": "c"}
        ),
        Reply(
            200, {"data": [attempt_json(3, successful=False, responseBody=None)], "hasMore": False}
        ),
    )
    attempts = list(scripted.client().iter_webhook_attempts("webhook_1", limit=2))
    assert [a.id for a in attempts] == ["att_1", "att_2", "att_3"]
    first, last = attempts[0], attempts[-1]
    assert first.response_headers == {"content-type": "text/plain"}
    assert first.response_status_code == 200
    assert first.attempt == 1
    assert first.attempted_at.isoformat() == "2025-03-04T05:06:07.089000+00:00"
    assert first.to_dict() == attempt_json(1)
    assert (last.successful, last.response_body) == (False, None)
    assert scripted.received[
        1
    ].path == "/websets/v0/webhooks/webhook_1/attempts?limit=2&cursor=c" or (
        scripted.received[1].path == "/websets/v0/webhooks/webhook_1/attempts?cursor=c&limit=2"
    )
    assert "webhook_attempt" in repr(first)


def test_pagination_stops_on_a_repeated_cursor(scripted: ScriptedServer) -> None:
    scripted.script(Reply(200, {"data": [webhook_json()], "hasMore": True, "nextCursor": "same"}))
    with pytest.raises(ew.APIError, match="cursor 'same' twice"):
        list(scripted.client().iter_webhooks())
    assert len(scripted.received) == 2


def test_pagination_stops_on_a_cursor_cycle(scripted: ScriptedServer) -> None:
    def page(cursor: str) -> Reply:
        return Reply(200, {"data": [webhook_json()], "hasMore": True, "nextCursor": cursor})

    scripted.script(page("a"), page("b"), page("a"))
    with pytest.raises(ew.APIError, match="cursor 'a' twice"):
        list(scripted.client().iter_webhooks())
    assert len(scripted.received) == 3


def test_pagination_refuses_more_without_a_cursor(scripted: ScriptedServer) -> None:
    scripted.script(Reply(200, {"data": [webhook_json()], "hasMore": True, "nextCursor": None}))
    with pytest.raises(ew.APIError, match="no cursor"):
        list(scripted.client().iter_webhooks())
    assert len(scripted.received) == 1


def test_async_mirrors_every_method(server: ExaServer) -> None:
    async def main() -> None:
        async with server.async_client() as client:
            hooks = await asyncio.gather(
                *(client.create_webhook(["webset.created"], f"{URL}/{i}") for i in range(7))
            )
            got = await client.get_webhook(hooks[0].id)
            assert got.id == hooks[0].id
            updated = await client.update_webhook(hooks[0].id, metadata={"k": "v"})
            assert updated.metadata == {"k": "v"}
            page = await client.list_webhooks(limit=3)
            assert (len(page), page.has_more) == (3, True)
            listed = [w.id async for w in client.iter_webhooks(limit=2)]
            assert sorted(listed) == sorted(h.id for h in hooks)
            attempts = await client.list_webhook_attempts(hooks[1].id, successful=True)
            assert len(attempts) == 0
            assert [a async for a in client.iter_webhook_attempts(hooks[1].id)] == []
            deleted = await client.delete_webhook(hooks[0].id)
            assert deleted.id == hooks[0].id
            with pytest.raises(ew.NotFoundError):
                await client.get_webhook(hooks[0].id)
            with pytest.raises(ew.ValidationError):
                await client.get_webhook("../x")

    asyncio.run(main())
    assert len(server.webhooks) == 6


def test_concurrent_threads_and_tasks(server: ExaServer) -> None:
    """Many threads and asyncio tasks at once, mixing every operation: no error, no loss."""
    errors: list[BaseException] = []
    client = server.client()

    def thread_work(n: int) -> None:
        try:
            for i in range(20):
                wh = client.create_webhook(["webset.created"], f"{URL}/{n}/{i}")
                client.update_webhook(wh.id, metadata={"n": str(n)})
                client.get_webhook(wh.id)
                if i % 2:
                    client.delete_webhook(wh.id)
                client.list_webhooks(limit=10)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    async def task_work(client: ew.AsyncClient, n: int) -> None:
        wh = await client.create_webhook(["webset.idle"], f"{URL}/task/{n}")
        await client.get_webhook(wh.id)
        await client.list_webhooks(limit=5)

    async def tasks() -> None:
        async with server.async_client() as aclient:
            await asyncio.gather(*(task_work(aclient, n) for n in range(200)))

    threads = [threading.Thread(target=thread_work, args=(n,)) for n in range(6)]
    started = time.monotonic()
    for t in threads:
        t.start()
    asyncio.run(tasks())
    for t in threads:
        t.join()
    assert errors == []
    assert len(server.webhooks) == 6 * 10 + 200
    assert time.monotonic() - started < 60
