"""Dedupe stores: claim an event id, then commit (processed) or release it.

A claim is atomic and leased: while it is live no other claim of the same id succeeds,
anywhere that shares the store; if its holder dies, it expires after the lease. A commit
replaces the claim by a processed marker kept for ``ttl`` seconds; a release drops the claim
(only if it is still the releaser's own, so a late release never frees someone else's).
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import threading
import time
from typing import TYPE_CHECKING, Final, Literal, Protocol, runtime_checkable

from .._native import _MemoryTable
from ..errors import ValidationError

if TYPE_CHECKING:
    import sqlite3

__all__ = ["DEFAULT_TTL", "Claim", "Dedupe", "MemoryDedupe", "SQLiteDedupe"]

DEFAULT_TTL: Final = 7 * 24 * 3600.0
"""How long processed event ids are remembered by default: a week. Exa's retry schedule is
not published; keep it longer than the longest window you replay from the Events API."""

CLAIMED: Final = "claimed"
PROCESSING: Final = "processing"
DONE: Final = "done"

ClaimState = Literal["claimed", "processing", "done"]


class Claim:
    """The answer to ``Dedupe.claim``: ``state`` is ``"claimed"`` (yours: run the handlers,
    then commit or release it), ``"processing"`` (someone else's live claim; it expires in
    about ``retry_after`` seconds) or ``"done"`` (already processed)."""

    __slots__ = ("event_id", "retry_after", "state", "token")

    def __init__(
        self,
        event_id: str,
        state: ClaimState,
        token: str | None = None,
        retry_after: float = 0.0,
    ) -> None:
        self.event_id = event_id
        """The event claimed."""
        self.state: ClaimState = state
        """``"claimed"``, ``"processing"`` or ``"done"``."""
        self.token = token
        """What identifies this claim to ``commit`` and ``release``."""
        self.retry_after = retry_after
        """For ``"processing"``: about how many seconds until the other claim expires."""

    def __repr__(self) -> str:
        return f"Claim({self.event_id!r}, {self.state!r})"


@runtime_checkable
class Dedupe(Protocol):
    """What ``WebhookReceiver`` needs from a store; write your own (Postgres, DynamoDB...)
    by providing these six methods. ``claim`` must be atomic across everything sharing the
    store; the ``*_async`` ones are used by ``handle_async``."""

    def claim(self, event_id: str, lease: float) -> Claim:
        """Claims ``event_id`` for ``lease`` seconds, unless it is processed or claimed.

        Args:
            event_id: the event's id.
            lease: seconds the claim holds; after that another delivery may claim the event.

        Returns:
            A ``Claim``: ``claimed`` (run the handlers), ``processing`` (another holds it) or
            ``done``.

        Raises:
            Exception: whatever the store raises; the receiver logs it and answers 503.
        """

    def commit(self, claim: Claim) -> None:
        """Marks the claimed event as processed (remembered for the store's ``ttl``).

        Args:
            claim: the ``Claim`` that ``claim`` returned.

        Raises:
            Exception: whatever the store raises; the receiver logs it and still answers 200: the
                handlers ran, and a redelivery may run them again.
        """

    def release(self, claim: Claim) -> None:
        """Gives up the claim so that a retry can run the event (after a handler failed).

        Args:
            claim: the ``Claim`` that ``claim`` returned.

        Raises:
            Exception: whatever the store raises; the receiver logs it and answers as the handler's
                failure had it (500); the claim frees when its lease expires.
        """

    async def claim_async(self, event_id: str, lease: float) -> Claim:
        """``claim`` for asyncio.

        Args:
            event_id: the event's id.
            lease: seconds the claim holds.

        Returns:
            A ``Claim``, as ``claim`` returns it.

        Raises:
            Exception: whatever the store raises; the receiver logs it and answers 503.
        """

    async def commit_async(self, claim: Claim) -> None:
        """``commit`` for asyncio.

        Args:
            claim: the ``Claim`` that ``claim_async`` returned.

        Raises:
            Exception: whatever the store raises; the receiver logs it and still answers 200: the
                handlers ran, and a redelivery may run them again.
        """

    async def release_async(self, claim: Claim) -> None:
        """``release`` for asyncio.

        Args:
            claim: the ``Claim`` that ``claim_async`` returned.

        Raises:
            Exception: whatever the store raises; the receiver logs it and answers as the handler's
                failure had it (500); the claim frees when its lease expires.
        """


def check_seconds(name: str, value: object) -> float:
    """A finite positive number of seconds, or a ValidationError saying what it got."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ValidationError(
            f"1 validation error\n  {name}: must be a positive number of seconds, got {value!r}",
            [{"field": name, "message": "must be a positive number of seconds"}],
        )
    return float(value)


# --- In memory --------------------------------------------------------------------------------


class MemoryDedupe(_MemoryTable):
    """This process's memory: thread-safe, bounded to ``max_entries`` ids (the least
    recently touched are forgotten first), lost on restart and not shared between processes
    (gunicorn workers each have their own: use ``SQLiteDedupe`` or ``RedisDedupe`` there).

    ``WebhookReceiver.handle`` claims and commits in this table directly, not through these
    methods (patching them on an instance changes nothing there); a subclass is driven
    through its methods, so subclass it to simulate a failing store. Leases and the ttl run
    on the OS's monotonic clock, which libraries that patch ``time`` do not move."""

    def __init__(self, ttl: float = DEFAULT_TTL, max_entries: int = 100_000) -> None:
        self._ttl = check_seconds("ttl", ttl)
        if isinstance(max_entries, bool) or not isinstance(max_entries, int) or max_entries < 1:
            raise ValidationError(
                f"1 validation error\n  max_entries: must be a positive int, got {max_entries!r}",
                [{"field": "max_entries", "message": "must be a positive int"}],
            )
        self._max = max_entries
        # The table itself is Rust's (`_MemoryTable`), so that `WebhookReceiver.handle` can
        # claim and commit without a Python call.
        self._configure(self._ttl, min(max_entries, sys.maxsize))

    def claim(self, event_id: str, lease: float) -> Claim:
        """Claims ``event_id`` for ``lease`` seconds, unless it is processed or claimed.

        Args:
            event_id: the event's id.
            lease: seconds the claim holds; after that another delivery may claim the event.

        Returns:
            A ``Claim``: ``claimed`` (run the handlers), ``processing`` (another holds it) or
            ``done``.

        Raises nothing.
        """
        state, token, retry_after = self._claim(event_id, lease)
        return Claim(event_id, state, None if token is None else str(token), retry_after)

    def commit(self, claim: Claim) -> None:
        """Marks the claimed event as processed (remembered for the store's ``ttl``).

        Args:
            claim: the ``Claim`` that ``claim`` returned.

        Raises nothing.
        """
        self._commit(claim.event_id)

    def release(self, claim: Claim) -> None:
        """Gives up the claim so that a retry can run the event (after a handler failed).

        Args:
            claim: the ``Claim`` that ``claim`` returned.

        Raises nothing.
        """
        # Only a token of this store's own can match; any other matches nothing.
        if claim.token is not None:
            with contextlib.suppress(TypeError, ValueError, OverflowError):
                self._release(claim.event_id, int(claim.token))

    # No I/O and the lock is held for microseconds: the event loop can afford it inline.
    async def claim_async(self, event_id: str, lease: float) -> Claim:
        """``claim`` for asyncio.

        Args:
            event_id: the event's id.
            lease: seconds the claim holds.

        Returns:
            A ``Claim``, as ``claim`` returns it.

        Raises nothing.
        """
        return self.claim(event_id, lease)

    async def commit_async(self, claim: Claim) -> None:
        """``commit`` for asyncio.

        Args:
            claim: the ``Claim`` that ``claim_async`` returned.

        Raises nothing.
        """
        self.commit(claim)

    async def release_async(self, claim: Claim) -> None:
        """``release`` for asyncio.

        Args:
            claim: the ``Claim`` that ``claim_async`` returned.

        Raises nothing.
        """
        self.release(claim)

    def __repr__(self) -> str:
        return f"MemoryDedupe(ttl={self._ttl:g}, max_entries={self._max}, entries={len(self)})"


# --- SQLite -----------------------------------------------------------------------------------

_TABLE = "exa_webhooks_events"
_SCHEMA = f"""CREATE TABLE IF NOT EXISTS {_TABLE} (
    event_id TEXT PRIMARY KEY,
    token TEXT,              -- the live claim's token; NULL once processed
    expires_at REAL NOT NULL -- unix time: the lease's end, or when to forget a processed id
) WITHOUT ROWID"""
# One statement, so atomic: a new id is inserted; an existing one is taken over only if its
# claim or marker has expired. Zero rows changed means someone holds it.
_CLAIM = f"""INSERT INTO {_TABLE} (event_id, token, expires_at) VALUES (?, ?, ?)
ON CONFLICT (event_id) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at
WHERE {_TABLE}.expires_at <= ?"""
_STATE = f"SELECT token, expires_at FROM {_TABLE} WHERE event_id = ?"
_COMMIT = f"""INSERT INTO {_TABLE} (event_id, token, expires_at) VALUES (?, NULL, ?)
ON CONFLICT (event_id) DO UPDATE SET token = NULL, expires_at = excluded.expires_at"""
_RELEASE = f"DELETE FROM {_TABLE} WHERE event_id = ? AND token = ?"
_PURGE = f"DELETE FROM {_TABLE} WHERE expires_at <= ?"
_PURGE_EVERY = 1000


class SQLiteDedupe:
    """A SQLite file: survives restarts and is shared by every process of one machine (WAL
    mode; a writer waits up to ``timeout`` seconds for another's lock). Not for a network
    file system: SQLite's locks are not reliable there; use ``RedisDedupe`` across machines.

    Each thread (and each process after ``fork()``) opens its own connection. Expired rows are
    purged every thousand claims.
    """

    def __init__(
        self, path: str | os.PathLike[str], *, ttl: float = DEFAULT_TTL, timeout: float = 10.0
    ) -> None:
        self._path = os.fspath(path)
        # SQLite gives each connection (one per thread here) its own database for these: a
        # store that would de-duplicate nothing between threads.
        where = self._path
        in_memory_uri = where.startswith("file::memory:") or (
            where.startswith("file:") and "mode=memory" in where
        )
        if where in ("", ":memory:") or in_memory_uri:
            private = repr(where) if where else "an empty path"
            raise ValidationError(
                f"1 validation error\n  path: {private} is a new database per connection (one "
                "per thread here), so it would de-duplicate nothing: use MemoryDedupe",
                [
                    {
                        "field": "path",
                        "message": f"{private} de-duplicates nothing: use MemoryDedupe",
                    }
                ],
            )
        self._ttl = check_seconds("ttl", ttl)
        self._timeout = check_seconds("timeout", timeout)
        self._guard = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        self._local = threading.local()
        self._pid = os.getpid()
        self._claims = 0
        conn = self._conn()  # now, so a bad path fails here and not on the first delivery
        conn.execute(_PURGE, (time.time(),))

    def _conn(self) -> sqlite3.Connection:
        if self._pid != os.getpid():
            # A connection must not cross fork(): the child abandons (never closes) the parent's.
            self._pid = os.getpid()
            self._local = threading.local()
            self._connections = []
            self._guard = threading.Lock()
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            import sqlite3  # here: only this store needs it

            conn = sqlite3.connect(
                self._path, timeout=self._timeout, isolation_level=None, check_same_thread=False
            )
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                # With WAL, a commit survives a crash of the process (not of the machine's power).
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute(_SCHEMA)
            except BaseException:
                conn.close()
                raise
            self._local.conn = conn
            with self._guard:
                self._connections.append(conn)
        return conn

    def claim(self, event_id: str, lease: float) -> Claim:
        """Claims ``event_id`` for ``lease`` seconds, unless it is processed or claimed.

        Args:
            event_id: the event's id.
            lease: seconds the claim holds; after that another delivery may claim the event.

        Returns:
            A ``Claim``: ``claimed`` (run the handlers), ``processing`` (another holds it) or
            ``done``.

        Raises:
            sqlite3.Error: the database cannot be opened or written (the receiver answers 503).
        """
        conn = self._conn()
        now = time.time()
        token = os.urandom(12).hex()
        if conn.execute(_CLAIM, (event_id, token, now + lease, now)).rowcount == 1:
            self._claims += 1
            if self._claims % _PURGE_EVERY == 0:
                conn.execute(_PURGE, (now,))
            return Claim(event_id, CLAIMED, token)
        row = conn.execute(_STATE, (event_id,)).fetchone()
        if row is not None and row[0] is None:
            return Claim(event_id, DONE)
        # Held by someone else (or released in the instant since): either way, later.
        retry_after = max(row[1] - now, 0.0) if row is not None else 0.0
        return Claim(event_id, PROCESSING, retry_after=retry_after)

    def commit(self, claim: Claim) -> None:
        """Marks the claimed event as processed (remembered for the store's ``ttl``).

        Args:
            claim: the ``Claim`` that ``claim`` returned.

        Raises:
            sqlite3.Error: the database cannot be opened or written (the receiver logs it; the
                event was processed).
        """
        self._conn().execute(_COMMIT, (claim.event_id, time.time() + self._ttl))

    def release(self, claim: Claim) -> None:
        """Gives up the claim so that a retry can run the event (after a handler failed).

        Args:
            claim: the ``Claim`` that ``claim`` returned.

        Raises:
            sqlite3.Error: the database cannot be opened or written (the receiver logs it; the
                claim frees when its lease expires).
        """
        self._conn().execute(_RELEASE, (claim.event_id, claim.token))

    # SQLite blocks (a busy lock waits up to `timeout`): off the event loop, in a thread.
    async def claim_async(self, event_id: str, lease: float) -> Claim:
        """``claim`` for asyncio.

        Args:
            event_id: the event's id.
            lease: seconds the claim holds.

        Returns:
            A ``Claim``, as ``claim`` returns it.

        Raises:
            sqlite3.Error: the database cannot be opened or written (the receiver answers 503).
        """
        import asyncio  # here: `handle` alone never needs it

        return await asyncio.to_thread(self.claim, event_id, lease)

    async def commit_async(self, claim: Claim) -> None:
        """``commit`` for asyncio.

        Args:
            claim: the ``Claim`` that ``claim_async`` returned.

        Raises:
            sqlite3.Error: the database cannot be opened or written (the receiver logs it; the
                event was processed).
        """
        import asyncio

        await asyncio.to_thread(self.commit, claim)

    async def release_async(self, claim: Claim) -> None:
        """``release`` for asyncio.

        Args:
            claim: the ``Claim`` that ``claim_async`` returned.

        Raises:
            sqlite3.Error: the database cannot be opened or written (the receiver logs it; the
                claim frees when its lease expires).
        """
        import asyncio

        await asyncio.to_thread(self.release, claim)

    def close(self) -> None:
        """Closes the connections this store opened in this process. It reopens on next use.

        Raises nothing.
        """
        with self._guard:
            connections, self._connections = self._connections, []
            self._local = threading.local()
        for conn in connections:
            conn.close()

    def __enter__(self) -> SQLiteDedupe:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SQLiteDedupe({self._path!r}, ttl={self._ttl:g})"
