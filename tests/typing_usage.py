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
