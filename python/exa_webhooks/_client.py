from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from types import TracebackType

from ._native import NativeClient, Webhook

__all__ = ["AsyncClient", "Client", "create_webhook"]

Events = Iterable[str]


class Client:
    """A client for Exa's Webhooks API, with one connection pool reused across calls.

    ``api_key`` falls back to ``EXA_API_KEY``; ``base_url`` to ``EXA_BASE_URL``, then
    ``https://api.exa.ai``. ``timeout`` is in seconds per request. Calls release the
    interpreter lock while they wait, and never touch asyncio (so they work in Jupyter).
    """

    __slots__ = ("_native",)

    def __init__(
        self, api_key: str | None = None, *, base_url: str | None = None, timeout: float = 60.0
    ) -> None:
        self._native = NativeClient(api_key, base_url, timeout)

    @property
    def base_url(self) -> str:
        return self._native.base_url

    @property
    def timeout(self) -> float:
        return self._native.timeout

    @property
    def closed(self) -> bool:
        return self._native.closed

    def create_webhook(
        self, events: Events, url: str, metadata: Mapping[str, str] | None = None
    ) -> Webhook:
        """Creates a webhook. The returned ``secret`` is shown by Exa this once: store it."""
        return self._native.create_webhook(events, url, metadata)

    def close(self) -> None:
        """Closes the connection pool. Later calls raise ``ExaError``."""
        self._native.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, timeout={self.timeout!r})"


class AsyncClient:
    """The asyncio twin of ``Client``: same arguments, awaited methods."""

    __slots__ = ("_native",)

    def __init__(
        self, api_key: str | None = None, *, base_url: str | None = None, timeout: float = 60.0
    ) -> None:
        self._native = NativeClient(api_key, base_url, timeout)

    @property
    def base_url(self) -> str:
        return self._native.base_url

    @property
    def timeout(self) -> float:
        return self._native.timeout

    @property
    def closed(self) -> bool:
        return self._native.closed

    async def create_webhook(
        self, events: Events, url: str, metadata: Mapping[str, str] | None = None
    ) -> Webhook:
        """Creates a webhook. The returned ``secret`` is shown by Exa this once: store it."""
        # Validation runs (and raises) before the awaitable exists: no request is sent.
        return await self._native.create_webhook_async(events, url, metadata)

    async def aclose(self) -> None:
        """Closes the connection pool. Later calls raise ``ExaError``."""
        self._native.close()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, timeout={self.timeout!r})"


# Shared clients for the module-level functions, keyed by their whole configuration (the
# environment included, so changing EXA_API_KEY takes effect). Few configurations are ever
# live at once; beyond that the oldest is dropped (not closed: a thread may still use it).
_MAX_SHARED = 8
_shared: OrderedDict[tuple[str | None, ...], Client] = OrderedDict()
_shared_lock = threading.Lock()


def _shared_client(api_key: str | None, base_url: str | None, timeout: float | None) -> Client:
    key = (
        api_key,
        base_url,
        None if timeout is None else repr(timeout),
        os.environ.get("EXA_API_KEY"),
        os.environ.get("EXA_BASE_URL"),
    )
    with _shared_lock:
        client = _shared.get(key)
        if client is not None:
            _shared.move_to_end(key)
            return client
    client = Client(api_key, base_url=base_url, timeout=60.0 if timeout is None else timeout)
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
    """
    return _shared_client(api_key, base_url, timeout).create_webhook(events, url, metadata)
