"""Exa's own SDK (exa-py), unchanged, against ExaServer: every webhook call and its models."""

from __future__ import annotations

import asyncio

import exa_py
import pytest

import exa_webhooks as ew
from exa_webhooks.testing import ExaServer


def test_exa_py_sync_full_lifecycle(server: ExaServer) -> None:
    exa = exa_py.Exa(server.api_key, base_url=server.url)
    hooks = exa.websets.webhooks

    created = hooks.create(
        params={
            "url": "https://api.yourapp.com/webhooks/exa",
            "events": ["webset.created", "webset.item.enriched"],
            "metadata": {"team": "growth"},
        }
    )
    assert created.id.startswith("webhook_")
    assert created.secret
    assert created.metadata == {"team": "growth"}
    assert created.created_at.tzinfo is not None

    got = hooks.get(created.id)
    assert got.id == created.id
    assert got.secret is None

    for i in range(4):
        hooks.create(params={"url": f"https://e.com/{i}", "events": ["import.completed"]})
    page = hooks.list(limit=2)
    assert len(page.data) == 2
    assert page.has_more
    assert page.next_cursor
    everything = list(hooks.list_all(limit=2))
    assert len(everything) == 5

    updated = hooks.update(created.id, params={"url": "https://api.yourapp.com/v2"})
    assert str(updated.url) == "https://api.yourapp.com/v2"
    assert updated.updated_at >= created.updated_at

    attempts = hooks.attempts.list(created.id, event_type="webset.created", successful=True)
    assert attempts.data == []
    assert attempts.has_more is False

    deleted = hooks.delete(created.id)
    assert deleted.id == created.id
    assert len(server.webhooks) == 4
    with pytest.raises(Exception, match="404"):
        hooks.get(created.id)


def test_exa_py_async(server: ExaServer) -> None:
    async def main() -> None:
        exa = exa_py.AsyncExa(server.api_key, api_base=server.url)
        hooks = exa.websets.webhooks
        created = await hooks.create(
            params={"url": "https://e.com/a", "events": ["monitor.run.completed"]}
        )
        assert (await hooks.get(created.id)).id == created.id
        listed = await hooks.list()
        assert [w.id for w in listed.data] == [created.id]
        updated = await hooks.update(created.id, params={"metadata": {"k": "v"}})
        assert updated.metadata == {"k": "v"}
        attempts = await hooks.attempts.list(created.id, successful=False)
        assert attempts.data == []
        assert (await hooks.delete(created.id)).id == created.id

    asyncio.run(main())
    assert server.webhooks == []


def test_exa_py_sees_auth_errors(server: ExaServer) -> None:
    exa = exa_py.Exa("wrong-key", base_url=server.url)
    with pytest.raises(Exception, match="401"):
        exa.websets.webhooks.list()


def exa_py_event_class(event_type: str) -> str:
    """The class exa-py parses an event type into: ``webset.item.created`` is
    ``WebsetItemCreatedEvent``; the export events have none and parse as ``UnknownEvent``."""
    if event_type.startswith("webset.export."):
        return "UnknownEvent"
    return "".join(part.capitalize() for part in event_type.split(".")) + "Event"


def test_exa_py_lists_and_gets_every_event_type_as_its_typed_class(server: ExaServer) -> None:
    emitted = {t.value: server.emit(t.value) for t in ew.EventType}
    exa = exa_py.Exa(server.api_key, base_url=server.url)
    events = exa.websets.events

    listed = list(events.list_all(limit=7))
    assert [e.id for e in listed] == [e.id for e in reversed(list(emitted.values()))]
    for event in listed:
        assert type(event).__name__ == exa_py_event_class(event.type)
    for event_type, ours in emitted.items():
        theirs = events.get(ours.id)
        assert type(theirs).__name__ == exa_py_event_class(event_type), event_type
        assert theirs.id == ours.id
        assert theirs.created_at == ours.created_at
        if event_type.startswith("webset.export."):
            continue
        assert theirs.data.id == ours.data["id"]
    page = events.list(types=["webset.idle", "monitor.run.completed"], limit=1)
    assert [e.id for e in page.data] == [emitted["monitor.run.completed"].id]
    assert page.has_more
    assert page.next_cursor
    rest = events.list(types=["webset.idle", "monitor.run.completed"], cursor=page.next_cursor)
    assert [e.id for e in rest.data] == [emitted["webset.idle"].id]
    assert rest.has_more is False
    with pytest.raises(Exception, match="404"):
        events.get("event_missing")


def test_exa_py_async_events(server: ExaServer) -> None:
    emitted = [
        server.emit(t) for t in ("webset.created", "webset.item.enriched", "import.completed")
    ]

    async def main() -> None:
        exa = exa_py.AsyncExa(server.api_key, api_base=server.url)
        events = exa.websets.events
        listed = await events.list(types=["webset.item.enriched", "import.completed"])
        assert [type(e).__name__ for e in listed.data] == [
            "ImportCompletedEvent",
            "WebsetItemEnrichedEvent",
        ]
        got = await events.get(emitted[0].id)
        assert type(got).__name__ == "WebsetCreatedEvent"
        assert [e.id async for e in events.list_all(limit=2)] == [e.id for e in reversed(emitted)]

    asyncio.run(main())
