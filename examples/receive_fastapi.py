"""Receiving Exa webhooks in FastAPI (the same code works in plain Starlette)."""

import os

from fastapi import FastAPI, HTTPException, Request, Response

import exa_webhooks as ew

# The secret Exa returned when the webhook was created. While rotating, list old and new.
SECRETS = [s.strip() for s in os.environ.get("EXA_WEBHOOK_SECRETS", "").split(",") if s.strip()]
EVENTS: list[ew.WebhookEvent] = []

app = FastAPI()


@app.post("/hooks/exa")
async def exa_webhook(request: Request) -> Response:
    # The raw body, byte for byte: do not declare a pydantic body parameter here, as
    # parsed and re-serialized JSON would not verify.
    body = await request.body()
    try:
        event = ew.construct_event(body, request.headers, SECRETS)
    except ew.SignatureVerificationError as error:
        raise HTTPException(status_code=400, detail=error.reason) from None
    EVENTS.append(event)  # your work here; answer quickly, queue anything slow
    return Response(status_code=204)
