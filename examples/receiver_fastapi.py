"""Receiving Exa webhooks in production with FastAPI, a fleet sharing one Redis."""

import os

from fastapi import FastAPI, Request, Response

from exa_webhooks.receiver import RedisDedupe, WebhookReceiver
from exa_webhooks.resources import WebsetEvent

# The secret Exa returned when the webhook was created. While rotating, list old and new.
SECRETS = [s.strip() for s in os.environ.get("EXA_WEBHOOK_SECRETS", "").split(",") if s.strip()]
# Every process on every machine claims events in the same Redis: each runs once.
receiver = WebhookReceiver(
    SECRETS, dedupe=RedisDedupe(os.environ.get("REDIS_URL", "redis://localhost:6379/0"))
)
IDLE: list[str] = []


@receiver.on("webset.idle")
async def on_idle(event: WebsetEvent) -> None:
    IDLE.append(event.data["id"])  # your work here; raise to have Exa deliver it again


app = FastAPI()


@app.post("/hooks/exa")
async def exa_webhook(request: Request) -> Response:
    # The raw body, byte for byte: no pydantic body parameter here.
    answer = await receiver.handle_async(await request.body(), request.headers)
    return Response(answer.body, answer.status, answer.headers)


# Or, with no endpoint of your own: app.add_route("/hooks/exa", receiver.asgi()). Not
# app.mount: a mount answers /hooks/exa with a redirect to /hooks/exa/, which Exa does not follow.
