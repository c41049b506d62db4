"""The API key stays out of the locals that error reporters capture (Sentry, rich,
``traceback.TracebackException(capture_locals=True)``): no frame of the package holds it when
a call fails, whether the key was given or read from ``EXA_API_KEY``."""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterator

import pytest

import exa_webhooks as ew
from exa_webhooks import _client
from exa_webhooks.testing import ExaServer
from ports import held_port

KEY = "sk-live-DO-NOT-LEAK-0123456789"


def captured(call: Callable[[], object]) -> str:
    """Everything a locals-capturing reporter would record for the error ``call`` raises."""
    with pytest.raises(ew.ExaError) as excinfo:
        call()
    report = traceback.TracebackException.from_exception(excinfo.value, capture_locals=True)
    text = "".join(report.format())
    # Reporters walk the live frames too (Sentry reads f_locals itself).
    tb = excinfo.value.__traceback__
    while tb is not None:
        text += repr(tb.tb_frame.f_locals)
        tb = tb.tb_next
    return text


@pytest.fixture
def refused_url() -> Iterator[str]:
    """A loopback port nobody listens on: every call fails with APIConnectionError."""
    with held_port() as port:
        yield f"http://127.0.0.1:{port}"


def key_for(source: str) -> str | None:
    """The key as ``api_key=``, or None for the package to read it from EXA_API_KEY. A call,
    so that the key is in no local of the test's own frames either."""
    return KEY if source == "argument" else None


@pytest.mark.parametrize("source", ["argument", "environment"])
def test_failed_calls_leave_the_key_out_of_captured_locals(
    source: str, refused_url: str, server: ExaServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EXA_API_KEY", KEY)
    events = [ew.EventType.WEBSET_CREATED]
    url = "https://example.com/h"
    reports = {
        "Client.create_webhook": captured(
            lambda: ew.Client(key_for(source), base_url=refused_url, max_retries=0).create_webhook(
                events, url
            )
        ),
        "AsyncClient(...) with a bad argument": captured(
            lambda: ew.AsyncClient(key_for(source), base_url=refused_url, timeout=-1)
        ),
        "Client(...) with a bad argument": captured(
            lambda: ew.Client(key_for(source), base_url=refused_url, timeout=-1)
        ),
        "Client(...) refusing plain http": captured(
            lambda: ew.Client(key_for(source), base_url="http://example.com")
        ),
        # The key is right, the server refuses the request.
        "create_webhook, refused by the server": captured(
            lambda: ew.create_webhook(
                events, "not a url", api_key=key_for(source), base_url=server.url
            )
        ),
        "create_webhook, connection refused": captured(
            lambda: ew.create_webhook(events, url, api_key=key_for(source), base_url=refused_url)
        ),
        "create_webhook, bad configuration": captured(
            lambda: ew.create_webhook(events, url, api_key=key_for(source), timeout=-1)
        ),
    }
    # Each report holds our own frames (a test that cannot see them could not fail).
    assert "_native" in reports["Client.create_webhook"]
    assert "api_key" in reports["create_webhook, connection refused"]
    leaked = [name for name, text in reports.items() if KEY in text]
    assert leaked == []


def test_the_shared_client_cache_does_not_hold_the_key() -> None:
    with ExaServer(KEY) as server:
        webhook = ew.create_webhook(
            [ew.EventType.WEBSET_CREATED], "https://example.com/h", api_key=KEY, base_url=server.url
        )
        assert webhook.id
        assert _client._shared  # the client is cached...
        assert KEY not in repr(list(_client._shared))  # ...under a hash, not the key


def test_repr_of_a_half_built_client_is_safe() -> None:
    # What capture_locals sees as `self` while Client.__init__ raises.
    for cls in (ew.Client, ew.AsyncClient):
        half = cls.__new__(cls)
        assert repr(half) == f"{cls.__name__}(<not initialized>)"
