"""pytest fixtures for code that uses Exa webhooks, installed with the package.

- ``exa_server``: a fresh ``ExaServer`` per test, stopped afterwards.
- ``exa_client``: a ``Client`` bound to it.
- ``async_exa_client``: an ``AsyncClient`` bound to it.
- ``exa_server_options`` and ``exa_client_options``: the keyword arguments the three above
  are built with. Override them in a ``conftest.py`` (or a test module) to tune them::

      @pytest.fixture
      def exa_client_options():
          return {"timeout": 1.0, "max_retries": 0}

      @pytest.fixture
      def exa_server_options():
          return {"delivery_attempts": 3}  # failed deliveries are tried again, as Exa does

Nothing to configure otherwise: pytest finds them through the ``pytest11`` entry point.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ._client import AsyncClient, Client
from .testing import ExaServer


@pytest.fixture
def exa_server_options() -> dict[str, Any]:
    """Keyword arguments for ``ExaServer(...)`` (e.g. ``api_key``, ``delivery_attempts``,
    ``deliver_to_any_host``); none by default."""
    return {}


@pytest.fixture
def exa_client_options() -> dict[str, Any]:
    """Keyword arguments for ``exa_server.client(...)`` and ``.async_client(...)``: a short
    ``timeout`` by default, so that a test of a hanging server fails in seconds, not minutes."""
    return {"timeout": 5.0}


@pytest.fixture
def exa_server(exa_server_options: dict[str, Any]) -> Iterator[ExaServer]:
    """An Exa-compatible server on 127.0.0.1, fresh for each test."""
    with ExaServer(**exa_server_options) as server:
        yield server


@pytest.fixture
def exa_client(exa_server: ExaServer, exa_client_options: dict[str, Any]) -> Iterator[Client]:
    """A ``Client`` talking to ``exa_server``."""
    with exa_server.client(**exa_client_options) as client:
        yield client


@pytest.fixture
def async_exa_client(
    exa_server: ExaServer, exa_client_options: dict[str, Any]
) -> Iterator[AsyncClient]:
    """An ``AsyncClient`` talking to ``exa_server`` (use it from async tests)."""
    client = exa_server.async_client(**exa_client_options)
    yield client
    client.close()
