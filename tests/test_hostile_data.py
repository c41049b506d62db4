"""Data that once crashed the interpreter or raised undocumented exceptions: cyclic and deeply
nested dicts, integers beyond 64 bits, str bodies with lone surrogates, header objects that
misbehave. Crashes are provoked in subprocesses: the interpreter must survive them."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import exa_webhooks as ew
from exa_webhooks.testing import ExaServer
from receiver import Receiver

SECRET = "whsec_test"
NOW = 1_700_000_000
BIG = 123456789012345678901234567890


def event_dict(data: Any, **extra: Any) -> dict[str, Any]:
    return {
        "id": "evt_1",
        "object": "event",
        "type": "webset.created",
        "data": data,
        "createdAt": "2025-01-01T00:00:00Z",
        **extra,
    }


def webhook_dict(**extra: Any) -> dict[str, Any]:
    return {
        "id": "webhook_1",
        "object": "webhook",
        "status": "active",
        "events": ["webset.created"],
        "url": "https://example.com/h",
        "metadata": {},
        "createdAt": "2025-01-01T00:00:00Z",
        "updatedAt": "2025-01-01T00:00:00Z",
        **extra,
    }


# Each snippet builds `bad` (a cycle, or nesting far past any stack) and hands it over.
CRASHERS = {
    "dict cycle": "bad = {}; bad['self'] = bad",
    "list cycle": "bad = {'items': []}; bad['items'].append(bad['items'])",
    "cycle through a tuple": "inner = []; bad = {'t': (inner,)}; inner.append(bad['t'])",
    "deep dicts": "bad = {}\nfor _ in range(200_000): bad = {'d': bad}",
    "deep lists": "bad = {'l': []}\nfor _ in range(200_000): bad = {'l': [bad['l']]}",
}
TARGETS = {
    "WebhookEvent.from_dict": "ew.WebhookEvent.from_dict(event_dict(bad))",
    "Webhook.from_dict (unknown field)": "ew.Webhook.from_dict(webhook_dict(extra=bad))",
    "ExaServer.emit": "ExaServer().emit('webset.created', bad)",
}


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("crasher", CRASHERS)
def test_cyclic_or_deep_data_raises_instead_of_crashing(crasher: str, target: str) -> None:
    script = "\n".join(
        [
            f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r})",
            "import exa_webhooks as ew",
            "from exa_webhooks.testing import ExaServer",
            "from test_hostile_data import event_dict, webhook_dict",
            CRASHERS[crasher],
            "try:",
            f"    {TARGETS[target]}",
            "except ew.ValidationError as e:",
            "    assert isinstance(e, ValueError)  # as json.dumps raises",
            "    print(e.errors[0]['field'], '|', e.errors[0]['message'])",
        ]
    )
    run = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr[-2000:]
    field, message = run.stdout.strip().split(" | ")
    assert field.startswith("data.")  # the argument (from_dict's and emit's), then the path
    if "cycle" in crasher:
        assert "circular reference" in message
        assert "..." not in field  # where the cycle closes, a few steps in
    else:
        assert message == "is nested more than 127 levels deep"


def nested(depth: int) -> Any:
    """`depth` levels of containers in all, counting the event and its data."""
    value: Any = 0
    for _ in range(depth - 2):
        value = [value]
    return value


def test_the_nesting_limit_is_serde_jsons_both_ways() -> None:
    # Whatever parses can be rebuilt from its dict (pickles round-trip), and no more.
    deepest = event_dict({"x": nested(127)})
    event = ew.parse_event(json.dumps(deepest))
    assert pickle.loads(pickle.dumps(event)) == event
    assert ew.WebhookEvent.from_dict(deepest).to_dict() == deepest

    too_deep = event_dict({"x": nested(128)})
    with pytest.raises(ew.ValidationError, match="nested more than 127 levels deep"):
        ew.parse_event(json.dumps(too_deep))
    with pytest.raises(ew.ValidationError, match="nested more than 127 levels deep"):
        ew.WebhookEvent.from_dict(too_deep)


def test_shared_but_acyclic_containers_are_fine() -> None:
    shared = {"k": [1, 2]}
    event = ew.WebhookEvent.from_dict(event_dict({"a": shared, "b": shared, "c": [shared]}))
    assert event.data == {"a": shared, "b": shared, "c": [shared]}


# --- big integers -----------------------------------------------------------------------

NUMBERS = {
    "big": BIG,
    "negative": -BIG,
    "u64": 2**64 - 1,
    "beyond u64": 2**64,
    "i64 min": -(2**63),
    "below i64": -(2**63) - 1,
    "float": 1.5,
    "whole float": 2.0,
    "huge float": 1e300,
    "tiny": 5e-324,
    "bool": True,
    "list": [BIG, 1.0, -0.0, 0],
}


def assert_same_types(a: Any, b: Any) -> None:
    assert type(a) is type(b), (a, b)
    if isinstance(a, dict):
        for key in a:
            assert_same_types(a[key], b[key])
    elif isinstance(a, list):
        for x, y in zip(a, b, strict=True):
            assert_same_types(x, y)


def test_numbers_stay_exact_and_keep_their_type_from_json() -> None:
    body = json.dumps(event_dict(NUMBERS))
    event = ew.parse_event(body)
    assert event.data == NUMBERS
    assert_same_types(event.data, NUMBERS)
    assert event.data == json.loads(body)["data"]  # as json.loads reads it
    assert "1.2345678901234568e+29" not in repr(event)
    assert event.to_dict()["data"] == NUMBERS


def test_numbers_stay_exact_and_keep_their_type_from_python() -> None:
    class Count(int):
        def __repr__(self) -> str:
            return "Count!"

        __str__ = __repr__

    event = ew.WebhookEvent.from_dict(event_dict({**NUMBERS, "subclass": Count(BIG)}))
    assert event.data == {**NUMBERS, "subclass": BIG}
    assert_same_types(event.data, {**NUMBERS, "subclass": BIG})
    copy = pickle.loads(pickle.dumps(event))
    assert copy == event
    assert_same_types(copy.data, event.data)
    webhook = ew.Webhook.from_dict(webhook_dict(budget=BIG))
    assert webhook.to_dict()["budget"] == BIG


def test_numbers_python_cannot_hold_are_refused_when_parsed() -> None:
    digits = "9" * 4301
    too_long = '{"id":"e","type":"t","createdAt":"2025-01-01T00:00:00Z","data":{"n":[%s]}}'
    with pytest.raises(ew.ValidationError, match=r"data\.n\[0\]: is an integer of more than"):
        ew.parse_event(too_long % digits)
    assert ew.parse_event(too_long % digits[:4300]).data["n"][0] == int(digits[:4300])
    with pytest.raises(ew.ValidationError, match=r"data\.n\[0\]: is a number out of range"):
        ew.parse_event(too_long % "1e400")
    with pytest.raises(ew.ValidationError, match=r"data\.data\.f: must be a finite number"):
        ew.WebhookEvent.from_dict(event_dict({"f": float("inf")}))


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def test_big_integers_reach_a_receiver_exactly(receiver: Receiver) -> None:
    with ExaServer() as server, server.client() as client:
        webhook = client.create_webhook(["webset.created"], receiver.url + "/h")
        assert webhook.secret is not None
        receiver.secrets["/h"] = webhook.secret
        sent = server.emit("webset.created", {"id": "ws_1", "count": BIG, "ratio": 0.5})
    assert sent.data["count"] == BIG
    (delivery,) = receiver.deliveries
    assert delivery.error is None
    assert json.loads(delivery.body)["data"]["count"] == BIG
    assert delivery.event is not None
    assert delivery.event.data == sent.data


# --- documented exceptions only ---------------------------------------------------------

SURROGATE = '{"id": "evt_1", "note": "\udc80"}'


def test_a_str_body_with_a_lone_surrogate_raises_documented_errors() -> None:
    header = ew.sign_payload(b"{}", SECRET, timestamp=NOW)
    with pytest.raises(ew.ValidationError, match="payload: is a str with no UTF-8 form"):
        ew.parse_event(SURROGATE)
    with pytest.raises(ew.ValidationError, match="payload: is a str with no UTF-8 form"):
        ew.sign_payload(SURROGATE, SECRET)
    for check in (ew.verify_signature, ew.construct_event):
        with pytest.raises(ew.SignatureVerificationError) as no_match:
            check(SURROGATE, header, SECRET, now=NOW)
        assert no_match.value.reason == "no_matching_signature"
        # The header is still checked first.
        with pytest.raises(ew.SignatureVerificationError) as missing:
            check(SURROGATE, {}, SECRET, now=NOW)
        assert missing.value.reason == "missing_header"
    # Even signed in its lossy form, it never verifies: it is not what anyone sent.
    lossy = SURROGATE.encode("utf-8", "replace")
    with pytest.raises(ew.SignatureVerificationError):
        ew.verify_signature(
            SURROGATE, ew.sign_payload(lossy, SECRET, timestamp=NOW), SECRET, now=NOW
        )


class Headers:
    """A header object whose ``items()`` returns what it is given (raises it, or calls it for a
    fresh iterator)."""

    def __init__(self, items: Any) -> None:
        self._items = items

    def items(self) -> Any:
        if isinstance(self._items, BaseException):
            raise self._items
        return self._items() if callable(self._items) else self._items


def broken_iterator() -> Iterator[tuple[str, str]]:
    yield ("x", "y")
    raise RuntimeError("the framework broke")


class NoItems:
    def __getattr__(self, name: str) -> Any:
        if name == "items":
            raise RuntimeError(name)  # not an AttributeError: hasattr() itself raises
        raise AttributeError(name)


def endless() -> Iterator[tuple[str, str]]:
    while True:
        yield ("x-filler", "y")


@pytest.mark.parametrize(
    ("headers", "problem"),
    [
        (Headers([("exa-signature", "t=1", "extra")]), "yielded a tuple of 3"),
        (Headers([("exa-signature",)]), "yielded a tuple of 1"),
        (Headers(["exa-signature"]), "yielded str"),
        (Headers([None]), "yielded NoneType"),
        (Headers(ValueError("odd")), "its items() raised ValueError"),
        (Headers(42), "its items() raised TypeError"),
        (Headers(broken_iterator), "its items() iteration raised RuntimeError"),
        (NoItems(), "got NoItems"),
        (Headers(endless), "more than 10000 headers"),
    ],
)
def test_misbehaving_header_objects_raise_validation_error(headers: Any, problem: str) -> None:
    body = b"{}"
    for check in (ew.verify_signature, ew.construct_event):
        with pytest.raises(ew.ValidationError) as invalid:
            check(body, headers, SECRET, now=NOW)
        assert invalid.value.errors[0]["field"] == "signature"
        assert problem in invalid.value.errors[0]["message"]


@pytest.mark.parametrize(
    ("value", "why"), [(42, "it is int, not text"), ("t=1,v1=\udc80", "not valid Unicode")]
)
def test_a_signature_header_that_is_not_text_is_malformed(value: Any, why: str) -> None:
    for headers in ({"Exa-Signature": value}, Headers([("exa-signature", value)])):
        with pytest.raises(ew.SignatureVerificationError) as malformed:
            ew.verify_signature(b"{}", headers, SECRET, now=NOW)
        assert malformed.value.reason == "malformed_header"
        assert why in str(malformed.value)
    # Non-text names are not the header: it is missing.
    with pytest.raises(ew.SignatureVerificationError) as missing:
        ew.verify_signature(b"{}", {1: "t=1,v1=00"}, SECRET, now=NOW)
    assert missing.value.reason == "missing_header"


def test_other_hostile_arguments_raise_validation_error() -> None:
    header = ew.sign_payload(b"{}", SECRET, timestamp=NOW)
    released = memoryview(b"{}")
    released.release()

    class BadClock:
        def timestamp(self) -> float:
            raise OverflowError("no")

    def secrets() -> Iterator[str]:
        yield SECRET
        raise RuntimeError("broken")

    cases: dict[str, Any] = {
        "payload": lambda: ew.verify_signature(released, header, SECRET, now=NOW),
        "now": lambda: ew.verify_signature(b"{}", header, SECRET, now=BadClock()),
        "secret": lambda: ew.verify_signature(b"{}", header, secrets(), now=NOW),
        "secret[0]": lambda: ew.verify_signature(b"{}", header, ["\udc80"], now=NOW),
    }
    for field, call in cases.items():
        with pytest.raises(ew.ValidationError) as invalid:
            call()
        assert invalid.value.errors[0]["field"] == field
    with pytest.raises(ew.ValidationError, match="at most 100 secrets"):
        ew.verify_signature(b"{}", header, (SECRET for _ in iter(int, 1)), now=NOW)
    with pytest.raises(ew.ValidationError, match="secret: must be valid Unicode"):
        ew.sign_payload(b"{}", "\udc80")
