"""Shared fixtures: the package's own ExaServer, and a scripted HTTP server for error paths.

Both are real HTTP servers on 127.0.0.1; nothing in this suite mocks the HTTP layer.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import exa_webhooks as ew
from exa_webhooks.testing import ExaServer
from scripted import ScriptedServer


@pytest.fixture
def server() -> Iterator[ExaServer]:
    with ExaServer() as s:
        yield s


@pytest.fixture
def client(server: ExaServer) -> Iterator[ew.Client]:
    with server.client(timeout=10) as c:
        yield c


@pytest.fixture
def scripted() -> Iterator[ScriptedServer]:
    s = ScriptedServer()
    yield s
    s.close()
