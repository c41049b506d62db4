"""A keep-alive HTTP/1.1 server that behaves like real infrastructure: it closes connections
that stay idle longer than its keep-alive timeout (as load balancers and Node servers do),
can answer `Connection: close`, and can be stopped and started again on the same port.

It answers every request with a webhook, counts requests per connection, and never mocks
anything of the client: it is a real server on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from dataclasses import dataclass, field

from scripted import webhook_json


@dataclass
class Seen:
    method: str
    path: str
    connection: int


@dataclass
class KeepAliveServer:
    idle_timeout: float = 0.5
    connection_close: bool = False
    port: int = 0
    requests: list[Seen] = field(default_factory=list)
    connections: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._socks: set[socket.socket] = set()
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._running = True
        threading.Thread(target=self._accept, daemon=True).start()

    def stop(self) -> None:
        """Closes the listener and every connection, as a server process exiting would."""
        self._running = False
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread
        self._listener.close()
        with self._lock:
            socks, self._socks = self._socks, set()
        for s in socks:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def restart(self) -> None:
        self.stop()
        self.start()

    def _accept(self) -> None:
        listener = self._listener
        while self._running:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
                number = self.connections
                self._socks.add(conn)
            threading.Thread(target=self._serve, args=(conn, number), daemon=True).start()

    def _serve(self, conn: socket.socket, number: int) -> None:
        buffer = b""
        try:
            while True:
                conn.settimeout(self.idle_timeout)
                while b"\r\n\r\n" not in buffer:
                    chunk = conn.recv(65536)  # raises TimeoutError when idle too long
                    if not chunk:
                        return
                    buffer += chunk
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                length = 0
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value)
                conn.settimeout(10)
                while len(buffer) < length:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                buffer = buffer[length:]
                with self._lock:
                    self.requests.append(Seen(method, path, number))
                body = json.dumps(webhook_json()).encode()
                close = b"Connection: close\r\n" if self.connection_close else b""
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    + close
                    + f"Content-Length: {len(body)}\r\n\r\n".encode()
                    + body
                )
                if self.connection_close:
                    return
        except (OSError, ValueError):
            return
        finally:
            with self._lock:
                self._socks.discard(conn)
            conn.close()
