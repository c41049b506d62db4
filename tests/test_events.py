"""The Events API, sync and async: against ExaServer (which stores every emitted event) and
against the scripted server for what the client sends and how it copes with odd answers."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

import exa_webhooks as ew
from exa_webhooks.testing import ExaServer
from receiver import Receiver
from scripted import Reply, ScriptedServer

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)
MS = timedelta(milliseconds=1)
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def seed(server: ExaServer, n: int, *, types: tuple[str, ...] = ("webset.created",)) -> list[Any]:
    """``n`` events a minute apart from T0, cycling through ``types``."""
    return [
        server.emit(types[i % len(types)], created_at=T0 + timedelta(minutes=i)) for i in range(n)
    ]


def query_of(path: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(path).query, keep_blank_values=True)


# --- ExaServer: storage, order, windows, paging -------------------------------------------


def test_every_emitted_event_is_stored_and_listed_newest_first(
    client: ew.Client, server: ExaServer
) -> None:
    # No webhook is subscribed to anything: the events are kept all the same.
    first = server.emit("webset.created")
    second = server.emit("import.completed", {"id": "import_1", "custom": [1, 2]})
    assert server.events == [first, second]
    page = client.list_events()
    assert page.data == [second, first]
    assert (page.has_more, page.next_cursor) == (False, None)
    assert client.get_event(first.id) == first
    assert client.get_event(second.id).data == {"id": "import_1", "custom": [1, 2]}
    (request,) = [r for r in server.requests if r.path.endswith(first.id)]
    assert request.path == f"/websets/v0/events/{first.id}"


def test_a_fetched_event_is_the_delivered_one(client: ew.Client, server: ExaServer) -> None:
    receiver = Receiver()
    try:
        webhook = client.create_webhook(["webset.idle"], receiver.url + "/hook")
        assert webhook.secret is not None
        receiver.secrets["/hook"] = webhook.secret
        event = server.emit("webset.idle")
        (delivery,) = receiver.deliveries
        (attempt,) = client.list_webhook_attempts(webhook.id)
    finally:
        receiver.close()
    assert attempt.successful
    fetched = client.get_event(attempt.event_id)
    assert fetched == event
    assert json.loads(delivery.body) == fetched.to_dict()
    # A handler cannot tell a delivered event from a fetched one.
    assert type(fetched) is type(delivery.event) is ew.WebhookEvent
    assert delivery.event == fetched


def test_backdated_events_sort_by_created_at_and_ties_by_emission(
    client: ew.Client, server: ExaServer
) -> None:
    late = server.emit("webset.created", created_at=T0 + timedelta(hours=1))
    early = server.emit("webset.created", created_at=T0)
    tie_a = server.emit("webset.idle", created_at=T0 + timedelta(minutes=5))
    tie_b = server.emit("webset.paused", created_at="2025-03-01T13:05:00+01:00")  # the same time
    assert tie_a.created_at == tie_b.created_at == T0 + timedelta(minutes=5)
    assert tie_b.to_dict()["createdAt"] == "2025-03-01T12:05:00.000Z"
    assert client.list_events().data == [late, tie_b, tie_a, early]
    assert server.events == [early, tie_a, tie_b, late]
    # The default data is dated like the event.
    assert early.data["createdAt"] == "2025-03-01T12:00:00.000Z"


def test_windows_include_both_bounds_exactly(client: ew.Client, server: ExaServer) -> None:
    events = seed(server, 5)  # T0, T0+1m, ..., T0+4m
    start, end = events[1].created_at, events[3].created_at

    def ids(**window: Any) -> list[str]:
        return [e.id for e in client.iter_events(**window)]

    assert ids(created_after=start, created_before=end) == [e.id for e in events[3:0:-1]]
    # One millisecond inside each bound drops the event on it; one outside adds nothing.
    assert ids(created_after=start + MS, created_before=end - MS) == [events[2].id]
    assert ids(created_after=start - MS, created_before=end + MS) == ids(
        created_after=start, created_before=end
    )
    # A window of one instant, given as RFC 3339 text in another offset.
    assert ids(created_after="2025-03-01T13:02:00+01:00", created_before=events[2].created_at) == [
        events[2].id
    ]
    assert ids(created_after=events[4].created_at + MS) == []
    assert ids(created_before=events[0].created_at) == [events[0].id]
    # Sub-millisecond bounds are sent whole: 1 µs after an event excludes it.
    assert ids(created_after=start + timedelta(microseconds=1), created_before=end) == [
        events[3].id,
        events[2].id,
    ]


def test_types_filter(client: ew.Client, server: ExaServer) -> None:
    types = ("webset.created", "webset.item.enriched", "monitor.run.completed")
    events = seed(server, 9, types=types)
    got = client.list_events(types=[ew.EventType.WEBSET_ITEM_ENRICHED, "monitor.run.completed"])
    assert [e.id for e in got] == [e.id for e in reversed(events) if e.type != "webset.created"]
    (request,) = [r for r in server.requests if r.path.endswith("/events")]
    assert query_of(f"?{request.query}") == [
        ("types", "webset.item.enriched"),
        ("types", "monitor.run.completed"),
    ]
    assert client.list_events(types=["webset.paused"]).data == []


def test_pagination_over_hundreds_of_events(client: ew.Client, server: ExaServer) -> None:
    types = ("webset.created", "webset.idle", "import.created")
    events = seed(server, 300, types=types)
    newest_first = [e.id for e in reversed(events)]
    assert [e.id for e in client.iter_events(limit=7)] == newest_first
    assert [e.id for e in client.iter_events(limit=200)] == newest_first
    assert len(client.list_events()) == 25  # Exa's default page
    idle = [e.id for e in client.iter_events(types=["webset.idle"], limit=13)]
    assert idle == [e.id for e in reversed(events) if e.type == "webset.idle"]
    window = [
        e.id
        for e in client.iter_events(
            created_after=events[100].created_at, created_before=events[199].created_at, limit=30
        )
    ]
    assert window == newest_first[100:200]
    pages = [r for r in server.requests if r.path.endswith("/events")]
    assert len(pages) == 43 + 2 + 1 + 8 + 4  # ceil(300/7), ceil(300/200), 1, ceil(100/13), ...


def test_cursors_stay_valid_while_events_are_added(client: ew.Client, server: ExaServer) -> None:
    events = seed(server, 6)
    first = client.list_events(limit=3)
    assert first.has_more
    assert first.next_cursor is not None
    newer = server.emit("webset.idle")  # after the first page: never on a later one
    backdated = server.emit("webset.idle", created_at=T0 - timedelta(days=1))  # below the cursor
    rest = list(client.iter_events(limit=2, created_before=T0 + timedelta(days=1)))
    assert newer not in rest
    second = client.list_events(limit=3, cursor=first.next_cursor)
    assert [e.id for e in second] == [events[2].id, events[1].id, events[0].id]
    third = client.list_events(limit=3, cursor=second.next_cursor)
    assert third.data == [backdated]
    assert not third.has_more


def test_event_not_found_in_exas_shape(client: ew.Client) -> None:
    with pytest.raises(ew.NotFoundError) as excinfo:
        client.get_event("event_missing")
    error = excinfo.value
    assert error.status_code == 404
    assert error.message == 'Event not found: "event_missing"'
    assert error.tag == "NOT_FOUND"
    assert error.request_id is not None
    assert error.request_id.startswith("req_")
    assert error.attempts == 1  # a 404 is not retried


def test_server_checks_the_query_as_exa_does(client: ew.Client, server: ExaServer) -> None:
    with pytest.raises(ew.BadRequestError, match="cursor") as excinfo:
        client.list_events(cursor="not-a-cursor")
    assert excinfo.value.tag == "INVALID_REQUEST"


# --- Validation before any I/O ------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field", "fragment"),
    [
        ({"types": "webset.created"}, "types", 'wrap it in a list, e.g. ["webset.created"]'),
        ({"types": ["webset.completed"]}, "types[0]", 'did you mean "webset.idle"'),
        ({"types": ["webset.created", "webset.created"]}, "types[1]", "duplicate"),
        ({"types": []}, "types", "at least 1"),
        ({"types": [3]}, "types[0]", "must be a str"),
        ({"types": {"webset.created": 1}}, "types", "must be a list"),
        ({"created_after": datetime(2025, 1, 1)}, "created_after", "timezone-aware"),
        ({"created_before": "yesterday"}, "created_before", "not an RFC 3339"),
        ({"created_before": "2025-01-01"}, "created_before", "not an RFC 3339"),
        ({"created_after": 1735689600}, "created_after", "datetime or an RFC 3339 str"),
        (
            {"created_after": T0, "created_before": T0 - MS},
            "created_after",
            "later than created_before",
        ),
        ({"limit": 0}, "limit", "between 1 and 200"),
        ({"limit": 201}, "limit", "between 1 and 200"),
        ({"limit": True}, "limit", "must be an int"),
        ({"cursor": ""}, "cursor", "must not be empty"),
    ],
)
def test_bad_arguments_are_refused_before_any_request(
    scripted: ScriptedServer, kwargs: dict[str, Any], field: str, fragment: str
) -> None:
    client = scripted.client()
    with pytest.raises(ew.ValidationError) as excinfo:
        client.list_events(**kwargs)
    (error,) = excinfo.value.errors
    assert error["field"] == field
    assert fragment in error["message"]
    with pytest.raises(ew.ValidationError):
        next(
            client.iter_events(**{k: v for k, v in kwargs.items() if k != "cursor"} or {"limit": 0})
        )
    assert scripted.received == []


def test_every_problem_is_reported_at_once(scripted: ScriptedServer) -> None:
    with pytest.raises(ew.ValidationError) as excinfo:
        scripted.client().list_events(
            types=["webset.craeted"],
            created_after=datetime(2025, 1, 1),
            created_before="soon",
            limit=500,
            cursor="",
        )
    fields = [e["field"] for e in excinfo.value.errors]
    assert fields == ["types[0]", "created_after", "created_before", "limit", "cursor"]
    assert 'did you mean "webset.created"' in str(excinfo.value)
    assert scripted.received == []


@pytest.mark.parametrize(
    "bad_id", ["", "..", "a/b", "../webhooks", "id?x=1", "id#f", "id%2F", "id x", "id\n", "a\\b"]
)
def test_hostile_event_ids_never_reach_the_path(scripted: ScriptedServer, bad_id: str) -> None:
    with pytest.raises(ew.ValidationError) as excinfo:
        scripted.client().get_event(bad_id)
    assert excinfo.value.errors[0]["field"] == "event_id"
    with pytest.raises(ew.ValidationError):
        scripted.client().get_event(42)  # type: ignore[arg-type]
    assert scripted.received == []


def test_emit_checks_created_at(server: ExaServer) -> None:
    with pytest.raises(ew.ValidationError) as excinfo:
        server.emit("webset.created", created_at=datetime(2025, 1, 1))
    assert excinfo.value.errors[0]["field"] == "created_at"
    with pytest.raises(ew.ValidationError, match="RFC 3339"):
        server.emit("webset.created", created_at="last week")
    assert server.events == []


# --- What the client sends, and odd answers (scripted server) -----------------------------


def event_json(n: int, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": f"event_{n}",
        "object": "event",
        "type": "webset.created",
        "data": {"id": f"webset_{n}", "object": "webset"},
        "createdAt": "2025-03-01T12:00:00.000Z",
    }
    body.update(overrides)
    return body


def test_the_query_on_the_wire(scripted: ScriptedServer) -> None:
    scripted.script(Reply(200, {"data": [], "hasMore": False, "nextCursor": None}))
    scripted.client().list_events(
        types=["webset.created", ew.EventType.MONITOR_RUN_COMPLETED],
        created_after=datetime(2025, 3, 1, 13, 0, tzinfo=timezone(timedelta(hours=1))),
        created_before="2025-03-01T12:30:00.000250-00:30",
        limit=50,
        cursor="c+/=1",
    )
    (request,) = scripted.received
    assert urlsplit(request.path).path == "/websets/v0/events"
    # Times in UTC as the API documents them, to the microsecond when there is one.
    assert query_of(request.path) == [
        ("types", "webset.created"),
        ("types", "monitor.run.completed"),
        ("createdAfter", "2025-03-01T12:00:00.000Z"),
        ("createdBefore", "2025-03-01T13:00:00.000250Z"),
        ("cursor", "c+/=1"),
        ("limit", "50"),
    ]
    assert request.headers["x-api-key"] == "scripted-key"


def test_unknown_types_and_fields_parse(scripted: ScriptedServer) -> None:
    future = event_json(1, type="webset.teleported", newField={"x": 1})
    scripted.script(Reply(200, {"data": [future], "hasMore": False, "nextCursor": None}))
    (event,) = scripted.client().list_events()
    assert event.type == "webset.teleported"
    assert event.to_dict() == future
    scripted.script(Reply(200, future))
    assert scripted.client().get_event("event_1") == event


def test_iter_events_follows_cursors(scripted: ScriptedServer) -> None:
    scripted.script(
        Reply(200, {"data": [event_json(1), event_json(2)], "hasMore": True, "nextCursor": "c1"}),
        Reply(200, {"data": [event_json(3)], "hasMore": True, "nextCursor": "c2"}),
        Reply(200, {"data": [], "hasMore": False, "nextCursor": None}),
    )
    window = {"created_after": "2025-03-01T00:00:00Z", "types": iter(["webset.created"])}
    got = [e.id for e in scripted.client().iter_events(limit=2, **window)]
    assert got == ["event_1", "event_2", "event_3"]
    queries = [dict(query_of(r.path)) for r in scripted.received]
    assert [q.get("cursor") for q in queries] == [None, "c1", "c2"]
    # The filters go with every page (a one-shot iterator of types included).
    assert all(q["types"] == "webset.created" for q in queries)
    assert all(q["createdAfter"] == "2025-03-01T00:00:00.000Z" for q in queries)


def test_iter_events_stops_on_a_cursor_cycle(scripted: ScriptedServer) -> None:
    def page(cursor: str) -> Reply:
        return Reply(200, {"data": [event_json(1)], "hasMore": True, "nextCursor": cursor})

    scripted.script(page("a"), page("b"), page("a"))
    with pytest.raises(ew.APIError, match="cursor 'a' twice"):
        list(scripted.client().iter_events())
    assert len(scripted.received) == 3


def test_iter_events_refuses_more_without_a_cursor(scripted: ScriptedServer) -> None:
    scripted.script(Reply(200, {"data": [event_json(1)], "hasMore": True, "nextCursor": None}))
    with pytest.raises(ew.APIError, match="no cursor"):
        list(scripted.client().iter_events())
    assert len(scripted.received) == 1


def test_a_404_in_exas_shape_from_any_server(scripted: ScriptedServer) -> None:
    body = {"requestId": "req_1", "error": "Event not found", "tag": "NOT_FOUND"}
    scripted.script(Reply(404, body))
    with pytest.raises(ew.NotFoundError) as excinfo:
        scripted.client().get_event("event_gone")
    assert (excinfo.value.request_id, excinfo.value.tag) == ("req_1", "NOT_FOUND")
    assert len(scripted.received) == 1


def test_a_malformed_event_is_an_api_error_naming_the_field(scripted: ScriptedServer) -> None:
    broken = event_json(2, createdAt="yesterday")
    del broken["type"]
    scripted.script(Reply(200, {"data": [event_json(1), broken], "hasMore": False}))
    with pytest.raises(ew.APIError) as excinfo:
        scripted.client().list_events()
    assert "'data[1].type'" in excinfo.value.message
    assert "'data[1].createdAt'" in excinfo.value.message


# --- Async ---------------------------------------------------------------------------------


def test_async_mirrors_the_events_api(server: ExaServer) -> None:
    events = seed(server, 30, types=("webset.created", "webset.idle"))

    async def main() -> None:
        async with server.async_client() as client:
            page = await client.list_events(limit=10, types=["webset.idle"])
            assert [e.id for e in page] == [
                e.id for e in reversed(events) if e.type == "webset.idle"
            ][:10]
            assert page.has_more
            everything = [e async for e in client.iter_events(limit=4)]
            assert everything == list(reversed(events))
            window = [
                e
                async for e in client.iter_events(
                    created_after=events[10].created_at, created_before=events[12].created_at
                )
            ]
            assert window == events[12:9:-1]
            assert await client.get_event(events[0].id) == events[0]
            with pytest.raises(ew.NotFoundError):
                await client.get_event("event_missing")

    asyncio.run(main())


def test_async_validates_before_any_request(scripted: ScriptedServer) -> None:
    async def main() -> None:
        client = ew.AsyncClient("scripted-key", base_url=scripted.url)
        with pytest.raises(ew.ValidationError):
            await client.list_events(created_after=datetime(2025, 1, 1))
        with pytest.raises(ew.ValidationError):
            await client.get_event("a/b")
        with pytest.raises(ew.ValidationError):
            async for _ in client.iter_events(types="webset.created"):  # type: ignore[arg-type]
                pass
        client.close()

    asyncio.run(main())
    assert scripted.received == []


def test_async_pagination_guards(scripted: ScriptedServer) -> None:
    scripted.script(Reply(200, {"data": [event_json(1)], "hasMore": True, "nextCursor": "same"}))

    async def main() -> None:
        client = ew.AsyncClient("scripted-key", base_url=scripted.url)
        with pytest.raises(ew.APIError, match="cursor 'same' twice"):
            async for _ in client.iter_events():
                pass
        scripted.script(Reply(200, {"data": [], "hasMore": True, "nextCursor": None}))
        with pytest.raises(ew.APIError, match="no cursor"):
            async for _ in client.iter_events():
                pass
        client.close()

    asyncio.run(main())
    assert len(scripted.received) == 3


# --- The README's recipe: finding what a receiver missed -----------------------------------


def test_the_catch_up_recipe_finds_exactly_what_was_missed(
    client: ew.Client, server: ExaServer
) -> None:
    sys.path.insert(0, str(EXAMPLES))
    try:
        from catch_up import OVERLAP, catch_up
    finally:
        sys.path.remove(str(EXAMPLES))
    now = datetime.now(timezone.utc)
    # Handled before the receiver went down: the checkpoint is the newest of these.
    before = [
        server.emit("webset.idle", created_at=now - timedelta(hours=3, minutes=m)) for m in (9, 8)
    ]
    handled = {e.id for e in before}
    checkpoint = before[-1].created_at
    # While it was down: some events, one delivered late with an older createdAt (inside the
    # overlap), one older than the overlap that it had handled, one of a type it ignores.
    missed = [
        server.emit("webset.item.enriched", created_at=now - timedelta(hours=2)),
        server.emit("webset.idle", created_at=now - timedelta(minutes=30)),
        server.emit("webset.idle", created_at=checkpoint - OVERLAP + timedelta(seconds=1)),
    ]
    server.emit("import.created", created_at=now - timedelta(hours=1))
    seen: list[ew.WebhookEvent] = []
    types = ["webset.idle", "webset.item.enriched"]
    new_checkpoint = catch_up(client, checkpoint, handled, seen.append, types)
    assert seen == sorted(missed, key=lambda e: e.created_at)  # oldest first, nothing twice
    assert new_checkpoint == missed[1].created_at
    assert handled == {e.id for e in before + missed}
    # Run again (say after a crash mid-way): nothing is handled twice.
    assert catch_up(client, new_checkpoint, handled, seen.append, types) == new_checkpoint
    assert len(seen) == 3


def test_the_readme_shows_the_tested_recipe() -> None:
    readme = (EXAMPLES.parent / "README.md").read_text()
    assert (EXAMPLES / "catch_up.py").read_text().strip() in readme


def test_only_the_two_events_routes_exist(server: ExaServer) -> None:
    import http.client

    event = server.emit("webset.created")
    answers = {}
    for method, path in [
        ("GET", "/websets/v0/eventsx"),
        ("GET", f"/websets/v0/events/{event.id}/more"),
        ("POST", "/websets/v0/events"),
        ("DELETE", f"/websets/v0/events/{event.id}"),
        ("GET", f"/websets//v0/events/{event.id}/"),
    ]:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        conn.request(method, path, headers={"x-api-key": server.api_key})
        response = conn.getresponse()
        answers[(method, path)] = (response.status, json.loads(response.read()))
        conn.close()
    statuses = [status for status, _ in answers.values()]
    assert statuses == [404, 404, 404, 404, 200]  # exa-py's double slash is tolerated
    assert answers[("GET", "/websets/v0/eventsx")][1]["tag"] == "NOT_FOUND"
    assert server.events == [event]
