"""Receiving deliveries: verify ``Exa-Signature``, parse events, sign payloads for tests.

The work is done in Rust (HMAC-SHA256, constant-time comparison, bounded header parsing);
these wrappers give the public signatures their defaults.
"""

from __future__ import annotations

from . import _native

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing slows `import exa_webhooks`
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from datetime import datetime

    from ._native import WebhookEvent

    Payload = bytes | bytearray | memoryview | str
    Headers = str | bytes | Mapping[str, str] | Mapping[bytes, bytes]
    Secrets = str | Sequence[str]

__all__ = ["construct_event", "parse_event", "sign_payload", "verify_signature"]

DEFAULT_TOLERANCE = 300


def verify_signature(
    payload: Payload,
    signature: Headers | None,
    secret: Secrets,
    *,
    tolerance: float | None = DEFAULT_TOLERANCE,
    now: float | datetime | None = None,
) -> None:
    """Raises ``SignatureVerificationError`` unless ``signature`` signs ``payload``.

    - ``payload``: the raw request body, exactly as received (bytes; a str is taken as UTF-8).
    - ``signature``: the ``Exa-Signature`` header value, or the request's headers (any mapping;
      the header is found case-insensitively).
    - ``secret``: the webhook's secret, or several (during rotation): any may match any ``v1``.
    - ``tolerance``: seconds the signed timestamp may differ from now, either way; ``None``
      skips the check (replay protection is then yours). ``now`` overrides the clock.
    """
    _native.verify_signature(payload, signature, secret, tolerance, now)


def construct_event(
    payload: Payload,
    signature: Headers | None,
    secret: Secrets,
    *,
    tolerance: float | None = DEFAULT_TOLERANCE,
    now: float | datetime | None = None,
) -> WebhookEvent:
    """Verifies a delivery like ``verify_signature``, then parses it into a ``WebhookEvent``."""
    return _native.construct_event(payload, signature, secret, tolerance, now)


def parse_event(payload: Payload) -> WebhookEvent:
    """Parses an event body without verifying it (for events obtained some other way).

    Unknown event types parse fine; a body that is not an event raises ``ValidationError``.
    """
    return _native.parse_event(payload)


def sign_payload(payload: Payload, secret: str, *, timestamp: int | None = None) -> str:
    """An ``Exa-Signature`` header value for ``payload``, as Exa would send it (for tests)."""
    return _native.sign_payload(payload, secret, timestamp)
