"""``copy.replace`` (Python 3.13's protocol, ``__replace__``) on the frozen models and Page."""

from __future__ import annotations

import copy
import sys
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

import exa_webhooks as ew
from exa_webhooks.testing import ExaServer
from ports import held_port

needs_313 = pytest.mark.skipif(sys.version_info < (3, 13), reason="copy.replace is new in 3.13")


def replace(obj: Any, **changes: Any) -> Any:
    """copy.replace where Python has it, the protocol's method itself before."""
    if sys.version_info >= (3, 13):
        return copy.replace(obj, **changes)
    return obj.__replace__(**changes)


@pytest.fixture
def webhook(client: ew.Client) -> ew.Webhook:
    return client.create_webhook(["webset.created"], "https://example.com/a", metadata={"k": "v"})


def test_replace_changes_only_what_is_given(webhook: ew.Webhook) -> None:
    moved = replace(webhook, url="https://example.com/b", events=[ew.EventType.WEBSET_IDLE])
    assert type(moved) is ew.Webhook
    assert (moved.url, moved.events) == ("https://example.com/b", ("webset.idle",))
    assert (moved.id, moved.secret, moved.metadata) == (webhook.id, webhook.secret, {"k": "v"})
    assert (moved.created_at, moved.updated_at) == (webhook.created_at, webhook.updated_at)
    assert webhook.url == "https://example.com/a"  # the original is untouched
    assert replace(webhook) == webhook


@needs_313
def test_copy_replace_uses_the_protocol(webhook: ew.Webhook) -> None:
    assert copy.replace(webhook, status="inactive").status == "inactive"


def test_replace_keeps_fields_this_version_does_not_know(webhook: ew.Webhook) -> None:
    newer = ew.Webhook.from_dict({**webhook.to_dict(), "deliveryRegion": "eu"})
    moved = replace(newer, url="https://example.com/c")
    assert moved.to_dict()["deliveryRegion"] == "eu"


def test_replace_takes_datetimes_and_refuses_naive_ones(webhook: ew.Webhook) -> None:
    later = webhook.updated_at + timedelta(hours=1)
    assert replace(webhook, updated_at=later).updated_at == later
    other_zone = later.astimezone(timezone(timedelta(hours=2)))
    assert replace(webhook, updated_at=other_zone).updated_at == later
    with pytest.raises(ValueError, match="updated_at must be a timezone-aware datetime"):
        replace(webhook, updated_at=datetime(2026, 1, 1))


def test_unknown_fields_and_wrong_types_are_refused(webhook: ew.Webhook) -> None:
    with pytest.raises(TypeError, match="Webhook has no field 'urll'; its fields are id, "):
        replace(webhook, urll="https://example.com/b")
    with pytest.raises(ew.ValidationError, match="url: should be a string, got a number"):
        replace(webhook, url=3)
    with pytest.raises(ew.ValidationError, match="metadata"):
        replace(webhook, metadata={"k": 1})


def test_attempts_and_events_replace_too(server: ExaServer, client: ew.Client) -> None:
    with held_port() as port:
        webhook = client.create_webhook(["webset.created"], f"http://127.0.0.1:{port}/hook")
        event = server.emit("webset.created", timeout=2)
    attempt = client.list_webhook_attempts(webhook.id).data[0]
    retried = replace(attempt, attempt=2, successful=True, response_status_code=200)
    assert (retried.attempt, retried.successful, retried.response_status_code) == (2, True, 200)
    assert (retried.id, retried.event_id) == (attempt.id, event.id)
    with pytest.raises(TypeError, match="WebhookAttempt has no field 'status'"):
        replace(attempt, status=200)
    renamed = replace(event, type="webset.idle", data={"id": "ws_1"})
    assert (renamed.type, renamed.data, renamed.id) == ("webset.idle", {"id": "ws_1"}, event.id)
    with pytest.raises(TypeError, match="WebhookEvent has no field 'event_type'"):
        replace(event, event_type="webset.idle")


def test_pages_replace(client: ew.Client, webhook: ew.Webhook) -> None:
    page = client.list_webhooks()
    last = replace(page, has_more=False, next_cursor=None)
    assert (last.data, last.has_more, last.next_cursor) == (page.data, False, None)
    with pytest.raises(TypeError, match="Page has no field 'items'"):
        replace(page, items=[])
