"""Client configuration: keys, env vars, base URLs, timeouts, lifecycle, module-level function."""

from __future__ import annotations

import asyncio
import os
import pickle
import threading
import time
from pathlib import Path

import pytest

import exa_webhooks as ew
import exa_webhooks._client as client_module
from exa_webhooks.testing import ExaServer
from scripted import Reply, ScriptedServer, webhook_json

EVENTS = ["webset.created"]
URL = "https://example.com/hook"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EXA_API_KEY", raising=False)
    monkeypatch.delenv("EXA_BASE_URL", raising=False)


@pytest.mark.parametrize("cls", [ew.Client, ew.AsyncClient])
def test_no_key_anywhere(cls: type[ew.Client] | type[ew.AsyncClient]) -> None:
    with pytest.raises(ew.ValidationError) as excinfo:
        cls()
    assert excinfo.value.errors[0]["field"] == "api_key"
    assert "api_key" in str(excinfo.value)
    assert "EXA_API_KEY" in str(excinfo.value)


def test_key_and_base_url_from_env(monkeypatch: pytest.MonkeyPatch, server: ExaServer) -> None:
    monkeypatch.setenv("EXA_API_KEY", server.api_key)
    monkeypatch.setenv("EXA_BASE_URL", server.url)
    client = ew.Client()
    assert client.base_url == server.url
    assert client.create_webhook(EVENTS, URL).status == "active"


def test_default_base_url_and_timeout() -> None:
    client = ew.Client("k")
    assert client.base_url == "https://api.exa.ai"
    assert client.timeout == 60.0


def test_explicit_arguments_win_over_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXA_BASE_URL", "https://env.example.com")
    assert ew.Client("k", base_url="https://arg.example.com").base_url == "https://arg.example.com"


@pytest.mark.parametrize(
    "base_url",
    ["http://api.exa.ai", "http://192.168.1.10:8080", "ftp://api.exa.ai", "api.exa.ai"],
)
def test_base_url_must_be_https_off_loopback(base_url: str) -> None:
    with pytest.raises(ew.ValidationError) as excinfo:
        ew.Client("k", base_url=base_url)
    assert excinfo.value.errors[0]["field"] == "base_url"


@pytest.mark.parametrize(
    "base_url", ["http://127.0.0.1:8000", "http://localhost:1/", "http://[::1]:9", "https://x.io"]
)
def test_loopback_http_and_https_are_fine(base_url: str) -> None:
    assert ew.Client("k", base_url=base_url).base_url == base_url.rstrip("/")


@pytest.mark.parametrize("timeout", [0, -1, float("nan"), float("inf"), "10", True])
def test_bad_timeouts(timeout: object) -> None:
    with pytest.raises(ew.ValidationError) as excinfo:
        ew.Client("k", timeout=timeout)  # type: ignore[arg-type]
    assert excinfo.value.errors[0]["field"] == "timeout"


def test_all_config_problems_at_once_and_key_never_shown() -> None:
    secret_key = "sk live key"
    with pytest.raises(ew.ValidationError) as excinfo:
        ew.Client(secret_key, base_url="http://exa.example.com", timeout=-1)
    assert {e["field"] for e in excinfo.value.errors} == {"api_key", "base_url", "timeout"}
    assert secret_key not in str(excinfo.value)
    assert secret_key not in repr(excinfo.value.errors)


def test_repr_never_shows_the_key() -> None:
    client = ew.Client("super-secret-key", base_url="https://api.exa.ai", timeout=5)
    assert repr(client) == "Client(base_url='https://api.exa.ai', timeout=5.0, max_retries=2)"
    assert "super-secret-key" not in repr(client._native)
    with pytest.raises(TypeError):
        pickle.dumps(client)


def test_close_and_context_managers(server: ExaServer) -> None:
    with server.client() as client:
        client.create_webhook(EVENTS, URL)
    assert client.closed
    with pytest.raises(ew.ExaError, match="closed"):
        client.create_webhook(EVENTS, URL)

    async def main() -> ew.AsyncClient:
        async with server.async_client() as aclient:
            await aclient.create_webhook(EVENTS, URL)
        return aclient

    aclient = asyncio.run(main())
    assert aclient.closed
    with pytest.raises(ew.ExaError, match="closed"):
        asyncio.run(aclient.create_webhook(EVENTS, URL))


def test_module_level_function_with_env(monkeypatch: pytest.MonkeyPatch, server: ExaServer) -> None:
    monkeypatch.setenv("EXA_API_KEY", server.api_key)
    monkeypatch.setenv("EXA_BASE_URL", server.url)
    wh = ew.create_webhook(["webset.created", "webset.item.enriched"], URL, {"team": "growth"})
    assert wh.metadata == {"team": "growth"}
    assert server.webhooks == [wh]
    # The shared client is built once and reused, with its connection.
    shared = client_module._shared_client(None, None, None)
    ew.create_webhook(EVENTS, URL)
    assert client_module._shared_client(None, None, None) is shared


def test_module_level_function_reuses_its_connection(
    monkeypatch: pytest.MonkeyPatch, scripted: ScriptedServer
) -> None:
    monkeypatch.setenv("EXA_API_KEY", "scripted-key")
    monkeypatch.setenv("EXA_BASE_URL", scripted.url)
    scripted.script(Reply(200, webhook_json()))
    for _ in range(3):
        ew.create_webhook(EVENTS, URL)
    assert len(scripted.received) == 3
    assert len({r.client_port for r in scripted.received}) == 1


def test_module_level_function_follows_env_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    with ExaServer(api_key="first") as first, ExaServer(api_key="second") as second:
        monkeypatch.setenv("EXA_API_KEY", "first")
        monkeypatch.setenv("EXA_BASE_URL", first.url)
        ew.create_webhook(EVENTS, URL)
        monkeypatch.setenv("EXA_API_KEY", "second")
        monkeypatch.setenv("EXA_BASE_URL", second.url)
        ew.create_webhook(EVENTS, URL)
        assert (len(first.webhooks), len(second.webhooks)) == (1, 1)


def test_module_level_function_explicit_args(scripted: ScriptedServer) -> None:
    scripted.script(Reply(200, webhook_json()))
    wh = ew.create_webhook(EVENTS, URL, api_key="explicit", base_url=scripted.url, timeout=5)
    assert wh.id == "webhook_123"
    assert scripted.received[0].headers["x-api-key"] == "explicit"


def test_module_level_function_without_key() -> None:
    with pytest.raises(ew.ValidationError, match="EXA_API_KEY"):
        ew.create_webhook(EVENTS, URL)


def test_shared_clients_are_bounded(monkeypatch: pytest.MonkeyPatch, server: ExaServer) -> None:
    for i in range(client_module._MAX_SHARED + 3):
        ew.create_webhook(EVENTS, URL, api_key=server.api_key, base_url=server.url, timeout=1 + i)
    assert len(client_module._shared) == client_module._MAX_SHARED


def test_other_threads_run_while_a_call_waits(scripted: ScriptedServer) -> None:
    scripted.script(Reply(200, webhook_json(), delay=0.5))
    ticks = 0
    stop = threading.Event()

    def count() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            time.sleep(0.001)

    counter = threading.Thread(target=count)
    counter.start()
    try:
        scripted.client().create_webhook(EVENTS, URL)
    finally:
        stop.set()
        counter.join()
    # Holding the interpreter lock for 0.5 s would have let it tick at most a handful of times.
    assert ticks > 50


def test_one_client_shared_by_threads(server: ExaServer) -> None:
    client = server.client()
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(25):
                client.create_webhook(EVENTS, URL)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(server.webhooks) == 200


def test_async_client_closes_without_an_event_loop(server: ExaServer) -> None:
    aclient = server.async_client()
    aclient.close()
    assert aclient.closed
    with pytest.raises(ew.ExaError, match="closed"):
        asyncio.run(aclient.create_webhook(EVENTS, URL))


def test_a_ca_bundle_that_is_not_a_regular_file_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "ca.fifo"
    os.mkfifo(fifo)  # opening it would block until a writer came: never
    for path, words in ((fifo, "is not a regular file"), ("/dev/zero", "is not a regular file")):
        with pytest.raises(ew.ValidationError, match=f"ca_bundle: .*{words}"):
            ew.Client("k", base_url="http://127.0.0.1:1", ca_bundle=path)


def test_an_ssl_cert_file_that_would_hang_the_trust_store_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fifo = tmp_path / "certs.fifo"
    os.mkfifo(fifo)
    monkeypatch.setenv("SSL_CERT_FILE", str(fifo))
    with pytest.raises(ew.ValidationError, match=r"SSL_CERT_FILE: .*is not a regular file"):
        ew.Client("k", base_url="http://127.0.0.1:1")
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    ew.Client("k", base_url="http://127.0.0.1:1").close()  # skipped, as the OS store loader does
