"""``WebhookReceiver``: verify the raw body, parse, de-duplicate by event id, dispatch."""

from __future__ import annotations

import inspect
import logging
import math
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Literal, Protocol, TypeVar, cast, overload

# Every name of an annotation imported at run time: `typing.get_type_hints` resolves them.
from .._client import AsyncClient, Client
from .._event_type import EventType, EventTypeArg
from .._native import (
    EVENT_TYPES,
    ReceiverResponse,
    WebhookEvent,
    _Reception,
    construct_event,
    unknown_event_type,
)
from ..errors import SignatureVerificationError, ValidationError
from ..resources import (
    Import,
    Monitor,
    MonitorRun,
    TypedEvent,
    Webset,
    WebsetItem,
    WebsetSearch,
)
from ._dedupe import CLAIMED, DONE, PROCESSING, Claim, Dedupe, MemoryDedupe

__all__ = ["ReceiverResponse", "ReplayResult", "WebhookReceiver"]

logger = logging.getLogger("exa_webhooks")


class _HeaderItems(Protocol):
    def items(self) -> Iterable[tuple[str, str]]: ...


class _RawHeaderItems(Protocol):
    def items(self) -> Iterable[tuple[bytes, bytes]]: ...


Headers = str | bytes | _HeaderItems | _RawHeaderItems
"""The request's headers, or the value of its ``Exa-Signature`` header alone. Headers are
anything whose ``items()`` yields (name, value) pairs, matched case-insensitively: a dict,
Flask's, Django's or Starlette's ``request.headers``, ``http.server``'s ``self.headers``."""
Handler = Callable[[WebhookEvent], object]
"""Takes the event; returns None, or an awaitable (an ``async def`` handler)."""

_R = TypeVar("_R")
_D = TypeVar("_D")

DEFAULT_LEASE = 60.0
"""Seconds an event stays claimed while its handlers run, by default."""
_PROCESSED = "processed"
_BUSY = "being processed by another delivery; retry later"


@dataclass(frozen=True)
class ReplayResult:
    """What ``replay`` did with the events it fetched.

    ``processed``: handlers ran and succeeded. ``duplicates``: already processed, or being
    processed right now by a delivery or another replay (that one reports its outcome; if it
    fails, the event stays unprocessed for the next try). ``failed``: a handler raised or the
    dedupe store failed; the event is left unprocessed, so a later replay or Exa's retry runs
    it. ``ignored``: no handler for the event's type.
    """

    processed: int = 0
    """Events whose handlers ran and succeeded."""
    duplicates: int = 0
    """Events already processed, or being processed elsewhere."""
    failed: int = 0
    """Events whose handler raised or whose dedupe store failed."""
    ignored: int = 0
    """Events of a type with no handler."""

    @property
    def total(self) -> int:
        """Every event fetched."""
        return self.processed + self.duplicates + self.failed + self.ignored


class _Register(Protocol[_D]):
    """``on(...)``'s decorator: the handler may take a ``TypedEvent`` of the resource those
    event types carry, or a plain ``WebhookEvent``."""

    @overload
    def __call__(
        self, handler: Callable[[TypedEvent[_D]], _R], /
    ) -> Callable[[TypedEvent[_D]], _R]: ...
    @overload
    def __call__(
        self, handler: Callable[[WebhookEvent], _R], /
    ) -> Callable[[WebhookEvent], _R]: ...


_E = EventType
_WebsetType = Literal[
    "webset.created",
    "webset.deleted",
    "webset.idle",
    "webset.paused",
    _E.WEBSET_CREATED,
    _E.WEBSET_DELETED,
    _E.WEBSET_IDLE,
    _E.WEBSET_PAUSED,
]
_ItemType = Literal[
    "webset.item.created", "webset.item.enriched", _E.WEBSET_ITEM_CREATED, _E.WEBSET_ITEM_ENRICHED
]
_SearchType = Literal[
    "webset.search.created",
    "webset.search.updated",
    "webset.search.canceled",
    "webset.search.completed",
    _E.WEBSET_SEARCH_CREATED,
    _E.WEBSET_SEARCH_UPDATED,
    _E.WEBSET_SEARCH_CANCELED,
    _E.WEBSET_SEARCH_COMPLETED,
]
_ImportType = Literal["import.created", "import.completed", _E.IMPORT_CREATED, _E.IMPORT_COMPLETED]
_MonitorType = Literal[
    "monitor.created",
    "monitor.updated",
    "monitor.deleted",
    _E.MONITOR_CREATED,
    _E.MONITOR_UPDATED,
    _E.MONITOR_DELETED,
]
_RunType = Literal[
    "monitor.run.created", "monitor.run.completed", _E.MONITOR_RUN_CREATED, _E.MONITOR_RUN_COMPLETED
]

_Entry = tuple[Handler, bool]  # the handler, and whether it is an `async def`


def _problem(field: str, message: str) -> dict[str, str]:
    return {"field": field, "message": message}


def _raise(problems: list[dict[str, str]]) -> None:
    if problems:
        n = len(problems)
        lines = "".join(f"\n  {p['field']}: {p['message']}" for p in problems)
        raise ValidationError(f"{n} validation error{'s' if n > 1 else ''}{lines}", problems)


def _name(handler: object) -> str:
    return getattr(handler, "__qualname__", None) or repr(handler)


async def _awaited(awaitable: Awaitable[object]) -> object:
    return await awaitable


def _run_to_completion(awaitable: Awaitable[object], handler: object) -> None:
    """An ``async def`` handler reached from sync ``handle``: run it in a fresh event loop,
    unless this thread already runs one (it cannot be blocked on from inside)."""
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass  # no loop: run it below, outside this `except`, or the probe's RuntimeError
        # would become the context of whatever the handler raises
    else:
        close = getattr(awaitable, "close", None)
        if close is not None:
            close()  # no "never awaited" warning on top of this error
        raise RuntimeError(
            f"handler {_name(handler)} is async and handle() was called inside a running "
            "event loop: use `await receiver.handle_async(...)` there"
        )
    asyncio.run(awaitable if inspect.iscoroutine(awaitable) else _awaited(awaitable))


def _checked(dedupe: object, method: str, claim: Claim) -> Claim:
    """A custom store's answer to ``claim``, checked: one without a claim's ``state`` would
    fail on that attribute, out of ``handle``, instead of answering 503 with a log record.
    (A look-alike of ``Claim`` with the same attributes still does.)"""
    if getattr(claim, "state", None) not in (CLAIMED, PROCESSING, DONE):
        raise TypeError(
            f"{type(dedupe).__name__}.{method} returned {type(claim).__name__}, not an "
            "exa_webhooks.receiver.Claim"
        )
    return claim


def _refused(error: SignatureVerificationError | ValidationError) -> ReceiverResponse:
    """The 400 answer to a delivery that is not verified or not an event, logged."""
    if isinstance(error, SignatureVerificationError):
        # Never the body or the secret; the reason is what a misconfigured secret shows.
        logger.warning("exa_webhooks: refused a delivery (400): %s", error.reason)
        return ReceiverResponse(400, error.reason)
    problems = "; ".join(f"{e['field']}: {e['message']}" for e in error.errors)
    logger.warning("exa_webhooks: refused a delivery that is not an event: %s", problems)
    return ReceiverResponse(400, f"invalid_event: {problems}"[:1000])


def _oldest_first(events: list[WebhookEvent]) -> list[WebhookEvent]:
    """Exa lists newest first but does not promise it: sort by ``created_at``, stable, so
    events of the same instant keep the listing's order reversed (linear when it is sorted)."""
    events.reverse()
    events.sort(key=lambda event: event.created_at)
    return events


def _outcome(response: ReceiverResponse) -> int:
    """Index in (processed, duplicates, failed) of what ``process`` answered."""
    if response.status == 200:
        return 1 if response.duplicate else 0
    return 1 if response.body == _BUSY else 2


class WebhookReceiver:
    """Receives Exa's deliveries and runs each event's handlers once, across retries,
    duplicates and (with a shared ``dedupe`` store) a whole fleet of processes.

    ``secret``: the webhook's signing secret, or a list of them while rotating.
    ``tolerance``: seconds the signed timestamp may differ from now (None: no replay check).
    ``dedupe``: a store (``MemoryDedupe()``, this process only, by default).
    ``lease``: seconds an event stays claimed while its handlers run; if the process dies,
    the claim expires after that and Exa's next retry runs the event. Keep it longer than your
    slowest handler: once it lapses, another delivery may run the same event concurrently.
    """

    def __init__(
        self,
        secret: str | Sequence[str],
        *,
        tolerance: float | None = 300,
        dedupe: Dedupe | None = None,
        lease: float = DEFAULT_LEASE,
    ) -> None:
        problems: list[dict[str, str]] = []
        secrets = [secret] if isinstance(secret, str) else secret
        if isinstance(secrets, (bytes, bytearray)) or not isinstance(secrets, Sequence):
            problems.append(_problem("secret", "must be a string or a list of strings"))
        elif not secrets:
            problems.append(_problem("secret", "must contain at least one secret"))
        elif not all(isinstance(s, str) and s.strip() for s in secrets):
            problems.append(_problem("secret", "every secret must be a non-empty string"))
        if tolerance is not None and (
            isinstance(tolerance, bool)
            or not isinstance(tolerance, (int, float))
            or not math.isfinite(tolerance)
            or tolerance < 0
        ):
            problems.append(_problem("tolerance", "must be None or a number of seconds >= 0"))
        if (
            isinstance(lease, bool)
            or not isinstance(lease, (int, float))
            or not math.isfinite(lease)
            or lease <= 0
        ):
            problems.append(_problem("lease", "must be a positive number of seconds"))
        if dedupe is not None and not isinstance(dedupe, Dedupe):
            problems.append(
                _problem(
                    "dedupe",
                    "must be a dedupe store (MemoryDedupe, SQLiteDedupe, RedisDedupe, or an "
                    f"object with claim/commit/release and their _async twins), got "
                    f"{type(dedupe).__name__}",
                )
            )
        _raise(problems)
        # One secret passed alone: the Rust side then skips building a list.
        self._secret: str | list[str] = secrets[0] if len(secrets) == 1 else list(secrets)
        self._tolerance = tolerance
        self._lease = float(lease)
        self._dedupe: Dedupe = MemoryDedupe() if dedupe is None else dedupe
        self._registered: list[tuple[frozenset[str] | None, Handler, bool]] = []
        self._table: dict[str, tuple[_Entry, ...]] = {}
        self._catch_all: tuple[_Entry, ...] = ()
        self._plain: dict[str, tuple[Handler, ...]] = {}
        self._catch_all_plain: tuple[Handler, ...] = ()
        # The common delivery runs in Rust in one call, with a plain MemoryDedupe (whose
        # table it reaches directly; a subclass may override its methods), unless a subclass
        # of this class overrides `process`, which `handle` must then call.
        store = self._dedupe
        own = type(self).process is WebhookReceiver.process
        table = store if type(store) is MemoryDedupe and own else None
        self._reception = _Reception(self._secret, tolerance, self._lease, table, self)
        if type(self).handle is WebhookReceiver.handle:
            # The same delivery without this class's Python frame around the native call:
            # `handle` below, done in Rust (it hands back to `process`, `_go_on`, `_refused`).
            self.__dict__["handle"] = self._reception.deliver

    _refused = staticmethod(_refused)

    @property
    def dedupe(self) -> Dedupe:
        """The dedupe store that claims each event id."""
        return self._dedupe

    # --- Registration -------------------------------------------------------------------------

    @overload
    def on(self) -> _Register[dict[str, Any]]: ...
    @overload
    def on(self, event_type: _WebsetType, /, *more: _WebsetType) -> _Register[Webset]: ...
    @overload
    def on(self, event_type: _ItemType, /, *more: _ItemType) -> _Register[WebsetItem]: ...
    @overload
    def on(self, event_type: _SearchType, /, *more: _SearchType) -> _Register[WebsetSearch]: ...
    @overload
    def on(self, event_type: _ImportType, /, *more: _ImportType) -> _Register[Import]: ...
    @overload
    def on(self, event_type: _MonitorType, /, *more: _MonitorType) -> _Register[Monitor]: ...
    @overload
    def on(self, event_type: _RunType, /, *more: _RunType) -> _Register[MonitorRun]: ...
    @overload
    def on(self, *event_types: EventTypeArg) -> _Register[Any]: ...
    def on(self, *event_types: str) -> Any:
        """Registers the decorated function for these event types; ``on()`` for every type.

        Handlers of an event run one after another in the order they were registered, those
        for its type and the catch-all ones alike. An unknown type name is an error (with a
        suggestion); events of types this version does not know reach the catch-all handlers.

        Args:
            *event_types: the event types (``EventType`` members or names); none for every type.

        Returns:
            A decorator that registers the function and returns it unchanged.

        Raises:
            ValidationError: an unknown event type (with a suggestion), or one that is not a string.
            TypeError: the decorated object is not callable (raised by the decorator).
        """
        types = self._check_types(event_types)

        def register(handler: Handler) -> Handler:
            if not callable(handler):
                raise TypeError(f"a handler must be callable, got {type(handler).__name__}")
            is_async = inspect.iscoroutinefunction(handler)
            self._registered.append((types, handler, is_async))
            self._rebuild()
            return handler

        return register

    @staticmethod
    def _check_types(event_types: tuple[object, ...]) -> frozenset[str] | None:
        if not event_types:
            return None
        problems = []
        for i, t in enumerate(event_types):
            if not isinstance(t, str):
                problems.append(
                    _problem(
                        f"event_types[{i}]",
                        f"must be an event type string, got {type(t).__name__} "
                        "(pass several types as separate arguments)",
                    )
                )
            elif str(t) not in EVENT_TYPES:
                problems.append(_problem(f"event_types[{i}]", unknown_event_type(str(t))))
        _raise(problems)
        return frozenset(str(t) for t in event_types)

    def _rebuild(self) -> None:
        entries = self._registered
        self._table = {
            t: tuple((h, a) for types, h, a in entries if types is None or t in types)
            for t in EVENT_TYPES
        }
        self._catch_all = tuple((h, a) for types, h, a in entries if types is None)
        self._plain = {t: tuple(h for h, _ in hs) for t, hs in self._table.items()}
        self._catch_all_plain = tuple(h for h, _ in self._catch_all)
        # Rust runs the types whose handlers are all plain functions.
        self._reception.set_handlers(
            {t: self._plain[t] for t, hs in self._table.items() if hs and not any(a for _, a in hs)}
        )

    def handlers(self, event_type: str) -> list[Handler]:
        """The handlers an event of this type runs, in order.

        Args:
            event_type: an event type name.

        Returns:
            The handlers, those for the type and the catch-all ones, in registration order.

        Raises nothing.
        """
        return [h for h, _ in self._table.get(event_type, self._catch_all)]

    # --- Receiving ----------------------------------------------------------------------------

    def _verify(self, body: bytes | bytearray | memoryview | str, headers: Headers | None) -> Any:
        """The event, or the 400 answer saying why not (no handler runs then)."""
        try:
            return construct_event(body, headers, self._secret, tolerance=self._tolerance)
        except (SignatureVerificationError, ValidationError) as error:
            return _refused(error)

    def handle(
        self, body: bytes | bytearray | memoryview | str, headers: Headers | None
    ) -> ReceiverResponse:
        """Verifies the raw body against the ``Exa-Signature`` header, then ``process``-es it.

        Sync: for Flask, Django, any WSGI server. ``async def`` handlers run to completion in
        a fresh event loop (``asyncio.run``), which is an error (a 500, logged) if this thread
        already runs a loop: call ``handle_async`` there.

        Args:
            body: the raw request body, exactly as received.
            headers: the request's headers, or the ``Exa-Signature`` value alone.

        Returns:
            The answer to give Exa: 400 for a bad signature or body, 200 once processed (or a
            duplicate, or no handler), 500 when a handler raised (Exa delivers again), 503 while
            another delivery holds the event or the dedupe store fails.

        Raises nothing: a handler's exception is logged and answered 500. ``KeyboardInterrupt``
        and ``SystemExit`` propagate (the claim is released first).
        """
        # What an instance's `handle` is, unless a subclass overrides this (and calls it).
        return self._reception.deliver(body, headers)

    async def handle_async(
        self, body: bytes | bytearray | memoryview | str, headers: Headers | None
    ) -> ReceiverResponse:
        """``handle`` for asyncio apps: ``async def`` handlers are awaited on the loop; plain
        ``def`` handlers run in a worker thread (``asyncio.to_thread``), as FastAPI runs sync
        endpoints, so a blocking handler does not stall the loop.

        Args:
            body: the raw request body, exactly as received.
            headers: the request's headers, or the ``Exa-Signature`` value alone.

        Returns:
            The answer to give Exa, as ``handle`` gives it.

        Raises nothing: a handler's exception is logged and answered 500. Cancellation
        propagates.
        """
        event = self._verify(body, headers)
        if type(event) is ReceiverResponse:
            return event
        return await self.process_async(event)

    def process(self, event: WebhookEvent) -> ReceiverResponse:
        """Runs an already verified event (say, fetched from the Events API) through the
        dedupe store and the handlers: claim, run, then commit on success or release on error.

        Args:
            event: the event, already verified.

        Returns:
            200 once processed (or a duplicate, or no handler), 500 when a handler raised, 503
            while another delivery holds the event or the dedupe store fails.

        Raises nothing: a handler's exception is logged and answered 500. ``KeyboardInterrupt``
        and ``SystemExit`` propagate (the claim is released first).
        """
        handlers = self._plain.get(event.type, self._catch_all_plain)
        if not handlers:
            return ReceiverResponse(200, f"ignored: no handler for {event.type}", event)
        try:
            claim = _checked(self._dedupe, "claim", self._dedupe.claim(event.id, self._lease))
        except Exception:
            return self._store_failed(event, "claim")
        if claim.state != CLAIMED:
            return self._not_claimed(event, claim)
        return self._run(event, claim, handlers, 0, None, None)

    def _go_on(
        self,
        event: WebhookEvent,
        token: int,
        handlers: tuple[Handler, ...],
        start: int,
        result: object,
        error: BaseException | None,
    ) -> ReceiverResponse:
        """Where the Rust side handed back: handler ``start - 1`` raised or returned something."""
        claim = Claim(event.id, CLAIMED, str(token))
        return self._run(event, claim, handlers, start, result, error)

    def _run(
        self,
        event: WebhookEvent,
        claim: Claim,
        handlers: tuple[Handler, ...],
        start: int,
        result: object,
        error: BaseException | None,
    ) -> ReceiverResponse:
        """Runs ``handlers[start:]`` (handler ``start - 1`` having returned ``result`` or raised
        ``error``), then commits the claim, or releases it if a handler raised."""
        handler: Handler | None = handlers[start - 1] if start else None
        try:
            if error is not None:
                try:
                    raise error
                finally:
                    error = None  # its traceback holds this frame: no cycle through it
            if result is not None and inspect.isawaitable(result):
                _run_to_completion(result, handler)
            for handler in handlers[start:]:
                result = handler(event)
                if result is not None and inspect.isawaitable(result):
                    _run_to_completion(result, handler)
        except Exception as failure:
            response = self._handler_failed(event, handler)
            # Logged. A handler's error handed back from Rust is also held by our callers'
            # frames, which its traceback holds in turn: drop the traceback, no cycle.
            failure.__traceback__ = None
            try:
                self._dedupe.release(claim)
            except Exception:
                self._store_failed(event, "release")
            return response
        except BaseException:
            # Ctrl-C, SystemExit: the handler is not running any more; let a retry run it.
            try:
                self._dedupe.release(claim)
            except Exception:
                self._store_failed(event, "release")
            raise
        try:
            self._dedupe.commit(claim)
        except Exception:
            self._store_failed(event, "commit")
        return ReceiverResponse(200, _PROCESSED, event)

    async def process_async(self, event: WebhookEvent) -> ReceiverResponse:
        """``process`` for asyncio: the store's ``*_async`` methods, handlers as in
        ``handle_async``.

        Args:
            event: the event, already verified.

        Returns:
            The answer, as ``process`` gives it.

        Raises nothing: a handler's exception is logged and answered 500. Cancellation
        propagates.
        """
        handlers = self._table.get(event.type, self._catch_all)
        if not handlers:
            return ReceiverResponse(200, f"ignored: no handler for {event.type}", event)
        dedupe = self._dedupe
        try:
            claim = _checked(dedupe, "claim_async", await dedupe.claim_async(event.id, self._lease))
        except Exception:
            return self._store_failed(event, "claim")
        if claim.state != CLAIMED:
            return self._not_claimed(event, claim)
        handler: Handler | None = None
        in_thread = False
        try:
            for handler, is_async in handlers:
                if is_async:
                    result = handler(event)
                else:
                    import asyncio

                    in_thread = True
                    try:
                        result = await asyncio.to_thread(handler, event)
                    except BaseException as raised:
                        # Cancelled, it runs on in its thread; anything else it raised itself
                        # (KeyboardInterrupt, SystemExit too), so it is over.
                        in_thread = isinstance(raised, asyncio.CancelledError)
                        raise
                    in_thread = False
                if result is not None and inspect.isawaitable(result):
                    await result
        except Exception:
            response = self._handler_failed(event, handler)
            try:
                await dedupe.release_async(claim)
            except Exception:
                self._store_failed(event, "release")
            return response
        except BaseException:
            # Cancelled. A sync handler in its thread runs on regardless: keep the claim then,
            # so no retry runs the event beside it; the lease frees it. Otherwise release.
            if not in_thread:
                try:
                    await dedupe.release_async(claim)
                except Exception:
                    self._store_failed(event, "release")
            raise
        try:
            await dedupe.commit_async(claim)
        except Exception:
            self._store_failed(event, "commit")
        return ReceiverResponse(200, _PROCESSED, event)

    @staticmethod
    def _not_claimed(event: WebhookEvent, claim: Claim) -> ReceiverResponse:
        if claim.state == DONE:
            return ReceiverResponse(200, "duplicate: already processed", event, duplicate=True)
        # Not 2xx, or Exa would stop retrying and the event would be lost if the holder fails;
        # 503, not 409: Exa publishes no retry policy, and a 5xx is what every sender retries.
        return ReceiverResponse(
            503,
            _BUSY,
            event,
            retry_after=claim.retry_after,
        )

    @staticmethod
    def _handler_failed(event: WebhookEvent, handler: Handler | None) -> ReceiverResponse:
        # In the except block of the caller, so the traceback goes with the record.
        logger.exception(
            "exa_webhooks: handler %s raised on event %s (%s); answered 500 so that Exa "
            "delivers it again",
            _name(handler),
            event.id,
            event.type,
        )
        return ReceiverResponse(500, "handler failed; deliver again later", event)

    @staticmethod
    def _store_failed(event: WebhookEvent, step: str) -> ReceiverResponse:
        if step == "commit":
            message = (
                "exa_webhooks: event %s (%s) was processed but the dedupe store failed to "
                "record it; a redelivery may run its handlers again"
            )
        elif step == "release":
            message = (
                "exa_webhooks: the dedupe store failed to release event %s (%s) after its "
                "handler failed; a retry can run it once its lease expires"
            )
        else:
            message = "exa_webhooks: the dedupe store failed on event %s (%s); answered 503"
        logger.exception(message, event.id, event.type)
        return ReceiverResponse(503, "dedupe store unavailable; retry later", event)

    # --- Replaying missed events ------------------------------------------------------------

    def replay(
        self,
        client: Client,
        *,
        since: datetime | str | timedelta,
        until: datetime | str | None = None,
        types: Iterable[EventTypeArg] | None = None,
    ) -> ReplayResult:
        """Fetches the events created from ``since`` to ``until`` (both inclusive; aware
        datetimes or RFC 3339; ``since`` may be a ``timedelta`` back from now, ``until`` None
        for up to now) with the Events API, and ``process``-es them oldest first, through the
        same dedupe store and handlers as deliveries. ``types``: only these (by default the
        types that have a handler; every type if a catch-all ``on()`` handler exists).

        A failing event is counted and the replay goes on; it stays unprocessed, so the next
        replay or Exa's retry runs it. The window's events are fetched first, then processed:
        memory grows with the window (events of types without a handler are not kept), so
        replay a very long outage in slices (a day at a time, oldest first).

        Args:
            client: the ``Client`` to list the events with.
            since: the window's start: an aware ``datetime``, an RFC 3339 string, or a
                ``timedelta`` back from now.
            until: the window's end (None: now).
            types: only events of these types.

        Returns:
            How many events were processed, duplicates, failed and ignored.

        Raises:
            ValidationError: a bad argument (not a ``Client``, a naive datetime, an unknown type),
                before any request.
            APIError: listing the events failed (its subclasses as for ``Client.iter_events``).
            APIConnectionError: Exa could not be reached (``APITimeoutError``: no answer in time).
        """
        after, fetch_types = self._replay_args(client, Client, since, until, types)
        if not self._registered:
            return ReplayResult()  # no handler at all: nothing to fetch
        events, ignored = self._kept(
            client.iter_events(
                types=fetch_types, created_after=after, created_before=until, limit=200
            )
        )
        counts = [0, 0, 0]
        for event in _oldest_first(events):
            counts[_outcome(self.process(event))] += 1
        return self._replayed(counts, ignored)

    async def replay_async(
        self,
        client: AsyncClient,
        *,
        since: datetime | str | timedelta,
        until: datetime | str | None = None,
        types: Iterable[EventTypeArg] | None = None,
    ) -> ReplayResult:
        """``replay`` with an ``AsyncClient``: events run through ``process_async``.

        Args:
            client: the ``AsyncClient`` to list the events with.
            since: the window's start: an aware ``datetime``, an RFC 3339 string, or a
                ``timedelta`` back from now.
            until: the window's end (None: now).
            types: only events of these types.

        Returns:
            How many events were processed, duplicates, failed and ignored.

        Raises:
            ValidationError: a bad argument (not an ``AsyncClient``, a naive datetime, an unknown
                type), before any request.
            APIError: listing the events failed (with its subclasses, as for
                ``AsyncClient.iter_events``).
            APIConnectionError: Exa could not be reached (``APITimeoutError``: no answer in time).
        """
        after, fetch_types = self._replay_args(client, AsyncClient, since, until, types)
        if not self._registered:
            return ReplayResult()
        events: list[WebhookEvent] = []
        ignored = 0
        async for event in client.iter_events(
            types=fetch_types, created_after=after, created_before=until, limit=200
        ):
            if self._table.get(event.type, self._catch_all):
                events.append(event)
            else:
                ignored += 1
        counts = [0, 0, 0]
        for event in _oldest_first(events):
            counts[_outcome(await self.process_async(event))] += 1
        return self._replayed(counts, ignored)

    def _replay_args(
        self,
        client: object,
        client_type: type,
        since: object,
        until: object,
        types: Iterable[EventTypeArg] | None,
    ) -> tuple[datetime | str, Iterable[EventTypeArg] | None]:
        """``since`` as the Events API takes it, and the types to fetch (None: every type).
        The rest (a naive datetime, a bad string, an unknown type) the client itself checks,
        before any request."""
        problems = []
        if not isinstance(client, client_type):
            problems.append(
                _problem(
                    "client",
                    f"must be an exa_webhooks.{client_type.__name__}, got {type(client).__name__}",
                )
            )
        after: Any = since
        if isinstance(since, timedelta):
            if since <= timedelta(0):
                problems.append(_problem("since", "a timedelta must be positive (how far back)"))
            else:
                after = datetime.now(timezone.utc) - since
        elif since is None or not isinstance(since, (datetime, str)):
            problems.append(
                _problem(
                    "since",
                    "must be an aware datetime, an RFC 3339 string or a timedelta back from now"
                    f", got {type(since).__name__}",
                )
            )
        if until is not None and not isinstance(until, (datetime, str)):
            problems.append(
                _problem(
                    "until",
                    f"must be None, an aware datetime or an RFC 3339 string, got "
                    f"{type(until).__name__}",
                )
            )
        _raise(problems)
        if types is not None:
            return after, types  # checked by the client
        if self._catch_all:
            return after, None
        handled = sorted(t for t, entries in self._table.items() if entries)
        return after, cast("list[EventTypeArg]", handled)  # keys of _table: EVENT_TYPES

    def _kept(self, events: Iterable[WebhookEvent]) -> tuple[list[WebhookEvent], int]:
        kept: list[WebhookEvent] = []
        ignored = 0
        for event in events:
            if self._table.get(event.type, self._catch_all):
                kept.append(event)
            else:
                ignored += 1
        return kept, ignored

    @staticmethod
    def _replayed(counts: list[int], ignored: int) -> ReplayResult:
        processed, duplicates, failed = counts
        result = ReplayResult(processed, duplicates, failed, ignored)
        logger.info(
            "exa_webhooks: replayed %d events: %d processed, %d duplicates, %d failed, %d ignored",
            result.total,
            result.processed,
            result.duplicates,
            result.failed,
            result.ignored,
        )
        return result

    # --- Apps ---------------------------------------------------------------------------------

    def asgi(self, *, max_body_size: int = 8 * 1024 * 1024) -> ASGIApp:
        """An ASGI 3 app answering POSTs with ``handle_async`` (405 for other methods, 413 for
        a body over ``max_body_size`` bytes): serve it with uvicorn or mount it in Starlette.

        Args:
            max_body_size: the largest body accepted, in bytes.

        Returns:
            The ASGI app.

        Raises:
            ValidationError: ``max_body_size`` is not a positive int.
        """
        return ASGIApp(self, max_body_size)

    def wsgi(self, *, max_body_size: int = 8 * 1024 * 1024) -> WSGIApp:
        """A WSGI app answering POSTs with ``handle`` (405 otherwise, 411 without a length,
        413 over ``max_body_size`` bytes): for gunicorn, or mounted in Flask or Django.

        Args:
            max_body_size: the largest body accepted, in bytes.

        Returns:
            The WSGI app.

        Raises:
            ValidationError: ``max_body_size`` is not a positive int.
        """
        return WSGIApp(self, max_body_size)

    def __repr__(self) -> str:
        n = 1 if isinstance(self._secret, str) else len(self._secret)
        return (
            f"WebhookReceiver(secrets={n} hidden, handlers={len(self._registered)}, "
            f"dedupe={self.dedupe!r}, lease={self._lease:g})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        raise TypeError("a WebhookReceiver holds webhook secrets and cannot be pickled")


# Last: _apps imports this module's classes in turn (their annotations name them).
from ._apps import ASGIApp, WSGIApp  # noqa: E402
