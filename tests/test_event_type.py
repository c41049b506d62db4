from __future__ import annotations

import exa_webhooks as ew
from exa_webhooks import _native


def test_nineteen_members_same_as_the_rust_core() -> None:
    assert [e.value for e in ew.EventType] == _native.EVENT_TYPES
    assert len(ew.EventType) == 19


def test_members_are_strings() -> None:
    assert ew.EventType.WEBSET_CREATED == "webset.created"
    assert ew.EventType.MONITOR_RUN_COMPLETED == "monitor.run.completed"
    assert str(ew.EventType.WEBSET_IDLE) == "webset.idle"
    assert f"{ew.EventType.IMPORT_COMPLETED}" == "import.completed"
    assert ew.EventType("webset.item.enriched") is ew.EventType.WEBSET_ITEM_ENRICHED
    assert isinstance(ew.EventType.WEBSET_CREATED, str)
