"""An Exa-compatible Webhooks API server, in-process, for tests, demos and benchmarks.

    with ExaServer() as server:
        client = server.client()
        webhook = client.create_webhook(["webset.created"], "https://example.com/hook")
        assert server.webhooks == [webhook]  # the server keeps the secret too

It runs in Rust on background threads and answers real HTTP on loopback, as Exa does. It
holds up against careless and hostile clients: connections, time and memory are bounded (see
``ExaServer``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import TracebackType
from typing import Any

from ._client import AsyncClient, Client
from ._event_type import EventTypeArg
from ._native import NativeServer, RecordedRequest, Webhook, WebhookEvent
from ._samples import SampleDelivery, sample_delivery

__all__ = ["ExaServer", "RecordedRequest", "SampleDelivery", "sample_delivery"]


class ExaServer:
    """Starts at once on ``host:port`` (``port=0`` picks a free port); ``stop()`` ends it.

    Limits, so that no client can exhaust the server (tests may set small ones):

    - ``max_connections``: connections served at once. The next ones get an immediate
      ``503`` (``Retry-After: 1``, nothing done, so clients retry even a create) and are
      closed.
    - ``header_timeout`` (seconds): a request head must arrive within it of its first byte
      (a new connection's first, of connecting), and its body within it of the head (else
      ``408``); a client that reads nothing of its answer for that long is disconnected.
    - ``idle_timeout`` (seconds): a connection with no request in progress for that long is
      closed.
    - ``max_webhooks``: stored webhooks (also at most 256 MB of them, metadata included).
      Past it, creates answer ``422`` with tag ``WEBHOOK_LIMIT_REACHED``.

    Deliveries (``emit`` and the trigger route), as Exa makes them:

    - ``delivery_attempts`` (1 to 10): tries of a delivery that fails (no 2xx, no answer in
      time, no connection), the waits between them 0.1, 0.2, 0.4 and 0.8 seconds, then 1 s
      each. Each try is a ``WebhookAttempt`` numbered by its ``attempt`` (1, 2, ...).
    - ``deliver_to_any_host``: by default deliveries go only to loopback (127.0.0.0/8,
      ``::1``, and ``localhost``, which is never looked up in DNS); a webhook elsewhere (such
      as ``https://example.com/...``) gets an attempt that says it was not delivered, and
      why, without any connection. True delivers to any host.

    A bad argument raises ``ValidationError`` naming it; a host or port that cannot be bound
    raises ``OSError``.
    """

    __slots__ = ("_native",)

    def __init__(
        self,
        api_key: str = "test-key",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        max_connections: int = 512,
        header_timeout: float = 10.0,
        idle_timeout: float = 60.0,
        max_webhooks: int = 100_000,
        delivery_attempts: int = 1,
        deliver_to_any_host: bool = False,
    ) -> None:
        self._native = NativeServer(
            api_key,
            host,
            port,
            max_connections,
            header_timeout,
            idle_timeout,
            max_webhooks,
            delivery_attempts,
            deliver_to_any_host,
        )

    @property
    def url(self) -> str:
        """The base URL its own clients use, e.g. ``http://127.0.0.1:53122``. A server bound
        to every interface (``0.0.0.0``, ``::``) is reached on loopback."""
        return self._native.url

    @property
    def host(self) -> str:
        """The address it is bound to, e.g. ``0.0.0.0``."""
        return self._native.host

    @property
    def api_key(self) -> str:
        """The API key it accepts."""
        return self._native.api_key

    @property
    def port(self) -> int:
        """The port it listens on."""
        return self._native.port

    @property
    def running(self) -> bool:
        """False once stopped."""
        return self._native.running

    @property
    def webhooks(self) -> list[Webhook]:
        """What the server stores, in creation order, with each webhook's secret."""
        return self._native.webhooks()

    @property
    def requests(self) -> list[RecordedRequest]:
        """The requests it served, oldest first: the most recent 10,000, with at most 64 MB
        between them, headers included. Requests refused before any work (no valid key, an
        unknown path, a body too large or too slow, too many connections) are not kept."""
        return self._native.requests()

    @property
    def events(self) -> list[WebhookEvent]:
        """Every event the server keeps, oldest first (by ``created_at``, then emission): the
        latest 10,000 by ``created_at``, served by ``list_events`` and ``get_event``."""
        return self._native.events()

    def emit(
        self,
        event_type: EventTypeArg,
        data: Mapping[str, Any] | None = None,
        *,
        timeout: float = 10.0,
        created_at: datetime | str | None = None,
        duplicate: bool = False,
    ) -> WebhookEvent:
        """Stores an event and delivers it as Exa does; returns it once every try of every
        delivery has finished.

        The event is kept (listed by ``list_events``, found by ``get_event``) whether or not
        a webhook is subscribed. Every active webhook subscribed to ``event_type`` gets an
        HTTP POST of the event's JSON, signed in ``Exa-Signature`` with that webhook's secret;
        redirects are not followed and each try waits at most ``timeout`` seconds. A failing
        delivery is tried again up to the server's ``delivery_attempts``. Each try is recorded
        as a ``WebhookAttempt`` (successful on a 2xx), whose ``event_id`` is the event's and
        whose ``attempt`` numbers it; one with no answer has status 0 and its reason in
        words as ``response_body`` (``"not delivered: connection refused by
        127.0.0.1:8123"``). ``duplicate=True`` delivers the event twice, the same id both
        times (the second once the first's tries are over; attempt numbers run on), as Exa may
        when an answer is lost: receivers must handle it once. ``data`` defaults to a valid
        resource of the type's kind per Exa's spec (a Webset for ``webset.*``, a WebsetItem
        for ``webset.item.*``...). ``created_at`` (an aware datetime or RFC 3339 string)
        backdates the event, for tests of time windows and of recovery after downtime; it is
        delivered at once all the same.

        Args:
            event_type: the event's type (an ``EventType`` member or its name).
            data: the resource the event carries (default: a plausible one of its kind).
            timeout: seconds each delivery may take.
            created_at: when the event was created (default: now).

        Returns:
            The stored event.

        Raises:
            ValidationError: an unknown event type, data that is not JSON, a bad ``timeout``
                or ``created_at``.
            RuntimeError: the server is stopped, or is stopped meanwhile by another thread
                (``stop()`` waits for ``emit`` to give up, then shuts down), or this is a
                forked child (the server's threads are in the parent: start a new server).
        """
        if isinstance(data, Mapping) and not isinstance(data, dict):
            data = dict(data)  # the native side takes a dict
        return self._native.emit(event_type, data, timeout, created_at, duplicate)

    def add_fault(
        self,
        *,
        status: int | None = None,
        body: str | Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        reset: bool = False,
        truncate: bool = False,
        hang: bool = False,
        delay: float = 0.0,
        after_processing: bool = False,
        times: int = 1,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        """Makes the next ``times`` matching requests fail, to test retry and timeout handling.

        Choose at most one action: ``status`` (answer with it, in Exa's error shape unless
        ``body`` is given: a dict or JSON text as JSON, other text such as a proxy's HTML page
        exactly as given; plus ``headers`` such as ``Retry-After``), ``reset`` (close the
        connection without an answer), ``truncate`` (half the answer, then close) or ``hang``
        (never answer). ``delay`` waits first; alone, it only makes the answer late.
        ``after_processing`` handles the request for real first (a create really creates),
        then misbehaves: the case where a client cannot know whether it worked.
        ``method`` and ``path`` (e.g. ``"/websets/v0/webhooks"``) limit which requests match.
        Faults apply in the order added, only to requests with a valid key; the request is
        recorded in ``requests`` either way.

        Args:
            status: the HTTP status to answer with.
            body: the body of that answer (a dict or JSON text is sent as JSON).
            headers: headers of that answer.
            reset: close the connection without an answer.
            truncate: send half the answer, then close.
            hang: never answer.
            delay: seconds to wait first.
            after_processing: handle the request for real before misbehaving.
            times: how many matching requests the fault affects.
            method: only requests with this method.
            path: only requests to this path.

        Raises:
            ValidationError: a bad argument, or more than one action.
        """
        if isinstance(body, Mapping) and not isinstance(body, dict):
            body = dict(body)  # the native side takes a dict
        self._native.add_fault(
            status,
            body,
            headers,
            reset,
            truncate,
            hang,
            delay,
            after_processing,
            times,
            method,
            path,
        )

    def clear_faults(self) -> None:
        """Drops every fault not yet used.

        Raises nothing.
        """
        self._native.clear_faults()

    @property
    def pending_faults(self) -> int:
        """How many requests the remaining faults will still affect."""
        return self._native.pending_faults

    def client(self, *, timeout: float = 60.0, max_retries: int = 2) -> Client:
        """A ``Client`` bound to this server.

        Args:
            timeout: seconds per try.
            max_retries: retries of transient failures.

        Returns:
            A new client with this server's URL and API key.

        Raises:
            ValidationError: a ``timeout`` or ``max_retries`` out of range.
        """
        return Client(self.api_key, base_url=self.url, timeout=timeout, max_retries=max_retries)

    def async_client(self, *, timeout: float = 60.0, max_retries: int = 2) -> AsyncClient:
        """An ``AsyncClient`` bound to this server.

        Args:
            timeout: seconds per try.
            max_retries: retries of transient failures.

        Returns:
            A new asyncio client with this server's URL and API key.

        Raises:
            ValidationError: a ``timeout`` or ``max_retries`` out of range.
        """
        return AsyncClient(
            self.api_key, base_url=self.url, timeout=timeout, max_retries=max_retries
        )

    def stop(self) -> None:
        """Closes the listener and all connections, once any ``emit`` in another thread has
        given up. Safe to call twice.

        Raises nothing.
        """
        self._native.stop()

    def __enter__(self) -> ExaServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"ExaServer(url={self.url!r}, {state})"
