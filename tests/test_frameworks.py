"""The README's Flask and FastAPI receivers, served for real and fed by ExaServer.emit."""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

import pytest

import exa_webhooks as ew
from exa_webhooks.testing import ExaServer
from serving import uvicorn_serving, werkzeug_serving
from test_receiver_apps import load


@pytest.fixture
def flask_app() -> Iterator[tuple[ModuleType, str]]:
    module = load("receive_flask")
    with werkzeug_serving(module.app) as base:
        yield module, base


@pytest.fixture
def fastapi_app() -> Iterator[tuple[ModuleType, str]]:
    module = load("receive_fastapi")
    with uvicorn_serving(module.app) as base:
        yield module, base


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
