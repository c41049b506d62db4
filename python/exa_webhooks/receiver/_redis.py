"""``RedisDedupe``: one store for a whole fleet. Needs ``pip install 'exa-webhooks[redis]'``;
the ``redis`` package is imported only when a ``RedisDedupe`` is made."""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ._dedupe import CLAIMED, DEFAULT_TTL, DONE, PROCESSING, Claim, check_seconds

if TYPE_CHECKING:
    import asyncio

    import redis
    import redis.asyncio

__all__ = ["RedisDedupe"]

_DONE = b"done"
# One round trip, atomic on the server: SET NX with the lease as expiry; if the key exists,
# say whether it is a processed marker or someone's claim, and how long that claim has left.
_CLAIM_LUA = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {1, 0} end
if redis.call('GET', KEYS[1]) == 'done' then return {2, 0} end
return {3, redis.call('PTTL', KEYS[1])}
"""
# Only the claim's own holder may drop it: a claim that expired and was taken over by another
# worker must survive the first worker's late release.
_RELEASE_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def _import_redis() -> Any:
    try:
        import redis
    except ImportError:
        raise ImportError(
            "RedisDedupe needs the redis package: pip install 'exa-webhooks[redis]'"
        ) from None
    return redis


class RedisDedupe:
    """Redis (or Valkey) shared by every process and machine of a fleet. Claims are
    ``SET key token NX PX lease``; processed ids are kept ``ttl`` seconds; keys are
    ``prefix + event_id``. Every command gives up after ``timeout`` seconds.

    ``handle_async`` uses ``redis.asyncio`` (a client per event loop), never a thread.
    """

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "exa-webhooks:",
        ttl: float = DEFAULT_TTL,
        timeout: float = 5.0,
    ) -> None:
        redis_module = _import_redis()
        self._url = url
        self._prefix = prefix
        self._ttl_ms = int(check_seconds("ttl", ttl) * 1000)
        self._timeout = check_seconds("timeout", timeout)
        # redis-py's pool notices fork() by itself and opens new connections in the child.
        self._client: redis.Redis = redis_module.Redis.from_url(
            url, socket_timeout=self._timeout, socket_connect_timeout=self._timeout
        )
        self._claim_script = self._client.register_script(_CLAIM_LUA)
        self._release_script = self._client.register_script(_RELEASE_LUA)
        # The asyncio client is bound to the loop it was made on (asyncio.run makes new ones).
        self._async: tuple[asyncio.AbstractEventLoop, redis.asyncio.Redis, Any, Any] | None = None
        self._async_lock = threading.Lock()

    def _key(self, event_id: str) -> str:
        return self._prefix + event_id

    def _lease_ms(self, lease: float) -> int:
        return max(int(lease * 1000), 1)

    @staticmethod
    def _claim_from(event_id: str, token: str, answer: list[int]) -> Claim:
        if answer[0] == 1:
            return Claim(event_id, CLAIMED, token)
        if answer[0] == 2:
            return Claim(event_id, DONE)
        return Claim(event_id, PROCESSING, retry_after=max(answer[1], 0) / 1000)

    def claim(self, event_id: str, lease: float) -> Claim:
        """Claims ``event_id`` for ``lease`` seconds, unless it is processed or claimed.

        Args:
            event_id: the event's id.
            lease: seconds the claim holds; after that another delivery may claim the event.

        Returns:
            A ``Claim``: ``claimed`` (run the handlers), ``processing`` (another holds it) or
            ``done``.

        Raises:
            redis.RedisError: Redis cannot be reached or refuses (the receiver answers 503).
        """
        token = os.urandom(12).hex()
        answer = self._claim_script(keys=[self._key(event_id)], args=[token, self._lease_ms(lease)])
        return self._claim_from(event_id, token, answer)

    def commit(self, claim: Claim) -> None:
        """Marks the claimed event as processed (remembered for the store's ``ttl``).

        Args:
            claim: the ``Claim`` that ``claim`` returned.

        Raises:
            redis.RedisError: Redis cannot be reached or refuses (the receiver logs it; the event
                was processed).
        """
        self._client.set(self._key(claim.event_id), _DONE, px=self._ttl_ms)

    def release(self, claim: Claim) -> None:
        """Gives up the claim so that a retry can run the event (after a handler failed).

        Args:
            claim: the ``Claim`` that ``claim`` returned.

        Raises:
            redis.RedisError: Redis cannot be reached or refuses (the receiver logs it; the claim
                frees when its lease expires).
        """
        if claim.token is not None:
            self._release_script(keys=[self._key(claim.event_id)], args=[claim.token])

    def _async_parts(self) -> tuple[redis.asyncio.Redis, Any, Any]:
        import asyncio

        loop = asyncio.get_running_loop()
        with self._async_lock:
            if self._async is None or self._async[0] is not loop:
                import redis.asyncio

                client = redis.asyncio.Redis.from_url(
                    self._url, socket_timeout=self._timeout, socket_connect_timeout=self._timeout
                )
                self._async = (
                    loop,
                    client,
                    client.register_script(_CLAIM_LUA),
                    client.register_script(_RELEASE_LUA),
                )
            return self._async[1:]

    async def claim_async(self, event_id: str, lease: float) -> Claim:
        """``claim`` for asyncio.

        Args:
            event_id: the event's id.
            lease: seconds the claim holds.

        Returns:
            A ``Claim``, as ``claim`` returns it.

        Raises:
            redis.RedisError: Redis cannot be reached or refuses (the receiver answers 503).
        """
        _, claim_script, _ = self._async_parts()
        token = os.urandom(12).hex()
        answer = await claim_script(keys=[self._key(event_id)], args=[token, self._lease_ms(lease)])
        return self._claim_from(event_id, token, answer)

    async def commit_async(self, claim: Claim) -> None:
        """``commit`` for asyncio.

        Args:
            claim: the ``Claim`` that ``claim_async`` returned.

        Raises:
            redis.RedisError: Redis cannot be reached or refuses (the receiver logs it; the event
                was processed).
        """
        client, _, _ = self._async_parts()
        await client.set(self._key(claim.event_id), _DONE, px=self._ttl_ms)

    async def release_async(self, claim: Claim) -> None:
        """``release`` for asyncio.

        Args:
            claim: the ``Claim`` that ``claim_async`` returned.

        Raises:
            redis.RedisError: Redis cannot be reached or refuses (the receiver logs it; the claim
                frees when its lease expires).
        """
        if claim.token is not None:
            _, _, release_script = self._async_parts()
            await release_script(keys=[self._key(claim.event_id)], args=[claim.token])

    def close(self) -> None:
        """Closes the sync client's connections (``aclose`` closes the asyncio client's).

        Raises nothing.
        """
        self._client.close()

    async def aclose(self) -> None:
        """Closes this event loop's asyncio client, if one was made.

        Raises nothing.
        """
        parts, self._async = self._async, None
        if parts is not None:
            await parts[1].aclose()

    def __repr__(self) -> str:
        # Never the URL as given: it may carry a password.
        parts = urlsplit(self._url)
        where = f"{parts.scheme}://{parts.hostname or ''}"
        if parts.port:
            where += f":{parts.port}"
        return f"RedisDedupe({where + parts.path!r}, prefix={self._prefix!r})"
