"""A complete test of a webhook receiver, with the fixtures exa-webhooks gives pytest."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import exa_webhooks as ew
from exa_webhooks.testing import ExaServer

RECEIVED: list[ew.WebhookEvent] = []
SECRET: dict[str, str] = {}


class Receiver(BaseHTTPRequestHandler):
    """Your endpoint: verify the raw body, then act on the event."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        try:
            event = ew.construct_event(body, self.headers, SECRET["value"])
        except ew.SignatureVerificationError:
            self.send_response(400)
        else:
            RECEIVED.append(event)
            self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()


def test_receiver_gets_verified_events(exa_server: ExaServer, exa_client: ew.Client) -> None:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/hooks/exa"
        webhook = exa_client.create_webhook([ew.EventType.WEBSET_IDLE], url)
        assert webhook.secret is not None  # a create returns it, this once
        SECRET["value"] = webhook.secret

        event = exa_server.emit("webset.idle")  # returns once delivered

        assert [event] == RECEIVED
        assert event.data["status"] == "idle"
        (attempt,) = exa_client.list_webhook_attempts(webhook.id)
        assert attempt.successful
    finally:
        httpd.shutdown()
