"""`exa-webhooks trigger` and `exa-webhooks events resend`, as subprocesses, against ExaServer,
a receiver that verifies signatures, and a server that is not ExaServer."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

import exa_webhooks as ew
from exa_webhooks.testing import ExaServer
from test_listen import Receiver, environ


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def run(server: ExaServer, tmp_path: Path, *args: str, **env: str) -> Any:
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "exa_webhooks", *args],
        capture_output=True,
        text=True,
        env={**environ(server, tmp_path), **env},
        timeout=60,
    )


def test_trigger_stores_and_delivers(server: ExaServer, receiver: Receiver, tmp_path: Path) -> None:
    with server.client() as client:
        wh = client.create_webhook(["webset.idle"], receiver.url)
    assert wh.secret is not None
    receiver.secret = wh.secret
    result = run(server, tmp_path, "trigger", "webset.idle")
    assert result.returncode == 0, result.stderr
    event_id = result.stdout.strip()
    assert receiver.ids() == [event_id]  # delivered before trigger answered, as emit does
    assert [e.id for e in server.events] == [event_id]
    listed = run(server, tmp_path, "events", "get", event_id, "--json")
    assert json.loads(listed.stdout)["type"] == "webset.idle"
    with server.client() as client:
        (attempt,) = client.list_webhook_attempts(wh.id)
    assert attempt.event_id == event_id
    assert attempt.successful


def test_trigger_json_and_data(server: ExaServer, tmp_path: Path) -> None:
    result = run(server, tmp_path, "trigger", "import.created", "--data", '{"id": "i_1"}', "--json")
    assert result.returncode == 0, result.stderr
    event = ew.WebhookEvent.from_dict(json.loads(result.stdout))
    assert event.type == "import.created"
    assert event.data == {"id": "i_1"}
    assert server.events == [event]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["webset.nope"], 'EVENT_TYPE: unknown event type "webset.nope"'),
        (["webset.idle", "--data", "[1]"], "--data: must be a JSON object, got list"),
        (["webset.idle", "--data", "{"], "--data: is not JSON"),
    ],
)
def test_trigger_bad_input(
    server: ExaServer, tmp_path: Path, args: list[str], message: str
) -> None:
    result = run(server, tmp_path, "trigger", *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert server.requests == []


def test_trigger_with_a_wrong_key(server: ExaServer, tmp_path: Path) -> None:
    result = run(server, tmp_path, "trigger", "webset.idle", EXA_API_KEY="wrong")
    assert result.returncode == 1
    assert "ExaServer refused the trigger: Invalid API key" in result.stderr
    assert server.events == []


class NotExa:
    """Any other server: 404 to everything, like the real Exa for an unknown route."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = b'{"error": "Cannot POST", "tag": "NOT_FOUND"}'
                self.send_response(404)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.http.server_port}"


def test_trigger_refuses_anything_but_exa_server(server: ExaServer, tmp_path: Path) -> None:
    other = NotExa()
    try:
        result = run(server, tmp_path, "trigger", "webset.idle", EXA_BASE_URL=other.url)
    finally:
        other.http.shutdown()
        other.http.server_close()
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "exa-webhooks: trigger works only with ExaServer (`exa-webhooks serve`); "
        f"{other.url} is not one"
    ]


def test_resend_delivers_one_signed_event(
    server: ExaServer, receiver: Receiver, tmp_path: Path
) -> None:
    receiver.secret = "whsec_resend_test"
    event = server.emit("webset.idle")
    result = run(
        server,
        tmp_path,
        "events",
        "resend",
        event.id,
        "--to",
        receiver.url,
        "--secret",
        receiver.secret,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"<-- 200 POST {receiver.url} [{event.id}] ")
    assert "--secret is visible" in result.stderr
    assert receiver.events == [event]
    secret_file = tmp_path / "secret"
    secret_file.write_text(receiver.secret + "\n")
    result = run(
        server,
        tmp_path,
        "events",
        "resend",
        event.id,
        "--to",
        receiver.url,
        "--secret-file",
        str(secret_file),
        "--json",
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["ok"] is True
    assert answer["status"] == 200
    assert answer["id"] == event.id
    assert receiver.events == [event, event]


def test_resend_reports_a_refusal(server: ExaServer, receiver: Receiver, tmp_path: Path) -> None:
    receiver.failures = 1
    event = server.emit("webset.idle")
    result = run(
        server, tmp_path, "events", "resend", event.id, "--to", receiver.url, "--secret", "whsec_x"
    )
    assert result.returncode == 1
    assert "answered 500" in result.stdout
    assert receiver.refused == 1


def test_resend_of_an_unknown_event(server: ExaServer, tmp_path: Path) -> None:
    result = run(
        server,
        tmp_path,
        "events",
        "resend",
        "event_nope",
        "--to",
        "http://127.0.0.1:1/",
        "--secret",
        "whsec_x",
    )
    assert result.returncode == 1
    assert "NotFoundError" in result.stderr
