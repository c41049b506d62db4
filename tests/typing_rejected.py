"""What `mypy --strict` must refuse: tests/test_typing.py runs it on this file and expects, on
each line marked `# E: code`, exactly that error (and no other error anywhere). Not in
pyproject.toml's mypy files, which must all pass."""

from __future__ import annotations

from typing import Literal

import exa_webhooks as ew
from exa_webhooks.receiver import WebhookReceiver
from exa_webhooks.testing import ExaServer, sample_delivery


def typos(client: ew.Client, server: ExaServer, any_string: str) -> None:
    client.create_webhook(["webset.idl"], "https://e.com")  # E: list-item
    client.update_webhook("webhook_1", events=["webset.completed"])  # E: list-item
    client.list_webhook_attempts("webhook_1", event_type="item.created")  # E: arg-type
    client.list_events(types=["webset.item.complete"])  # E: list-item
    ew.create_webhook([any_string], "https://e.com")  # E: list-item
    server.emit("webset.idl")  # E: arg-type
    sample_delivery("import.complete", "whsec")  # E: arg-type
    WebhookReceiver("whsec").on("webset.idl")  # E: call-overload


async def async_typos(client: ew.AsyncClient) -> None:
    await client.create_webhook(["webset.idl"], "https://e.com")  # E: list-item
    await client.list_events(types=["webset.idl"])  # E: list-item


def statuses(webhook: ew.Webhook) -> None:
    active: Literal["active"] = webhook.status  # E: assignment
    if webhook.status == "paused":  # E: comparison-overlap
        del active


def headers(body: bytes, pairs: list[tuple[str, str]]) -> None:
    ew.construct_event(body, pairs, "whsec")  # E: arg-type
    ew.verify_signature(body, 42, "whsec")  # E: arg-type
    ew.construct_event(body, {"exa-signature": 1}, "whsec")  # E: arg-type
