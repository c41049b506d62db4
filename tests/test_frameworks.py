"""The README's Flask and FastAPI receivers, served for real and fed by ExaServer.emit."""

from __future__ import annotations

import importlib.util
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

import exa_webhooks as ew
from exa_webhooks.testing import ExaServer

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def flask_app() -> Iterator[tuple[ModuleType, str]]:
    from werkzeug.serving import make_server

    module = load("receive_flask")
    httpd = make_server("127.0.0.1", 0, module.app, threaded=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield module, f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


@pytest.fixture
def fastapi_app() -> Iterator[tuple[ModuleType, str]]:
    import uvicorn

    module = load("receive_fastapi")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(module.app, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    yield module, f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(5)
    sock.close()


@pytest.mark.parametrize("app_fixture", ["flask_app", "fastapi_app"])
def test_receivers_verify_and_reject(
    request: pytest.FixtureRequest, server: ExaServer, client: ew.Client, app_fixture: str
) -> None:
    module, base = request.getfixturevalue(app_fixture)
    wh = client.create_webhook(["webset.idle", "import.completed"], base + "/hooks/exa")
    assert wh.secret is not None

    # Rotation: the new secret is accepted alongside an old one.
    module.SECRETS[:] = ["whsec_old_one", wh.secret]
    event = server.emit("webset.idle")
    assert [event] == module.EVENTS

    # A wrong secret: the receiver answers 400 and Exa records a failed attempt.
    module.SECRETS[:] = ["whsec_old_one"]
    server.emit("import.completed")
    assert [event] == module.EVENTS
    attempts = client.list_webhook_attempts(wh.id)
    assert [(a.successful, a.response_status_code) for a in attempts] == [(False, 400), (True, 204)]
    assert "no_matching_signature" in (attempts.data[0].response_body or "")


@pytest.mark.parametrize("name", ["receive_flask", "receive_fastapi"])
def test_receivers_read_their_secrets_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    # A trailing comma or spaces (easy to leave in an env file) must not make an empty secret,
    # which would refuse every delivery.
    monkeypatch.setenv("EXA_WEBHOOK_SECRETS", "whsec_new, whsec_old ,")
    assert load(name).SECRETS == ["whsec_new", "whsec_old"]
