"""Receiving Exa webhooks in Flask."""

import os

from flask import Flask, abort, request

import exa_webhooks as ew

# The secret Exa returned when the webhook was created. While rotating, list old and new.
SECRETS = [s.strip() for s in os.environ.get("EXA_WEBHOOK_SECRETS", "").split(",") if s.strip()]
EVENTS: list[ew.WebhookEvent] = []

app = Flask(__name__)


@app.post("/hooks/exa")
def exa_webhook() -> tuple[str, int]:
    try:
        # The raw body, byte for byte: parsed and re-serialized JSON would not verify.
        event = ew.construct_event(request.get_data(), request.headers, SECRETS)
    except ew.SignatureVerificationError as error:
        abort(400, error.reason)
    EVENTS.append(event)  # your work here; answer quickly, queue anything slow
    return "", 204
