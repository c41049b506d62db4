"""Receiving Exa webhooks in production with Flask: each event's handlers run once."""

import os

from flask import Flask, request

from exa_webhooks.receiver import SQLiteDedupe, WebhookReceiver
from exa_webhooks.resources import WebsetItemEvent

# The secret Exa returned when the webhook was created. While rotating, list old and new.
SECRETS = [s.strip() for s in os.environ.get("EXA_WEBHOOK_SECRETS", "").split(",") if s.strip()]
# Shared by every worker process of this machine (gunicorn -w 4), and kept across restarts.
receiver = WebhookReceiver(
    SECRETS, dedupe=SQLiteDedupe(os.environ.get("EXA_DEDUPE_DB", "exa-events.sqlite3"))
)
ITEMS: list[str] = []


@receiver.on("webset.item.created", "webset.item.enriched")
def on_item(event: WebsetItemEvent) -> None:
    ITEMS.append(event.data["id"])  # your work here; raise to have Exa deliver it again


app = Flask(__name__)


@app.post("/hooks/exa")
def exa_webhook() -> tuple[str, int, dict[str, str]]:
    # The raw body, byte for byte: parsed and re-serialized JSON would not verify.
    response = receiver.handle(request.get_data(), request.headers)
    return response.body, response.status, response.headers
