"""ExaServer.emit end to end: webhook -> signed delivery -> receiver verifies -> attempts."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

import exa_webhooks as ew
from exa_webhooks.testing import ExaServer
from ports import held_port
from receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def subscribe(client: ew.Client, receiver: Receiver, path: str, *events: str) -> ew.Webhook:
    wh = client.create_webhook(list(events), receiver.url + path)
    assert wh.secret is not None
    receiver.secrets[path] = wh.secret
    return wh


def test_end_to_end(server: ExaServer, client: ew.Client, receiver: Receiver) -> None:
    wh = subscribe(client, receiver, "/hooks/exa", "webset.created", "webset.idle")
    event = server.emit("webset.created")

    (delivery,) = receiver.deliveries
    assert delivery.error is None
    assert delivery.event == event
    assert delivery.headers["content-type"] == "application/json"
    assert delivery.headers["exa-signature"].startswith("t=")
    assert event.type == "webset.created"
    assert event.id.startswith("event_")
    assert event.data["object"] == "webset"

    (attempt,) = client.list_webhook_attempts(wh.id)
    assert attempt.successful
    assert attempt.response_status_code == 200
    assert attempt.response_body == "thanks"
    assert attempt.event_id == event.id
    assert attempt.event_type == "webset.created"
    assert attempt.webhook_id == wh.id
    assert attempt.url == wh.url
    assert attempt.attempt == 1
    assert "content-length" in attempt.response_headers


def test_only_subscribed_active_webhooks_receive(
    server: ExaServer, client: ew.Client, receiver: Receiver
) -> None:
    subscribe(client, receiver, "/a", "webset.created")
    subscribe(client, receiver, "/b", "import.completed")
    gone = subscribe(client, receiver, "/c", "webset.created")
    client.delete_webhook(gone.id)
    server.emit("webset.created")
    assert [d.path for d in receiver.deliveries] == ["/a"]
    server.emit("monitor.created")
    assert len(receiver.deliveries) == 1


def test_every_subscriber_gets_its_own_signature(
    server: ExaServer, client: ew.Client, receiver: Receiver
) -> None:
    for path in ("/1", "/2", "/3"):
        subscribe(client, receiver, path, "webset.item.enriched")
    event = server.emit("webset.item.enriched", {"id": "witem_custom", "note": "mine"})
    assert sorted(d.path for d in receiver.deliveries) == ["/1", "/2", "/3"]
    assert all(d.error is None and d.event == event for d in receiver.deliveries)
    assert len({d.headers["exa-signature"] for d in receiver.deliveries}) == 3
    assert event.data == {"id": "witem_custom", "note": "mine"}


def test_failures_are_recorded_and_filterable(
    server: ExaServer, client: ew.Client, receiver: Receiver
) -> None:
    wh = subscribe(client, receiver, "/h", "webset.created", "webset.idle")
    server.emit("webset.created")
    receiver.status = 500
    server.emit("webset.idle")
    server.emit("webset.created")

    attempts = client.list_webhook_attempts(wh.id)
    assert [a.event_type for a in attempts] == ["webset.created", "webset.idle", "webset.created"]
    assert [a.successful for a in attempts] == [False, False, True]
    failed = client.list_webhook_attempts(wh.id, successful=False)
    assert [a.response_status_code for a in failed] == [500, 500]
    created = client.list_webhook_attempts(wh.id, event_type="webset.created")
    assert len(created) == 2
    both = client.list_webhook_attempts(wh.id, event_type="webset.created", successful=True)
    assert len(both) == 1
    pages = client.list_webhook_attempts(wh.id, limit=2)
    assert pages.has_more
    assert len(list(client.iter_webhook_attempts(wh.id, limit=1))) == 3


def test_wrong_secret_is_a_400_from_the_receiver(
    server: ExaServer, client: ew.Client, receiver: Receiver
) -> None:
    wh = client.create_webhook(["webset.created"], receiver.url + "/unknown")
    server.emit("webset.created")
    assert receiver.deliveries[0].error is not None
    assert "SignatureVerificationError" in receiver.deliveries[0].error
    (attempt,) = client.list_webhook_attempts(wh.id)
    assert (attempt.successful, attempt.response_status_code) == (False, 400)


def test_redirects_are_not_followed(
    server: ExaServer, client: ew.Client, receiver: Receiver
) -> None:
    target = Receiver()
    try:
        receiver.status = 302
        receiver.headers = {"Location": target.url + "/stolen"}
        wh = subscribe(client, receiver, "/h", "webset.created")
        server.emit("webset.created")
        assert target.deliveries == []
        (attempt,) = client.list_webhook_attempts(wh.id)
        assert (attempt.successful, attempt.response_status_code) == (False, 302)
    finally:
        target.close()


def test_unreachable_receiver(server: ExaServer, client: ew.Client) -> None:
    with held_port() as port:
        wh = client.create_webhook(["webset.created"], f"http://127.0.0.1:{port}/h")
        started = time.monotonic()
        server.emit("webset.created")
    assert time.monotonic() - started < 5
    (attempt,) = client.list_webhook_attempts(wh.id)
    assert (attempt.successful, attempt.response_status_code) == (False, 0)
    assert attempt.response_body == f"not delivered: connection refused by 127.0.0.1:{port}"


def test_slow_receiver_is_bounded(server: ExaServer, client: ew.Client, receiver: Receiver) -> None:
    receiver.delay = 20
    wh = subscribe(client, receiver, "/slow", "webset.created")
    started = time.monotonic()
    server.emit("webset.created", timeout=0.5)
    assert time.monotonic() - started < 10  # bounded by emit's timeout, not the receiver
    (attempt,) = client.list_webhook_attempts(wh.id)
    assert not attempt.successful


def test_receiver_may_use_the_server_while_being_called(
    server: ExaServer, client: ew.Client, receiver: Receiver
) -> None:
    seen: list[int] = []
    receiver.on_request = lambda: seen.append(len(server.webhooks))
    subscribe(client, receiver, "/h", "webset.created")
    started = time.monotonic()
    server.emit("webset.created")
    assert seen == [1]
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("event_type", "obj"),
    [
        ("webset.created", "webset"),
        ("webset.search.completed", "webset_search"),
        ("import.completed", "import"),
        ("webset.item.created", "webset_item"),
        ("monitor.updated", "monitor"),
        ("monitor.run.completed", "monitor_run"),
        ("webset.export.completed", "webset_export"),
    ],
)
def test_default_data_is_the_right_resource(server: ExaServer, event_type: str, obj: str) -> None:
    event = server.emit(event_type)
    assert event.data["object"] == obj
    assert isinstance(event.data["id"], str)


def test_emit_validates(server: ExaServer) -> None:
    with pytest.raises(ew.ValidationError, match=r"webset\.idle"):
        server.emit("webset.completed")
    with pytest.raises(ew.ValidationError, match="data"):
        server.emit("webset.created", ["not", "a", "dict"])  # type: ignore[arg-type]
    with pytest.raises(ew.ValidationError, match="timeout"):
        server.emit("webset.created", timeout=0)
    server.stop()
    with pytest.raises(RuntimeError, match="stopped"):
        server.emit("webset.created")
