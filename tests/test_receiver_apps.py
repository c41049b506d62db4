"""The receiver's ASGI and WSGI apps and the README's Flask, FastAPI and Django receivers,
served for real (uvicorn, werkzeug, wsgiref) and fed by ExaServer.emit and by re-deliveries
of the same signed event, as Exa's retries send them."""

from __future__ import annotations

import http.client
import importlib.util
import json
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import exa_webhooks as ew
from exa_webhooks.receiver import WebhookReceiver
from exa_webhooks.testing import ExaServer
from receiving import SECRET, event_body, signed
from serving import uvicorn_serving, werkzeug_serving, wsgiref_serving

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
PLACEHOLDER = "http://127.0.0.1:9/not-yet"


def starlette_app(receiver: WebhookReceiver) -> Any:
    from starlette.applications import Starlette
    from starlette.routing import Route

    return Starlette(routes=[Route("/hooks/exa", receiver.asgi())])


SERVINGS: dict[str, Callable[[WebhookReceiver], Any]] = {
    "asgi-uvicorn": lambda r: uvicorn_serving(r.asgi()),
    "asgi-in-starlette-route": lambda r: uvicorn_serving(starlette_app(r)),
    "wsgi-werkzeug": lambda r: werkzeug_serving(r.wsgi()),
    "wsgi-wsgiref": lambda r: wsgiref_serving(r.wsgi()),
}


def post(
    url: str, body: bytes | Iterator[bytes], headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], str]:
    parts = url.split("/", 3)
    host, port = parts[2].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        chunked = not isinstance(body, bytes)
        conn.request("POST", "/" + parts[3], body, headers or {}, encode_chunked=chunked)
        response = conn.getresponse()
        answer = response.read().decode()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, answer
    finally:
        conn.close()


def redeliver(url: str, event: ew.WebhookEvent, secret: str) -> tuple[int, str]:
    """The same event again, freshly signed, as Exa's retry of it sends it."""
    body = json.dumps(event.to_dict()).encode()
    status, _, answer = post(
        url,
        body,
        {"Exa-Signature": ew.sign_payload(body, secret), "Content-Type": "application/json"},
    )
    return status, answer


def attempts(client: ew.Client, webhook: ew.Webhook) -> list[tuple[int, str | None]]:
    found = list(client.iter_webhook_attempts(webhook.id))
    return [(a.response_status_code, a.response_body) for a in reversed(found)]


# --- ExaServer delivering to the apps --------------------------------------------------------


@pytest.mark.parametrize("serving", list(SERVINGS))
def test_exa_server_delivers_to_the_app_once_each_through_duplicates_and_failures(
    server: ExaServer, client: ew.Client, serving: str
) -> None:
    wh = client.create_webhook(["webset.idle", "import.completed"], PLACEHOLDER)
    assert wh.secret is not None
    receiver = WebhookReceiver(wh.secret)
    idle: list[str] = []
    imports: list[str] = []
    receiver.on("webset.idle")(lambda e: idle.append(e.id))

    @receiver.on("import.completed")
    def fails_once(event: ew.WebhookEvent) -> None:
        imports.append(event.id)
        if len(imports) == 1:
            raise RuntimeError("downstream unavailable")

    with SERVINGS[serving](receiver) as base:
        url = base + "/hooks/exa"
        client.update_webhook(wh.id, url=url)

        event = server.emit("webset.idle")
        assert idle == [event.id]
        assert redeliver(url, event, wh.secret) == (200, "duplicate: already processed")
        assert idle == [event.id]  # the handler did not run again

        failing = server.emit("import.completed")
        assert imports == [failing.id]
        assert redeliver(url, failing, wh.secret) == (200, "processed")  # Exa's retry
        assert imports == [failing.id, failing.id]
        assert redeliver(url, failing, wh.secret)[1].startswith("duplicate")

    assert attempts(client, wh) == [
        (200, "processed"),
        (500, "handler failed; deliver again later"),
    ]


@pytest.mark.parametrize("kind", ["asgi", "wsgi"])
def test_apps_refuse_other_methods_oversized_and_unsigned_bodies(kind: str) -> None:
    receiver = WebhookReceiver(SECRET)
    seen: list[str] = []
    receiver.on()(lambda e: seen.append(e.id))
    app = receiver.asgi(max_body_size=4096) if kind == "asgi" else receiver.wsgi(max_body_size=4096)
    serving = uvicorn_serving if kind == "asgi" else werkzeug_serving
    with serving(app) as base:
        host, port = base.rsplit("/", 1)[1].split(":")
        for method in ("GET", "PUT", "DELETE"):
            conn = http.client.HTTPConnection(host, int(port), timeout=10)
            conn.request(method, "/hooks/exa")
            response = conn.getresponse()
            assert response.status == 405
            assert response.getheader("Allow") == "POST"
            response.read()
            conn.close()

        big = event_body(data={"blob": "x" * 5000})
        sig = {"Exa-Signature": ew.sign_payload(big, SECRET)}
        assert post(base + "/h", big, sig)[0] == 413  # by its Content-Length
        assert post(base + "/h", iter([big[:3000], big[3000:]]), sig)[0] == 413  # chunked

        status, _, answer = post(base + "/h", event_body())
        assert (status, answer) == (400, "missing_header")

        body, headers = signed("event_chunked")
        chunks = iter([body[:10], body[10:]])
        assert post(base + "/h", chunks, headers)[:1] == (200,)  # chunked, within the limit
    assert seen == ["event_chunked"]


def test_wsgi_app_wants_a_length_when_the_server_cannot_end_the_body() -> None:
    receiver = WebhookReceiver(SECRET)
    with werkzeug_serving(receiver.wsgi()) as base:
        host, port = base.rsplit("/", 1)[1].split(":")
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(b"POST /hooks/exa HTTP/1.0\r\nHost: x\r\n\r\n")
            answer = b""
            while chunk := sock.recv(4096):
                answer += chunk
    assert answer.startswith(b"HTTP/1.0 411") or answer.startswith(b"HTTP/1.1 411")


def test_a_concurrent_delivery_over_http_is_told_to_retry_with_retry_after() -> None:
    receiver = WebhookReceiver(SECRET, lease=30)
    started, finish = threading.Event(), threading.Event()

    @receiver.on("webset.idle")
    def slow(event: ew.WebhookEvent) -> None:
        started.set()
        assert finish.wait(10)

    body, headers = signed("event_busy")
    with werkzeug_serving(receiver.wsgi()) as base:
        first: list[tuple[int, dict[str, str], str]] = []
        thread = threading.Thread(target=lambda: first.append(post(base + "/h", body, headers)))
        thread.start()
        assert started.wait(10)
        status, response_headers, answer = post(base + "/h", body, headers)
        assert status == 503
        assert 1 <= int(response_headers["retry-after"]) <= 30
        assert "retry later" in answer
        finish.set()
        thread.join(10)
        assert first[0][0] == 200
        assert post(base + "/h", body, headers)[2].startswith("duplicate")


def test_asgi_app_acknowledges_lifespan_and_refuses_websockets() -> None:
    import asyncio

    app = WebhookReceiver(SECRET).asgi()
    sent: list[dict[str, Any]] = []

    async def run(scope: dict[str, Any], incoming: list[dict[str, Any]]) -> None:
        async def receive() -> dict[str, Any]:
            return incoming.pop(0)

        async def send(message: Any) -> None:
            sent.append(dict(message))

        await app(scope, receive, send)

    lifespan = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    asyncio.run(run({"type": "lifespan"}, lifespan))
    asyncio.run(run({"type": "websocket"}, [{"type": "websocket.connect"}]))
    assert [m["type"] for m in sent] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
        "websocket.close",
    ]
    with pytest.raises(RuntimeError, match="does not serve"):
        asyncio.run(run({"type": "telepathy"}, []))


# --- The README's receivers --------------------------------------------------------------------


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@contextmanager
def serve_example(name: str) -> Iterator[tuple[ModuleType, str]]:
    module = load(name)
    if name == "receiver_fastapi":
        with uvicorn_serving(module.app) as base:
            yield module, base
    elif name == "receiver_django":
        from django.core.handlers.wsgi import WSGIHandler

        with werkzeug_serving(WSGIHandler()) as base:
            yield module, base
    else:
        with werkzeug_serving(module.app) as base:
            yield module, base


@pytest.mark.parametrize(
    ("name", "event_type", "processed"),
    [
        ("receiver_flask", "webset.item.created", "ITEMS"),
        ("receiver_fastapi", "webset.idle", "IDLE"),
        ("receiver_django", "import.completed", "IMPORTS"),
    ],
)
def test_readme_receivers_process_each_event_once(
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    server: ExaServer,
    client: ew.Client,
    name: str,
    event_type: str,
    processed: str,
) -> None:
    if name == "receiver_fastapi":
        monkeypatch.setenv("REDIS_URL", request.getfixturevalue("redis_url"))
    wh = client.create_webhook([event_type], PLACEHOLDER)
    assert wh.secret is not None
    monkeypatch.setenv("EXA_WEBHOOK_SECRETS", f"whsec_retired, {wh.secret},")
    monkeypatch.setenv("EXA_DEDUPE_DB", str(tmp_path / "events.sqlite3"))
    with serve_example(name) as (module, base):
        url = base + "/hooks/exa"
        client.update_webhook(wh.id, url=url)
        event = server.emit(event_type)
        assert getattr(module, processed) == [event.data["id"]]
        assert redeliver(url, event, wh.secret)[1].startswith("duplicate")
        assert redeliver(url, event, "whsec_wrong") == (400, "no_matching_signature")
        assert getattr(module, processed) == [event.data["id"]]
    assert attempts(client, wh) == [(200, "processed")]


@pytest.mark.parametrize("name", ["receiver_flask", "receiver_fastapi", "receiver_django"])
def test_the_readme_shows_the_tested_receivers(name: str) -> None:
    readme = (EXAMPLES.parent / "README.md").read_text()
    assert (EXAMPLES / f"{name}.py").read_text().strip() in readme
