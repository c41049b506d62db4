from __future__ import annotations

import pytest

import exa_webhooks as ew
from exa_webhooks import _native


def test_nineteen_members_same_as_the_rust_core() -> None:
    assert tuple(e.value for e in ew.EventType) == _native.EVENT_TYPES
    assert len(ew.EventType) == 19


def test_members_are_strings() -> None:
    assert ew.EventType.WEBSET_CREATED == "webset.created"
    assert ew.EventType.MONITOR_RUN_COMPLETED == "monitor.run.completed"
    assert str(ew.EventType.WEBSET_IDLE) == "webset.idle"
    assert f"{ew.EventType.IMPORT_COMPLETED}" == "import.completed"
    assert ew.EventType("webset.item.enriched") is ew.EventType.WEBSET_ITEM_ENRICHED
    assert isinstance(ew.EventType.WEBSET_CREATED, str)


def test_unknown_names_are_refused_with_a_suggestion() -> None:
    cases = {
        "webset.completed": "webset.idle",
        "webset.complete": "webset.idle",
        "item.created": "webset.item.created",
        "import.complete": "import.completed",
        "WEBSET_CREATED": "webset.created",
    }
    for wrong, meant in cases.items():
        with pytest.raises(ValueError, match=f'did you mean "{meant}"') as info:
            ew.EventType(wrong)
        assert str(info.value).startswith(f'unknown event type "{wrong}"')
    with pytest.raises(ValueError, match=r'^unknown event type "zzz"$'):
        ew.EventType("zzz")
    with pytest.raises(ValueError, match="is a str, got int"):
        ew.EventType(5)


def test_the_same_words_as_validation(client: ew.Client) -> None:
    with pytest.raises(ew.ValidationError) as info:
        client.create_webhook(["item.created"], "https://example.com/h")
    with pytest.raises(ValueError, match="unknown event type") as direct:
        ew.EventType("item.created")
    assert info.value.errors[0]["message"] == str(direct.value)


def test_event_types_are_immutable() -> None:
    assert isinstance(_native.EVENT_TYPES, tuple)
