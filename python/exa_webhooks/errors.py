"""The exceptions of exa-webhooks. Every one is an ``ExaError``.

Raised from Rust by name; they are defined here because abi3 extension classes cannot use
multiple inheritance (``APITimeoutError`` is also a ``TimeoutError``).
"""

from __future__ import annotations

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "ExaError",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "SignatureVerificationError",
    "UnprocessableEntityError",
    "ValidationError",
]


class ExaError(Exception):
    """Base class of every error this package raises."""


class ValidationError(ExaError, ValueError):
    """Bad input, found before any request was sent.

    ``errors`` lists every problem at once, each as ``{"field": ..., "message": ...}``.
    """

    def __init__(self, message: str, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.errors: list[dict[str, str]] = list(errors or [])
        """Every problem found, each ``{"field": ..., "message": ...}``."""

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (str(self), self.errors))


class APIError(ExaError):
    """The API answered with an error status, or with something that is not a valid answer."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int = 0,
        tag: str | None = None,
        request_id: str | None = None,
        body: str = "",
        attempts: int = 1,
    ) -> None:
        super().__init__(message)
        self.message = message
        """The server's message (Exa's own when it gave one)."""
        self.status_code = status_code
        """The HTTP status (200 for an invalid answer to a successful call)."""
        self.tag = tag
        """Exa's error tag, e.g. ``WEBHOOK_LIMIT_REACHED``, or None."""
        self.request_id = request_id
        """The request id the server gave, for Exa's support, or None."""
        self.body = body
        """The answer's body, as text."""
        self.attempts = attempts
        """How many tries were made, retries included."""

    def __str__(self) -> str:
        details = [f"tag: {self.tag}"] if self.tag else []
        if self.request_id:
            details.append(f"request id: {self.request_id}")
        suffix = f" ({', '.join(details)})" if details else ""
        return f"{self.status_code} {self.message}{suffix}"

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (type(self), self.message, self.__dict__))


def _rebuild(cls: type[APIError], message: str, state: dict[str, object]) -> APIError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.__dict__.update(state)
    return error


class BadRequestError(APIError):
    """400: the request was invalid."""


class AuthenticationError(APIError):
    """401: the API key is missing or invalid."""


class PermissionDeniedError(APIError):
    """403: the key may not use this feature."""


class NotFoundError(APIError):
    """404: no such webhook (or endpoint)."""


class ConflictError(APIError):
    """409: the request conflicts with the current state."""


class UnprocessableEntityError(APIError):
    """422: the request was well-formed but could not be processed."""


class RateLimitError(APIError):
    """429: too many requests. ``retry_after`` is the wait the server asked for, in seconds."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        status_code: int = 0,
        tag: str | None = None,
        request_id: str | None = None,
        body: str = "",
        attempts: int = 1,
    ) -> None:
        super().__init__(
            message,
            status_code=status_code,
            tag=tag,
            request_id=request_id,
            body=body,
            attempts=attempts,
        )
        self.retry_after = retry_after
        """The wait the server asked for, in seconds, or None."""


class InternalServerError(APIError):
    """5xx: the server failed."""


class APIConnectionError(ExaError):
    """No answer: the connection failed, was reset, or TLS failed.

    The message says what happened, where, and how many tries were made over how long;
    ``attempts`` is that count; ``request_id`` is None (no answer carried one).
    ``__cause__`` holds what the network library said, as the exception Python's own
    networking raises for the same failure: ``ConnectionRefusedError``,
    ``ConnectionResetError``, ``ConnectionError`` (closed before the answer), ``TimeoutError``,
    ``socket.gaierror`` (DNS), ``ssl.SSLCertVerificationError`` or ``ssl.SSLError``.
    """

    def __init__(self, message: str, *, attempts: int = 1) -> None:
        super().__init__(message)
        self.attempts = attempts
        """How many tries were made, retries included."""
        self.request_id: str | None = None
        """Always None: no answer carried one."""

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_connection_error, (type(self), str(self), self.attempts))


def _rebuild_connection_error(
    cls: type[APIConnectionError], message: str, attempts: int
) -> APIConnectionError:
    return cls(message, attempts=attempts)


class APITimeoutError(APIConnectionError, TimeoutError):
    """No answer within the timeout."""


class SignatureVerificationError(ExaError):
    """A delivery's ``Exa-Signature`` does not hold. Answer it with HTTP 400.

    ``reason`` is one of ``missing_header``, ``malformed_header``, ``no_timestamp``,
    ``no_signature``, ``timestamp_outside_tolerance``, ``no_matching_signature``. The message
    never contains the secret or the payload.
    """

    def __init__(self, message: str, *, reason: str = "no_matching_signature") -> None:
        super().__init__(message)
        self.reason = reason
        """Why it does not hold (one of the names above)."""

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_signature_error, (str(self), self.reason))


def _rebuild_signature_error(message: str, reason: str) -> SignatureVerificationError:
    return SignatureVerificationError(message, reason=reason)
