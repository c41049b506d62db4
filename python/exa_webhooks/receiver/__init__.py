"""Receiving Exa's deliveries in production: each event's handlers run once.

    from exa_webhooks.receiver import WebhookReceiver, SQLiteDedupe

    receiver = WebhookReceiver(secret, dedupe=SQLiteDedupe("exa-events.sqlite3"))

    @receiver.on("webset.item.created")
    def on_item(event): ...

    app = receiver.asgi()   # or receiver.wsgi(), or receiver.handle(body, headers) in a view

Verify the raw body, parse, claim the event id in the dedupe store, run the handlers, then
mark it processed (2xx) or release it (5xx, so Exa's retry runs it again).
"""

from ._apps import ASGIApp, WSGIApp
from ._dedupe import DEFAULT_TTL, Claim, Dedupe, MemoryDedupe, SQLiteDedupe
from ._receiver import (
    DEFAULT_LEASE,
    Handler,
    Headers,
    ReceiverResponse,
    ReplayResult,
    WebhookReceiver,
)
from ._redis import RedisDedupe

__all__ = [
    "DEFAULT_LEASE",
    "DEFAULT_TTL",
    "ASGIApp",
    "Claim",
    "Dedupe",
    "Handler",
    "Headers",
    "MemoryDedupe",
    "ReceiverResponse",
    "RedisDedupe",
    "ReplayResult",
    "SQLiteDedupe",
    "WSGIApp",
    "WebhookReceiver",
]
