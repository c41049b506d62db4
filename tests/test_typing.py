"""What type checkers accept and refuse (mypy --strict on tests/typing_accepted.py and
tests/typing_rejected.py), and that the run time accepts what the stubs promise."""

from __future__ import annotations

import re
import typing
from email.message import Message
from pathlib import Path
from types import MappingProxyType

import pytest
import yaml

import exa_webhooks as ew
from exa_webhooks import _native
from exa_webhooks.resources import EventTypeName, WebhookStatus
from exa_webhooks.testing import ExaServer, sample_delivery
from typecheck import mypy

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
# Next to the checkout, or to the folder of its worktrees.
SPEC = next(
    (p / "shared/spec/exa-websets-spec.yaml" for p in ROOT.parents if (p / "shared/spec").is_dir()),
    ROOT.parent / "shared/spec/exa-websets-spec.yaml",
)


def test_mypy_accepts_correct_code_and_refuses_each_mistake() -> None:
    rejected = TESTS / "typing_rejected.py"
    expected = {
        ("typing_rejected.py", number, marker.group(1))
        for number, text in enumerate(rejected.read_text().splitlines(), start=1)
        if (marker := re.search(r"# E: ([a-z-]+)$", text)) is not None
    }
    assert len(expected) > 10
    found = [(e.file, e.line, e.code) for e in mypy(TESTS / "typing_accepted.py", rejected)]
    assert sorted(set(found)) == sorted(expected)  # nothing in typing_accepted.py either
    assert len(found) == len(expected)  # one error per marked line


def test_the_literals_are_the_apis_names() -> None:
    assert typing.get_args(EventTypeName) == _native.EVENT_TYPES
    assert typing.get_args(EventTypeName) == tuple(t.value for t in ew.EventType)
    assert typing.get_args(WebhookStatus) == ("active", "inactive")


@pytest.mark.skipif(not SPEC.exists(), reason="Exa's spec is not next to this checkout")
def test_webhook_status_is_the_specs() -> None:
    schemas = yaml.safe_load(SPEC.read_text())["components"]["schemas"]
    assert typing.get_args(WebhookStatus) == tuple(
        schemas["Webhook"]["properties"]["status"]["enum"]
    )


def _header_forms(headers: dict[str, str]) -> list[object]:
    """The request headers of a delivery as each framework hands them to a view."""
    from starlette.datastructures import Headers as StarletteHeaders
    from werkzeug.datastructures import EnvironHeaders, Headers

    message = Message()
    environ = {}
    for name, value in headers.items():
        message[name] = value
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return [
        headers,
        {k.lower().encode(): v.encode() for k, v in headers.items()},  # raw ASGI, as a dict
        Headers(headers),  # Flask's response headers, werkzeug's test client
        EnvironHeaders(environ),  # Flask's request.headers
        message,  # http.server's self.headers
        StarletteHeaders(headers=headers),  # Starlette's and FastAPI's request.headers
        MappingProxyType(headers),
    ]


def test_every_header_form_the_stubs_take_verifies() -> None:
    delivery = sample_delivery("webset.idle", "whsec_test")
    for form in _header_forms(delivery.headers):
        assert ew.construct_event(delivery.body, form, "whsec_test") == delivery.event, form
        ew.verify_signature(delivery.body, form, ["whsec_other", "whsec_test"])
        with pytest.raises(ew.SignatureVerificationError):
            ew.verify_signature(delivery.body, form, "whsec_wrong")


def test_emit_and_add_fault_take_any_mapping() -> None:
    with ExaServer() as server, server.client(max_retries=0) as client:
        data = {"id": "ws_1", "object": "webset", "status": "idle"}
        event = server.emit("webset.idle", MappingProxyType(data))
        assert event.data == data
        server.add_fault(status=409, body=MappingProxyType({"error": "busy"}))
        with pytest.raises(ew.ConflictError) as raised:
            client.list_webhooks()
        assert '"busy"' in raised.value.body
        with pytest.raises(ew.ValidationError, match="data"):
            server.emit("webset.idle", [("id", "ws_1")])  # type: ignore[arg-type]
