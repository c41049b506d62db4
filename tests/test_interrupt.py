"""Ctrl-C interrupts a sync call blocked on a server that never answers."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time

SCRIPT = """
import sys, exa_webhooks as ew
client = ew.Client("k", base_url=sys.argv[1], timeout=30)
print("ready", flush=True)
try:
    client.create_webhook(["webset.created"], "https://example.com/h")
except KeyboardInterrupt:
    print("interrupted", flush=True)
    sys.exit(42)
"""


def test_ctrl_c_interrupts_a_blocked_sync_call() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        proc = subprocess.Popen(
            [sys.executable, "-c", SCRIPT, url], stdout=subprocess.PIPE, text=True
        )
        try:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "ready"
            conn, _ = listener.accept()  # the request arrived; it will never get an answer
            with conn:
                time.sleep(0.2)
                sent = time.monotonic()
                proc.send_signal(signal.SIGINT)
                line = proc.stdout.readline().strip()
                elapsed = time.monotonic() - sent
                code = proc.wait(timeout=10)
        finally:
            proc.kill()
    assert (line, code) == ("interrupted", 42)
    # Checked every 100 ms; the slack is for a loaded machine (the wait is endless otherwise).
    assert elapsed < 2, f"took {elapsed:.2f}s to honour Ctrl-C"


EMIT_SCRIPT = """
import sys
from exa_webhooks.testing import ExaServer
with ExaServer() as server:
    server.client().create_webhook(["webset.created"], sys.argv[1])
    print("ready", flush=True)
    try:
        server.emit("webset.created", timeout=60)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        sys.exit(42)
"""


def test_ctrl_c_interrupts_an_emit_waiting_on_a_silent_receiver() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        url = f"http://127.0.0.1:{listener.getsockname()[1]}/hook"
        proc = subprocess.Popen(
            [sys.executable, "-c", EMIT_SCRIPT, url], stdout=subprocess.PIPE, text=True
        )
        try:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "ready"
            conn, _ = listener.accept()  # the delivery arrived; it will never get an answer
            with conn:
                sent = time.monotonic()
                proc.send_signal(signal.SIGINT)
                line = proc.stdout.readline().strip()
                elapsed = time.monotonic() - sent
                code = proc.wait(timeout=10)
        finally:
            proc.kill()
    assert (line, code) == ("interrupted", 42)
    assert elapsed < 3, f"took {elapsed:.2f}s to honour Ctrl-C"
