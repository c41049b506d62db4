"""Loopback ports that nothing listens on, held so that no other process is given them.

Picking a free port by binding and closing a socket races with every other process on the
machine (CI runs suites side by side): another test's server may take the port before it is
used, and a test expecting a refused connection then talks to a stranger. The socket here stays
bound, without listening, for as long as the port is in use: a connect to it is refused, the
kernel hands the port to no one else, and, thanks to SO_REUSEADDR on both sides, a server the
test starts itself (ExaServer, redis-server) can still bind and listen on it.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def held_port() -> Iterator[int]:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", 0))
        yield int(s.getsockname()[1])
