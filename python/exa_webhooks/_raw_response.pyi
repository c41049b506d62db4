from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Generic, TypeVar

from ._event_type import EventTypeArg
from ._native import Webhook, WebhookAttempt, WebhookEvent
from ._page import Page

__all__ = ["AsyncRawClient", "RawClient", "RawResponse"]

_T = TypeVar("_T")

class RawResponse(Generic[_T]):
    """A successful answer with what came with it. ``parse()`` returns the object the plain
    call returns; ``request_id`` is what Exa's support asks for."""

    status_code: int
    """The HTTP status of the answer."""
    headers: dict[str, str]
    """The answer's headers, names lowercase."""
    request_id: str | None
    """The request id, what Exa's support asks for, or None."""
    attempts: int
    """How many tries were made, retries included."""
    def __init__(
        self,
        value: _T,
        status_code: int,
        headers: Iterable[tuple[str, str]],
        request_id: str | None,
        attempts: int,
    ) -> None: ...
    def parse(self) -> _T:
        """The decoded answer: what the call returns without ``with_raw_response``.

        Raises nothing: the answer was decoded when it arrived.
        """

class RawClient:
    """``Client.with_raw_response``: the same calls, each answering with a ``RawResponse``."""

    def __init__(self, native: Any) -> None: ...
    def create_webhook(
        self,
        events: Iterable[EventTypeArg],
        url: str,
        metadata: Mapping[str, str] | None = None,
    ) -> RawResponse[Webhook]: ...
    def get_webhook(self, webhook_id: str) -> RawResponse[Webhook]: ...
    def update_webhook(
        self,
        webhook_id: str,
        *,
        events: Iterable[EventTypeArg] | None = None,
        url: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> RawResponse[Webhook]: ...
    def delete_webhook(self, webhook_id: str) -> RawResponse[Webhook]: ...
    def list_webhooks(
        self, *, limit: int | None = None, cursor: str | None = None
    ) -> RawResponse[Page[Webhook]]: ...
    def list_webhook_attempts(
        self,
        webhook_id: str,
        *,
        event_type: EventTypeArg | None = None,
        successful: bool | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> RawResponse[Page[WebhookAttempt]]: ...
    def list_events(
        self,
        *,
        types: Iterable[EventTypeArg] | None = None,
        created_after: datetime | str | None = None,
        created_before: datetime | str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> RawResponse[Page[WebhookEvent]]: ...
    def get_event(self, event_id: str) -> RawResponse[WebhookEvent]: ...

class AsyncRawClient:
    """``AsyncClient.with_raw_response``: the same calls, each answering with a
    ``RawResponse``."""

    def __init__(self, native: Any) -> None: ...
    async def create_webhook(
        self,
        events: Iterable[EventTypeArg],
        url: str,
        metadata: Mapping[str, str] | None = None,
    ) -> RawResponse[Webhook]: ...
    async def get_webhook(self, webhook_id: str) -> RawResponse[Webhook]: ...
    async def update_webhook(
        self,
        webhook_id: str,
        *,
        events: Iterable[EventTypeArg] | None = None,
        url: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> RawResponse[Webhook]: ...
    async def delete_webhook(self, webhook_id: str) -> RawResponse[Webhook]: ...
    async def list_webhooks(
        self, *, limit: int | None = None, cursor: str | None = None
    ) -> RawResponse[Page[Webhook]]: ...
    async def list_webhook_attempts(
        self,
        webhook_id: str,
        *,
        event_type: EventTypeArg | None = None,
        successful: bool | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> RawResponse[Page[WebhookAttempt]]: ...
    async def list_events(
        self,
        *,
        types: Iterable[EventTypeArg] | None = None,
        created_after: datetime | str | None = None,
        created_before: datetime | str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> RawResponse[Page[WebhookEvent]]: ...
    async def get_event(self, event_id: str) -> RawResponse[WebhookEvent]: ...
