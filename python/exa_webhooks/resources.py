"""The resources an event carries in ``data``, as ``TypedDict``s, and the names the API uses
(``EventTypeName``, ``WebhookStatus``) as ``Literal``s, from Exa's OpenAPI spec.

For type checkers: ``WebhookEvent.data`` is a plain ``dict`` at run time. A handler registered
with ``WebhookReceiver.on`` for event types of one resource may annotate its event as, e.g.,
``WebsetEvent``; a type checker then knows that ``event.data["status"]`` of a ``webset.idle``
event is one of ``"idle"``, ``"pending"``, ``"running"``, ``"paused"``. Elsewhere, narrow with
``cast(Webset, event.data)``.

Exa adds fields over time: these list what the spec publishes; more may be present.
Timestamps are the API's ISO 8601 strings. Importing this module costs an import of ``typing``,
which ``import exa_webhooks`` alone avoids.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Protocol, TypedDict, TypeVar

__all__ = [
    "EventTypeName",
    "Import",
    "ImportEvent",
    "Monitor",
    "MonitorEvent",
    "MonitorRun",
    "MonitorRunEvent",
    "TypedEvent",
    "WebhookStatus",
    "Webset",
    "WebsetEnrichment",
    "WebsetEvent",
    "WebsetItem",
    "WebsetItemEvent",
    "WebsetSearch",
    "WebsetSearchEvent",
]

_D_co = TypeVar("_D_co", covariant=True)

EventTypeName = Literal[
    "webset.created",
    "webset.deleted",
    "webset.paused",
    "webset.idle",
    "webset.search.created",
    "webset.search.canceled",
    "webset.search.completed",
    "webset.search.updated",
    "import.created",
    "import.completed",
    "webset.item.created",
    "webset.item.enriched",
    "monitor.created",
    "monitor.updated",
    "monitor.deleted",
    "monitor.run.created",
    "monitor.run.completed",
    "webset.export.created",
    "webset.export.completed",
]
"""The name of one of the 19 event types (``EventType``'s values), as the spec lists them.
Every parameter that takes an event type also takes an ``EventType`` member."""

WebhookStatus = Literal["active", "inactive"]
"""``Webhook.status``."""


class TypedEvent(Protocol[_D_co]):
    """What a ``WebhookEvent`` is to a type checker once its ``data`` is known."""

    @property
    def id(self) -> str:
        """The event's id."""

    @property
    def object(self) -> str:
        """The object name: ``"event"``."""

    @property
    def type(self) -> str:
        """The event type."""

    @property
    def data(self) -> _D_co:
        """The resource the event is about, typed."""

    @property
    def created_at(self) -> datetime:
        """When the event was created (timezone-aware)."""

    def to_dict(self) -> dict[str, Any]:
        """The delivered JSON shape, including fields this version does not know.

        Raises nothing.
        """
        ...


# Each resource: required keys in the class itself, optional ones in a total=False base
# (NotRequired needs Python 3.11).


class MonitorRun(TypedDict):
    """One run of a monitor, as ``monitor.run.*`` events carry it (``data``)."""

    id: str
    object: Literal["monitor_run"]
    status: Literal["created", "running", "completed", "canceled", "failed"]
    monitorId: str
    type: Literal["search", "refresh"]
    completedAt: str | None
    failedAt: str | None
    failedReason: str | None
    canceledAt: str | None
    createdAt: str
    updatedAt: str


class MonitorCadence(TypedDict, total=False):
    cron: str
    timezone: str


class Monitor(TypedDict):
    """A monitor of a Webset, as ``monitor.*`` events carry it (``data``)."""

    id: str
    object: Literal["monitor"]
    status: Literal["enabled", "disabled"]
    websetId: str
    cadence: MonitorCadence
    behavior: dict[str, Any]
    lastRun: MonitorRun | None
    nextRunAt: str | None
    metadata: dict[str, str]
    createdAt: str
    updatedAt: str


class Import(TypedDict):
    """An import into Websets, as ``import.*`` events carry it (``data``)."""

    id: str
    object: Literal["import"]
    status: Literal["pending", "processing", "completed", "failed"]
    format: Literal["csv", "webset"]
    entity: dict[str, Any] | None
    title: str
    count: float
    metadata: dict[str, str]
    failedReason: Literal["invalid_format", "invalid_file_content", "missing_identifier"] | None
    failedAt: str | None
    failedMessage: str | None
    createdAt: str
    updatedAt: str


class _WebsetSearchOptional(TypedDict, total=False):
    behavior: Literal["override", "append"]
    metadata: dict[str, str]


class WebsetSearch(_WebsetSearchOptional):
    """A search of a Webset, as ``webset.search.*`` events carry it (``data``)."""

    id: str
    object: Literal["webset_search"]
    status: Literal["created", "pending", "running", "completed", "canceled"]
    websetId: str
    query: str
    entity: dict[str, Any] | None
    criteria: list[dict[str, Any]]
    count: float
    exclude: list[dict[str, Any]]
    scope: list[dict[str, Any]]
    progress: dict[str, Any]
    recall: dict[str, Any] | None
    canceledAt: str | None
    canceledReason: Literal["webset_deleted", "webset_canceled"] | None
    createdAt: str
    updatedAt: str


class _WebsetEnrichmentOptional(TypedDict, total=False):
    metadata: dict[str, str]


class WebsetEnrichment(_WebsetEnrichmentOptional):
    """An enrichment of a Webset, as listed in ``Webset.enrichments``."""

    id: str
    object: Literal["webset_enrichment"]
    status: Literal["pending", "canceled", "completed"]
    websetId: str
    title: str | None
    description: str
    format: Literal["text", "date", "number", "options", "email", "phone", "url"] | None
    options: list[dict[str, Any]] | None
    instructions: str | None
    createdAt: str
    updatedAt: str


class _WebsetOptional(TypedDict, total=False):
    excludes: list[dict[str, Any]]
    metadata: dict[str, str]


class Webset(_WebsetOptional):
    """A Webset, as ``webset.created``, ``.deleted``, ``.idle`` and ``.paused`` carry it."""

    id: str
    object: Literal["webset"]
    status: Literal["idle", "pending", "running", "paused"]
    externalId: str | None
    title: str | None
    searches: list[WebsetSearch]
    imports: list[Import]
    enrichments: list[WebsetEnrichment]
    monitors: list[Monitor]
    createdAt: str
    updatedAt: str


class WebsetItemEvaluation(TypedDict):
    criterion: str
    reasoning: str
    satisfied: Literal["yes", "no", "unclear"]


class WebsetItem(TypedDict):
    """An item of a Webset, as ``webset.item.*`` events carry it (``data``)."""

    id: str
    object: Literal["webset_item"]
    source: Literal["search", "import"]
    sourceId: str
    websetId: str
    # One of the person, company, article, research paper or custom shapes; ``type`` says which.
    properties: dict[str, Any]
    evaluations: list[WebsetItemEvaluation]
    enrichments: list[dict[str, Any]] | None
    createdAt: str
    updatedAt: str


WebsetEvent = TypedEvent[Webset]
"""``webset.created``, ``webset.deleted``, ``webset.idle``, ``webset.paused``."""
WebsetItemEvent = TypedEvent[WebsetItem]
"""``webset.item.created``, ``webset.item.enriched``."""
WebsetSearchEvent = TypedEvent[WebsetSearch]
"""``webset.search.created``, ``.updated``, ``.canceled``, ``.completed``."""
ImportEvent = TypedEvent[Import]
"""``import.created``, ``import.completed``."""
MonitorEvent = TypedEvent[Monitor]
"""``monitor.created``, ``monitor.updated``, ``monitor.deleted``."""
MonitorRunEvent = TypedEvent[MonitorRun]
"""``monitor.run.created``, ``monitor.run.completed``."""
