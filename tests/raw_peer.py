"""A loopback TCP peer that is not a well-behaved HTTP server: each connection it accepts is
handed to `answer` (which may hang up, send garbage, ...) on the peer's thread, then closed."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress


@contextmanager
def raw_peer(answer: Callable[[socket.socket], None]) -> Iterator[tuple[int, list[int]]]:
    """Yields the port and a list that grows by one per accepted connection."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    seen: list[int] = []
    done = threading.Event()

    def run() -> None:
        while not done.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            seen.append(1)
            with conn:
                conn.settimeout(2)
                with suppress(OSError):
                    answer(conn)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], seen
    finally:
        done.set()
        thread.join(10)
        listener.close()


def greeting(text: bytes) -> Callable[[socket.socket], None]:
    """Reads the request, then answers with `text` (an SSH server's greeting, say)."""

    def answer(conn: socket.socket) -> None:
        conn.recv(65536)
        conn.sendall(text)

    return answer
