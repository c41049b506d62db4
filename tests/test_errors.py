"""Every error path against scripted local servers: statuses, body shapes, transport failures."""

from __future__ import annotations

import socket
import time

import pytest

import exa_webhooks as ew
from exa_webhooks.testing import ExaServer
from ports import held_port
from scripted import Reply, ScriptedServer, webhook_json

EVENTS = ["webset.created"]
URL = "https://example.com/hook"


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, ew.BadRequestError),
        (401, ew.AuthenticationError),
        (402, ew.APIError),
        (403, ew.PermissionDeniedError),
        (404, ew.NotFoundError),
        (409, ew.ConflictError),
        (418, ew.APIError),
        (422, ew.UnprocessableEntityError),
        (429, ew.RateLimitError),
        (500, ew.InternalServerError),
        (502, ew.InternalServerError),
        (503, ew.InternalServerError),
        (504, ew.InternalServerError),
    ],
)
def test_status_maps_to_exception(
    scripted: ScriptedServer, status: int, cls: type[ew.APIError]
) -> None:
    body = {"requestId": "req_body", "error": "Something specific", "tag": "SOME_TAG"}
    scripted.script(Reply(status, body, {"X-Request-Id": "req_header"}))
    with pytest.raises(ew.APIError) as excinfo:
        scripted.client(max_retries=0).create_webhook(EVENTS, URL)
    error = excinfo.value
    assert type(error) is cls
    assert error.status_code == status
    # A create that failed with 500, 502 or 504 may still have happened: the message says so.
    ambiguous = status in (500, 502, 504)
    assert error.message.startswith("Something specific")
    assert ("may have been created" in error.message) == ambiguous
    assert error.tag == "SOME_TAG"
    assert error.request_id == "req_body"
    assert error.attempts == 1
    assert str(error).startswith(f"{status} Something specific")
    assert str(error).endswith("(tag: SOME_TAG, request id: req_body)")
    assert isinstance(error, ew.ExaError)


def test_nest_shape_with_message_list(scripted: ScriptedServer) -> None:
    body = {
        "statusCode": 400,
        "message": ["url must be a URL address", "events should not be empty"],
        "error": "Bad Request",
        "timestamp": "2025-01-01T00:00:00.000Z",
        "path": "/v0/webhooks",
    }
    scripted.script(Reply(400, body, {"X-Request-Id": "req_hdr"}))
    with pytest.raises(ew.BadRequestError) as excinfo:
        scripted.client(max_retries=0).create_webhook(EVENTS, URL)
    assert excinfo.value.message == "url must be a URL address; events should not be empty"
    assert excinfo.value.request_id == "req_hdr"
    assert excinfo.value.tag is None


NGINX_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


def test_html_gateway_error_is_summed_up_and_kept_whole(scripted: ScriptedServer) -> None:
    scripted.script(Reply(502, NGINX_502, {"Content-Type": "text/html"}))
    with pytest.raises(ew.InternalServerError) as excinfo:
        scripted.client(max_retries=0).get_webhook("webhook_1")
    error = excinfo.value
    assert error.status_code == 502
    assert str(error) == (
        "502 Bad Gateway: nginx (an HTML page, not an API answer: likely from a proxy or gateway)"
    )
    assert error.body == NGINX_502


def test_a_long_html_page_gives_a_short_message(scripted: ScriptedServer) -> None:
    page = (
        "<!DOCTYPE html><html><head><title>Error</title><style>p { margin: 0 }</style>"
        "<script>document.write('<p>hidden</p>')</script></head><body><h1>Error 503</h1>"
        f"<p>The service is <b>temporarily</b> unavailable &amp; will return.</p>"
        f"<p>{'Lorem ipsum dolor sit amet. ' * 400}</p></body></html>"
    )
    scripted.script(Reply(503, page, {"Content-Type": "text/html"}))
    with pytest.raises(ew.InternalServerError) as excinfo:
        scripted.client(max_retries=0).create_webhook(EVENTS, URL)
    message = excinfo.value.message
    assert message.startswith(
        "Service Unavailable: The service is temporarily unavailable & will return. - Lorem"
    )
    assert len(message) < 500
    assert "<" not in message
    assert "hidden" not in message
    assert "margin" not in message
    assert excinfo.value.body == page


def test_empty_error_body_uses_reason_phrase(scripted: ScriptedServer) -> None:
    scripted.script(Reply(503, b""))
    with pytest.raises(ew.InternalServerError) as excinfo:
        scripted.client(max_retries=0).create_webhook(EVENTS, URL)
    assert str(excinfo.value) == "503 Service Unavailable"
    assert excinfo.value.body == ""


def test_rate_limit_retry_after(scripted: ScriptedServer) -> None:
    scripted.script(
        Reply(429, {"error": "slow down", "tag": "RATE_LIMIT_EXCEEDED"}, {"Retry-After": "7"})
    )
    with pytest.raises(ew.RateLimitError) as excinfo:
        scripted.client(max_retries=0).create_webhook(EVENTS, URL)
    assert excinfo.value.retry_after == 7.0
    scripted.script(Reply(429, {}, {"retry-after-ms": "250"}))
    with pytest.raises(ew.RateLimitError) as excinfo:
        scripted.client(max_retries=0).create_webhook(EVENTS, URL)
    assert excinfo.value.retry_after == 0.25
    scripted.script(Reply(429, {}))
    with pytest.raises(ew.RateLimitError) as excinfo:
        scripted.client(max_retries=0).create_webhook(EVENTS, URL)
    assert excinfo.value.retry_after is None


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("<html>hello</html>", "not JSON"),
        ('{"id": "webhook_1", "events": ', "not JSON"),
        ("", "not JSON"),
        ({"id": "webhook_1"}, "'status' should be a string, it is missing"),
        ([], "should be an object"),
    ],
)
def test_invalid_success_body(scripted: ScriptedServer, body: object, fragment: str) -> None:
    scripted.script(Reply(200, body, {"X-Request-Id": "req_bad"}))  # type: ignore[arg-type]
    with pytest.raises(ew.APIError) as excinfo:
        scripted.client(max_retries=0).create_webhook(EVENTS, URL)
    assert type(excinfo.value) is ew.APIError
    assert excinfo.value.status_code == 200
    assert fragment in excinfo.value.message
    assert excinfo.value.request_id == "req_bad"


def test_undecodable_answer_after_a_retry_counts_both_tries(scripted: ScriptedServer) -> None:
    scripted.script(Reply(503, {}, {"retry-after-ms": "1"}), Reply(200, "<html>oops</html>"))
    with pytest.raises(ew.APIError) as excinfo:
        scripted.client(max_retries=2).get_webhook("webhook_1")
    assert "not JSON" in excinfo.value.message
    assert excinfo.value.attempts == 2
    assert len(scripted.received) == 2


def test_wrong_types_in_success_body(scripted: ScriptedServer) -> None:
    scripted.script(Reply(200, webhook_json(events="webset.created", createdAt="yesterday", url=5)))
    with pytest.raises(ew.APIError) as excinfo:
        scripted.client(max_retries=0).create_webhook(EVENTS, URL)
    message = excinfo.value.message
    assert "'events' should be a list of strings, got a string" in message
    assert "'createdAt' is not an RFC 3339 date-time" in message
    assert "'url' should be a string, got a number" in message


def test_redirect_is_not_followed_and_key_not_forwarded(scripted: ScriptedServer) -> None:
    target = ScriptedServer()
    try:
        location = target.url + "/websets/v0/webhooks"
        scripted.script(Reply(307, b"", {"Location": location}))
        with pytest.raises(ew.APIError) as excinfo:
            scripted.client(max_retries=0).create_webhook(EVENTS, URL)
        assert excinfo.value.status_code == 307
        assert location in excinfo.value.message
        assert "not followed" in excinfo.value.message
        assert target.received == []
    finally:
        target.close()


def test_connection_refused() -> None:
    with held_port() as port:
        client = ew.Client("k", base_url=f"http://127.0.0.1:{port}", max_retries=0)
        with pytest.raises(ew.APIConnectionError) as excinfo:
            client.create_webhook(EVENTS, URL)
    assert not isinstance(excinfo.value, ew.APITimeoutError)
    assert "connection refused" in str(excinfo.value)
    assert isinstance(excinfo.value.__cause__, ConnectionRefusedError)


def test_timeout(scripted: ScriptedServer) -> None:
    scripted.script(Reply(200, webhook_json(), delay=20))
    client = scripted.client(timeout=0.3, max_retries=0)
    started = time.monotonic()
    with pytest.raises(ew.APITimeoutError) as excinfo:
        client.create_webhook(EVENTS, URL)
    assert time.monotonic() - started < 10  # the 0.3 s timeout, not the 20 s answer
    assert isinstance(excinfo.value, TimeoutError)
    assert isinstance(excinfo.value, ew.APIConnectionError)


def test_server_that_accepts_and_never_answers() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        client = ew.Client("k", base_url=f"http://127.0.0.1:{port}", timeout=0.3, max_retries=0)
        with pytest.raises(ew.APITimeoutError):
            client.create_webhook(EVENTS, URL)


def test_oversized_response_is_refused(scripted: ScriptedServer) -> None:
    scripted.script(Reply(200, b"x" * (9 * 1024 * 1024)))
    with pytest.raises(ew.APIConnectionError, match="larger than") as excinfo:
        scripted.client(max_retries=2).create_webhook(EVENTS, URL)
    # Where, and how large: the call, the limit, the tries.
    assert str(excinfo.value).startswith(
        f"POST {scripted.url}/websets/v0/webhooks was refused: the answer's body is "
        "larger than 8 MB, more than any answer of the API (1 try)"
    )
    # An answer came, so the create happened: said, and not retried.
    assert "may have been created" in str(excinfo.value)
    assert excinfo.value.attempts == 1
    assert len(scripted.received) == 1


def test_bad_key_against_exa_server(server: ExaServer) -> None:
    client = ew.Client("wrong-key", base_url=server.url)
    with pytest.raises(ew.AuthenticationError) as excinfo:
        client.create_webhook(EVENTS, URL)
    assert excinfo.value.tag == "INVALID_API_KEY"
    assert excinfo.value.request_id is not None
    assert excinfo.value.request_id.startswith("req_")
    assert "wrong-key" not in str(excinfo.value)
    assert server.webhooks == []


def test_exa_server_fault_can_answer_with_an_html_page(server: ExaServer) -> None:
    page = "<html><body>502 Bad Gateway</body></html>"
    server.add_fault(status=502, body=page, headers={"Content-Type": "text/html"})
    with pytest.raises(ew.APIError) as excinfo:
        server.client(max_retries=0).list_webhooks()
    assert excinfo.value.status_code == 502
    assert excinfo.value.body == page
    assert str(excinfo.value).startswith("502 Bad Gateway (an HTML page")
    (request,) = server.requests
    assert request.path == "/websets/v0/webhooks"
    server.add_fault(status=409, body='{"error": "taken", "tag": "CONFLICT"}')
    with pytest.raises(ew.ConflictError) as conflict:
        server.client(max_retries=0).list_webhooks()
    assert conflict.value.tag == "CONFLICT"


def test_a_huge_request_id_is_cut_in_the_error(scripted: ScriptedServer) -> None:
    # Something posing as the API sends 100 KB of request id: every message would carry it.
    scripted.script(Reply(500, {"message": "boom"}, headers={"x-request-id": "r" * 100_000}))
    with pytest.raises(ew.InternalServerError) as excinfo:
        scripted.client(max_retries=0).create_webhook(EVENTS, URL)
    assert excinfo.value.request_id == "r" * 128 + "..."
    assert len(str(excinfo.value)) < 1000


def test_an_answer_that_fails_to_decode_after_retries_says_on_which_try(
    scripted: ScriptedServer,
) -> None:
    scripted.script(Reply(503, {"message": "busy"}), Reply(200, "not json"))
    with pytest.raises(ew.APIError) as excinfo:
        scripted.client(max_retries=2).get_webhook("webhook_1")
    assert excinfo.value.message.endswith("(on try 2 of the call, after 1 failed try)")
    assert excinfo.value.attempts == 2
