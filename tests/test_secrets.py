"""The API key and webhook secrets never show up where they could leak."""

from __future__ import annotations

import html
import json
import logging
import pickle
import traceback

import pytest

import exa_webhooks as ew
from exa_webhooks.testing import ExaServer
from ports import held_port
from scripted import Reply, ScriptedServer, webhook_json

KEY = "sk-live-DO-NOT-LEAK-0123456789"


def texts_of(error: BaseException) -> list[str]:
    return [
        str(error),
        repr(error),
        "".join(traceback.format_exception(error)),
        repr(vars(error)),
        repr(pickle.dumps(error)),
    ]


def test_the_api_key_never_leaks(server: ExaServer, caplog: pytest.LogCaptureFixture) -> None:
    seen: list[str] = []
    client = ew.Client(KEY, base_url=server.url, timeout=1, max_retries=1)
    seen += [repr(client), str(client), repr(client._native)]
    with pytest.raises(TypeError) as excinfo:
        pickle.dumps(client)
    seen += texts_of(excinfo.value)

    with caplog.at_level(logging.DEBUG, logger="exa_webhooks"):
        with pytest.raises(ew.AuthenticationError) as auth:
            client.list_webhooks()
        seen += texts_of(auth.value)
        with held_port() as port, pytest.raises(ew.APIConnectionError) as refused:
            ew.Client(KEY, base_url=f"http://127.0.0.1:{port}", max_retries=0).list_webhooks()
        seen += texts_of(refused.value)
        # Faults hit only requests with a valid key: here, this key.
        with ExaServer(api_key=KEY) as keyed:
            keyed.add_fault(hang=True, times=2)
            with pytest.raises(ew.APITimeoutError) as timeout:
                ew.Client(KEY, base_url=keyed.url, timeout=0.2, max_retries=0).list_webhooks()
        seen += texts_of(timeout.value)
    seen += [r.getMessage() for r in caplog.records]
    assert len(caplog.records) >= 3

    for bad in (KEY + " ", KEY + "\n", "ключ" + KEY):
        with pytest.raises(ew.ValidationError) as invalid:
            ew.Client(bad, base_url="http://insecure.example.com")
        seen += texts_of(invalid.value)

    leaked = [text for text in seen if KEY in text]
    assert leaked == []


def test_webhook_secrets_never_leak(server: ExaServer, caplog: pytest.LogCaptureFixture) -> None:
    client = server.client()
    with caplog.at_level(logging.DEBUG, logger="exa_webhooks"):
        wh = client.create_webhook(["webset.created"], "https://example.com/h")
        got = client.get_webhook(wh.id)
    secret = wh.secret
    assert secret is not None
    seen = [repr(wh), str(wh), repr(got), repr(client.list_webhooks())]
    seen += [r.getMessage() for r in caplog.records]
    assert [text for text in seen if secret in text] == []
    # A pickled webhook keeps its own secret: it is the user's data.
    assert pickle.loads(pickle.dumps(wh)).secret == secret


def test_secrets_in_an_invalid_answer_are_redacted(server: ExaServer) -> None:
    # The create happens, then the answer is cut: the error must not carry the secret.
    server.add_fault(truncate=True, after_processing=True, method="POST")
    with pytest.raises(ew.APIConnectionError) as excinfo:
        server.client().create_webhook(["webset.created"], "https://example.com/h")
    (stored,) = server.webhooks
    assert stored.secret is not None
    assert [t for t in texts_of(excinfo.value) if stored.secret in t] == []


def test_secrets_in_an_answer_that_is_not_json_are_redacted(scripted: ScriptedServer) -> None:
    # A 2xx create answer cut short: it is kept in the error's body, the secret is not.
    scripted.script(Reply(200, '{"id": "webhook_1", "secret": "whsec_LEAKY", "url": "https:'))
    with pytest.raises(ew.APIError) as excinfo:
        scripted.client(max_retries=0).create_webhook(["webset.created"], "https://example.com/h")
    assert "not JSON" in excinfo.value.message
    assert '"id": "webhook_1"' in excinfo.value.body
    assert [t for t in texts_of(excinfo.value) if "whsec_LEAKY" in t] == []


def test_an_answer_echoing_the_api_key_does_not_carry_it_into_the_error(
    scripted: ScriptedServer,
) -> None:
    # A gateway that repeats the key it refused: the error keeps its words, not the key.
    for body in (
        {"message": "bad key scripted-key"},
        "denied: key scripted-key is unknown",
        # Where the message is cut from the body (200 characters), across the key.
        "x" * 185 + " bad key scripted-key rejected",
    ):
        scripted.script(Reply(502, body))
        with pytest.raises(ew.APIError) as excinfo:
            scripted.client(max_retries=0).create_webhook(["webset.created"], "https://e.com/h")
        assert "<api key>" in excinfo.value.body
        assert "<api k" in excinfo.value.message
        # Not even a part of it ("script..." was left where the cut fell in the key).
        assert [t for t in texts_of(excinfo.value) if "script..." in t] == []
        assert b"scripted-key" not in pickle.dumps(excinfo.value)


def test_a_success_answer_echoing_the_api_key_does_not_carry_it_into_the_error(
    scripted: ScriptedServer,
) -> None:
    # A 200 that is not the API's answer (a captive portal, a misrouted proxy) and repeats
    # the key: the decode error keeps the body for debugging, not the key.
    for body in ("<html>session for key scripted-key expired</html>", {"key": "scripted-key"}):
        scripted.script(Reply(200, body))
        with pytest.raises(ew.APIError) as excinfo:
            scripted.client(max_retries=0).create_webhook(["webset.created"], "https://e.com/h")
        assert "<api key>" in excinfo.value.body
        assert [t for t in texts_of(excinfo.value) if "scripted-key" in t] == []
        assert b"scripted-key" not in pickle.dumps(excinfo.value)


def test_signature_errors_never_show_secret_or_payload() -> None:
    secret = "whsec_PRIVATE_abcdef"
    body = b'{"type":"webset.created","data":{"id":"ws_PRIVATE_DATA"}}'
    header = ew.sign_payload(body, "whsec_other", timestamp=1)
    for kwargs in ({}, {"now": 10_000}):
        with pytest.raises(ew.SignatureVerificationError) as excinfo:
            ew.verify_signature(body, header, secret, tolerance=None, **kwargs)  # type: ignore[arg-type]
        for text in texts_of(excinfo.value):
            assert secret not in text
            assert "ws_PRIVATE_DATA" not in text


def test_secrets_in_a_malformed_success_body_are_redacted(scripted: ScriptedServer) -> None:
    scripted.script(Reply(200, webhook_json(secret="whsec_LEAKY", status=5)))
    with pytest.raises(ew.APIError) as excinfo:
        scripted.client(max_retries=0).create_webhook(["webset.created"], "https://e.com")
    assert "status" in excinfo.value.message
    assert "webhook_123" in excinfo.value.body
    assert [t for t in texts_of(excinfo.value) if "whsec_LEAKY" in t] == []


RELAYED = {"id": "webhook_1", "secret": "whsec_RELAYED_by_a_gateway", "url": "https://e.com"}


@pytest.mark.parametrize(
    "body",
    [
        json.dumps(RELAYED),
        f"upstream answered: {json.dumps(RELAYED)}",
        f"<html><body><pre>{html.escape(json.dumps(RELAYED))}</pre></body></html>",
        json.dumps({"error": f"upstream answered {json.dumps(RELAYED)}", "tag": "UPSTREAM"}),
        json.dumps({"detail": json.dumps({"error": json.dumps(RELAYED)})}),
        json.dumps(RELAYED).replace('"secret"', '"\\u0073ecret"'),
        "upstream answered id=webhook_1 secret=whsec_RELAYED_by_a_gateway url=https://e.com",
        "id: webhook_1\nWebhook-Secret: whsec_RELAYED_by_a_gateway\n",
        json.dumps({"id": "webhook_1", "signingSecret": RELAYED["secret"]}),
    ],
    ids=[
        "json",
        "text",
        "html",
        "json-in-json",
        "json-in-json-in-json",
        "unicode-escaped-key",
        "unquoted",
        "header-like",
        "camel-case-key",
    ],
)
def test_secrets_in_error_bodies_are_redacted(scripted: ScriptedServer, body: str) -> None:
    # A gateway relays a create's answer with an error status: body and message keep the rest.
    scripted.script(Reply(502, body))
    with pytest.raises(ew.InternalServerError) as excinfo:
        scripted.client(max_retries=0).create_webhook(["webset.created"], "https://e.com")
    assert "webhook_1" in excinfo.value.body
    assert "********" in excinfo.value.body
    assert [t for t in texts_of(excinfo.value) if "whsec_RELAYED" in t] == []
