"""Checked by `mypy --strict` (see pyproject.toml): the public API as a user writes it."""

from __future__ import annotations

import asyncio
from datetime import datetime

import exa_webhooks as ew
from exa_webhooks.errors import APIError, RateLimitError
from exa_webhooks.testing import ExaServer, RecordedRequest


def sync_usage(server: ExaServer) -> str:
    with ew.Client(server.api_key, base_url=server.url, timeout=5.0) as client:
        wh: ew.Webhook = client.create_webhook(
            [ew.EventType.WEBSET_CREATED, "webset.idle"], "https://example.com/h", {"a": "b"}
        )
    created: datetime = wh.created_at
    events: tuple[str, ...] = wh.events
    secret: str | None = wh.secret
    metadata: dict[str, str] = wh.metadata
    as_dict: dict[str, object] = wh.to_dict()
    requests: list[RecordedRequest] = server.requests
    del created, events, secret, metadata, as_dict, requests
    return wh.id


async def async_usage(server: ExaServer) -> ew.Webhook:
    async with ew.AsyncClient(server.api_key, base_url=server.url) as client:
        return await client.create_webhook(events=["webset.created"], url="https://e.com")


def errors_usage() -> int | None:
    try:
        ew.create_webhook(["webset.created"], "https://e.com", api_key="k", timeout=1.0)
    except RateLimitError as e:
        retry: float | None = e.retry_after
        del retry
    except APIError as e:
        return e.status_code
    except ew.ValidationError as e:
        problems: list[dict[str, str]] = e.errors
        del problems
    return None


def main() -> None:
    with ExaServer() as server:
        sync_usage(server)
        asyncio.run(async_usage(server))


def management_usage(client: ew.Client, webhook_id: str) -> list[str]:
    page: ew.Page[ew.Webhook] = client.list_webhooks(limit=10)
    cursor: str | None = page.next_cursor
    updated: ew.Webhook = client.update_webhook(webhook_id, url="https://e.com/v2", metadata={})
    attempts: ew.Page[ew.WebhookAttempt] = client.list_webhook_attempts(
        webhook_id, event_type=ew.EventType.WEBSET_IDLE, successful=False
    )
    codes: list[int] = [a.response_status_code for a in attempts]
    del cursor, updated, codes
    return [w.id for w in client.iter_webhooks(limit=200)]


async def async_management_usage(client: ew.AsyncClient, webhook_id: str) -> int:
    got: ew.Webhook = await client.get_webhook(webhook_id)
    deleted: ew.Webhook = await client.delete_webhook(got.id)
    seen = [w.id async for w in client.iter_webhooks()]
    tries = [a.attempt async for a in client.iter_webhook_attempts(deleted.id)]
    return len(seen) + len(tries)


def receiving_usage(body: bytes, headers: dict[str, str], secrets: list[str]) -> str:
    try:
        event: ew.WebhookEvent = ew.construct_event(body, headers, secrets, tolerance=600)
    except ew.SignatureVerificationError as error:
        return error.reason
    ew.verify_signature(body, headers["exa-signature"], secrets[0], tolerance=None, now=0)
    header: str = ew.sign_payload(body, secrets[0], timestamp=1)
    data: dict[str, object] = event.data
    del header, data
    return ew.parse_event(body).type


def testing_usage(server: ExaServer) -> ew.WebhookEvent:
    server.add_fault(status=503, times=2, headers={"Retry-After": "1"})
    server.add_fault(reset=True, after_processing=True, method="POST")
    server.clear_faults()
    return server.emit(ew.EventType.WEBSET_CREATED, {"id": "ws_1"}, timeout=5.0)


def events_usage(client: ew.Client, server: ExaServer, since: datetime) -> list[str]:
    backdated: ew.WebhookEvent = server.emit("webset.idle", created_at=since, timeout=1.0)
    stored: list[ew.WebhookEvent] = server.events
    page: ew.Page[ew.WebhookEvent] = client.list_events(
        types=[ew.EventType.WEBSET_IDLE, "import.completed"],
        created_after=since,
        created_before="2025-03-01T12:00:00Z",
        limit=50,
        cursor=None,
    )
    one: ew.WebhookEvent = client.get_event(backdated.id)
    del stored, page, one
    return [e.id for e in client.iter_events(created_after=since, limit=200)]


async def async_events_usage(client: ew.AsyncClient, since: datetime) -> int:
    page: ew.Page[ew.WebhookEvent] = await client.list_events(created_after=since)
    got: ew.WebhookEvent = await client.get_event(page.data[0].id)
    seen = [e.type async for e in client.iter_events(types=["webset.created"], limit=10)]
    return len(seen) + len(got.data)
