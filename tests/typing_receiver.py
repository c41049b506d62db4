"""Checked by `mypy --strict` (see pyproject.toml): the receiver as a user types it. Handlers
registered for one resource's event types may take that resource's TypedEvent, and the type
checker then knows its fields."""

from __future__ import annotations

from typing import Any, Literal, assert_type

import exa_webhooks as ew
from exa_webhooks.receiver import (
    MemoryDedupe,
    ReceiverResponse,
    RedisDedupe,
    SQLiteDedupe,
    WebhookReceiver,
)
from exa_webhooks.resources import (
    ImportEvent,
    MonitorRunEvent,
    Webset,
    WebsetEvent,
    WebsetItemEvent,
)

receiver = WebhookReceiver(["whsec_new", "whsec_old"], dedupe=SQLiteDedupe("events.sqlite3"))
fleet = WebhookReceiver("whsec", dedupe=RedisDedupe("redis://localhost:6379/0", ttl=3600))
local = WebhookReceiver("whsec", dedupe=MemoryDedupe(ttl=60, max_entries=10), lease=5)


@receiver.on("webset.idle", ew.EventType.WEBSET_PAUSED)
def on_idle(event: WebsetEvent) -> None:
    assert_type(event.data["status"], Literal["idle", "pending", "running", "paused"])
    assert_type(event.data["title"], str | None)
    searches = event.data["searches"]
    assert_type(searches[0]["query"], str)


@receiver.on("webset.item.created")
async def on_item(event: WebsetItemEvent) -> None:
    assert_type(event.data["source"], Literal["search", "import"])


@receiver.on("import.completed")
def on_import(event: ImportEvent) -> None:
    assert_type(event.data["count"], float)


@receiver.on("monitor.run.completed")
def on_run(event: MonitorRunEvent) -> None:
    assert_type(event.data["type"], Literal["search", "refresh"])


@receiver.on("webset.idle", "import.created")  # mixed resources: a plain WebhookEvent
def on_mixed(event: ew.WebhookEvent) -> None:
    assert_type(event.data, dict[str, Any])


# What must not type-check (strict mypy flags an unneeded ignore, so each must be an error):
@receiver.on("webset.idle")  # type: ignore[arg-type]
def wrong_resource(event: ImportEvent) -> None:
    pass


@receiver.on("webset.idle")
def typo(event: WebsetEvent) -> None:
    event.data["stauts"]  # type: ignore[typeddict-item]


@receiver.on()
def on_anything(event: ew.WebhookEvent) -> None:
    pass


def view(body: bytes, headers: dict[str, str]) -> tuple[str, int, dict[str, str]]:
    response: ReceiverResponse = receiver.handle(body, headers)
    if response.event is not None and not response.duplicate:
        webset: Webset = response.event.data  # type: ignore[assignment]  # a dict at run time
        del webset
    return response.body, response.status, response.headers


async def async_view(body: bytes, signature: str) -> int:
    return (await receiver.handle_async(body, signature)).status


asgi_app = receiver.asgi(max_body_size=1 << 20)
wsgi_app = receiver.wsgi()
