"""``exa-webhooks trigger`` and ``exa-webhooks events resend``: the local-development commands
beside ``listen``, talking plain HTTP (the standard library; no redirect is ever followed)."""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlsplit

from ._listen import deliver
from ._native import WebhookEvent
from .errors import APIConnectionError, APIError, ExaError, ValidationError

__all__ = ["NotExaServer", "resend", "trigger"]

TRIGGER_PATH = "/_exa-webhooks/trigger"
SERVER_HEADER = "exa-webhooks-server"


class NotExaServer(ExaError):
    """The base URL is not ExaServer's, so there is nothing to trigger."""


def _not_exa_server(base_url: str) -> NotExaServer:
    return NotExaServer(
        f"trigger works only with ExaServer (`exa-webhooks serve`); {base_url} is not one"
    )


def trigger(
    base_url: str, api_key: str, event_type: str, data: dict[str, Any] | None, timeout: float
) -> WebhookEvent:
    """Asks ExaServer to create, store and deliver an event; refuses any other server."""
    parts = urlsplit(base_url)
    connection_type = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    body = json.dumps({"type": event_type, "data": data}).encode()
    headers = {"Content-Type": "application/json", "x-api-key": api_key}
    path = parts.path.rstrip("/") + TRIGGER_PATH
    connection = connection_type(parts.hostname or "", parts.port, timeout=timeout)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read(8 * 1024 * 1024)
    except TimeoutError:
        raise APIConnectionError(f"{base_url} did not answer within {timeout:g} s") from None
    except (OSError, http.client.HTTPException) as error:
        reason = getattr(error, "strerror", None) or type(error).__name__
        raise APIConnectionError(f"could not reach {base_url}: {reason}") from None
    finally:
        connection.close()
    # Only ExaServer sends this header: the real Exa and anything else are refused here.
    if response.getheader(SERVER_HEADER) != "ExaServer":
        raise _not_exa_server(base_url)
    try:
        answer = json.loads(text)
    except ValueError:
        raise _not_exa_server(base_url) from None
    if response.status != 200:
        message = answer.get("error", "") if isinstance(answer, dict) else ""
        if response.status == 400:
            raise ValidationError(
                f"1 validation error\n  trigger: {message}",
                [{"field": "trigger", "message": message}],
            )
        raise APIError(f"ExaServer refused the trigger: {message}", status_code=response.status)
    return WebhookEvent.from_dict(answer)


def resend(event: WebhookEvent, url: str, secret: str, timeout: float) -> dict[str, Any]:
    """Delivers ``event`` once, signed with ``secret``; the answer, as data."""
    outcome = deliver(
        url, json.dumps(event.to_dict(), ensure_ascii=False).encode(), secret, timeout
    )
    return {
        "id": event.id,
        "type": event.type,
        "url": url,
        "ok": outcome.ok,
        "status": outcome.status,
        "ms": outcome.ms,
        "reason": outcome.reason,
        "body": outcome.body,
    }
