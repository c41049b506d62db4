"""Finding the events a receiver missed while it was down, with Exa's Events API."""

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone

import exa_webhooks as ew
from exa_webhooks.resources import EventTypeName

# Deliveries come in any order and clocks differ: look back a little before the checkpoint.
OVERLAP = timedelta(minutes=5)


def catch_up(
    client: ew.Client,
    checkpoint: datetime,
    handled: set[str],
    handle: Callable[[ew.WebhookEvent], None],
    types: Iterable[EventTypeName] | None = None,
) -> datetime:
    """Handles, oldest first, every event created since ``checkpoint`` (the ``created_at``
    of the newest event handled, which the receiver keeps) that is not in ``handled`` (the ids
    of the events handled lately); returns the new checkpoint."""
    until = datetime.now(timezone.utc)  # a fixed window: what comes later arrives by webhook
    missed = [
        event
        for event in client.iter_events(
            types=types, created_after=checkpoint - OVERLAP, created_before=until, limit=200
        )
        if event.id not in handled  # the event id is the idempotency key
    ]
    for event in reversed(missed):  # listed newest first
        handle(event)  # the same WebhookEvent a delivery gives: one handler for both
        handled.add(event.id)
    return max([checkpoint, *(event.created_at for event in missed)])
