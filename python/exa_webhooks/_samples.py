"""Signed sample deliveries, for unit tests of a receiver that need no server."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ._event_type import EventTypeArg
from ._native import (
    EVENT_TYPES,
    WebhookEvent,
    default_event_data,
    parse_event,
    sign_payload,
    unknown_event_type,
)
from .errors import ValidationError

__all__ = ["SampleDelivery", "sample_delivery"]


@dataclass(frozen=True)
class SampleDelivery:
    """What Exa would POST: the raw ``body``, the ``headers`` (``Content-Type`` and a valid
    ``Exa-Signature``), and the ``event`` they carry."""

    body: bytes
    """The raw JSON body, as Exa would POST it."""
    headers: dict[str, str]
    """``Content-Type`` and a valid ``Exa-Signature``."""
    event: WebhookEvent
    """The event the body carries."""

    def __repr__(self) -> str:  # the body is long; the signature says nothing to a reader
        return f"SampleDelivery(event={self.event!r}, body=<{len(self.body)} bytes>)"


def sample_delivery(
    event_type: EventTypeArg,
    secret: str,
    data: Mapping[str, Any] | None = None,
    *,
    event_id: str | None = None,
    created_at: datetime | None = None,
    timestamp: int | None = None,
) -> SampleDelivery:
    """A delivery of an ``event_type`` event, signed with ``secret`` as Exa signs it.

    ``data`` defaults to a plausible resource of the type (as ``ExaServer.emit`` sends);
    ``event_id`` to a fresh ``event_...`` id; ``created_at`` (timezone-aware) to now;
    ``timestamp`` (unix seconds, the signed time) to now: pass an old one to test that a
    receiver refuses replays.

    Args:
        event_type: the event's type (an ``EventType`` member or its name).
        secret: the webhook's secret to sign with.
        data: the resource the event carries.
        event_id: the event's id.
        created_at: when the event was created.
        timestamp: the signed time, in Unix seconds.

    Returns:
        A ``SampleDelivery``: the ``event``, its raw ``body`` and its ``headers``.

    Raises:
        ValidationError: an unknown event type, a naive ``created_at``, or data that is not
            JSON.
    """
    problems = []
    if not isinstance(event_type, str):
        problems.append(("event_type", f"must be a str, got {type(event_type).__name__}"))
    elif event_type not in EVENT_TYPES:
        problems.append(("event_type", unknown_event_type(event_type)))
    if created_at is not None and (
        not isinstance(created_at, datetime) or created_at.utcoffset() is None
    ):
        problems.append(("created_at", "must be a timezone-aware datetime"))
    if problems:
        raise _invalid(problems)
    resource = default_event_data(event_type) if data is None else dict(data)
    when = (created_at or datetime.now(timezone.utc)).astimezone(timezone.utc)
    event = {
        "id": event_id if event_id is not None else "event_" + os.urandom(12).hex(),
        "object": "event",
        "type": event_type,
        "data": resource,
        "createdAt": when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    try:
        body = json.dumps(event, separators=(",", ":"), allow_nan=False).encode()
    except (TypeError, ValueError) as error:
        raise _invalid([("data", f"not JSON ({error})")]) from None
    headers = {
        "Content-Type": "application/json",
        "Exa-Signature": sign_payload(body, secret, timestamp=timestamp),
    }
    return SampleDelivery(body, headers, parse_event(body))


def _invalid(problems: list[tuple[str, str]]) -> ValidationError:
    return ValidationError(
        "; ".join(f"{field}: {message}" for field, message in problems),
        [{"field": field, "message": message} for field, message in problems],
    )
