# No `from __future__ import annotations`: the annotations are objects, so that
# `typing.get_type_hints`, `inspect.signature(eval_str=True)`, pydantic and `help()` see them.
import os
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from types import TracebackType

from ._event_type import EventTypeArg
from ._native import (
    NativeAsyncClient,
    NativeClient,
    Webhook,
    WebhookAttempt,
    WebhookEvent,
    shared_client_key,
)
from ._page import Page
from ._raw_response import AsyncRawClient, RawClient
from .errors import APIError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: see _async.py
if TYPE_CHECKING:
    from datetime import datetime
    from typing import Any
else:
    try:  # the same class, without the ~1.5 ms of the pure-Python half of `datetime`
        from _datetime import datetime
    except ImportError:
        from datetime import datetime


Events = Iterable[EventTypeArg]
When = datetime | str

__all__ = ["AsyncClient", "Client", "create_webhook"]


def _next_cursor(page: "Page[Any]", seen: set[str]) -> str | None:
    """The cursor of the page after ``page``, or None at the end. A cursor seen before
    would loop for ever, and "more" with no cursor would end the listing early: both raise."""
    if not page.has_more:
        return None
    cursor = page.next_cursor
    if not cursor:
        raise APIError(
            "the server says there are more items but gave no cursor; stopping pagination",
            status_code=200,
        )
    if cursor in seen:
        raise APIError(
            f"the server returned the cursor {cursor!r} twice; stopping pagination",
            status_code=200,
        )
    seen.add(cursor)
    return cursor


def _reusable(types: "Any") -> "Any":
    """``types`` as a list if it is a one-shot iterator, as each page sends it again."""
    try:
        if iter(types) is types:
            return list(types)
    except TypeError:
        pass  # not iterable: the native call reports it
    return types


class _Base:
    __slots__ = ("_native",)
    _native: NativeClient | NativeAsyncClient
    _NATIVE: type[NativeClient] | type[NativeAsyncClient]

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 2,
        ca_bundle: str | os.PathLike[str] | None = None,
    ) -> None:
        # No frame of ours keeps the key: locals-capturing error reporters would record it.
        try:
            self._native = self._NATIVE(api_key, base_url, timeout, max_retries, ca_bundle)
        finally:
            del api_key

    @property
    def base_url(self) -> str:
        """Where requests go: the argument, else ``EXA_BASE_URL``, else Exa's API."""
        return self._native.base_url

    @property
    def timeout(self) -> float:
        """Seconds per try."""
        return self._native.timeout

    @property
    def max_retries(self) -> int:
        """Retries of transient failures (``0``: none)."""
        return self._native.max_retries

    @property
    def closed(self) -> bool:
        """Whether ``close()`` was called (on this client or one sharing its pool)."""
        return self._native.closed

    def close(self) -> None:
        """Closes the connection pool and ends the calls in flight. Later calls raise
        ``ExaError``.

        Raises nothing: closing twice is harmless.
        """
        self._native.close()

    def __repr__(self) -> str:
        # Unset while __init__ raises, when capture_locals shows `self`.
        if getattr(self, "_native", None) is None:
            return f"{type(self).__name__}(<not initialized>)"
        return (
            f"{type(self).__name__}(base_url={self.base_url!r}, timeout={self.timeout!r}, "
            f"max_retries={self.max_retries!r})"
        )


class Client(_Base):
    """A client for Exa's Webhooks API, with one connection pool reused across calls.

    ``api_key`` falls back to ``EXA_API_KEY``; ``base_url`` to ``EXA_BASE_URL``, then
    ``https://api.exa.ai``. ``timeout`` is in seconds per try; ``max_retries`` retries
    transient failures (a create only when it provably had no effect); ``ca_bundle`` adds
    trusted CA certificates (PEM). Calls release the interpreter lock while they wait, and
    never touch asyncio (so they work in Jupyter). Every argument is validated before any
    request is sent.
    """

    __slots__ = ()
    _native: NativeClient
    _NATIVE = NativeClient

    def with_options(
        self, *, timeout: float | None = None, max_retries: int | None = None
    ) -> "Client":
        """A client sharing this one's connection pool (and its ``close()``), with another
        ``timeout`` per try or ``max_retries``; what is not given stays as it is here.

        Args:
            timeout: seconds per try.
            max_retries: retries of transient failures (``0`` turns them off).

        Returns:
            A client of the same kind with those settings.

        Raises:
            ValidationError: a ``timeout`` or ``max_retries`` out of range.
        """
        client = object.__new__(Client)
        client._native = self._native.with_options(timeout, max_retries)
        return client

    @property
    def with_raw_response(self) -> RawClient:
        """The same calls (those that send one request), each answering with a
        ``RawResponse``: ``status_code``, ``headers``, ``request_id`` and ``attempts``, and
        ``parse()`` for the usual object. It shares this client's connection pool."""
        return RawClient(self._native.with_raw_response())

    def create_webhook(
        self, events: Events, url: str, metadata: Mapping[str, str] | None = None
    ) -> Webhook:
        """Creates a webhook. The returned ``secret`` is shown by Exa this once: store it.

        Never retried after it may have reached Exa, so it is never duplicated.

        Args:
            events: 1 to 19 event types (``EventType`` members or their names), no duplicates.
            url: the absolute ``https`` (or ``http``) URL Exa delivers to.
            metadata: string keys and values (values up to 1000 characters).

        Returns:
            The new webhook, with its signing ``secret``.

        Raises:
            ValidationError: an argument is invalid; nothing was sent.
            AuthenticationError: the API key was refused (401).
            APIError: Exa answered with another error status; its subclass names it
                (BadRequestError, NotFoundError, RateLimitError, InternalServerError, ...).
            APITimeoutError: a try had no answer within ``timeout``, and no retry was left.
            APIConnectionError: Exa could not be reached (refused, reset, DNS, TLS).
            ExaError: the client was closed.
        """
        return self._native.create_webhook(events, url, metadata)

    def get_webhook(self, webhook_id: str) -> Webhook:
        """The webhook with this id (its ``secret`` is None: Exa shows it only on creation).

        Args:
            webhook_id: the webhook's id.

        Returns:
            The webhook.

        Raises:
            NotFoundError: no webhook has this id (404).
            ValidationError: an argument is invalid; nothing was sent.
            AuthenticationError: the API key was refused (401).
            APIError: Exa answered with another error status; its subclass names it
                (BadRequestError, NotFoundError, RateLimitError, InternalServerError, ...).
            APITimeoutError: a try had no answer within ``timeout``, and no retry was left.
            APIConnectionError: Exa could not be reached (refused, reset, DNS, TLS).
            ExaError: the client was closed.
        """
        return self._native.get_webhook(webhook_id)

    def update_webhook(
        self,
        webhook_id: str,
        *,
        events: Events | None = None,
        url: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> Webhook:
        """Changes only the fields given (at least one).

        Args:
            webhook_id: the webhook's id.
            events: the new event types (replacing the old ones).
            url: the new URL.
            metadata: the new metadata, replacing the whole of it (``{}`` clears it).

        Returns:
            The webhook as it is now.

        Raises:
            NotFoundError: no webhook has this id (404).
            ValidationError: an argument is invalid; nothing was sent.
            AuthenticationError: the API key was refused (401).
            APIError: Exa answered with another error status; its subclass names it
                (BadRequestError, NotFoundError, RateLimitError, InternalServerError, ...).
            APITimeoutError: a try had no answer within ``timeout``, and no retry was left.
            APIConnectionError: Exa could not be reached (refused, reset, DNS, TLS).
            ExaError: the client was closed.
        """
        return self._native.update_webhook(webhook_id, events, url, metadata)

    def delete_webhook(self, webhook_id: str) -> Webhook:
        """Deletes a webhook and returns it as it was.

        Args:
            webhook_id: the webhook's id.

        Returns:
            The deleted webhook.

        Raises:
            NotFoundError: no webhook has this id (404).
            ValidationError: an argument is invalid; nothing was sent.
            AuthenticationError: the API key was refused (401).
            APIError: Exa answered with another error status; its subclass names it
                (BadRequestError, NotFoundError, RateLimitError, InternalServerError, ...).
            APITimeoutError: a try had no answer within ``timeout``, and no retry was left.
            APIConnectionError: Exa could not be reached (refused, reset, DNS, TLS).
            ExaError: the client was closed.
        """
        return self._native.delete_webhook(webhook_id)

    def list_webhooks(
        self, *, limit: int | None = None, cursor: str | None = None
    ) -> Page[Webhook]:
        """One page of the account's webhooks, newest first.

        Args:
            limit: items per page, 1 to 200 (Exa's default is 25).
            cursor: a page's ``next_cursor``, for the page after it.

        Returns:
            A ``Page`` of ``Webhook``; ``next_cursor`` leads to the next.

        Raises:
            ValidationError: an argument is invalid; nothing was sent.
            AuthenticationError: the API key was refused (401).
            APIError: Exa answered with another error status; its subclass names it
                (BadRequestError, NotFoundError, RateLimitError, InternalServerError, ...).
            APITimeoutError: a try had no answer within ``timeout``, and no retry was left.
            APIConnectionError: Exa could not be reached (refused, reset, DNS, TLS).
            ExaError: the client was closed.
        """
        return Page(*self._native.list_webhooks(limit, cursor))

    def iter_webhooks(self, *, limit: int | None = None) -> Iterator[Webhook]:
        """Every webhook, fetching pages of ``limit`` lazily as the iteration goes.

        Args:
            limit: items per page, 1 to 200.

        Yields:
            Each webhook, newest first.

        Raises:
            APIError: the server handed back a cursor it gave before, or said there is more but
                gave no cursor (the iteration stops rather than loop or end early).
            ValidationError: an argument is invalid; nothing was sent.
            AuthenticationError: the API key was refused (401).
            APIError: Exa answered with another error status; its subclass names it
                (BadRequestError, NotFoundError, RateLimitError, InternalServerError, ...).
            APITimeoutError: a try had no answer within ``timeout``, and no retry was left.
            APIConnectionError: Exa could not be reached (refused, reset, DNS, TLS).
            ExaError: the client was closed.
        """
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            page = self.list_webhooks(limit=limit, cursor=cursor)
            yield from page.data
            if (cursor := _next_cursor(page, seen)) is None:
                return

    def list_webhook_attempts(
        self,
        webhook_id: str,
        *,
        event_type: EventTypeArg | None = None,
        successful: bool | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[WebhookAttempt]:
        """Delivery attempts of a webhook, newest first, optionally filtered.

        Args:
            webhook_id: the webhook's id.
            event_type: only attempts of this event type.
            successful: only the attempts that succeeded (True) or failed (False).
            limit: items per page, 1 to 200 (Exa's default is 25).
            cursor: a page's ``next_cursor``, for the page after it.

        Returns:
            A ``Page`` of ``WebhookAttempt``.

        Raises:
            NotFoundError: no webhook has this id (404).
            ValidationError: an argument is invalid; nothing was sent.
            AuthenticationError: the API key was refused (401).
            APIError: Exa answered with another error status; its subclass names it
                (BadRequestError, NotFoundError, RateLimitError, InternalServerError, ...).
            APITimeoutError: a try had no answer within ``timeout``, and no retry was left.
            APIConnectionError: Exa could not be reached (refused, reset, DNS, TLS).
            ExaError: the client was closed.
        """
        return Page(
            *self._native.list_webhook_attempts(webhook_id, event_type, successful, limit, cursor)
        )

    def iter_webhook_attempts(
        self,
        webhook_id: str,
        *,
        event_type: EventTypeArg | None = None,
        successful: bool | None = None,
        limit: int | None = None,
    ) -> Iterator[WebhookAttempt]:
        """Every delivery attempt of a webhook, fetching pages of ``limit`` lazily.

        Args:
            webhook_id: the webhook's id.
            event_type: only attempts of this event type.
            successful: only the attempts that succeeded (True) or failed (False).
            limit: items per page, 1 to 200.

        Yields:
            Each attempt, newest first.

        Raises:
            NotFoundError: no webhook has this id (404).
            APIError: the server handed back a cursor it gave before, or said there is more but
                gave no cursor (the iteration stops rather than loop or end early).
            ValidationError: an argument is invalid; nothing was sent.
            AuthenticationError: the API key was refused (401).
            APIError: Exa answered with another error status; its subclass names it
                (BadRequestError, NotFoundError, RateLimitError, InternalServerError, ...).
            APITimeoutError: a try had no answer within ``timeout``, and no retry was left.
            APIConnectionError: Exa could not be reached (refused, reset, DNS, TLS).
            ExaError: the client was closed.
        """
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            page = self.list_webhook_attempts(
                webhook_id, event_type=event_type, successful=successful, limit=limit, cursor=cursor
            )
            yield from page.data
            if (cursor := _next_cursor(page, seen)) is None:
                return

    def list_events(
        self,
        *,
        types: Events | None = None,
        created_after: When | None = None,
        created_before: When | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[WebhookEvent]:
        """Events Exa kept (60 days), optionally of some ``types`` only, created within
        ``created_after`` to ``created_before`` (both inclusive; aware datetimes or RFC 3339).

        Args:
            types: only events of these types (at least one).
            created_after: only events created at or after this time (an aware ``datetime`` or an
                RFC 3339 string).
            created_before: only events created at or before this time.
            limit: items per page, 1 to 200 (Exa's default is 25).
            cursor: a page's ``next_cursor``, for the page after it.

        Returns:
            A ``Page`` of ``WebhookEvent``.

        Raises:
            ValidationError: an argument is invalid; nothing was sent.
            AuthenticationError: the API key was refused (401).
            APIError: Exa answered with another error status; its subclass names it
                (BadRequestError, NotFoundError, RateLimitError, InternalServerError, ...).
            APITimeoutError: a try had no answer within ``timeout``, and no retry was left.
            APIConnectionError: Exa could not be reached (refused, reset, DNS, TLS).
            ExaError: the client was closed.
        """
        return Page(*self._native.list_events(types, created_after, created_before, limit, cursor))

    def iter_events(
        self,
        *,
        types: Events | None = None,
        created_after: When | None = None,
        created_before: When | None = None,
        limit: int | None = None,
    ) -> Iterator[WebhookEvent]:
        """Every matching event, fetching pages of ``limit`` lazily as the iteration goes.

        Args:
            types: only events of these types (at least one).
            created_after: only events created at or after this time (an aware ``datetime`` or an
                RFC 3339 string).
            created_before: only events created at or before this time.
            limit: items per page, 1 to 200.

        Yields:
            Each matching event.

        Raises:
            APIError: the server handed back a cursor it gave before, or said there is more but
                gave no cursor (the iteration stops rather than loop or end early).
            ValidationError: an argument is invalid; nothing was sent.
            AuthenticationError: the API key was refused (401).
            APIError: Exa answered with another error status; its subclass names it
                (BadRequestError, NotFoundError, RateLimitError, InternalServerError, ...).
            APITimeoutError: a try had no answer within ``timeout``, and no retry was left.
            APIConnectionError: Exa could not be reached (refused, reset, DNS, TLS).
            ExaError: the client was closed.
        """
        types = _reusable(types)
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            page = self.list_events(
                types=types,
                created_after=created_after,
                created_before=created_before,
                limit=limit,
                cursor=cursor,
            )
            yield from page.data
            if (cursor := _next_cursor(page, seen)) is None:
                return

    def get_event(self, event_id: str) -> WebhookEvent:
        """The event with this id, as a delivery of it would carry it.

        Args:
            event_id: the event's id (an attempt's ``event_id``).

        Returns:
            The event.

        Raises:
            NotFoundError: no event has this id, or it is older than 60 days (404).
            ValidationError: an argument is invalid; nothing was sent.
            AuthenticationError: the API key was refused (401).
            APIError: Exa answered with another error status; its subclass names it
                (BadRequestError, NotFoundError, RateLimitError, InternalServerError, ...).
            APITimeoutError: a try had no answer within ``timeout``, and no retry was left.
            APIConnectionError: Exa could not be reached (refused, reset, DNS, TLS).
            ExaError: the client was closed.
        """
        return self._native.get_event(event_id)

    def __enter__(self) -> "Client":
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncClient(_Base):
    """The asyncio twin of ``Client``: same arguments, awaited methods, ``async for``."""

    __slots__ = ()
    _native: NativeAsyncClient
    _NATIVE = NativeAsyncClient

    def with_options(
        self, *, timeout: float | None = None, max_retries: int | None = None
    ) -> "AsyncClient":
        """``Client.with_options`` for asyncio: the same pool, another timeout or retries.

        Args:
            timeout: seconds per try.
            max_retries: retries of transient failures (``0`` turns them off).

        Returns:
            A client of the same kind with those settings.

        Raises:
            ValidationError: a ``timeout`` or ``max_retries`` out of range.
        """
        client = object.__new__(AsyncClient)
        client._native = self._native.with_options(timeout, max_retries)
        return client

    @property
    def with_raw_response(self) -> AsyncRawClient:
        """``Client.with_raw_response`` for asyncio: awaited calls answering with a
        ``RawResponse``."""
        return AsyncRawClient(self._native.with_raw_response())

    # Each native call validates (and raises) before the awaitable exists: no request is sent.

    async def create_webhook(
        self, events: Events, url: str, metadata: Mapping[str, str] | None = None
    ) -> Webhook:
        """Creates a webhook. The returned ``secret`` is shown by Exa this once: store it.

        Never retried after it may have reached Exa, so it is never duplicated.

        Args:
            events: 1 to 19 event types (``EventType`` members or their names), no duplicates.
            url: the absolute ``https`` (or ``http``) URL Exa delivers to.
            metadata: string keys and values (values up to 1000 characters).

        Returns:
            The new webhook, with its signing ``secret``.

        Raises:
            ValidationError: an argument is invalid; nothing was sent.
            AuthenticationError: the API key was refused (401).
            APIError: Exa answered with another error status; its subclass names it
                (BadRequestError, NotFoundError, RateLimitError, InternalServerError, ...).
            APITimeoutError: a try had no answer within ``timeout``, and no retry was left.
            APIConnectionError: Exa could not be reached (refused, reset, DNS, TLS).
            ExaError: the client was closed.
        """
        return await self._native.create_webhook(events, url, metadata)

    async def get_webhook(self, webhook_id: str) -> Webhook:
        """The webhook with this id (its ``secret`` is None: Exa shows it only on creation).

        Args:
            webhook_id: the webhook's id.

        Returns:
            The webhook.

        Raises:
            NotFoundError: no webhook has this id (404).
            ValidationError: an argument is invalid; nothing was sent.
            AuthenticationError: the API key was refused (401).
            APIError: Exa answered with another error status; its subclass names it
                (BadRequestError, NotFoundError, RateLimitError, InternalServerError, ...).
            APITimeoutError: a try had no answer within ``timeout``, and no retry was left.
            APIConnectionError: Exa could not be reached (refused, reset, DNS, TLS).
            ExaError: the client was closed.
        """
        return await self._native.get_webhook(webhook_id)

    async def update_webhook(
        self,
        webhook_id: str,
        *,
        events: Events | None = None,
        url: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> Webhook:
        """Changes only the fields given (at least one).

        Args:
            webhook_id: the webhook's id.
            events: the new event types (replacing the old ones).
            url: the new URL.
            metadata: the new metadata, replacing the whole of it (``{}`` clears it).

        Returns:
            The webhook as it is now.

        Raises:
            NotFoundError: no webhook has this id (404).
            ValidationError: an argument is invalid; nothing was sent.
            AuthenticationError: the API key was refused (401).
            APIError: Exa answered with another error status; its subclass names it
                (BadRequestError, NotFoundError, RateLimitError, InternalServerError, ...).
            APITimeoutError: a try had no answer within ``timeout``, and no retry was left.
            APIConnectionError: Exa could not be reached (refused, reset, DNS, TLS).
            ExaError: the client was closed.
        """
        return await self._native.update_webhook(webhook_id, events, url, metadata)

    async def delete_webhook(self, webhook_id: str) -> Webhook:
        """Deletes a webhook and returns it as it was.

        Args:
            webhook_id: the webhook's id.

        Returns:
            The deleted webhook.

        Raises:
            NotFoundError: no webhook has this id (404).
            ValidationError: an argument is invalid; nothing was sent.
            AuthenticationError: the API key was refused (401).
            APIError: Exa answered with another error status; its subclass names it
                (BadRequestError, NotFoundError, RateLimitError, InternalServerError, ...).
            APITimeoutError: a try had no answer within ``timeout``, and no retry was left.
            APIConnectionError: Exa could not be reached (refused, reset, DNS, TLS).
            ExaError: the client was closed.
        """
        return await self._native.delete_webhook(webhook_id)

    async def list_webhooks(
        self, *, limit: int | None = None, cursor: str | None = None
    ) -> Page[Webhook]:
        """One page of the account's webhooks, newest first.

        Args:
            limit: items per page, 1 to 200 (Exa's default is 25).
            cursor: a page's ``next_cursor``, for the page after it.

        Returns:
            A ``Page`` of ``Webhook``; ``next_cursor`` leads to the next.

        Raises:
            ValidationError: an argument is invalid; nothing was sent.
            AuthenticationError: the API key was refused (401).
            APIError: Exa answered with another error status; its subclass names it
                (BadRequestError, NotFoundError, RateLimitError, InternalServerError, ...).
            APITimeoutError: a try had no answer within ``timeout``, and no retry was left.
            APIConnectionError: Exa could not be reached (refused, reset, DNS, TLS).
            ExaError: the client was closed.
        """
        return Page(*await self._native.list_webhooks(limit, cursor))

    async def iter_webhooks(self, *, limit: int | None = None) -> AsyncIterator[Webhook]:
        """Every webhook, fetching pages of ``limit`` lazily as the iteration goes.

        Args:
            limit: items per page, 1 to 200.

        Yields:
            Each webhook, newest first.

        Raises:
            APIError: the server handed back a cursor it gave before, or said there is more but
                gave no cursor (the iteration stops rather than loop or end early).
            ValidationError: an argument is invalid; nothing was sent.
            AuthenticationError: the API key was refused (401).
            APIError: Exa answered with another error status; its subclass names it
                (BadRequestError, NotFoundError, RateLimitError, InternalServerError, ...).
            APITimeoutError: a try had no answer within ``timeout``, and no retry was left.
            APIConnectionError: Exa could not be reached (refused, reset, DNS, TLS).
            ExaError: the client was closed.
        """
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            page = await self.list_webhooks(limit=limit, cursor=cursor)
            for webhook in page.data:
                yield webhook
            if (cursor := _next_cursor(page, seen)) is None:
                return

    async def list_webhook_attempts(
        self,
        webhook_id: str,
        *,
        event_type: EventTypeArg | None = None,
        successful: bool | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[WebhookAttempt]:
        """Delivery attempts of a webhook, newest first, optionally filtered.

        Args:
            webhook_id: the webhook's id.
            event_type: only attempts of this event type.
            successful: only the attempts that succeeded (True) or failed (False).
            limit: items per page, 1 to 200 (Exa's default is 25).
            cursor: a page's ``next_cursor``, for the page after it.

        Returns:
            A ``Page`` of ``WebhookAttempt``.

        Raises:
            NotFoundError: no webhook has this id (404).
            ValidationError: an argument is invalid; nothing was sent.
            AuthenticationError: the API key was refused (401).
            APIError: Exa answered with another error status; its subclass names it
                (BadRequestError, NotFoundError, RateLimitError, InternalServerError, ...).
            APITimeoutError: a try had no answer within ``timeout``, and no retry was left.
            APIConnectionError: Exa could not be reached (refused, reset, DNS, TLS).
            ExaError: the client was closed.
        """
        native = self._native.list_webhook_attempts
        return Page(*await native(webhook_id, event_type, successful, limit, cursor))

    async def iter_webhook_attempts(
        self,
        webhook_id: str,
        *,
        event_type: EventTypeArg | None = None,
        successful: bool | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[WebhookAttempt]:
        """Every delivery attempt of a webhook, fetching pages of ``limit`` lazily.

        Args:
            webhook_id: the webhook's id.
            event_type: only attempts of this event type.
            successful: only the attempts that succeeded (True) or failed (False).
            limit: items per page, 1 to 200.

        Yields:
            Each attempt, newest first.

        Raises:
            NotFoundError: no webhook has this id (404).
            APIError: the server handed back a cursor it gave before, or said there is more but
                gave no cursor (the iteration stops rather than loop or end early).
            ValidationError: an argument is invalid; nothing was sent.
            AuthenticationError: the API key was refused (401).
            APIError: Exa answered with another error status; its subclass names it
                (BadRequestError, NotFoundError, RateLimitError, InternalServerError, ...).
            APITimeoutError: a try had no answer within ``timeout``, and no retry was left.
            APIConnectionError: Exa could not be reached (refused, reset, DNS, TLS).
            ExaError: the client was closed.
        """
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            page = await self.list_webhook_attempts(
                webhook_id, event_type=event_type, successful=successful, limit=limit, cursor=cursor
            )
            for attempt in page.data:
                yield attempt
            if (cursor := _next_cursor(page, seen)) is None:
                return

    async def list_events(
        self,
        *,
        types: Events | None = None,
        created_after: When | None = None,
        created_before: When | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Page[WebhookEvent]:
        """Events Exa kept (60 days), optionally of some ``types`` only, created within
        ``created_after`` to ``created_before`` (both inclusive; aware datetimes or RFC 3339).

        Args:
            types: only events of these types (at least one).
            created_after: only events created at or after this time (an aware ``datetime`` or an
                RFC 3339 string).
            created_before: only events created at or before this time.
            limit: items per page, 1 to 200 (Exa's default is 25).
            cursor: a page's ``next_cursor``, for the page after it.

        Returns:
            A ``Page`` of ``WebhookEvent``.

        Raises:
            ValidationError: an argument is invalid; nothing was sent.
            AuthenticationError: the API key was refused (401).
            APIError: Exa answered with another error status; its subclass names it
                (BadRequestError, NotFoundError, RateLimitError, InternalServerError, ...).
            APITimeoutError: a try had no answer within ``timeout``, and no retry was left.
            APIConnectionError: Exa could not be reached (refused, reset, DNS, TLS).
            ExaError: the client was closed.
        """
        native = self._native.list_events
        return Page(*await native(types, created_after, created_before, limit, cursor))

    async def iter_events(
        self,
        *,
        types: Events | None = None,
        created_after: When | None = None,
        created_before: When | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[WebhookEvent]:
        """Every matching event, fetching pages of ``limit`` lazily as the iteration goes.

        Args:
            types: only events of these types (at least one).
            created_after: only events created at or after this time (an aware ``datetime`` or an
                RFC 3339 string).
            created_before: only events created at or before this time.
            limit: items per page, 1 to 200.

        Yields:
            Each matching event.

        Raises:
            APIError: the server handed back a cursor it gave before, or said there is more but
                gave no cursor (the iteration stops rather than loop or end early).
            ValidationError: an argument is invalid; nothing was sent.
            AuthenticationError: the API key was refused (401).
            APIError: Exa answered with another error status; its subclass names it
                (BadRequestError, NotFoundError, RateLimitError, InternalServerError, ...).
            APITimeoutError: a try had no answer within ``timeout``, and no retry was left.
            APIConnectionError: Exa could not be reached (refused, reset, DNS, TLS).
            ExaError: the client was closed.
        """
        types = _reusable(types)
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            page = await self.list_events(
                types=types,
                created_after=created_after,
                created_before=created_before,
                limit=limit,
                cursor=cursor,
            )
            for event in page.data:
                yield event
            if (cursor := _next_cursor(page, seen)) is None:
                return

    async def get_event(self, event_id: str) -> WebhookEvent:
        """The event with this id, as a delivery of it would carry it.

        Args:
            event_id: the event's id (an attempt's ``event_id``).

        Returns:
            The event.

        Raises:
            NotFoundError: no event has this id, or it is older than 60 days (404).
            ValidationError: an argument is invalid; nothing was sent.
            AuthenticationError: the API key was refused (401).
            APIError: Exa answered with another error status; its subclass names it
                (BadRequestError, NotFoundError, RateLimitError, InternalServerError, ...).
            APITimeoutError: a try had no answer within ``timeout``, and no retry was left.
            APIConnectionError: Exa could not be reached (refused, reset, DNS, TLS).
            ExaError: the client was closed.
        """
        return await self._native.get_event(event_id)

    async def aclose(self) -> None:
        """``close()``, for ``async with`` and code that awaits its cleanup.

        Raises nothing: closing twice is harmless.
        """
        self.close()

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


# Shared clients for the module-level functions, keyed by their whole configuration (the
# environment included, so changing EXA_API_KEY takes effect) through a keyed hash made in
# Rust: the API key itself is never a dict key or a local. Few configurations are ever live at
# once; beyond that the oldest is dropped (not closed: a thread may still use it).
_MAX_SHARED = 8
_shared: OrderedDict[tuple[bytes, str | None], Client] = OrderedDict()
_shared_lock = threading.Lock()


def _shared_client(api_key: str | None, base_url: str | None, timeout: float | None) -> Client:
    timeout_s = 60.0 if timeout is None else timeout
    try:
        config = shared_client_key(api_key, base_url)
        if config is None:  # not even strings: the client says what is wrong
            return Client(api_key, base_url=base_url, timeout=timeout_s)
        key = (config, None if timeout is None else repr(timeout))
        with _shared_lock:
            client = _shared.get(key)
            if client is not None:
                _shared.move_to_end(key)
                return client
        client = Client(api_key, base_url=base_url, timeout=timeout_s)
    finally:
        del api_key
    with _shared_lock:
        existing = _shared.setdefault(key, client)
        while len(_shared) > _MAX_SHARED:
            _shared.popitem(last=False)
    return existing


def create_webhook(
    events: Events,
    url: str,
    metadata: Mapping[str, str] | None = None,
    *,
    api_key: str | None = None,
    base_url: str | None = None,
    timeout: float | None = None,
) -> Webhook:
    """Creates a webhook with a shared, lazily built ``Client``.

    The configuration comes from the arguments, else ``EXA_API_KEY`` and ``EXA_BASE_URL``.

    Args:
        events: 1 to 19 event types (``EventType`` members or their names), no duplicates.
        url: the absolute ``https`` (or ``http``) URL Exa delivers to.
        metadata: string keys and values (values up to 1000 characters).
        api_key: the Exa API key; ``EXA_API_KEY`` when None.
        base_url: where Exa's API is; ``EXA_BASE_URL``, then ``https://api.exa.ai``, when None.
        timeout: seconds per try (60 when None).

    Returns:
        The new webhook, with its signing ``secret``.

    Raises:
        ValidationError: an argument is invalid; nothing was sent.
        AuthenticationError: the API key was refused (401).
        APIError: Exa answered with another error status; its subclass names it
            (BadRequestError, NotFoundError, RateLimitError, InternalServerError, ...).
        APITimeoutError: a try had no answer within ``timeout``, and no retry was left.
        APIConnectionError: Exa could not be reached (refused, reset, DNS, TLS).
    """
    try:
        client = _shared_client(api_key, base_url, timeout)
    finally:
        del api_key
    return client.create_webhook(events, url, metadata)
