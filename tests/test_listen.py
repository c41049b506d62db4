"""`exa-webhooks listen`, end to end: ExaServer here, listen in a subprocess, a receiver (a
real HTTP server thread) that verifies each delivery with the secret `--print-secret` shows."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

import exa_webhooks as ew
from exa_webhooks.testing import ExaServer

DEADLINE = 30.0


class Receiver:
    """Verifies every delivery; answers ``status`` (or a redirect) while ``failures`` lasts."""

    def __init__(self) -> None:
        self.secret = ""
        self.events: list[ew.WebhookEvent] = []
        self.refused = 0
        self.failures = 0
        self.failure_status = 500
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                assert self.headers["Content-Type"] == "application/json"
                with receiver.lock:
                    if receiver.failures > 0:
                        receiver.failures -= 1
                        receiver.refused += 1
                        self.send_response(receiver.failure_status)
                        self.send_header("Location", "http://127.0.0.1:1/elsewhere")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    event = ew.construct_event(body, dict(self.headers), receiver.secret)
                    receiver.events.append(event)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.http.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.http.server_port}/hooks/exa"

    def ids(self) -> list[str]:
        with self.lock:
            return [e.id for e in self.events]

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def environ(server: ExaServer, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXA_")}
    env.update(EXA_API_KEY=server.api_key, EXA_BASE_URL=server.url, EXA_WEBHOOKS_HOME=str(home))
    return env


def cli(server: ExaServer, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "exa_webhooks", *args],
        capture_output=True,
        text=True,
        env=environ(server, home),
        timeout=60,
    )


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


class Listener:
    """A running `listen`; its output lines are read in a thread, so none is lost."""

    def __init__(self, server: ExaServer, home: Path, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "exa_webhooks", "listen", "--interval", "0.1", "--json", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environ(server, home),
        )
        self.lines: list[dict[str, Any]] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        wait_for(lambda: any(line["kind"] == "ready" for line in self.lines), "listen to start")

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(json.loads(line))

    def kinds(self, kind: str) -> list[dict[str, Any]]:
        return [line for line in self.lines if line["kind"] == kind]

    def stop(self) -> dict[str, Any]:
        self.process.send_signal(signal.SIGINT)
        sent = time.monotonic()
        code = self.process.wait(timeout=DEADLINE)
        stopped_in = time.monotonic() - sent
        self.reader.join(DEADLINE)
        assert self.process.stderr is not None
        errors = self.process.stderr.read()
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
        assert code == 0, errors
        summary = self.lines[-1]
        assert summary["kind"] == "summary"
        summary["stopped_in"] = stopped_in
        return summary


def test_the_secret_is_created_once_and_private(server: ExaServer, tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = cli(server, home, "listen", "--print-secret")
    assert first.returncode == 0, first.stderr
    secret = first.stdout.strip()
    assert secret.startswith("whsec_")
    assert len(secret) > 30
    assert cli(server, home, "listen", "--print-secret").stdout.strip() == secret
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE((home / "listen-secret").stat().st_mode) == 0o600
    other = cli(server, tmp_path / "other", "listen", "--print-secret").stdout.strip()
    assert other != secret


def test_forwards_resumes_after_a_stop_and_never_twice(
    server: ExaServer, receiver: Receiver, tmp_path: Path
) -> None:
    receiver.secret = cli(server, tmp_path, "listen", "--print-secret").stdout.strip()
    listener = Listener(server, tmp_path, "--forward-to", receiver.url)
    first = [server.emit("webset.created").id, server.emit("webset.idle").id]
    # The receiver records a delivery before listen reads the answer: wait for both.
    wait_for(lambda: len(listener.kinds("response")) == 2, "the answers to the first two")
    assert receiver.ids() == first
    assert [line["status"] for line in listener.kinds("response")] == [200, 200]
    summary = listener.stop()
    assert summary["forwarded"] == 2
    assert summary["stopped_in"] < 5  # "within a second", with room for a loaded machine

    # Created while listen was down: forwarded once, oldest first, when it comes back.
    missed = [server.emit(t).id for t in ("webset.item.created", "import.completed", "webset.idle")]
    listener = Listener(server, tmp_path, "--forward-to", receiver.url)
    assert listener.kinds("ready")[0]["resumed"] is True
    wait_for(lambda: len(receiver.ids()) == 5, "the events missed while down")
    later = server.emit("monitor.created").id
    wait_for(lambda: len(receiver.ids()) == 6, "an event created after the restart")
    # A few more polls (their bounds include the last event): nothing comes twice.
    polls = len(server.requests)
    wait_for(lambda: len(server.requests) > polls + 5, "more polls")
    assert listener.stop()["forwarded"] == 4
    assert receiver.ids() == [*first, *missed, later]


def test_a_refusing_receiver_gets_every_event_in_order_when_it_recovers(
    server: ExaServer, receiver: Receiver, tmp_path: Path
) -> None:
    receiver.secret = cli(server, tmp_path, "listen", "--print-secret").stdout.strip()
    receiver.failures = 3
    listener = Listener(server, tmp_path, "--forward-to", receiver.url)
    emitted = [server.emit(t).id for t in ("webset.created", "webset.idle", "webset.deleted")]
    wait_for(lambda: len(receiver.ids()) == 3, "every event after the receiver recovered")
    assert receiver.ids() == emitted
    failures = listener.kinds("failure")
    assert [f["status"] for f in failures] == [500, 500, 500]
    assert {f["id"] for f in failures} == {emitted[0]}  # the later ones waited behind it
    assert failures[0]["reason"] == "answered 500"
    assert listener.stop()["failed_tries"] == 3


def test_a_redirect_is_a_refusal_never_followed(
    server: ExaServer, receiver: Receiver, tmp_path: Path
) -> None:
    receiver.secret = cli(server, tmp_path, "listen", "--print-secret").stdout.strip()
    receiver.failures, receiver.failure_status = 1, 307
    listener = Listener(server, tmp_path, "--forward-to", receiver.url)
    emitted = server.emit("webset.idle").id
    wait_for(lambda: receiver.ids() == [emitted], "the event after the redirect")
    (failure,) = listener.kinds("failure")
    assert failure["status"] == 307
    assert "redirect to http://127.0.0.1:1/elsewhere not followed" in failure["reason"]
    listener.stop()


def test_an_unreachable_receiver_is_retried(server: ExaServer, tmp_path: Path) -> None:
    receiver = Receiver()
    receiver.secret = cli(server, tmp_path, "listen", "--print-secret").stdout.strip()
    url = receiver.url
    receiver.close()  # nothing listens on its port now
    listener = Listener(server, tmp_path, "--forward-to", url)
    server.emit("webset.idle")
    wait_for(lambda: len(listener.kinds("failure")) >= 2, "two refused tries")
    assert "connection refused" in listener.kinds("failure")[0]["reason"]
    summary = listener.stop()
    assert summary["forwarded"] == 0
    assert summary["failed_tries"] >= 2


def test_events_filter(server: ExaServer, receiver: Receiver, tmp_path: Path) -> None:
    receiver.secret = cli(server, tmp_path, "listen", "--print-secret").stdout.strip()
    args = ("--forward-to", receiver.url, "--events", "webset.idle", "--events", "import.created")
    listener = Listener(server, tmp_path, *args)
    server.emit("webset.created")
    wanted = [server.emit("webset.idle").id, server.emit("import.created").id]
    server.emit("webset.deleted")
    last = server.emit("webset.idle").id
    wait_for(lambda: len(receiver.ids()) == 3, "the chosen types")
    assert receiver.ids() == [*wanted, last]
    listener.stop()


def test_since_forwards_older_events(server: ExaServer, receiver: Receiver, tmp_path: Path) -> None:
    from datetime import datetime, timedelta, timezone

    receiver.secret = cli(server, tmp_path, "listen", "--print-secret").stdout.strip()
    hour_ago = datetime.now(timezone.utc) - timedelta(hours=1)
    old = server.emit("webset.idle", created_at=hour_ago).id
    server.emit("webset.idle", created_at=hour_ago - timedelta(hours=2))  # before --since
    listener = Listener(server, tmp_path, "--forward-to", receiver.url, "--since", "2h")
    wait_for(lambda: receiver.ids() == [old], "the event from an hour ago")
    listener.stop()


def test_the_human_output(server: ExaServer, receiver: Receiver, tmp_path: Path) -> None:
    receiver.secret = cli(server, tmp_path, "listen", "--print-secret").stdout.strip()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "exa_webhooks",
            "listen",
            "--interval",
            "0.1",
            "--forward-to",
            receiver.url,
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=environ(server, tmp_path),
    )
    assert process.stdout is not None
    assert process.stdout.readline().startswith("Forwarding events from ")
    event = server.emit("webset.idle")
    assert process.stdout.readline() == f"--> webset.idle [{event.id}]\n"
    answer = process.stdout.readline()
    assert answer.startswith(f"<-- 200 POST {receiver.url} [{event.id}] ")
    assert answer.endswith(" ms\n")
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=DEADLINE) == 0
    assert process.stdout.read() == "stopped: 1 event(s) forwarded, 0 failed tries\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--forward-to", "ftp://x"], "--forward-to: must be an http or https URL"),
        ([], "--forward-to: is required"),
        (["--forward-to", "http://localhost:1/", "--interval", "0.01"], "--interval: must be"),
        (["--forward-to", "http://localhost:1/", "--since", "yesterday"], "--since: expected"),
    ],
)
def test_bad_input_is_refused_before_polling(
    server: ExaServer, tmp_path: Path, args: list[str], message: str
) -> None:
    result = cli(server, tmp_path, "listen", *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert server.requests == []


def test_the_interval_floor_for_exa_itself(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXA_")}
    env.update(EXA_API_KEY="k", EXA_WEBHOOKS_HOME=str(tmp_path))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "exa_webhooks",
            "listen",
            "--forward-to",
            "http://localhost:1/",
            "--interval",
            "0.2",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 2
    assert "--interval: must be at least 0.5 s" in result.stderr


def test_an_event_that_shows_up_late_is_forwarded_once(
    server: ExaServer, receiver: Receiver, tmp_path: Path
) -> None:
    # Exa's listing may show an event after a newer one: each poll looks back behind the
    # newest forwarded event (60 s by default), and never forwards an event twice.
    from datetime import datetime, timedelta, timezone

    receiver.secret = cli(server, tmp_path, "listen", "--print-secret").stdout.strip()
    # From an hour ago, so that the late event is not older than where forwarding started.
    listener = Listener(server, tmp_path, "--forward-to", receiver.url, "--since", "1h")
    newer = server.emit("webset.idle").id
    wait_for(lambda: receiver.ids() == [newer], "the newer event")
    late = server.emit(
        "webset.created", created_at=datetime.now(timezone.utc) - timedelta(seconds=10)
    )
    wait_for(lambda: receiver.ids() == [newer, late.id], "the event that showed up late")
    polls = len(server.requests)
    wait_for(lambda: len(server.requests) > polls + 5, "more polls")
    assert listener.stop()["forwarded"] == 2
    assert receiver.ids() == [newer, late.id]

    # After a restart, the window behind the checkpoint holds no second delivery either.
    listener = Listener(server, tmp_path, "--forward-to", receiver.url)
    polls = len(server.requests)
    wait_for(lambda: len(server.requests) > polls + 5, "polls after the restart")
    assert listener.stop()["forwarded"] == 0
    assert receiver.ids() == [newer, late.id]


def test_no_lookback_misses_a_late_event(
    server: ExaServer, receiver: Receiver, tmp_path: Path
) -> None:
    from datetime import datetime, timedelta, timezone

    receiver.secret = cli(server, tmp_path, "listen", "--print-secret").stdout.strip()
    args = ("--forward-to", receiver.url, "--since", "1h", "--lookback", "0")
    listener = Listener(server, tmp_path, *args)
    newer = server.emit("webset.idle").id
    wait_for(lambda: receiver.ids() == [newer], "the newer event")
    server.emit("webset.created", created_at=datetime.now(timezone.utc) - timedelta(seconds=10))
    polls = len(server.requests)
    wait_for(lambda: len(server.requests) > polls + 5, "more polls")
    assert listener.stop()["forwarded"] == 1
    assert receiver.ids() == [newer]


def test_a_rate_limited_poll_waits_as_told(
    server: ExaServer, receiver: Receiver, tmp_path: Path
) -> None:
    from datetime import datetime

    receiver.secret = cli(server, tmp_path, "listen", "--print-secret").stdout.strip()
    listener = Listener(server, tmp_path, "--forward-to", receiver.url)
    # Every try of one poll (the client's own retries included) is refused with a 429.
    server.add_fault(
        status=429, times=3, method="GET", path="/websets/v0/events", headers={"Retry-After": "1"}
    )
    wait_for(lambda: listener.kinds("poll_error"), "the rate-limited poll")
    (limited,) = listener.kinds("poll_error")
    assert limited["reason"] == "rate limited"
    assert limited["retry_in"] == 1
    emitted = server.emit("webset.idle").id
    wait_for(lambda: receiver.ids() == [emitted], "the event after the wait")
    (forwarded,) = listener.kinds("forward")
    # listen's own clock (each --json line has its time): the next poll came after the wait.
    waited = datetime.fromisoformat(forwarded["time"]) - datetime.fromisoformat(limited["time"])
    assert waited.total_seconds() >= 0.95
    listener.stop()


class _SignalledStdout:
    """A stdout on which Ctrl-C arrives while a write is under way, `presses` times."""

    def __init__(self, forwarder: Any, presses: int) -> None:
        self.forwarder, self.presses, self.text = forwarder, presses, ""

    def write(self, text: str) -> int:
        for _ in range(self.presses):
            self.forwarder.stopper.handler(signal.SIGINT, None)
        self.text += text
        return len(text)

    def flush(self) -> None:
        pass


def _forwarder() -> Any:
    from exa_webhooks._listen import Forwarder

    return Forwarder(
        None,  # type: ignore[arg-type]  # say() makes no call
        url="http://127.0.0.1:1/h",
        secret="whsec_x",
        checkpoint=None,  # type: ignore[arg-type]
        types=None,
        interval=1.0,
        timeout=1.0,
        as_json=True,
    )


def test_ctrl_c_while_a_line_is_written_lets_the_line_finish_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The listener printed the text and its newline apart: a Ctrl-C between them left the
    # line unterminated and the summary joined to it (seen on CI as two JSON records on a line).
    forwarder = _forwarder()
    out = _SignalledStdout(forwarder, presses=1)
    monkeypatch.setattr(sys, "stdout", out)
    with pytest.raises(KeyboardInterrupt):
        forwarder.say("--> webset.idle [event_1]", kind="forward", id="event_1")
    assert out.text.endswith("\n")
    assert out.text.count("\n") == 1
    assert json.loads(out.text)["kind"] == "forward"
    # Only that line waited: the next Ctrl-C raises at once again.
    with pytest.raises(KeyboardInterrupt):
        forwarder.stopper.handler(signal.SIGINT, None)


def test_a_second_ctrl_c_during_a_write_raises_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # A write to a pipe nobody reads must not keep the listener from stopping.
    forwarder = _forwarder()
    monkeypatch.setattr(sys, "stdout", _SignalledStdout(forwarder, presses=2))
    with pytest.raises(KeyboardInterrupt):
        forwarder.say("--> webset.idle [event_1]", kind="forward")
    assert sys.stdout.text == ""  # type: ignore[attr-defined]
