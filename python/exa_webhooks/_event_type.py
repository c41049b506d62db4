from __future__ import annotations

from enum import Enum

from ._native import unknown_event_type

__all__ = ["EventType", "EventTypeArg"]


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


TYPE_CHECKING = False  # not typing.TYPE_CHECKING: see _async.py
if TYPE_CHECKING:
    from .resources import EventTypeName

    # What a parameter taking an event type accepts. For type checkers, the 19 names (a typo
    # is an error) or an EventType member; at run time any str, which the call itself checks
    # (naming the closest valid type): a `typing.Literal` here would import typing, slowing
    # down `import exa_webhooks` by a third.
    EventTypeArg = EventTypeName | EventType
else:
    EventTypeArg = str
