"""``client.with_raw_response``: every call of ``Client``/``AsyncClient`` that sends one request,
answering with a ``RawResponse`` (status, headers, request id, tries) whose ``parse()`` gives
the usual object. Typed in ``_raw_response.pyi``; at run time it avoids importing typing."""

from __future__ import annotations

from types import GenericAlias

from ._page import Page

__all__ = ["AsyncRawClient", "RawClient", "RawResponse"]


class RawResponse:
    """A successful answer with what came with it. ``parse()`` returns the object the plain
    call returns; ``request_id`` is what Exa's support asks for."""

    __slots__ = ("_value", "attempts", "headers", "request_id", "status_code")

    def __init__(self, value, status_code, headers, request_id, attempts):
        self._value = value
        self.status_code = status_code
        # Names lowercase, as received; a repeated header's values joined as HTTP allows.
        joined = {}
        for name, text in headers:
            joined[name] = f"{joined[name]}, {text}" if name in joined else text
        self.headers = joined
        self.request_id = request_id
        self.attempts = attempts

    __class_getitem__ = classmethod(GenericAlias)

    def parse(self):
        """The decoded answer: what the call returns without ``with_raw_response``.

        Raises nothing: the answer was decoded when it arrived.
        """
        return self._value

    def __repr__(self):
        return (
            f"RawResponse(status_code={self.status_code!r}, request_id={self.request_id!r}, "
            f"attempts={self.attempts!r}, parsed={type(self._value).__name__})"
        )


def _raw(answer, page=False):
    value, status_code, headers, request_id, attempts = answer
    return RawResponse(Page(*value) if page else value, status_code, headers, request_id, attempts)


class RawClient:
    """``Client.with_raw_response``: the same calls, each answering with a ``RawResponse``."""

    __slots__ = ("_native",)

    def __init__(self, native):
        self._native = native

    def create_webhook(self, events, url, metadata=None):
        return _raw(self._native.create_webhook(events, url, metadata))

    def get_webhook(self, webhook_id):
        return _raw(self._native.get_webhook(webhook_id))

    def update_webhook(self, webhook_id, *, events=None, url=None, metadata=None):
        return _raw(self._native.update_webhook(webhook_id, events, url, metadata))

    def delete_webhook(self, webhook_id):
        return _raw(self._native.delete_webhook(webhook_id))

    def list_webhooks(self, *, limit=None, cursor=None):
        return _raw(self._native.list_webhooks(limit, cursor), page=True)

    def list_webhook_attempts(
        self, webhook_id, *, event_type=None, successful=None, limit=None, cursor=None
    ):
        native = self._native.list_webhook_attempts
        return _raw(native(webhook_id, event_type, successful, limit, cursor), page=True)

    def list_events(
        self, *, types=None, created_after=None, created_before=None, limit=None, cursor=None
    ):
        native = self._native.list_events
        return _raw(native(types, created_after, created_before, limit, cursor), page=True)

    def get_event(self, event_id):
        return _raw(self._native.get_event(event_id))


class AsyncRawClient:
    """``AsyncClient.with_raw_response``: the same calls, each answering with a
    ``RawResponse``."""

    __slots__ = ("_native",)

    def __init__(self, native):
        self._native = native

    async def create_webhook(self, events, url, metadata=None):
        return _raw(await self._native.create_webhook(events, url, metadata))

    async def get_webhook(self, webhook_id):
        return _raw(await self._native.get_webhook(webhook_id))

    async def update_webhook(self, webhook_id, *, events=None, url=None, metadata=None):
        return _raw(await self._native.update_webhook(webhook_id, events, url, metadata))

    async def delete_webhook(self, webhook_id):
        return _raw(await self._native.delete_webhook(webhook_id))

    async def list_webhooks(self, *, limit=None, cursor=None):
        return _raw(await self._native.list_webhooks(limit, cursor), page=True)

    async def list_webhook_attempts(
        self, webhook_id, *, event_type=None, successful=None, limit=None, cursor=None
    ):
        native = self._native.list_webhook_attempts
        return _raw(await native(webhook_id, event_type, successful, limit, cursor), page=True)

    async def list_events(
        self, *, types=None, created_after=None, created_before=None, limit=None, cursor=None
    ):
        native = self._native.list_events
        return _raw(await native(types, created_after, created_before, limit, cursor), page=True)

    async def get_event(self, event_id):
        return _raw(await self._native.get_event(event_id))
