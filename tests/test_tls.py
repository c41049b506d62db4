"""TLS is verified; a private CA is accepted through ca_bundle or SSL_CERT_FILE; HTTPS_PROXY
and NO_PROXY are honoured. Real servers on 127.0.0.1, certificates from a private CA."""

from __future__ import annotations

import asyncio
import json
import select
import socket
import socketserver
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import trustme

import exa_webhooks as ew


class HTTPSServer:
    """Answers every GET with an empty page of webhooks, over TLS."""

    def __init__(self, ca: trustme.CA) -> None:
        self.requests = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                outer.requests += 1
                body = json.dumps({"data": [], "hasMore": False, "nextCursor": None}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("localhost", "127.0.0.1").configure_cert(context)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.url = f"https://localhost:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class ConnectProxy:
    """A CONNECT proxy that records the tunnels it opened."""

    def __init__(self) -> None:
        self.tunnels: list[str] = []
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                head = b""
                while b"\r\n\r\n" not in head:
                    chunk = self.request.recv(4096)
                    if not chunk:
                        return
                    head += chunk
                method, target, _ = head.split(b"\r\n", 1)[0].decode().split(" ", 2)
                if method != "CONNECT":
                    self.request.sendall(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n")
                    return
                outer.tunnels.append(target)
                _host, port = target.rsplit(":", 1)
                upstream = socket.create_connection(("127.0.0.1", int(port)))
                self.request.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                with upstream:
                    pair = [self.request, upstream]
                    while True:
                        readable, _, _ = select.select(pair, [], [], 5)
                        if not readable:
                            return
                        for sock in readable:
                            data = sock.recv(65536)
                            if not data:
                                return
                            (upstream if sock is self.request else self.request).sendall(data)

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture
def https(ca: trustme.CA) -> Iterator[HTTPSServer]:
    server = HTTPSServer(ca)
    yield server
    server.close()


@pytest.fixture(autouse=True)
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_certificates_are_verified(https: HTTPSServer, mode: str) -> None:
    if mode == "sync":
        with pytest.raises(ew.APIConnectionError) as excinfo:
            ew.Client("k", base_url=https.url, max_retries=0).list_webhooks()
    else:

        async def main() -> None:
            async with ew.AsyncClient("k", base_url=https.url, max_retries=0) as client:
                await client.list_webhooks()

        with pytest.raises(ew.APIConnectionError) as excinfo:
            asyncio.run(main())
    message = str(excinfo.value)
    where = https.url.removeprefix("https://")
    assert message.startswith(f"the TLS certificate of {where} was not trusted: it is signed by")
    assert "ca_bundle" in message
    assert "SSL_CERT_FILE" in message
    assert isinstance(excinfo.value.__cause__, ssl.SSLCertVerificationError)
    assert "UnknownIssuer" in str(excinfo.value.__cause__)
    assert https.requests == 0


def test_private_ca_through_ca_bundle(https: HTTPSServer, ca_file: Path) -> None:
    client = ew.Client("k", base_url=https.url, ca_bundle=ca_file)
    assert client.list_webhooks().data == []
    assert https.requests == 1


def test_private_ca_through_ssl_cert_file(
    https: HTTPSServer, ca_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    assert ew.Client("k", base_url=https.url).list_webhooks().data == []


def test_bad_ca_bundle_is_a_validation_error(tmp_path: Path) -> None:
    with pytest.raises(ew.ValidationError, match="ca_bundle"):
        ew.Client("k", ca_bundle=tmp_path / "missing.pem")
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate")
    with pytest.raises(ew.ValidationError, match="no PEM certificate"):
        ew.Client("k", ca_bundle=garbage)
    # PEM armour around bytes that are no certificate: refused when the client is built, not
    # as a connection error on its first call.
    malformed = tmp_path / "malformed.pem"
    malformed.write_text(
        "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUZm9vYmFy\n-----END CERTIFICATE-----\n"
    )
    with pytest.raises(ew.ValidationError) as excinfo:
        ew.Client("k", ca_bundle=malformed)
    assert excinfo.value.errors[0]["field"] == "ca_bundle"
    assert "holds a certificate TLS cannot use" in str(excinfo.value)
    assert "builder error" not in str(excinfo.value)


def test_https_proxy_and_no_proxy(
    https: HTTPSServer, ca_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    proxy = ConnectProxy()
    try:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        ew.Client("k", base_url=https.url, ca_bundle=ca_file).list_webhooks()
        assert proxy.tunnels == [https.url.removeprefix("https://")]

        monkeypatch.setenv("NO_PROXY", "localhost")
        ew.Client("k", base_url=https.url, ca_bundle=ca_file).list_webhooks()
        assert len(proxy.tunnels) == 1
        assert https.requests == 2
    finally:
        proxy.close()
