"""Webhook: frozen, dataclass-like, masked secret, value equality, pickling, dict round trips."""

from __future__ import annotations

import copy
import pickle
from datetime import datetime, timedelta, timezone

import pytest

import exa_webhooks as ew
from scripted import webhook_json


def sample(**overrides: object) -> ew.Webhook:
    return ew.Webhook.from_dict(webhook_json(**overrides))


def test_fields_and_types() -> None:
    wh = sample(metadata={"a": "b"}, createdAt="2024-02-29T23:59:59.123456+05:30")
    assert wh.id == "webhook_123"
    assert wh.events == ("webset.created",)
    assert wh.metadata == {"a": "b"}
    assert wh.created_at == datetime(
        2024, 2, 29, 23, 59, 59, 123456, tzinfo=timezone(timedelta(hours=5, minutes=30))
    )
    assert wh.updated_at == datetime(2023, 11, 7, 5, 31, 56, tzinfo=timezone.utc)


def test_repr_masks_the_secret_and_shows_everything_else() -> None:
    wh = sample(secret="whsec_very_secret")
    text = repr(wh)
    assert "whsec_very_secret" not in text
    assert "secret='********'" in text
    assert str(wh) == text
    for part in (
        "id='webhook_123'",
        "status='active'",
        "events=('webset.created',)",
        "url='https://example.com/hook'",
        "metadata={}",
        "created_at=datetime.datetime(",
    ):
        assert part in text
    assert "secret=None" in repr(sample(secret=None))


def test_frozen() -> None:
    wh = sample()
    with pytest.raises(AttributeError):
        wh.id = "other"  # type: ignore[misc]
    wh.metadata["x"] = "y"  # a copy: the webhook itself does not change
    assert wh.metadata == {}


def test_equality_and_hash_by_value() -> None:
    assert sample() == sample()
    assert hash(sample()) == hash(sample())
    assert sample() != sample(url="https://other.example.com")
    assert sample() != sample(extra="field")
    assert sample() != "webhook_123"
    assert len({sample(), sample()}) == 1


def test_equality_follows_the_attributes_not_the_json_text() -> None:
    # Dicts compare regardless of key order, date-times by instant, as the attributes do.
    same = [
        (sample(metadata={"a": "1", "b": "2"}), sample(metadata={"b": "2", "a": "1"})),
        (sample(updatedAt="2023-11-07T05:31:56Z"), sample(updatedAt="2023-11-07T05:31:56.000Z")),
        (sample(createdAt="2023-11-07T05:31:56Z"), sample(createdAt="2023-11-07T06:31:56+01:00")),
        (sample(extra={"x": 1, "y": [2]}), sample(extra={"y": [2.0], "x": 1})),
        (sample(a=1, b=2), sample(b=2, a=1)),
    ]
    for a, b in same:
        assert (a.metadata, a.created_at, a.updated_at) == (b.metadata, b.created_at, b.updated_at)
        assert a == b
        assert hash(a) == hash(b)
        assert len({a, b}) == 1
    assert sample(updatedAt="2023-11-07T05:31:56Z") != sample(updatedAt="2023-11-07T05:31:57Z")
    assert sample(extra=[1, 2]) != sample(extra=[2, 1])
    assert sample(extra=2**64 + 1) != sample(extra=float(2**64 + 1))
    assert sample(extra={"x": 1}) != sample(extra={"x": 1, "y": None})


def test_pickle_and_copy_round_trip_keep_secret_and_extras() -> None:
    wh = sample(secret="whsec_keep", newField={"nested": [1, 2.5, None, True]})
    for restored in (pickle.loads(pickle.dumps(wh)), copy.deepcopy(wh), copy.copy(wh)):
        assert restored == wh
        assert restored.secret == "whsec_keep"
        assert restored.to_dict()["newField"] == {"nested": [1, 2.5, None, True]}


def test_to_dict_round_trip() -> None:
    body = webhook_json(metadata={"k": "v"}, futureField=1)
    wh = ew.Webhook.from_dict(body)
    assert wh.to_dict() == body
    assert ew.Webhook.from_dict(wh.to_dict()) == wh


def test_match_args() -> None:
    match sample():
        case ew.Webhook(id, "webhook", "active", events):
            assert id == "webhook_123"
            assert events == ("webset.created",)
        case _:
            pytest.fail("did not match")
    assert ew.Webhook.__match_args__[:3] == ("id", "object", "status")


def test_constructor() -> None:
    now = datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    wh = ew.Webhook(
        id="wh_1",
        status="active",
        events=[ew.EventType.MONITOR_RUN_COMPLETED],
        url="https://e.com",
        created_at=now,
        updated_at="2025-01-02T03:04:05Z",
        metadata={"a": "b"},
    )
    assert wh.created_at == now == wh.updated_at
    assert wh.events == ("monitor.run.completed",)
    assert wh.secret is None
    assert wh.to_dict()["createdAt"] == "2025-01-02T03:04:05+00:00"


def test_constructor_and_from_dict_validate() -> None:
    with pytest.raises(ew.ValidationError) as excinfo:
        ew.Webhook(
            id=1,  # type: ignore[arg-type]
            status="active",
            events=["x"],
            url="u",
            created_at=datetime(2025, 1, 1),
            updated_at="nope",
        )
    fields = {e["field"] for e in excinfo.value.errors}
    assert fields == {"id", "created_at", "updated_at"}
    with pytest.raises(ew.ValidationError, match="status"):
        ew.Webhook.from_dict({"id": "x"})
    with pytest.raises(ew.ValidationError):
        ew.Webhook.from_dict({"bad": object()})  # type: ignore[dict-item]
