"""Signed sample deliveries: what Exa would POST, built without a server."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone

import pytest

import exa_webhooks as ew
from exa_webhooks.testing import ExaServer, sample_delivery

SECRET = "whsec_sample"


@pytest.mark.parametrize("event_type", list(ew.EventType))
def test_every_type_verifies_and_parses(event_type: ew.EventType) -> None:
    delivery = sample_delivery(event_type, SECRET)
    event = ew.construct_event(delivery.body, delivery.headers, SECRET)
    assert event == delivery.event
    assert event.type == event_type
    assert event.id.startswith("event_")
    assert delivery.headers["Content-Type"] == "application/json"
    assert isinstance(event.data.get("id"), str)


def test_defaults_look_like_what_exa_server_delivers() -> None:
    with ExaServer() as server:
        emitted = server.emit("webset.item.created")
    sample = sample_delivery("webset.item.created", SECRET).event
    assert sample.data["object"] == emitted.data["object"]
    assert set(sample.data) == set(emitted.data)
    assert sample.data["id"] != sample_delivery("webset.item.created", SECRET).event.data["id"]


def test_given_fields_are_kept() -> None:
    created = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=timezone.utc)
    delivery = sample_delivery(
        "webset.idle",
        SECRET,
        {"id": "webset_1", "n": 10**30},
        event_id="event_x",
        created_at=created,
    )
    assert json.loads(delivery.body)["createdAt"] == "2026-01-02T03:04:05.678Z"
    assert delivery.event.id == "event_x"
    assert delivery.event.created_at == created
    assert delivery.event.data["id"] == "webset_1"


def test_an_old_timestamp_is_refused_by_a_receiver() -> None:
    old = int(time.time()) - 3600
    delivery = sample_delivery("webset.idle", SECRET, timestamp=old)
    with pytest.raises(ew.SignatureVerificationError) as info:
        ew.construct_event(delivery.body, delivery.headers, SECRET)
    assert info.value.reason == "timestamp_outside_tolerance"
    ew.construct_event(delivery.body, delivery.headers, SECRET, tolerance=None)


def test_bad_arguments_are_validation_errors() -> None:
    with pytest.raises(ew.ValidationError) as info:
        sample_delivery("webset.completed", SECRET, created_at=datetime.now() - timedelta(days=1))
    fields = {e["field"]: e["message"] for e in info.value.errors}
    assert 'did you mean "webset.idle"' in fields["event_type"]
    assert "timezone-aware" in fields["created_at"]
    with pytest.raises(ew.ValidationError, match="data: not JSON"):
        sample_delivery("webset.idle", SECRET, {"x": object()})
    with pytest.raises(ew.ValidationError, match="event_type: must be a str"):
        sample_delivery(5, SECRET)  # type: ignore[arg-type]


def test_repr_is_short() -> None:
    delivery = sample_delivery("webset.idle", SECRET)
    assert SECRET not in repr(delivery)
    assert "bytes>" in repr(delivery)
