"""Quickstart: create webhooks with the sync and the async client, then receive an event.

By default it talks to the Exa-compatible server bundled in the package, so it needs no key
and no network: it creates webhooks, points one at a local receiver, has the server deliver
an event, verifies its signature in the receiver and lists the delivery attempt. With
``--live`` (and ``EXA_API_KEY`` set) it creates the webhooks with the real API instead (they
stay in your account) and skips the delivery, which Exa cannot make to this machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import exa_webhooks as ew
from exa_webhooks.testing import ExaServer


@contextlib.contextmanager
def target(live: bool) -> Iterator[ExaServer | None]:
    """The local ExaServer to talk to, or None for the real API."""
    if live:
        if not os.environ.get("EXA_API_KEY"):
            sys.exit("--live needs EXA_API_KEY in the environment")
        yield None  # the key and base URL come from the environment
        return
    with ExaServer() as server:
        print(f"ExaServer listening on {server.url}")
        yield server


def show(label: str, wh: ew.Webhook) -> None:
    print(f"\n{label}")
    print(f"  id         {wh.id}")
    print(f"  status     {wh.status}")
    print(f"  events     {', '.join(wh.events)}")
    print(f"  url        {wh.url}")
    print(f"  metadata   {wh.metadata}")
    print(f"  created_at {wh.created_at.isoformat()}")
    print(f"  secret     {'(set: store it now, Exa shows it only once)' if wh.secret else None}")
    print(f"  repr       {wh!r}")


async def create_async(api_key: str | None, base_url: str | None) -> ew.Webhook:
    async with ew.AsyncClient(api_key, base_url=base_url) as client:
        return await client.create_webhook(
            events=[ew.EventType.WEBSET_CREATED], url="https://example.com/hooks/exa-async"
        )


def receive_one_event(server: ExaServer) -> None:
    """ExaServer -> webhook pointing at a local receiver -> emit -> verify -> attempts."""
    received: list[ew.WebhookEvent] = []
    secret: list[str] = []

    class Receiver(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            try:
                received.append(ew.construct_event(body, self.headers, secret))
                self.send_response(204)
            except ew.SignatureVerificationError as error:
                print(f"  receiver refused a delivery: {error}")
                self.send_response(400)
            self.send_header("Content-Length", "0")
            self.end_headers()

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/hooks/exa"
        with server.client() as client:
            webhook = client.create_webhook([ew.EventType.WEBSET_IDLE], url)
            assert webhook.secret is not None
            secret.append(webhook.secret)
            print(f"\nReceiving: webhook {webhook.id} -> {url}")
            event = server.emit("webset.idle")
            (got,) = received
            print(
                f"  receiver verified {got.type} {got.id} (webset {got.data['id']}, "
                f"status {got.data['status']}); same event: {got == event}"
            )
            for attempt in client.iter_webhook_attempts(webhook.id):
                outcome = "ok" if attempt.successful else "failed"
                print(f"  attempt {attempt.id}: {outcome}, HTTP {attempt.response_status_code}")
    finally:
        httpd.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--live", action="store_true", help="use the real Exa API")
    live = parser.parse_args().live or os.environ.get("EXA_LIVE") == "1"

    with target(live) as server:
        api_key = server.api_key if server else None
        base_url = server.url if server else None
        with ew.Client(api_key, base_url=base_url) as client:
            wh = client.create_webhook(
                ["webset.created", ew.EventType.WEBSET_ITEM_ENRICHED],
                "https://example.com/hooks/exa",
                {"team": "growth"},
            )
        show("Created with Client (sync):", wh)

        show("Created with AsyncClient:", asyncio.run(create_async(api_key, base_url)))

        print("\nBad input is refused before any request is sent:")
        try:
            ew.create_webhook(
                ["webset.completed"],  # type: ignore[list-item]  # a type checker sees it too
                "ftp://example.com",
                api_key=api_key,
                base_url=base_url,
            )
        except ew.ValidationError as error:
            print("  " + str(error).replace("\n", "\n  "))

        if server is not None:
            receive_one_event(server)


if __name__ == "__main__":
    main()
