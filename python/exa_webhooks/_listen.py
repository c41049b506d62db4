"""``exa-webhooks listen``: poll the Events API, sign each event locally and POST it to a
developer's receiver, in creation order, once, resuming after a stop or a crash.

Exa cannot push to a laptop; polling can. The local secret and the checkpoints live in
``$EXA_WEBHOOKS_HOME`` (else ``$XDG_CONFIG_HOME/exa-webhooks``, else ``~/.config/exa-webhooks``),
readable only by the user.
"""

from __future__ import annotations

import hashlib
import http.client
import ipaddress
import json
import os
import secrets
import signal
import sys
import tempfile
import time
import types
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from ._client import Client
from ._native import WebhookEvent, __version__, sign_payload
from .errors import AuthenticationError, ExaError, PermissionDeniedError, RateLimitError

if TYPE_CHECKING:
    from ._event_type import EventTypeArg

__all__ = ["Forwarder", "Outcome", "deliver", "home", "local_secret", "run_listen"]

# Exa allows about 20 requests/s per team on /websets/*, shared with the team's real work:
# one listener polling at most twice a second (a page or two each) keeps well inside it.
# ExaServer on loopback has no rate limit, so tests may poll faster.
MIN_INTERVAL = 0.5
MIN_INTERVAL_LOOPBACK = 0.05
# A refused delivery is tried again after 0.5, 1, 2, 4, 8, then every 10 seconds.
RETRY_BASE, RETRY_CAP = 0.5, 10.0
# A failed poll (network down, 5xx) waits like a refused delivery, from the poll interval.
POLL_ERROR_CAP = 30.0
# An event can show in Exa's listing a little after a newer one (several services write
# events): each poll looks this far back behind the newest forwarded event, and the ids
# forwarded in that window keep any from coming twice. Later than that, it is missed.
LOOKBACK = 60.0
USER_AGENT = f"exa-webhooks-listen/{__version__}"


def home() -> Path:
    explicit = os.environ.get("EXA_WEBHOOKS_HOME")
    if explicit:
        return Path(explicit)
    config = os.environ.get("XDG_CONFIG_HOME") or os.path.join(Path.home(), ".config")
    return Path(config) / "exa-webhooks"


def _private_dir(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _write_private(path: Path, text: str) -> None:
    """Writes atomically (a temporary file in the same folder, then a rename), mode 0600."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:  # mkstemp creates it 0600
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise


def local_secret(folder: Path | None = None) -> str:
    """The local signing secret, created on first use and the same on every run after."""
    path = _private_dir(folder or home()) / "listen-secret"
    try:
        text = path.read_text(encoding="utf-8").strip()
        if text.startswith("whsec_"):
            return text
    except FileNotFoundError:
        pass
    secret = "whsec_" + secrets.token_urlsafe(32)
    # Linked into place, not renamed: of two listeners starting at once, one wins and both
    # use its secret.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".listen-secret.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(secret + "\n")
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return path.read_text(encoding="utf-8").strip()
    finally:
        with suppress(OSError):
            os.unlink(tmp)
    return secret


def _checkpoint_path(folder: Path, base_url: str, api_key: str, types: Sequence[str]) -> Path:
    """One checkpoint per base URL, key and filter. The key is hashed, never stored; the filter
    counts because a run for some types must not move the checkpoint of a run for all."""
    identity = json.dumps([base_url.rstrip("/"), api_key, sorted(set(types))])
    digest = hashlib.sha256(b"exa-webhooks listen checkpoint\0" + identity.encode()).hexdigest()
    return _private_dir(folder / "checkpoints") / f"{digest[:32]}.json"


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


@dataclass
class Checkpoint:
    """Where forwarding started (``floor``), the ``created_at`` of the newest event forwarded
    (``at``), and the events forwarded within ``lookback`` seconds of it (``seen``: id to
    ``created_at``), which the next polls list again (their window starts ``lookback`` before
    ``at``, and its bounds are inclusive)."""

    path: Path
    at: datetime
    floor: datetime
    seen: dict[str, datetime] = field(default_factory=dict)
    lookback: float = LOOKBACK

    @classmethod
    def load(cls, path: Path, lookback: float = LOOKBACK) -> Checkpoint | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            at = datetime.fromisoformat(data["at"])
            floor = datetime.fromisoformat(data.get("floor", data["at"]))
            if "seen" in data:
                seen = {i: datetime.fromisoformat(c) for i, c in data["seen"].items()}
            else:  # written before the look-back: the ids forwarded at `at`
                seen = dict.fromkeys(data["ids"], at)
            return cls(path, at, floor, seen, lookback)
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError, AttributeError, OSError):
            return None  # a damaged checkpoint: start again from now (said at start-up)

    def window_start(self) -> datetime:
        """The ``created_after`` of the next poll."""
        return max(self.floor, self.at - timedelta(seconds=self.lookback))

    def advance(self, event: WebhookEvent) -> None:
        self.at = max(self.at, event.created_at)
        self.seen[event.id] = event.created_at
        start = self.window_start()
        self.seen = {i: c for i, c in self.seen.items() if c >= start}
        self.save()

    def save(self) -> None:
        seen = {i: _iso(c) for i, c in sorted(self.seen.items())}
        data = {"at": _iso(self.at), "floor": _iso(self.floor), "seen": seen}
        _write_private(self.path, json.dumps(data))


@dataclass
class Outcome:
    status: int | None  # None: no HTTP answer at all
    ms: int
    reason: str | None = None  # why it failed, in words; None when it landed
    body: str = ""

    @property
    def ok(self) -> bool:
        return self.reason is None


def deliver(url: str, body: bytes, secret: str, timeout: float) -> Outcome:
    """One signed POST; redirects are never followed (a 3xx is a refusal)."""
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection_type = (
        http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    )
    headers = {
        "Content-Type": "application/json",
        "Exa-Signature": sign_payload(body, secret),
        "User-Agent": USER_AGENT,
    }
    start = time.monotonic()

    def elapsed() -> int:
        return round((time.monotonic() - start) * 1000)

    connection = connection_type(parts.hostname or "", parts.port, timeout=timeout)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read(64 * 1024).decode("utf-8", "replace")
    except TimeoutError:
        return Outcome(None, elapsed(), f"no answer within {timeout:g} s")
    except ConnectionRefusedError:
        return Outcome(None, elapsed(), f"connection refused by {parts.netloc}")
    except (OSError, http.client.HTTPException) as error:
        return Outcome(None, elapsed(), f"{type(error).__name__}: {error}".rstrip(": "))
    finally:
        connection.close()
    status = response.status
    if 200 <= status < 300:
        return Outcome(status, elapsed(), body=text)
    if 300 <= status < 400:
        where = response.getheader("Location") or "nowhere"
        return Outcome(status, elapsed(), f"redirect to {where} not followed", text)
    return Outcome(status, elapsed(), f"answered {status}", text)


def check_url(url: str) -> str | None:
    """Why ``url`` cannot be forwarded to, or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"must be an http or https URL with a host, got {url!r}"
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        return f"has an invalid port: {url!r}"
    return None


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _Stopper:
    """Ctrl-C raises KeyboardInterrupt at once, except between a delivery landing and its
    checkpoint being written, where it waits for the write (so nothing is forwarded twice),
    and while a line of output is written (so no line is left half-written, and the next one
    joined to it). A second Ctrl-C meanwhile raises at once: a write to a pipe nobody reads
    must not keep the process from stopping."""

    def __init__(self) -> None:
        self.depth = 0
        self.pending = False

    def handler(self, signum: int, frame: types.FrameType | None) -> None:
        if self.depth and not self.pending:
            self.pending = True
        else:
            raise KeyboardInterrupt

    @contextmanager
    def deferred(self) -> Iterator[None]:
        self.depth += 1
        try:
            yield
        finally:
            # Read and cleared while still deferring: a Ctrl-C after the decrement raises by
            # itself, and must not find `pending` set for a later line.
            stop = self.depth == 1 and self.pending
            if stop:
                self.pending = False
            self.depth -= 1
            if stop:
                raise KeyboardInterrupt


class Forwarder:
    def __init__(
        self,
        client: Client,
        *,
        url: str,
        secret: str,
        checkpoint: Checkpoint,
        types: list[str] | None,
        interval: float,
        timeout: float,
        as_json: bool,
    ) -> None:
        self.client, self.url, self.secret = client, url, secret
        self.checkpoint, self.types = checkpoint, types
        self.interval, self.timeout, self.as_json = interval, timeout, as_json
        self.forwarded = 0
        self.failed_tries = 0
        self.stopper = _Stopper()

    def say(self, text: str, **fields: Any) -> None:
        if self.as_json:
            record = {
                **fields,
                "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            }
            text = json.dumps(record, ensure_ascii=False)
        # One write of the whole line: print() writes the text and the newline apart, and a
        # Ctrl-C between them joined the summary to the line cut short.
        with self.stopper.deferred():
            sys.stdout.write(text + "\n")
            sys.stdout.flush()

    def poll(self) -> list[WebhookEvent]:
        """The events not forwarded yet, oldest first."""
        types = cast("list[EventTypeArg] | None", self.types)  # the client checks each name
        start = self.checkpoint.window_start()
        listed = self.client.iter_events(types=types, created_after=start, limit=200)
        new = [e for e in listed if e.id not in self.checkpoint.seen]
        new.reverse()  # listed newest first; the stable sort keeps ties in creation order
        new.sort(key=lambda e: e.created_at)
        return new

    def forward(self, event: WebhookEvent) -> None:
        """Delivers until the receiver takes it; later events wait behind it."""
        body = json.dumps(event.to_dict(), ensure_ascii=False).encode()
        self.say(f"--> {event.type} [{event.id}]", kind="forward", id=event.id, type=event.type)
        tries = 0
        while True:
            outcome = deliver(self.url, body, self.secret, self.timeout)
            if outcome.ok:
                with self.stopper.deferred():
                    self.checkpoint.advance(event)
                    self.forwarded += 1
                self.say(
                    f"<-- {outcome.status} POST {self.url} [{event.id}] {outcome.ms} ms",
                    kind="response",
                    id=event.id,
                    status=outcome.status,
                    ms=outcome.ms,
                    ok=True,
                )
                return
            tries += 1
            self.failed_tries += 1
            wait = min(RETRY_BASE * 2 ** (tries - 1), RETRY_CAP)
            shown = outcome.status if outcome.status is not None else "---"
            self.say(
                f"<-- {shown} POST {self.url} [{event.id}] {outcome.ms} ms: {outcome.reason}; "
                f"try {tries} failed, retrying in {wait:g} s",
                kind="failure",
                id=event.id,
                status=outcome.status,
                ms=outcome.ms,
                ok=False,
                reason=outcome.reason,
                tries=tries,
                retry_in=wait,
            )
            time.sleep(wait)

    def run(self) -> None:
        errors = 0
        while True:
            try:
                events = self.poll()
            except (AuthenticationError, PermissionDeniedError):
                raise  # the key will not get better by waiting
            except RateLimitError as error:
                wait = max(error.retry_after or 0.0, self.interval * 2)
                self.say(
                    f"rate limited by the API; polling again in {wait:g} s",
                    kind="poll_error",
                    reason="rate limited",
                    retry_in=wait,
                )
                time.sleep(wait)
                continue
            except ExaError as error:
                errors += 1
                wait = min(self.interval * 2 ** (errors - 1), POLL_ERROR_CAP)
                self.say(
                    f"polling failed ({type(error).__name__}: {error}); again in {wait:g} s",
                    kind="poll_error",
                    reason=f"{type(error).__name__}: {error}",
                    retry_in=wait,
                )
                time.sleep(wait)
                continue
            errors = 0
            for event in events:
                self.forward(event)
            if not events:
                time.sleep(self.interval)


def run_listen(
    client: Client,
    *,
    base_url: str,
    api_key: str,
    url: str,
    types: list[str] | None,
    interval: float,
    since: datetime | None,
    timeout: float,
    as_json: bool,
    lookback: float = LOOKBACK,
) -> int:
    folder = home()
    secret = local_secret(folder)
    path = _checkpoint_path(folder, base_url, api_key, types or [])
    checkpoint = Checkpoint.load(path, lookback) if since is None else None
    resumed = checkpoint is not None
    if checkpoint is None:
        began = since or datetime.now(timezone.utc)
        checkpoint = Checkpoint(path, began, began, lookback=lookback)
        checkpoint.save()
    forwarder = Forwarder(
        client,
        url=url,
        secret=secret,
        checkpoint=checkpoint,
        types=types,
        interval=interval,
        timeout=timeout,
        as_json=as_json,
    )
    start = "resuming after" if resumed else "from"
    forwarder.say(
        f"Forwarding events {start} {_iso(checkpoint.at)} to {url}, polling every "
        f"{interval:g} s; signed with the secret `exa-webhooks listen --print-secret` shows. "
        "Ctrl-C stops.",
        kind="ready",
        url=url,
        since=_iso(checkpoint.at),
        resumed=resumed,
        interval=interval,
        types=types,
    )
    previous = signal.signal(signal.SIGINT, forwarder.stopper.handler)
    try:
        forwarder.run()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGINT, previous)
    forwarder.say(
        f"stopped: {forwarder.forwarded} event(s) forwarded, "
        f"{forwarder.failed_tries} failed tr{'y' if forwarder.failed_tries == 1 else 'ies'}",
        kind="summary",
        forwarded=forwarder.forwarded,
        failed_tries=forwarder.failed_tries,
    )
    return 0


def print_error(message: str) -> None:
    print(f"exa-webhooks: {message}", file=sys.stderr)
