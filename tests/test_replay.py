"""``WebhookReceiver.replay``/``replay_async``: catching up from the Events API of ExaServer
after a downtime (events backdated with ``emit(created_at=)``), through the same dedupe
store and handlers as live deliveries."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

import exa_webhooks as ew
from exa_webhooks.receiver import ReplayResult, SQLiteDedupe, WebhookReceiver
from exa_webhooks.testing import ExaServer
from receiving import SECRET
from serving import uvicorn_serving
from test_receiver_apps import PLACEHOLDER

NOW = datetime.now(timezone.utc).replace(microsecond=0)
DOWN = NOW - timedelta(hours=3)  # the receiver was down from here...
UP = NOW - timedelta(hours=1)  # ...to here


def downtime(server: ExaServer) -> tuple[list[ew.WebhookEvent], list[ew.WebhookEvent]]:
    """Events around a downtime, emitted out of order: (the ones inside it oldest first, the
    ones outside it)."""
    inside = [
        server.emit("webset.idle", created_at=DOWN + timedelta(minutes=90)),
        server.emit("webset.item.created", created_at=DOWN + timedelta(minutes=10)),
        server.emit("webset.idle", created_at=DOWN),  # the bounds are inclusive
        server.emit("webset.item.created", created_at=UP),
        server.emit("webset.idle", created_at=DOWN + timedelta(minutes=30)),
    ]
    outside = [
        server.emit("webset.idle", created_at=DOWN - timedelta(seconds=1)),
        server.emit("webset.idle", created_at=UP + timedelta(seconds=1)),
    ]
    return sorted(inside, key=lambda e: e.created_at), outside


def event_queries(server: ExaServer) -> list[list[tuple[str, str]]]:
    return [parse_qsl(r.query) for r in server.requests if r.path == "/websets/v0/events"]


def test_replay_runs_a_downtime_oldest_first_once_across_a_restart(
    server: ExaServer, client: ew.Client, tmp_path: Path
) -> None:
    inside, outside = downtime(server)
    ran: list[str] = []

    def receiver() -> WebhookReceiver:
        r = WebhookReceiver(SECRET, dedupe=SQLiteDedupe(tmp_path / "events.sqlite3"))
        r.on("webset.idle", "webset.item.created")(lambda e: ran.append(e.id))
        return r

    first = receiver().replay(client, since=DOWN, until=UP)
    assert first == ReplayResult(processed=5)
    assert ran == [e.id for e in inside]  # oldest first, none from outside the window
    assert not {e.id for e in outside} & set(ran)

    # A fresh receiver and store on the same file, as after a restart, and the same window
    # given as RFC 3339: nothing runs again.
    second = receiver().replay(client, since=DOWN.isoformat(), until=UP.isoformat())
    assert second == ReplayResult(duplicates=5)
    assert len(ran) == 5
    # Widening the window runs only what is new to the store.
    third = receiver().replay(client, since=timedelta(days=1))
    assert third == ReplayResult(processed=2, duplicates=5)
    assert ran[5:] == [e.id for e in sorted(outside, key=lambda e: e.created_at)]


def test_replay_async_with_sqlite_twice(server: ExaServer, tmp_path: Path) -> None:
    inside, _ = downtime(server)
    ran: list[tuple[str, str]] = []
    receiver = WebhookReceiver(SECRET, dedupe=SQLiteDedupe(tmp_path / "events.sqlite3"))

    @receiver.on("webset.idle")
    async def on_idle(event: ew.WebhookEvent) -> None:
        await asyncio.sleep(0)
        ran.append(("idle", event.id))

    @receiver.on("webset.item.created")
    def on_item(event: ew.WebhookEvent) -> None:  # runs in a worker thread
        ran.append(("item", event.id))

    async def main() -> tuple[ReplayResult, ReplayResult]:
        async with server.async_client() as client:
            first = await receiver.replay_async(client, since=DOWN, until=UP)
            second = await receiver.replay_async(client, since=DOWN, until=UP)
            return first, second

    first, second = asyncio.run(main())
    assert (first, second) == (ReplayResult(processed=5), ReplayResult(duplicates=5))
    assert [i for _, i in ran] == [e.id for e in inside]
    assert [k for k, _ in ran] == ["idle" if e.type == "webset.idle" else "item" for e in inside]


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_events_delivered_live_through_the_asgi_app_are_duplicates(
    server: ExaServer, client: ew.Client, mode: str
) -> None:
    wh = client.create_webhook(["webset.idle"], PLACEHOLDER)
    assert wh.secret is not None
    receiver = WebhookReceiver(wh.secret)
    ran: list[str] = []
    receiver.on("webset.idle")(lambda e: ran.append(e.id))
    with uvicorn_serving(receiver.asgi()) as base:
        client.update_webhook(wh.id, url=base + "/hooks/exa")
        live = [server.emit("webset.idle") for _ in range(2)]
        assert ran == [e.id for e in live]
        client.update_webhook(wh.id, url=PLACEHOLDER)  # down: these deliveries fail
        missed = [server.emit("webset.idle") for _ in range(3)]
        assert ran == [e.id for e in live]
        failed = [a for a in client.iter_webhook_attempts(wh.id) if not a.successful]
        assert {a.event_id for a in failed} == {e.id for e in missed}

        if mode == "sync":
            result = receiver.replay(client, since=timedelta(hours=1))
        else:

            async def main() -> ReplayResult:
                async with server.async_client() as aclient:
                    return await receiver.replay_async(aclient, since=timedelta(hours=1))

            result = asyncio.run(main())
    assert result == ReplayResult(processed=3, duplicates=2)
    assert ran == [e.id for e in live + missed]


def test_types_default_to_the_handled_ones_and_filter(server: ExaServer, client: ew.Client) -> None:
    idle = server.emit("webset.idle", created_at=DOWN)
    item = server.emit("webset.item.created", created_at=DOWN)
    server.emit("import.completed", created_at=DOWN)
    receiver = WebhookReceiver(SECRET)
    ran: list[str] = []
    receiver.on("webset.item.created", "webset.idle")(lambda e: ran.append(e.id))

    # Only the types with a handler are fetched: the import is never listed.
    assert receiver.replay(client, since=DOWN, until=UP) == ReplayResult(processed=2)
    assert ran == [idle.id, item.id]  # the same instant: in the order they were emitted
    (query,) = event_queries(server)
    assert sorted(v for k, v in query if k == "types") == ["webset.idle", "webset.item.created"]

    # Explicit types: only those; a type without a handler is fetched and counted ignored.
    receiver = WebhookReceiver(SECRET)
    ran.clear()
    receiver.on("webset.item.created", "webset.idle")(lambda e: ran.append(e.id))
    result = receiver.replay(client, since=DOWN, types=["webset.idle", "import.completed"])
    assert result == ReplayResult(processed=1, ignored=1)
    assert ran == [idle.id]

    # A catch-all handler: every type is fetched (no types in the query).
    receiver = WebhookReceiver(SECRET)
    receiver.on()(lambda e: ran.append(e.id))
    assert receiver.replay(client, since=DOWN) == ReplayResult(processed=3)
    assert [k for k, _ in event_queries(server)[-1]] == ["createdAfter", "limit"]

    # No handler at all: nothing to fetch, no request.
    before = len(server.requests)
    assert WebhookReceiver(SECRET).replay(client, since=DOWN) == ReplayResult()
    assert len(server.requests) == before


def test_a_failing_handler_is_counted_and_does_not_stop_the_replay(
    server: ExaServer, client: ew.Client, caplog: pytest.LogCaptureFixture
) -> None:
    inside, _ = downtime(server)
    receiver = WebhookReceiver(SECRET)
    ran: list[str] = []
    broken = {inside[1].id, inside[3].id}

    @receiver.on("webset.idle", "webset.item.created")
    def handler(event: ew.WebhookEvent) -> None:
        if event.id in broken:
            raise RuntimeError("downstream unavailable")
        ran.append(event.id)

    with caplog.at_level("INFO", logger="exa_webhooks"):
        result = receiver.replay(client, since=DOWN, until=UP)
    assert result == ReplayResult(processed=3, failed=2)
    assert result.total == 5
    assert ran == [inside[0].id, inside[2].id, inside[4].id]
    failures = [r for r in caplog.records if r.exc_info]
    assert sorted(r.args[1] for r in failures) == sorted(broken)  # type: ignore[index]
    assert "replayed 5 events: 3 processed, 0 duplicates, 2 failed" in caplog.text

    # The failed events stayed unprocessed: the next replay runs exactly those.
    broken.clear()
    assert receiver.replay(client, since=DOWN, until=UP) == ReplayResult(processed=2, duplicates=3)
    assert sorted(ran[3:]) == sorted([inside[1].id, inside[3].id])


def test_an_event_in_progress_elsewhere_counts_as_a_duplicate_and_stays_claimed(
    server: ExaServer, client: ew.Client, tmp_path: Path
) -> None:
    event = server.emit("webset.idle", created_at=DOWN)
    store = SQLiteDedupe(tmp_path / "events.sqlite3")
    receiver = WebhookReceiver(SECRET, dedupe=store)
    ran: list[str] = []
    receiver.on("webset.idle")(lambda e: ran.append(e.id))
    # Another process holds the event (a live delivery running its handlers).
    other = SQLiteDedupe(tmp_path / "events.sqlite3").claim(event.id, 60)
    assert receiver.replay(client, since=DOWN) == ReplayResult(duplicates=1)
    assert ran == []
    # The holder failed and released it: the next replay runs it.
    SQLiteDedupe(tmp_path / "events.sqlite3").release(other)
    assert receiver.replay(client, since=DOWN) == ReplayResult(processed=1)
    assert ran == [event.id]


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"since": None}, "since", "got NoneType"),
        ({"since": 3600}, "since", "or a timedelta back from now, got int"),
        ({"since": timedelta(0)}, "since", "must be positive"),
        ({"since": DOWN, "until": 5}, "until", "got int"),
        ({"since": datetime(2025, 1, 1)}, "created_after", ""),  # naive: the client says
        ({"since": "yesterday"}, "created_after", ""),
        ({"since": DOWN, "types": ["webset.idel"]}, "types", ""),
        ({"since": DOWN, "types": "webset.idle"}, "types", ""),
    ],
)
def test_bad_arguments_are_refused_before_any_request(
    server: ExaServer, client: ew.Client, kwargs: dict[str, object], field: str, message: str
) -> None:
    receiver = WebhookReceiver(SECRET)
    receiver.on("webset.idle")(lambda e: None)
    before = len(server.requests)
    with pytest.raises(ew.ValidationError) as info:
        receiver.replay(client, **kwargs)  # type: ignore[arg-type]
    (problem,) = info.value.errors
    assert problem["field"].startswith(field)
    assert message in problem["message"]
    assert len(server.requests) == before


def test_the_wrong_client_is_refused(server: ExaServer, client: ew.Client) -> None:
    receiver = WebhookReceiver(SECRET)
    receiver.on("webset.idle")(lambda e: None)
    with pytest.raises(ew.ValidationError, match=r"client: must be an exa_webhooks\.Client"):
        receiver.replay(server.async_client(), since=DOWN)  # type: ignore[arg-type]

    async def main() -> None:
        await receiver.replay_async(client, since=DOWN)  # type: ignore[arg-type]

    with pytest.raises(ew.ValidationError, match=r"must be an exa_webhooks\.AsyncClient"):
        asyncio.run(main())


def test_replay_result_is_a_small_frozen_value() -> None:
    result = ReplayResult(processed=3, duplicates=2, failed=1)
    assert repr(result) == "ReplayResult(processed=3, duplicates=2, failed=1, ignored=0)"
    assert result.total == 6
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.processed = 4  # type: ignore[misc]
