from __future__ import annotations

from enum import Enum

from ._native import unknown_event_type

__all__ = ["EventType"]


class EventType(str, Enum):
    """The 19 event types of Exa's Websets API. Members compare equal to their strings."""

    WEBSET_CREATED = "webset.created"
    WEBSET_DELETED = "webset.deleted"
    WEBSET_PAUSED = "webset.paused"
    WEBSET_IDLE = "webset.idle"
    WEBSET_SEARCH_CREATED = "webset.search.created"
    WEBSET_SEARCH_CANCELED = "webset.search.canceled"
    WEBSET_SEARCH_COMPLETED = "webset.search.completed"
    WEBSET_SEARCH_UPDATED = "webset.search.updated"
    IMPORT_CREATED = "import.created"
    IMPORT_COMPLETED = "import.completed"
    WEBSET_ITEM_CREATED = "webset.item.created"
    WEBSET_ITEM_ENRICHED = "webset.item.enriched"
    MONITOR_CREATED = "monitor.created"
    MONITOR_UPDATED = "monitor.updated"
    MONITOR_DELETED = "monitor.deleted"
    MONITOR_RUN_CREATED = "monitor.run.created"
    MONITOR_RUN_COMPLETED = "monitor.run.completed"
    WEBSET_EXPORT_CREATED = "webset.export.created"
    WEBSET_EXPORT_COMPLETED = "webset.export.completed"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def _missing_(cls, value: object) -> EventType:
        # Enum's own error says only "is not a valid EventType"; say what was meant.
        if isinstance(value, str):
            raise ValueError(unknown_event_type(value))
        raise ValueError(f"an event type is a str, got {type(value).__name__}")
