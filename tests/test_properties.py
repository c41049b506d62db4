"""Property tests: whatever the input, only the documented exceptions come out."""

from __future__ import annotations

import contextlib
import json
import pickle
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import exa_webhooks as ew
from exa_webhooks.testing import ExaServer

SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(),
    st.binary(),
    st.lists(st.text(), max_size=3),
    st.dictionaries(st.text(), st.text(), max_size=3),
)
event_names = st.one_of(st.sampled_from(list(ew.EventType)), st.text(max_size=30))
events = st.one_of(
    anything,
    st.lists(event_names, max_size=25),
    st.lists(st.one_of(event_names, anything), max_size=5),
)
urls = st.one_of(
    anything,
    st.text(max_size=100),
    st.builds(lambda p: f"https://example.com/{p}", st.text(max_size=50)),
    st.just("https://example.com/h"),
)
metadata = st.one_of(
    st.none(),
    anything,
    st.dictionaries(st.text(max_size=10), st.text(max_size=1100), max_size=4),
    st.dictionaries(st.one_of(st.text(), st.integers()), anything, max_size=3),
)
ids = st.one_of(anything, st.text(max_size=40), st.just("webhook_missing"))
limits = st.one_of(st.none(), st.integers(-5, 300), anything)


@pytest.fixture(scope="module")
def shared_server() -> Iterator[ExaServer]:
    with ExaServer() as server:
        yield server


@pytest.fixture(scope="module")
def shared_client(shared_server: ExaServer) -> ew.Client:
    return shared_server.client(timeout=10)


@SETTINGS
@given(events=events, url=urls, metadata=metadata)
def test_create_webhook(shared_client: ew.Client, events: Any, url: Any, metadata: Any) -> None:
    try:
        wh = shared_client.create_webhook(events, url, metadata)
    except ew.ValidationError:
        # Refused before sending. Anything the server refuses instead is a client/server drift.
        return
    assert wh.url == url


@SETTINGS
@given(
    webhook_id=ids,
    events=st.one_of(st.none(), events),
    url=st.one_of(st.none(), urls),
    metadata=metadata,
)
def test_update_webhook(
    shared_client: ew.Client, webhook_id: Any, events: Any, url: Any, metadata: Any
) -> None:
    with contextlib.suppress(ew.ValidationError, ew.NotFoundError):
        shared_client.update_webhook(webhook_id, events=events, url=url, metadata=metadata)


@SETTINGS
@given(
    limit=limits,
    cursor=st.one_of(st.none(), anything),
    webhook_id=ids,
    event_type=st.one_of(st.none(), event_names, anything),
    successful=st.one_of(st.none(), st.booleans(), anything),
)
def test_listings(
    shared_client: ew.Client,
    limit: Any,
    cursor: Any,
    webhook_id: Any,
    event_type: Any,
    successful: Any,
) -> None:
    with contextlib.suppress(ew.ValidationError, ew.BadRequestError):
        shared_client.list_webhooks(limit=limit, cursor=cursor)
    with contextlib.suppress(ew.ValidationError, ew.BadRequestError, ew.NotFoundError):
        shared_client.list_webhook_attempts(
            webhook_id, event_type=event_type, successful=successful, limit=limit, cursor=cursor
        )


headers = st.one_of(
    anything,
    st.text(max_size=200),
    st.builds(lambda t, v: f"t={t},v1={v}", st.integers(), st.text(max_size=70)),
    st.dictionaries(st.sampled_from(["Exa-Signature", "exa-signature", "x"]), st.text()),
)


@SETTINGS
@given(
    payload=st.one_of(st.binary(), st.text(), anything),
    signature=headers,
    secret=st.one_of(st.text(max_size=20), st.lists(st.text(max_size=5), max_size=3), anything),
    tolerance=st.one_of(st.none(), st.integers(-5, 10**6), anything),
    now=st.one_of(st.none(), st.integers(0, 2**40), anything),
)
def test_verify_signature(
    payload: Any, signature: Any, secret: Any, tolerance: Any, now: Any
) -> None:
    with contextlib.suppress(ew.SignatureVerificationError, ew.ValidationError):
        ew.verify_signature(payload, signature, secret, tolerance=tolerance, now=now)


event_bodies = st.builds(
    json.dumps,
    st.dictionaries(
        st.sampled_from(["id", "object", "type", "data", "createdAt", "x"]),
        st.one_of(st.text(), st.dictionaries(st.text(), st.integers()), st.integers()),
    ),
)


@SETTINGS
@given(payload=st.one_of(st.binary(), st.text(), anything, event_bodies))
def test_parse_event(payload: Any) -> None:
    try:
        event = ew.parse_event(payload)
    except ew.ValidationError:
        return
    assert isinstance(event.data, dict)


@SETTINGS
@given(
    body=st.binary(max_size=300),
    secret=st.text(min_size=1, max_size=30),
    timestamp=st.integers(0, 9_999_999_999),
)
def test_sign_then_verify_round_trips(body: bytes, secret: str, timestamp: int) -> None:
    header = ew.sign_payload(body, secret, timestamp=timestamp)
    ew.verify_signature(body, header, secret, now=timestamp)
    with pytest.raises(ew.SignatureVerificationError):
        ew.verify_signature(body + b"x", header, secret, now=timestamp)


# Value equality. Each example draws an object, then a second one from a rewrite of its JSON
# that keeps every value a user sees (keys reordered, the same instant or number written
# otherwise), and half the time one field drawn afresh. The two are equal exactly when
# everything a user can see of them is (attributes, and unknown fields in to_dict()), and
# equal objects hash alike.

BIG = 2**64 + 1
# Each group: one value, written several ways.
SAME_INSTANT = [
    [
        "2025-01-01T00:00:00Z",
        "2025-01-01T00:00:00.000Z",
        "2025-01-01T00:00:00.0000001Z",
        "2025-01-01T01:00:00+01:00",
        "2024-12-31T23:00:00-01:00",
    ],
    ["2025-01-01T00:00:00.000001Z", "2025-01-01T00:00:00.000001999+00:00"],
    ["2025-01-01T00:00:01z", "2025-01-01T00:00:01.000+00:00"],
]
SAME_NUMBER: list[list[Any]] = [[0, -0.0, 0.0, False], [1, 1.0, True], [0.5], [BIG], [float(BIG)]]
instants = st.sampled_from([text for group in SAME_INSTANT for text in group])
json_values = st.recursive(
    st.sampled_from([None, "1", *(n for group in SAME_NUMBER for n in group)]),
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.sampled_from("xy"), inner),
    max_leaves=4,
)
extras = st.dictionaries(st.sampled_from(["extra", "more"]), json_values, max_size=2)
small_maps = st.dictionaries(st.sampled_from("ab"), st.sampled_from("12"), max_size=2)

webhook_fields: dict[str, Any] = {
    "id": st.sampled_from(["w1", "w2"]),
    "status": st.just("active"),
    "events": st.sampled_from([["webset.created"], ["webset.created", "webset.idle"]]),
    "url": st.just("https://example.com/h"),
    "secret": st.sampled_from([None, "whsec_1"]),
    "metadata": small_maps,
    "createdAt": instants,
    "updatedAt": instants,
}
attempt_fields: dict[str, Any] = {
    "id": st.sampled_from(["a1", "a2"]),
    "eventId": st.just("evt_1"),
    "eventType": st.just("webset.created"),
    "webhookId": st.just("w1"),
    "url": st.just("https://example.com/h"),
    "successful": st.booleans(),
    "responseHeaders": small_maps,
    "responseBody": st.sampled_from([None, "ok"]),
    "responseStatusCode": st.sampled_from([200, 200.0, 500]),
    "attempt": st.sampled_from([1, 1.0]),
    "attemptedAt": instants,
}
event_fields: dict[str, Any] = {
    "id": st.sampled_from(["e1", "e2"]),
    "type": st.just("webset.created"),
    "data": st.dictionaries(st.sampled_from("xyz"), json_values, max_size=3),
    "createdAt": instants,
}
KINDS = {
    ew.Webhook: webhook_fields,
    ew.WebhookAttempt: attempt_fields,
    ew.WebhookEvent: event_fields,
}


def rewritten(data: st.DataObject, value: Any, *, numbers: bool = True) -> Any:
    """``value`` written another way, with the same meaning in Python. Typed fields keep
    their numbers and bools as they are (``successful`` must stay a bool)."""
    if isinstance(value, dict):
        keys = data.draw(st.permutations(list(value)))
        return {key: rewritten(data, value[key], numbers=numbers) for key in keys}
    if isinstance(value, list):
        return [rewritten(data, item, numbers=numbers) for item in value]
    for group in (*SAME_INSTANT, *(SAME_NUMBER if numbers else [])):
        if any(type(value) is type(v) and value == v for v in group):
            return data.draw(st.sampled_from(group))
    return value


def seen(obj: Any, known: dict[str, Any]) -> tuple[Any, ...]:
    """Everything a user can see of ``obj``: its attributes, and the unknown fields kept."""
    unknown = {k: v for k, v in obj.to_dict().items() if k not in known and k != "object"}
    return (*(getattr(obj, name) for name in type(obj).__match_args__), unknown)


@settings(SETTINGS, max_examples=300)
@given(data=st.data(), kind=st.sampled_from(list(KINDS)), change=st.booleans())
def test_equality_and_hash_agree_with_what_users_see(
    data: st.DataObject, kind: Any, change: bool
) -> None:
    known = KINDS[kind]
    first = {**data.draw(st.fixed_dictionaries(known)), **data.draw(extras)}
    keys = data.draw(st.permutations(list(first)))
    second = {k: rewritten(data, first[k], numbers=k not in known or k == "data") for k in keys}
    if change:
        field = data.draw(st.sampled_from(list(known)))
        second[field] = data.draw(known[field])
    a, b = kind.from_dict(first), kind.from_dict(second)
    assert (a == b) == (seen(a, known) == seen(b, known))
    if a == b:
        assert hash(a) == hash(b)
        assert hash(pickle.loads(pickle.dumps(b))) == hash(a)
    if not change:
        assert a == b
