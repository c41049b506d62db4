"""Helpers for the receiver tests: signed event bodies, as Exa sends them."""

from __future__ import annotations

import json
from typing import Any

import exa_webhooks as ew

SECRET = "whsec_receiver_tests"


def event_body(
    event_id: str = "event_1", event_type: str = "webset.idle", data: dict[str, Any] | None = None
) -> bytes:
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": event_type,
            "data": {"id": "webset_1", "object": "webset", "status": "idle"}
            if data is None
            else data,
            "createdAt": "2026-01-01T00:00:00.000Z",
        }
    ).encode()


def signed(
    event_id: str = "event_1", event_type: str = "webset.idle", secret: str = SECRET
) -> tuple[bytes, dict[str, str]]:
    body = event_body(event_id, event_type)
    return body, {"Exa-Signature": ew.sign_payload(body, secret)}
