"""pytest fixtures for code that uses Exa webhooks, installed with the package.

- ``exa_server``: a fresh ``ExaServer`` per test, stopped afterwards.
- ``exa_client``: a ``Client`` bound to it.
- ``async_exa_client``: an ``AsyncClient`` bound to it.

Nothing to configure: pytest finds them through the ``pytest11`` entry point.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ._client import AsyncClient, Client
from .testing import ExaServer


@pytest.fixture
def exa_server() -> Iterator[ExaServer]:
    """An Exa-compatible server on 127.0.0.1, fresh for each test."""
    with ExaServer() as server:
        yield server


@pytest.fixture
def exa_client(exa_server: ExaServer) -> Iterator[Client]:
    """A ``Client`` talking to ``exa_server``."""
    with exa_server.client(timeout=30) as client:
        yield client


@pytest.fixture
def async_exa_client(exa_server: ExaServer) -> Iterator[AsyncClient]:
    """An ``AsyncClient`` talking to ``exa_server`` (use it from async tests)."""
    client = exa_server.async_client(timeout=30)
    yield client
    client.close()
