"""Checked by `mypy --strict` (see pyproject.toml, and tests/test_typing.py): what the stubs
must accept. Event types as the 19 names or ``EventType`` members; headers as every web
framework hands them over."""

from __future__ import annotations

from email.message import Message
from http.server import BaseHTTPRequestHandler
from typing import Literal

from flask import request
from starlette.datastructures import Headers as StarletteHeaders
from typing_extensions import assert_type  # typing's from 3.11; mypy knows both
from werkzeug.datastructures import EnvironHeaders, Headers

import exa_webhooks as ew
from exa_webhooks.receiver import WebhookReceiver
from exa_webhooks.resources import EventTypeName, WebhookStatus
from exa_webhooks.testing import ExaServer, sample_delivery


def event_types(client: ew.Client, server: ExaServer, name: EventTypeName) -> None:
    client.create_webhook([ew.EventType.WEBSET_IDLE, "webset.item.created", name], "https://e.com")
    client.update_webhook("webhook_1", events=(t for t in [ew.EventType.IMPORT_CREATED]))
    client.list_webhook_attempts("webhook_1", event_type="monitor.run.completed")
    client.list_events(types={"webset.export.completed", ew.EventType.WEBSET_CREATED})
    ew.create_webhook([ew.EventType("webset.idle")], "https://e.com")
    server.emit(ew.EventType.WEBSET_SEARCH_UPDATED)
    server.emit("webset.idle", {"id": "ws_1"})
    sample_delivery(name, "whsec")
    WebhookReceiver("whsec").on("webset.idle", "import.created", ew.EventType.MONITOR_CREATED)


async def async_event_types(client: ew.AsyncClient) -> None:
    await client.create_webhook(["webset.idle"], "https://e.com")
    await client.list_events(types=[ew.EventType.WEBSET_IDLE])


def statuses(webhook: ew.Webhook) -> WebhookStatus:
    assert_type(webhook.status, Literal["active", "inactive"])
    if webhook.status == "active":
        return "inactive"
    return webhook.status


def headers(
    body: bytes,
    werkzeug: Headers,
    environ: EnvironHeaders,
    message: Message,
    starlette: StarletteHeaders,
    handler: BaseHTTPRequestHandler,
) -> None:
    for given in (werkzeug, environ, message, starlette, handler.headers, request.headers):
        ew.construct_event(body, given, "whsec")
        ew.verify_signature(body, given, ["whsec_new", "whsec_old"])
        WebhookReceiver("whsec").handle(body, given)
    ew.construct_event(body, {"Exa-Signature": "t=1,v1=00"}, "whsec")
    ew.construct_event(body, {b"exa-signature": b"t=1,v1=00"}, "whsec")
    ew.construct_event(body, "t=1,v1=00", "whsec")
    ew.construct_event(body, None, "whsec")


def mappings(server: ExaServer, data: dict[str, object]) -> None:
    from collections import OrderedDict
    from types import MappingProxyType

    server.emit("webset.idle", MappingProxyType(data))
    server.emit("webset.idle", OrderedDict(data))
    server.add_fault(status=500, body=MappingProxyType(data))
