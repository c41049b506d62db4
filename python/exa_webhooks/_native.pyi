import builtins
from asyncio import AbstractEventLoop
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import datetime
from os import PathLike
from typing import Any, ClassVar, Literal, TypeVar, final

from typing_extensions import disjoint_base

from .receiver._receiver import Headers as _Headers
from .resources import WebhookStatus

_T = TypeVar("_T")
_Handler = Callable[[WebhookEvent], object]

__all__ = [
    "DEFAULT_BASE_URL",
    "EVENT_TYPES",
    "Completer",
    "NativeAsyncClient",
    "NativeClient",
    "NativeServer",
    "ReceiverResponse",
    "RecordedRequest",
    "Webhook",
    "WebhookAttempt",
    "WebhookEvent",
    "_MemoryTable",
    "_Reception",
    "__version__",
    "construct_event",
    "default_event_data",
    "parse_event",
    "shared_client_key",
    "sign_payload",
    "unknown_event_type",
    "verify_signature",
]

__version__: str
EVENT_TYPES: tuple[str, ...]
DEFAULT_BASE_URL: str

@final
class Webhook:
    """A webhook, frozen. ``secret`` is set only in the answer to a create; repr masks it."""

    __match_args__: ClassVar[tuple[str, ...]]
    def __new__(
        cls,
        *,
        id: str,
        status: WebhookStatus,
        events: Iterable[str],
        url: str,
        created_at: datetime | str,
        updated_at: datetime | str,
        secret: str | None = None,
        metadata: Mapping[str, str] | None = None,
        object: str = "webhook",
    ) -> Webhook: ...
    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Webhook:
        """A `Webhook` from the API's JSON shape (camelCase keys, RFC 3339 strings).

        Fields this version does not know are kept (``to_dict()`` gives them back).

        Args:
            data: the decoded JSON object.

        Returns:
            The Webhook.

        Raises:
            ValidationError: ``data`` is not such an object (every problem listed).
        """
    def to_dict(self) -> dict[str, Any]:
        """The API's JSON shape, including fields this version does not know.

        Returns:
            A new dict of JSON values (camelCase keys, RFC 3339 times).

        Raises nothing.
        """
    @property
    def id(self) -> str:
        """The webhook's id, e.g. ``webhook_...``."""
    @property
    def object(self) -> str:
        """The object name: ``"webhook"``."""
    @property
    def status(self) -> WebhookStatus:
        """``"active"`` or ``"inactive"``."""
    @property
    def events(self) -> tuple[str, ...]:
        """The event types it is subscribed to (unknown ones are kept as given)."""
    @property
    def url(self) -> str:
        """Where Exa delivers the events."""
    @property
    def secret(self) -> str | None:
        """The signing secret: only in the answer to a create, else None. repr masks it."""
    @property
    def metadata(self) -> dict[str, str]:
        """Your string keys and values."""
    @property
    def created_at(self) -> datetime:
        """When it was created (timezone-aware)."""
    @property
    def updated_at(self) -> datetime:
        """When it was last changed (timezone-aware)."""
    def __eq__(self, value: builtins.object, /) -> bool: ...
    def __hash__(self) -> int: ...
    def _repr_pretty_(self, p: Any, cycle: bool) -> None: ...
    def _repr_html_(self) -> str: ...
    def __replace__(
        self,
        *,
        id: str = ...,
        status: WebhookStatus = ...,
        events: Iterable[str] = ...,
        url: str = ...,
        created_at: datetime | str = ...,
        updated_at: datetime | str = ...,
        secret: str | None = ...,
        metadata: Mapping[str, str] | None = ...,
        object: str = ...,
    ) -> Webhook: ...
    def __reduce__(self) -> tuple[Any, ...]: ...

_PageTuple = tuple[list[_T], bool, str | None]

@final
class NativeClient:
    """Blocking calls; `Client` wraps it."""

    def __new__(
        cls,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        ca_bundle: str | PathLike[str] | None = None,
    ) -> NativeClient: ...
    @property
    def base_url(self) -> str: ...
    @property
    def timeout(self) -> float: ...
    @property
    def max_retries(self) -> int: ...
    @property
    def closed(self) -> bool: ...
    def close(self) -> None: ...
    def with_options(
        self, timeout: float | None = None, max_retries: int | None = None
    ) -> NativeClient: ...
    # Its calls answer `(value, status, headers, request_id, attempts)`: typed by the
    # RawClient/AsyncRawClient that wrap it (_raw_response.pyi).
    def with_raw_response(self) -> Any: ...
    def create_webhook(
        self, events: Iterable[str], url: str, metadata: Mapping[str, str] | None = None
    ) -> Webhook: ...
    def get_webhook(self, webhook_id: str) -> Webhook: ...
    def update_webhook(
        self,
        webhook_id: str,
        events: Iterable[str] | None = None,
        url: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> Webhook: ...
    def delete_webhook(self, webhook_id: str) -> Webhook: ...
    def list_webhooks(
        self, limit: int | None = None, cursor: str | None = None
    ) -> _PageTuple[Webhook]: ...
    def list_webhook_attempts(
        self,
        webhook_id: str,
        event_type: str | None = None,
        successful: bool | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> _PageTuple[WebhookAttempt]: ...
    def list_events(
        self,
        types: Iterable[str] | None = None,
        created_after: datetime | str | None = None,
        created_before: datetime | str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> _PageTuple[WebhookEvent]: ...
    def get_event(self, event_id: str) -> WebhookEvent: ...

@final
class NativeAsyncClient:
    """Awaitable calls for the running asyncio loop; `AsyncClient` wraps it."""

    def __new__(
        cls,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float | None = None,
        max_retries: int | None = None,
        ca_bundle: str | PathLike[str] | None = None,
    ) -> NativeAsyncClient: ...
    @property
    def base_url(self) -> str: ...
    @property
    def timeout(self) -> float: ...
    @property
    def max_retries(self) -> int: ...
    @property
    def closed(self) -> bool: ...
    def close(self) -> None: ...
    def with_options(
        self, timeout: float | None = None, max_retries: int | None = None
    ) -> NativeAsyncClient: ...
    # Its calls answer `(value, status, headers, request_id, attempts)`: typed by the
    # RawClient/AsyncRawClient that wrap it (_raw_response.pyi).
    def with_raw_response(self) -> Any: ...
    def create_webhook(
        self, events: Iterable[str], url: str, metadata: Mapping[str, str] | None = None
    ) -> Awaitable[Webhook]: ...
    def get_webhook(self, webhook_id: str) -> Awaitable[Webhook]: ...
    def update_webhook(
        self,
        webhook_id: str,
        events: Iterable[str] | None = None,
        url: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> Awaitable[Webhook]: ...
    def delete_webhook(self, webhook_id: str) -> Awaitable[Webhook]: ...
    def list_webhooks(
        self, limit: int | None = None, cursor: str | None = None
    ) -> Awaitable[_PageTuple[Webhook]]: ...
    def list_webhook_attempts(
        self,
        webhook_id: str,
        event_type: str | None = None,
        successful: bool | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Awaitable[_PageTuple[WebhookAttempt]]: ...
    def list_events(
        self,
        types: Iterable[str] | None = None,
        created_after: datetime | str | None = None,
        created_before: datetime | str | None = None,
        limit: int | None = None,
        cursor: str | None = None,
    ) -> Awaitable[_PageTuple[WebhookEvent]]: ...
    def get_event(self, event_id: str) -> Awaitable[WebhookEvent]: ...

@final
class WebhookAttempt:
    """One delivery try of an event to a webhook, frozen."""

    __match_args__: ClassVar[tuple[str, ...]]
    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WebhookAttempt:
        """A `WebhookAttempt` from the API's JSON shape.

        Fields this version does not know are kept (``to_dict()`` gives them back).

        Args:
            data: the decoded JSON object.

        Returns:
            The WebhookAttempt.

        Raises:
            ValidationError: ``data`` is not such an object (every problem listed).
        """
    def to_dict(self) -> dict[str, Any]:
        """The API's JSON shape, including fields this version does not know.

        Returns:
            A new dict of JSON values (camelCase keys, RFC 3339 times).

        Raises nothing.
        """
    @property
    def id(self) -> str:
        """The attempt's id."""
    @property
    def object(self) -> str:
        """The object name: ``"webhook_attempt"``."""
    @property
    def event_id(self) -> str:
        """The id of the event delivered (``get_event`` fetches it)."""
    @property
    def event_type(self) -> str:
        """The type of the event delivered."""
    @property
    def webhook_id(self) -> str:
        """The webhook it was delivered for."""
    @property
    def url(self) -> str:
        """Where it was delivered."""
    @property
    def successful(self) -> bool:
        """Whether the receiver answered 2xx."""
    @property
    def response_headers(self) -> dict[str, str]:
        """The receiver's answer's headers."""
    @property
    def response_body(self) -> str | None:
        """The receiver's answer's body, or None."""
    @property
    def response_status_code(self) -> int:
        """The receiver's answer's HTTP status."""
    @property
    def attempt(self) -> int:
        """Which try this was, from 1."""
    @property
    def attempted_at(self) -> datetime:
        """When it was tried (timezone-aware)."""
    def __eq__(self, value: builtins.object, /) -> bool: ...
    def __hash__(self) -> int: ...
    def _repr_pretty_(self, p: Any, cycle: bool) -> None: ...
    def _repr_html_(self) -> str: ...
    def __replace__(
        self,
        *,
        id: str = ...,
        object: str = ...,
        event_id: str = ...,
        event_type: str = ...,
        webhook_id: str = ...,
        url: str = ...,
        successful: bool = ...,
        response_headers: Mapping[str, str] = ...,
        response_body: str | None = ...,
        response_status_code: int = ...,
        attempt: int = ...,
        attempted_at: datetime | str = ...,
    ) -> WebhookAttempt: ...
    def __reduce__(self) -> tuple[Any, ...]: ...

@final
class NativeServer:
    def __new__(
        cls,
        api_key: str,
        host: str,
        port: int,
        max_connections: int,
        header_timeout: float,
        idle_timeout: float,
        max_webhooks: int,
        delivery_attempts: int,
        deliver_to_any_host: bool,
    ) -> NativeServer: ...
    @property
    def url(self) -> str: ...
    @property
    def host(self) -> str: ...
    @property
    def api_key(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def running(self) -> bool: ...
    def webhooks(self) -> list[Webhook]: ...
    def requests(self) -> list[RecordedRequest]: ...
    def events(self) -> list[WebhookEvent]: ...
    def emit(
        self,
        event_type: str,
        data: Mapping[str, Any] | None,
        timeout: float,
        created_at: datetime | str | None = None,
        duplicate: bool | None = None,
    ) -> WebhookEvent: ...
    def add_fault(
        self,
        status: int | None,
        body: str | Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
        reset: bool,
        truncate: bool,
        hang: bool,
        delay: float,
        after_processing: bool,
        times: int,
        method: str | None,
        path: str | None,
    ) -> None: ...
    def clear_faults(self) -> None: ...
    @property
    def pending_faults(self) -> int: ...
    def stop(self) -> None: ...

@final
class RecordedRequest:
    """One HTTP request as the test server received it."""

    @property
    def method(self) -> str:
        """The HTTP method, e.g. ``POST``."""
    @property
    def path(self) -> str:
        """The path, without the query."""
    @property
    def query(self) -> str | None:
        """The query string, or None."""
    @property
    def headers(self) -> dict[str, str]:
        """Header names are lowercase; a repeated header keeps its last value."""
    @property
    def body(self) -> bytes:
        """The body, as received."""
    def json(self) -> Any:
        """The body parsed as JSON.

        Returns:
            The decoded value.

        Raises:
            ValueError: the body is not JSON (``json.JSONDecodeError``).
        """

@final
class WebhookEvent:
    """An event as Exa delivers it, frozen."""

    __match_args__: ClassVar[tuple[str, ...]]
    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WebhookEvent:
        """A `WebhookEvent` from the delivered JSON shape, already decoded.

        Fields this version does not know are kept (``to_dict()`` gives them back).

        Args:
            data: the decoded JSON object.

        Returns:
            The WebhookEvent.

        Raises:
            ValidationError: ``data`` is not such an object (every problem listed).
        """
    def to_dict(self) -> dict[str, Any]:
        """The delivered JSON shape, including fields this version does not know.

        Returns:
            A new dict of JSON values (camelCase keys, RFC 3339 times).

        Raises nothing.
        """
    @property
    def id(self) -> str:
        """The event's id, e.g. ``event_...``: the idempotency key."""
    @property
    def object(self) -> str:
        """The object name: ``"event"``."""
    @property
    def type(self) -> str:
        """The event type, e.g. ``webset.idle`` (unknown types are kept as given)."""
    @property
    def data(self) -> dict[str, Any]:
        """The resource the event is about (a Webset, an item...), as decoded JSON: a new dict
        on each read, decoded from the delivered text then (keep it in a variable to read it
        more than once)."""
    @property
    def created_at(self) -> datetime:
        """When the event was created (timezone-aware)."""
    def __eq__(self, value: builtins.object, /) -> bool: ...
    def __hash__(self) -> int: ...
    def _repr_pretty_(self, p: Any, cycle: bool) -> None: ...
    def _repr_html_(self) -> str: ...
    def __replace__(
        self,
        *,
        id: str = ...,
        object: str = ...,
        type: str = ...,
        data: Mapping[str, Any] = ...,
        created_at: datetime | str = ...,
    ) -> WebhookEvent: ...
    def __reduce__(self) -> tuple[Any, ...]: ...

_Payload = bytes | bytearray | memoryview | str
_Secrets = str | Sequence[str]

def verify_signature(
    payload: _Payload,
    signature: _Headers | None,
    secret: _Secrets,
    *,
    tolerance: float | None = 300,
    now: float | datetime | None = None,
) -> None:
    """Raises ``SignatureVerificationError`` unless ``signature`` signs ``payload``.

    Args:
        payload: the raw request body, exactly as received (bytes; a str is taken as UTF-8).
        signature: the ``Exa-Signature`` header value, or the request's headers (any mapping;
            the header is found case-insensitively).
        secret: the webhook's secret, or several (during rotation): any may match any ``v1``.
        tolerance: seconds the signed timestamp may differ from now, either way; ``None`` skips
            the check (replay protection is then yours).
        now: the time to check against (Unix seconds or an aware ``datetime``) instead of the
            clock.

    Raises:
        SignatureVerificationError: the header is missing or malformed, its timestamp is
            outside ``tolerance``, or no signature matches (``reason`` says which). Answer 400.
        ValidationError: an argument of the wrong type (a secret that is not a string, say).
    """

def construct_event(
    payload: _Payload,
    signature: _Headers | None,
    secret: _Secrets,
    *,
    tolerance: float | None = 300,
    now: float | datetime | None = None,
) -> WebhookEvent:
    """Verifies a delivery like ``verify_signature``, then parses it into a ``WebhookEvent``.

    Args:
        payload: the raw request body, exactly as received (bytes; a str is taken as UTF-8).
        signature: the ``Exa-Signature`` header value, or the request's headers (any mapping;
            the header is found case-insensitively).
        secret: the webhook's secret, or several (during rotation): any may match any ``v1``.
        tolerance: seconds the signed timestamp may differ from now, either way; ``None`` skips
            the check (replay protection is then yours).
        now: the time to check against (Unix seconds or an aware ``datetime``) instead of the
            clock.

    Returns:
        The event the delivery carries.

    Raises:
        SignatureVerificationError: the delivery is not signed with ``secret`` (as for
            ``verify_signature``). Answer 400.
        ValidationError: a signed body that is not an event, or an argument of the wrong type.
    """

def parse_event(payload: _Payload) -> WebhookEvent:
    """Parses an event body without verifying it (for events obtained some other way).

    Unknown event types parse fine.

    Args:
        payload: the JSON body (bytes, or str).

    Returns:
        The event.

    Raises:
        ValidationError: the body is not a JSON event.
    """

def default_event_data(event_type: str) -> dict[str, Any]:
    """A plausible resource for an event of ``event_type``, with fresh ids."""

def unknown_event_type(name: str) -> str:
    """The message refusing ``name``, with a suggestion where one is close."""

def sign_payload(payload: _Payload, secret: str, *, timestamp: int | None = None) -> str:
    """An ``Exa-Signature`` header value for ``payload``, as Exa would send it (for tests).

    Args:
        payload: the body to sign (bytes; a str is taken as UTF-8).
        secret: the webhook's secret.
        timestamp: when it was signed, in Unix seconds (default: now).

    Returns:
        ``t=<timestamp>,v1=<hex HMAC-SHA256>``.

    Raises:
        ValidationError: a ``timestamp`` that is not Unix seconds, or a ``secret`` that is not
            one string.
    """

def shared_client_key(api_key: object, base_url: object) -> bytes | None:
    """An opaque id of the API key and base URL a client built with these arguments would use
    (the environment included), or None when they are not even strings."""

@final
class ReceiverResponse:
    """What to answer Exa: ``status``, ``body`` (short text saying what happened), ``headers``
    (``content-type``, and ``retry-after`` on a 503), the ``event`` (None if the delivery was
    refused) and ``duplicate`` (True if the event had already been processed)."""

    def __new__(
        cls,
        status: int,
        body: str,
        event: WebhookEvent | None = None,
        *,
        duplicate: bool = False,
        retry_after: float | None = None,
    ) -> ReceiverResponse: ...
    @property
    def status(self) -> int:
        """The HTTP status to answer with."""
    @property
    def body(self) -> str:
        """Short text saying what happened."""
    @property
    def event(self) -> WebhookEvent | None:
        """The event, or None if the delivery was refused."""
    @property
    def duplicate(self) -> bool:
        """True if the event had already been processed."""
    @property
    def headers(self) -> dict[str, str]:
        """``content-type``, and ``retry-after`` on a 503."""
    def __getnewargs_ex__(
        self,
    ) -> tuple[tuple[int, str, WebhookEvent | None], dict[str, Any]]:
        """For pickle and ``copy``: the arguments that make this answer again."""

@disjoint_base
class _MemoryTable:
    """The event ids this process has claimed or processed (``MemoryDedupe``'s storage)."""

    def __new__(cls, *_args: object, **_kwargs: object) -> _MemoryTable: ...
    def _configure(self, ttl: float, max_entries: int) -> None: ...
    def _claim(
        self, event_id: str, lease: float
    ) -> tuple[Literal["claimed", "processing", "done"], int | None, float]: ...
    def _commit(self, event_id: str) -> None: ...
    def _release(self, event_id: str, token: int) -> None: ...
    def __len__(self) -> int: ...

@final
class _Reception:
    """A ``WebhookReceiver``'s settings, as the hot path needs them."""

    def __new__(
        cls,
        secret: str | Sequence[str],
        tolerance: float | None,
        lease: float,
        table: _MemoryTable | None,
        receiver: object,
    ) -> _Reception: ...
    def set_handlers(self, handlers: dict[str, tuple[_Handler, ...]]) -> None: ...
    def deliver(self, body: _Payload, headers: _Headers | None) -> ReceiverResponse: ...

@final
class Completer:
    """Resolves the asyncio futures of finished calls, in batches, on the loop's thread."""

    def __new__(cls, event_loop: AbstractEventLoop) -> Completer: ...
    def fileno(self) -> int: ...
    def drain(self) -> None: ...
