"""ExaServer answered with raw HTTP: auth, Exa's error shapes, validation, headers, lifecycle."""

from __future__ import annotations

import http.client
import json
import socket
from pathlib import Path
from typing import Any

import pytest

import exa_webhooks as ew
from exa_webhooks.testing import ExaServer

SPEC = Path(__file__).resolve().parents[2] / "shared" / "spec" / "exa-websets-spec.yaml"


def call(
    server: ExaServer,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    raw: bytes | None = None,
) -> tuple[int, dict[str, str], Any]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    payload = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    hdrs = {"x-api-key": server.api_key, "content-type": "application/json"}
    hdrs.update(headers or {})
    conn.request(method, path, payload, hdrs)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, json.loads(data)


VALID = {"events": ["webset.created"], "url": "https://example.com/h"}


def test_create_answers_200_with_the_secret(server: ExaServer) -> None:
    status, headers, body = call(server, "POST", "/websets/v0/webhooks", VALID)
    assert status == 200
    assert headers["x-request-id"].startswith("req_")
    assert headers["content-type"].startswith("application/json")
    assert set(body) == {
        "id",
        "object",
        "status",
        "events",
        "url",
        "secret",
        "metadata",
        "createdAt",
        "updatedAt",
    }
    assert body["object"] == "webhook"
    assert body["status"] == "active"
    assert body["secret"].startswith("whsec_")
    assert body["metadata"] == {}
    assert body["createdAt"] == body["updatedAt"]
    assert body["createdAt"].endswith("Z")


@pytest.mark.parametrize(
    "headers",
    [{"x-api-key": ""}, {"x-api-key": "wrong"}, {"x-api-key": "", "authorization": "Bearer no"}],
)
def test_auth_failures_answer_401_in_exa_shape(server: ExaServer, headers: dict[str, str]) -> None:
    status, hdrs, body = call(server, "POST", "/websets/v0/webhooks", VALID, headers)
    assert status == 401
    assert set(body) == {"requestId", "error", "tag"}
    assert body["tag"] == "INVALID_API_KEY"
    assert body["requestId"] == hdrs["x-request-id"]
    assert server.webhooks == []


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({"url": "https://e.com"}, "events: is required"),
        ({"events": ["webset.created"]}, "url: is required"),
        ({"events": [], "url": "https://e.com"}, "at least 1"),
        ({"events": ["webset.completed"], "url": "https://e.com"}, "unknown event type"),
        ({"events": "webset.created", "url": "https://e.com"}, "events: must be an array"),
        ({"events": [1], "url": "https://e.com"}, "events[0]: must be a string"),
        ({"events": ["webset.created"], "url": "not a url"}, "url:"),
        ({"events": ["webset.created"], "url": 5}, "url: must be a string"),
        ({**VALID, "metadata": {"k": "x" * 1001}}, "at most 1000"),
        ({**VALID, "metadata": {"k": 1}}, "must be a string"),
        ({**VALID, "metadata": "k"}, "metadata: must be an object"),
        ([VALID], "body: must be a JSON object"),
    ],
)
def test_invalid_bodies_answer_400(server: ExaServer, payload: Any, fragment: str) -> None:
    status, headers, body = call(server, "POST", "/websets/v0/webhooks", payload)
    assert status == 400, body
    assert body["tag"] == "INVALID_REQUEST_BODY"
    assert fragment in body["error"]
    assert body["requestId"] == headers["x-request-id"]
    assert server.webhooks == []


def test_broken_json_answers_400(server: ExaServer) -> None:
    status, _, body = call(server, "POST", "/websets/v0/webhooks", raw=b'{"events": [')
    assert status == 400
    assert "not valid JSON" in body["error"]


def test_duplicates_are_allowed_by_the_spec(server: ExaServer) -> None:
    payload = {**VALID, "events": ["webset.created", "webset.created"]}
    status, _, _ = call(server, "POST", "/websets/v0/webhooks", payload)
    assert status == 200


def test_unknown_route_answers_404_with_request_id(server: ExaServer) -> None:
    status, headers, body = call(server, "GET", "/nope")
    assert status == 404
    assert body["requestId"] == headers["x-request-id"]


def test_the_client_sees_the_server_validation_too(server: ExaServer) -> None:
    # Duplicates pass the server but not the client, which refuses them before sending.
    with pytest.raises(ew.ValidationError):
        server.client().create_webhook(["webset.created", "webset.created"], "https://e.com")


def test_stop_closes_the_port_and_is_idempotent() -> None:
    server = ExaServer()
    port = server.port
    assert server.running
    server.stop()
    server.stop()
    assert not server.running
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), 1):
        pass
    with pytest.raises(ew.APIConnectionError):
        ew.Client("test-key", base_url=server.url, timeout=2, max_retries=0).create_webhook(
            ["webset.created"], "https://e.com"
        )


def test_port_in_use_is_a_clear_error() -> None:
    with ExaServer() as first, pytest.raises(OSError, match="cannot start"):
        ExaServer(port=first.port)


def test_custom_key_and_repr() -> None:
    with ExaServer(api_key="custom") as server:
        assert server.api_key == "custom"
        assert server.url == f"http://127.0.0.1:{server.port}"
        assert repr(server) == f"ExaServer(url={server.url!r}, running)"
        assert server.client().create_webhook(["webset.created"], "https://e.com").secret


def test_recorded_requests(server: ExaServer) -> None:
    call(server, "POST", "/websets/v0/webhooks?x=1", VALID)
    (request,) = server.requests
    assert request.query == "x=1"
    assert request.json() == VALID
    assert "POST /websets/v0/webhooks?x=1" in repr(request)


@pytest.mark.skipif(not SPEC.exists(), reason="Exa's spec is not next to this checkout")
def test_event_types_match_exas_spec() -> None:
    lines = SPEC.read_text().splitlines()
    start = lines.index("    EventType:")
    listed = []
    for line in lines[start + 3 :]:  # past "type: string" and "enum:"
        if not line.startswith("        - "):
            break
        listed.append(line.strip()[2:])
    assert listed == [e.value for e in ew.EventType]
