"""``receiver.asgi()`` and ``receiver.wsgi()``: the receiver as a whole web app.

Both answer every path they are mounted on, POST only, and read the whole body, bounded.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from http import HTTPStatus
from typing import Any

from ..errors import ValidationError

__all__ = ["ASGIApp", "WSGIApp"]

# As Starlette spells them, so an ASGIApp type-checks where Starlette expects one.
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
StartResponse = Callable[..., Any]

_TEXT = "text/plain; charset=utf-8"
_CHUNK = 64 * 1024


def _check_limit(max_body_size: object) -> int:
    if isinstance(max_body_size, bool) or not isinstance(max_body_size, int) or max_body_size < 1:
        raise ValidationError(
            f"1 validation error\n  max_body_size: must be a positive int, got {max_body_size!r}",
            [{"field": "max_body_size", "message": "must be a positive int"}],
        )
    return max_body_size


def _refusal(status: int, body: str, **headers: str) -> tuple[int, bytes, list[tuple[str, str]]]:
    return status, body.encode(), [("content-type", _TEXT), *headers.items()]


def _answer(response: ReceiverResponse) -> tuple[int, bytes, list[tuple[str, str]]]:
    return response.status, response.body.encode(), list(response.headers.items())


_NOT_POST = _refusal(405, "method not allowed: POST only", allow="POST")


def _too_large(limit: int) -> tuple[int, bytes, list[tuple[str, str]]]:
    return _refusal(413, f"body larger than {limit} bytes")


class ASGIApp:
    """An ASGI 3 app (``receiver.asgi()``); deliveries go through ``handle_async``.

    A class, not a function, so that Starlette's ``Route`` and ``Mount`` treat it as an ASGI
    app. Lifespan events are acknowledged; WebSocket connections are refused.
    """

    __slots__ = ("_limit", "_receiver")

    def __init__(self, receiver: WebhookReceiver, max_body_size: int) -> None:
        self._receiver = receiver
        self._limit = _check_limit(max_body_size)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            status, body, headers = await self._http(scope, receive)
            raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]
            raw.append((b"content-length", str(len(body)).encode()))
            await send({"type": "http.response.start", "status": status, "headers": raw})
            await send({"type": "http.response.body", "body": body})
        elif kind == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        elif kind == "websocket":
            await send({"type": "websocket.close", "code": 1008})  # before accept: a 403
        else:
            # The ASGI spec's rule for a scope type an app does not know.
            raise RuntimeError(f"exa_webhooks' receiver app does not serve {kind!r} scopes")

    async def _http(
        self, scope: Scope, receive: Receive
    ) -> tuple[int, bytes, list[tuple[str, str]]]:
        if scope["method"] != "POST":
            return _NOT_POST
        limit = self._limit
        signature: bytes | None = None
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    return _refusal(400, "invalid Content-Length")
                if declared > limit:
                    return _too_large(limit)  # refused before reading any of it
            elif name == b"exa-signature" and signature is None:
                signature = value
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return _refusal(400, "client disconnected")  # nobody reads it; nothing ran
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return _too_large(limit)
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        return _answer(await self._receiver.handle_async(body, signature))


class WSGIApp:
    """A WSGI app (``receiver.wsgi()``); deliveries go through ``handle``."""

    __slots__ = ("_limit", "_receiver")

    def __init__(self, receiver: WebhookReceiver, max_body_size: int) -> None:
        self._receiver = receiver
        self._limit = _check_limit(max_body_size)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        status, body, headers = self._answer(environ)
        headers = [*headers, ("content-length", str(len(body)))]
        start_response(f"{status} {HTTPStatus(status).phrase}", headers)
        return [body]

    def _answer(self, environ: dict[str, Any]) -> tuple[int, bytes, list[tuple[str, str]]]:
        if environ.get("REQUEST_METHOD") != "POST":
            return _NOT_POST
        limit = self._limit
        stream = environ["wsgi.input"]
        declared = environ.get("CONTENT_LENGTH") or ""
        chunks: list[bytes] = []
        size = 0
        if declared:
            try:
                length = int(declared)
            except ValueError:
                return _refusal(400, "invalid Content-Length")
            if length < 0:
                return _refusal(400, "invalid Content-Length")
            if length > limit:
                return _too_large(limit)
            # PEP 3333: never read past CONTENT_LENGTH; read() may return less than asked.
            while size < length:
                chunk = stream.read(min(length - size, _CHUNK))
                if not chunk:
                    return _refusal(400, "body shorter than its Content-Length")
                chunks.append(chunk)
                size += len(chunk)
        elif environ.get("wsgi.input_terminated"):
            # Chunked upload, and the server says reading to the end is safe.
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > limit:
                    return _too_large(limit)
                chunks.append(chunk)
        else:
            return _refusal(411, "Content-Length required")
        body = b"".join(chunks)
        return _answer(self._receiver.handle(body, environ.get("HTTP_EXA_SIGNATURE")))


# Last, as _receiver imports this module in turn: the annotations above name these classes.
from ._receiver import ReceiverResponse, WebhookReceiver  # noqa: E402
