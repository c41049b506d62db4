"""Exa Websets webhooks from Python, with a Rust core.

import exa_webhooks as ew
wh = ew.create_webhook([ew.EventType.WEBSET_CREATED], "https://example.com/hooks/exa")
"""

from ._client import AsyncClient, Client, create_webhook
from ._event_type import EventType
from ._native import (
    Webhook,
    WebhookAttempt,
    WebhookEvent,
    __version__,
    construct_event,
    parse_event,
    sign_payload,
    verify_signature,
)
from ._page import Page
from ._raw_response import RawResponse
from .errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ExaError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    SignatureVerificationError,
    UnprocessableEntityError,
    ValidationError,
)

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AsyncClient",
    "AuthenticationError",
    "BadRequestError",
    "Client",
    "ConflictError",
    "EventType",
    "ExaError",
    "InternalServerError",
    "NotFoundError",
    "Page",
    "PermissionDeniedError",
    "RateLimitError",
    "RawResponse",
    "SignatureVerificationError",
    "UnprocessableEntityError",
    "ValidationError",
    "Webhook",
    "WebhookAttempt",
    "WebhookEvent",
    "__version__",
    "construct_event",
    "create_webhook",
    "parse_event",
    "sign_payload",
    "verify_signature",
]
