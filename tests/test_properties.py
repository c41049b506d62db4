"""Property tests: whatever the input, only the documented exceptions come out."""

from __future__ import annotations

import contextlib
import json
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
