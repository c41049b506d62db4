"""Bad input is refused before any network I/O, with every problem named at once."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

import exa_webhooks as ew
from exa_webhooks.testing import ExaServer

URL = "https://example.com/hook"


def problems(excinfo: pytest.ExceptionInfo[ew.ValidationError]) -> dict[str, str]:
    return {e["field"]: e["message"] for e in excinfo.value.errors}


def create(client: ew.Client, *args: Any, **kwargs: Any) -> dict[str, str]:
    with pytest.raises(ew.ValidationError) as excinfo:
        client.create_webhook(*args, **kwargs)
    return problems(excinfo)


@pytest.fixture(autouse=True)
def no_request_reaches_the_server(server: ExaServer) -> Iterator[None]:
    yield
    assert server.requests == [], "validation let a request through"


def test_unknown_event_gets_a_suggestion(client: ew.Client) -> None:
    found = create(client, ["webset.completed"], URL)
    assert found == {
        "events[0]": 'unknown event type "webset.completed"; did you mean "webset.idle"?'
    }
    assert 'did you mean "webset.created"' in create(client, ["webset.craeted"], URL)["events[0]"]
    assert 'did you mean "webset.created"' in create(client, ["WEBSET_CREATED"], URL)["events[0]"]
    assert "did you mean" not in create(client, ["zzz.yyy"], URL)["events[0]"]


def test_a_huge_event_list_gets_a_bounded_report(client: ew.Client) -> None:
    with pytest.raises(ew.ValidationError) as excinfo:
        client.create_webhook(["x"] * 200_000, "https://example.com/h")
    assert "at most 19 event types, got 200000" in str(excinfo.value)
    assert len(excinfo.value.errors) == 101  # the count, then the first hundred names
    assert len(str(excinfo.value)) < 10_000


def test_an_over_long_cursor_is_refused_before_any_request() -> None:
    client = ew.Client("k", base_url="http://127.0.0.1:1")  # nothing listens: no I/O may happen
    with pytest.raises(ew.ValidationError, match="cursor: must be at most 8192 characters"):
        client.list_webhooks(cursor="x" * 70_000)


def test_bare_string_is_not_a_list_of_letters(client: ew.Client) -> None:
    found = create(client, "webset.created", URL)
    assert list(found) == ["events"]
    assert "not a single str" in found["events"]
    assert '["webset.created"]' in found["events"]
    assert "not a single str" in create(client, ew.EventType.WEBSET_CREATED, URL)["events"]


@pytest.mark.parametrize(
    ("events", "field", "fragment"),
    [
        ([], "events", "at least 1"),
        ([*ew.EventType, "webset.created"], "events", "at most 19"),
        (["webset.created", "webset.created"], "events[1]", "duplicate"),
        (["webset.created", 3], "events[1]", "must be a str, got int"),
        (None, "events", "got NoneType"),
        (42, "events", "got int"),
        (b"webset.created", "events", "got bytes"),
        ({"webset.created": 1}, "events", "got dict"),
    ],
)
def test_event_list_rules(client: ew.Client, events: Any, field: str, fragment: str) -> None:
    found = create(client, events, URL)
    assert fragment in found[field], found


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("", "must not be empty"),
        ("example.com/hook", "not a valid absolute URL"),
        ("ftp://example.com/x", "https or http"),
        ("https://user:pw@example.com/x", "user name or password"),
        ("https://example.com/a b", "whitespace"),
        ("https://example.com/" + "a" * 2048, "at most 2048"),
        ("mailto:someone@example.com", "https or http"),
    ],
)
def test_url_rules(client: ew.Client, url: str, fragment: str) -> None:
    assert fragment in create(client, ["webset.created"], url)["url"]


def test_url_wrong_type(client: ew.Client) -> None:
    assert create(client, ["webset.created"], None)["url"] == "must be a str, got NoneType"


@pytest.mark.parametrize(
    ("metadata", "field", "fragment"),
    [
        ({"team": "x" * 1001}, 'metadata["team"]', "at most 1000 characters, got 1001"),
        ({"n": 1}, 'metadata["n"]', "must be a str, got int"),
        ({1: "x"}, "metadata", "keys must be str, got int 1"),
        (["a", "b"], "metadata", "must be a dict"),
        ("k=v", "metadata", "must be a dict"),
    ],
)
def test_metadata_rules(client: ew.Client, metadata: Any, field: str, fragment: str) -> None:
    assert fragment in create(client, ["webset.created"], URL, metadata)[field]


def test_every_problem_is_reported_at_once(client: ew.Client) -> None:
    with pytest.raises(ew.ValidationError) as excinfo:
        client.create_webhook(["webset.completed", 7], "ftp://x", {"k": "v" * 1001})
    assert set(problems(excinfo)) == {"events[0]", "events[1]", "url", 'metadata["k"]'}
    message = str(excinfo.value)
    assert message.startswith("4 validation errors")
    assert "events[0]: unknown event type" in message
    assert isinstance(excinfo.value, ValueError)
    assert isinstance(excinfo.value, ew.ExaError)


def test_async_validation_sends_nothing(server: ExaServer) -> None:
    async def main() -> None:
        async with server.async_client() as client:
            with pytest.raises(ew.ValidationError):
                await client.create_webhook(["nope"], URL)

    asyncio.run(main())


def test_lone_surrogates_are_refused(client: ew.Client) -> None:
    assert "Unicode" in create(client, ["webset.created"], URL, {"k": "\ud800"})['metadata["k"]']


def test_a_lone_surrogate_id_gets_one_error_saying_so() -> None:
    client = ew.Client("k", base_url="http://127.0.0.1:1")  # nothing listens: no I/O may happen
    for call in (
        lambda: client.get_webhook("a\ud800b"),
        lambda: client.get_event("\ud800"),
    ):
        with pytest.raises(ew.ValidationError) as excinfo:
            call()
        assert [e["message"] for e in excinfo.value.errors] == [
            "must be valid Unicode (no lone surrogates)"
        ]


@pytest.mark.parametrize(
    ("limit", "shown"), [(2**70, str(2**70)), (-(2**64), str(-(2**64))), (10**50, "an int of")]
)
def test_a_limit_past_64_bits_is_out_of_range_not_of_the_wrong_type(limit: int, shown: str) -> None:
    client = ew.Client("k", base_url="http://127.0.0.1:1")
    with pytest.raises(ew.ValidationError, match=f"limit: must be between 1 and 200, got {shown}"):
        client.list_webhooks(limit=limit)


@pytest.mark.parametrize("now", [1e300, -1.0, 253_402_300_800])
def test_verify_refuses_a_now_outside_the_years_datetime_knows(now: float) -> None:
    body = b'{"id": "event_1"}'
    header = ew.sign_payload(body, "whsec_x", timestamp=1)
    with pytest.raises(ew.ValidationError, match="now: must be Unix seconds between 1970 and 9999"):
        ew.verify_signature(body, header, "whsec_x", now=now)
