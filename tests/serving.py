"""Real web servers for ASGI and WSGI apps in a background thread: uvicorn, werkzeug and the
standard library's wsgiref, on a free port of the given address. Each yields its base URL and
stops at the end."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


@contextmanager
def uvicorn_serving(app: Any, host: str = "127.0.0.1") -> Iterator[str]:
    import uvicorn

    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.bind((host, 0))
    # lifespan="on": uvicorn refuses to start if the app mishandles lifespan events.
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped during startup"
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield f"http://{url_host(host)}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@contextmanager
def werkzeug_serving(app: Any, host: str = "127.0.0.1") -> Iterator[str]:
    from werkzeug.serving import make_server

    httpd = make_server(host, 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{url_host(host)}:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join(10)


@contextmanager
def wsgiref_serving(app: Any) -> Iterator[str]:
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    httpd = make_server("127.0.0.1", 0, app, handler_class=Quiet)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(10)
