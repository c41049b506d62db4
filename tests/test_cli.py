"""The exa-webhooks command, run as a subprocess against ExaServer."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import exa_webhooks as ew
from exa_webhooks.testing import ExaServer


def run(
    server: ExaServer | None, *args: str, stdin: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("EXA_")}
    if server is not None:
        environ.update(EXA_API_KEY=server.api_key, EXA_BASE_URL=server.url)
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "exa_webhooks", *args],
        capture_output=True,
        text=True,
        env=environ,
        input=stdin if stdin is not None else "",
        timeout=60,
    )


def ok(server: ExaServer, *args: str) -> str:
    result = run(server, *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def ok_json(server: ExaServer, *args: str) -> Any:
    return json.loads(ok(server, *args, "--json"))


def test_create_shows_the_secret_once(server: ExaServer) -> None:
    out = ok(
        server,
        "create",
        "--event",
        "webset.created",
        "--event",
        "import.completed",
        "--url",
        "https://example.com/h",
        "--metadata",
        "team=growth",
        "--metadata",
        "env=a=b",
    )
    (stored,) = server.webhooks
    assert stored.events == ("webset.created", "import.completed")
    assert stored.metadata == {"team": "growth", "env": "a=b"}
    assert stored.id in out
    assert stored.secret is not None
    assert out.count(stored.secret) == 1
    assert "will not be shown again" in out


def test_create_json(server: ExaServer) -> None:
    body = ok_json(server, "create", "--event", "webset.idle", "--url", "https://e.com")
    assert body["events"] == ["webset.idle"]
    assert body["secret"] == server.webhooks[0].secret


def test_get_update_delete(server: ExaServer) -> None:
    wh = server.client().create_webhook(["webset.created"], "https://e.com", {"a": "b"})
    assert wh.id in ok(server, "get", wh.id)
    assert ok_json(server, "get", wh.id)["secret"] is None

    updated = ok_json(
        server, "update", wh.id, "--url", "https://e.com/new", "--event", "webset.idle"
    )
    assert (updated["url"], updated["events"], updated["metadata"]) == (
        "https://e.com/new",
        ["webset.idle"],
        {"a": "b"},
    )
    assert ok_json(server, "update", wh.id, "--clear-metadata")["metadata"] == {}

    assert ok(server, "delete", wh.id).strip() == f"deleted {wh.id}"
    assert server.webhooks == []


def test_list_table_json_and_all(server: ExaServer) -> None:
    client = server.client()
    hooks = [client.create_webhook(["webset.created"], f"https://e.com/{i}") for i in range(5)]
    table = ok(server, "list", "--limit", "2")
    lines = table.splitlines()
    assert lines[0].split() == ["ID", "STATUS", "EVENTS", "URL", "CREATED"]
    assert hooks[-1].id in lines[1]
    assert "--cursor" in table
    page = ok_json(server, "list", "--limit", "2")
    assert (len(page["data"]), page["hasMore"]) == (2, True)
    second = ok_json(server, "list", "--limit", "2", "--cursor", page["nextCursor"])
    assert second["data"][0]["id"] == hooks[2].id
    everything = ok_json(server, "list", "--all", "--limit", "2")
    assert (everything["hasMore"], everything["nextCursor"]) == (False, None)  # a page's shape
    assert sorted(w["id"] for w in everything["data"]) == sorted(h.id for h in hooks)
    assert len(ok(server, "list", "--all").splitlines()) == 6


def test_attempts(server: ExaServer) -> None:
    wh = server.client().create_webhook(["webset.created"], "https://e.com")
    out = ok(server, "attempts", wh.id, "--event-type", "webset.created", "--failed")
    assert out == "no attempts\n"  # an empty listing says so
    assert server.requests[-1].query == "eventType=webset.created&successful=false"
    assert ok_json(server, "attempts", wh.id, "--successful", "--all")["data"] == []
    assert server.requests[-1].query == "successful=true"


def test_events_list_with_durations_times_and_types(server: ExaServer) -> None:
    now = datetime.now(timezone.utc)
    old = server.emit("webset.created", created_at=now - timedelta(days=3))
    hour_ago = server.emit("webset.idle", created_at=now - timedelta(hours=1))
    recent = server.emit("import.completed", created_at=now - timedelta(minutes=5))
    table = ok(server, "events", "list")
    lines = table.splitlines()
    assert lines[0].split() == ["ID", "TYPE", "CREATED", "DATA"]
    assert [line.split()[0] for line in lines[1:]] == [recent.id, hour_ago.id, old.id]
    assert recent.data["id"] in lines[1]

    def ids(*args: str) -> list[str]:
        return [e["id"] for e in ok_json(server, "events", "list", "--all", *args)["data"]]

    assert ids("--since", "90m") == [recent.id, hour_ago.id]
    assert ids("--since", "2h", "--until", "30m") == [hour_ago.id]
    assert ids("--since", "7d", "--type", "webset.created", "--type", "webset.idle") == [
        hour_ago.id,
        old.id,
    ]
    assert ids("--until", old.to_dict()["createdAt"]) == [old.id]  # inclusive
    assert ids("--since", "120s") == []
    page = ok_json(server, "events", "list", "--limit", "1")
    assert (page["data"][0]["id"], page["hasMore"]) == (recent.id, True)
    nxt = ok_json(server, "events", "list", "--limit", "1", "--cursor", page["nextCursor"])
    assert nxt["data"][0]["id"] == hour_ago.id
    assert "--cursor" in ok(server, "events", "list", "--limit", "1")


def test_events_get(server: ExaServer) -> None:
    event = server.emit("webset.item.enriched")
    out = ok(server, "events", "get", event.id)
    assert out.splitlines()[:2] == [f"id       {event.id}", "type     webset.item.enriched"]
    assert event.data["id"] in out
    assert ok_json(server, "events", "get", event.id) == event.to_dict()


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (
            ("events", "get", "event_missing"),
            1,
            'NotFoundError: 404 Event not found: "event_missing"',
        ),
        (("events", "get", "a/b"), 2, "event_id: must not contain '/'"),
        (
            ("events", "list", "--since", "yesterday"),
            2,
            '--since: is not an RFC 3339 date-time: "yesterday"',
        ),
        (("events", "list", "--until", "2h30"), 2, "--until: is not an RFC 3339"),
        (("events", "list", "--since", "999999999d"), 2, "--since: '999999999d' reaches back"),
        (("events", "list", "--type", "webset.completed"), 2, "--type: unknown event type"),
        (("events", "list", "--since", "1h", "--until", "2h"), 2, "later than created_before"),
        (("events", "list", "--limit", "0"), 2, "limit: must be between 1 and 200"),
    ],
)
def test_events_errors(server: ExaServer, args: tuple[str, ...], code: int, fragment: str) -> None:
    result = run(server, *args)
    assert result.returncode == code, result.stderr
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert fragment in result.stderr
    if code == 2:
        assert not [r for r in server.requests if "/events" in r.path]


def test_flags_instead_of_env(server: ExaServer) -> None:
    result = run(None, "list", "--api-key", server.api_key, "--base-url", server.url, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["data"] == []
    # It works, and says once why it is unwise, without repeating the key.
    assert result.stderr.count("warning") == 1
    assert "visible to other users" in result.stderr
    assert "EXA_API_KEY or --api-key-file" in result.stderr
    assert server.api_key not in result.stderr


def test_key_from_a_file_or_stdin_stays_off_the_command_line(tmp_path: Path) -> None:
    key = "sk-from-a-file-0123456789"
    with ExaServer(key) as server:
        path = tmp_path / "exa-key"
        path.write_text(key + "\n")
        for args, stdin in (((f"--api-key-file={path}",), None), (("--api-key-file", "-"), key)):
            result = run(None, "list", "--base-url", server.url, *args, stdin=stdin)
            assert result.returncode == 0, result.stderr
            assert result.stderr == ""
            assert key not in result.stdout
        assert [r.headers["x-api-key"] for r in server.requests] == [key, key]


@pytest.mark.parametrize(
    ("args", "stdin", "fragment"),
    [
        (("--api-key-file", "/nonexistent/key"), None, "cannot read '/nonexistent/key'"),
        (("--api-key-file", "-"), "", "stdin holds no key"),
        (("--api-key-file", "-"), "sk-line-one\nsk-line-two\n", "more than one line"),
        (("--api-key-file", "f", "--api-key", "k"), None, "not allowed with argument"),
    ],
)
def test_bad_key_file(args: tuple[str, ...], stdin: str | None, fragment: str) -> None:
    result = run(None, "list", *args, stdin=stdin)
    assert result.returncode == 2
    assert fragment in result.stderr
    assert "sk-line" not in result.stderr


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (("get", "webhook_missing"), 1, "NotFoundError: 404 Webhook not found"),
        (("get", "../etc"), 2, "webhook_id"),
        (("create", "--event", "webset.completed", "--url", "https://e.com"), 2, "webset.idle"),
        (
            ("create", "--event", "webset.created", "--url", "https://e.com", "--metadata", "x"),
            2,
            "KEY=VALUE",
        ),
        (("update", "webhook_1"), 2, "give --event, --url, --metadata or --clear-metadata"),
        (("list", "--limit", "500"), 2, "limit"),
    ],
)
def test_errors_are_one_line_on_stderr(
    server: ExaServer, args: tuple[str, ...], code: int, fragment: str
) -> None:
    result = run(server, *args)
    assert result.returncode == code
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert fragment in result.stderr


def test_key_never_printed(server: ExaServer) -> None:
    secret_key = "sk-do-not-print-me"
    for args in (("list",), ("get", "webhook_x"), ("list", "--json")):
        result = run(server, *args, EXA_API_KEY=secret_key)
        assert result.returncode == 1
        assert "AuthenticationError" in result.stderr
        assert secret_key not in result.stdout + result.stderr


def test_missing_key() -> None:
    result = run(None, "list")
    assert result.returncode == 2
    assert "EXA_API_KEY" in result.stderr


def test_serve_until_ctrl_c() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "exa_webhooks", "serve", "--port", "0", "--api-key", "k2"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline().split()
        assert first[:3] == ["ExaServer", "listening", "on"]
        url = first[3]
        assert "k2" not in proc.stdout.readline()
        wh = ew.Client("k2", base_url=url, timeout=5).create_webhook(
            ["webset.idle"], "https://e.com"
        )
        assert wh.status == "active"
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        proc.kill()
    with pytest.raises(ew.APIConnectionError):
        ew.Client("k2", base_url=url, timeout=2).list_webhooks()


def test_missing_key_names_the_option_and_variable(server: ExaServer) -> None:
    result = run(None, "list", EXA_BASE_URL=server.url)
    assert result.returncode == 2
    assert "--api-key" in result.stderr and "EXA_API_KEY" in result.stderr  # noqa: PT018
    assert "api_key=" not in result.stderr


def test_global_options_before_the_command(server: ExaServer) -> None:
    server.client().create_webhook(["webset.created"], "https://e.com/g")
    result = run(None, "--api-key", server.api_key, "--base-url", server.url, "--json", "list")
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)["data"]) == 1


def test_tables_fit_80_columns(server: ExaServer) -> None:
    client = server.client()
    client.create_webhook(
        [str(t) for t in list(ew.EventType)[:6]], "https://example.com/" + "x" * 120
    )
    result = run(server, "list", COLUMNS="80")
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert client.list_webhooks().data[0].id in lines[1]  # the id is never cut


def test_list_all_into_head_exits_quietly(server: ExaServer) -> None:
    client = server.client()
    for i in range(30):
        client.create_webhook(["webset.created"], f"https://e.com/{i}")
    environ = {k: v for k, v in os.environ.items() if not k.startswith("EXA_")}
    environ.update(EXA_API_KEY=server.api_key, EXA_BASE_URL=server.url)
    result = subprocess.run(
        f"'{sys.executable}' -m exa_webhooks list --all --limit 5 | head -1; "
        'echo "status=${PIPESTATUS[0]}" >&2',
        shell=True,
        executable="/bin/bash",
        capture_output=True,
        text=True,
        env=environ,
        timeout=60,
    )
    assert result.stdout.startswith("ID")
    assert result.stderr.strip() == "status=0"


def test_serve_help_describes_every_option() -> None:
    out = run(None, "serve", "--help").stdout
    for option in ("--host", "--port", "--api-key"):
        line = next(line for line in out.splitlines() if line.strip().startswith(option))
        assert len(line.split()) > 2 or option in out  # described
    assert "default 8000" in out and "ExaServer" in out  # noqa: PT018


def test_serve_stops_at_ctrl_c_sent_as_soon_as_it_listens() -> None:
    # Ctrl-C can land at any point of the wait: an unbounded `Event().wait()` missed it for
    # good about one time in 30 on Python 3.10. Twelve servers, each interrupted as soon as
    # it says it listens, must all stop.
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "exa_webhooks", "serve", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        for _ in range(12)
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None
            assert proc.stdout.readline().startswith("ExaServer listening on")
            proc.send_signal(signal.SIGINT)
        assert [proc.wait(timeout=15) for proc in procs] == [0] * len(procs)
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
