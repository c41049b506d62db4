"""The dedupe stores for real: SQLite across restarts, crashes and concurrent processes; Redis
(a real redis-server) sync and async, and a fleet of processes given the same events at once.
"""

from __future__ import annotations

import asyncio
import json
import pickle
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import exa_webhooks as ew
from exa_webhooks.receiver import RedisDedupe, SQLiteDedupe, WebhookReceiver
from receiving import SECRET, signed

WORKER = Path(__file__).with_name("receiver_worker.py")


def run_worker(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(WORKER), *args], capture_output=True, text=True, timeout=60
    )


def answers(out: str) -> list[tuple[str, int, str]]:
    return [tuple(json.loads(line)) for line in out.splitlines()]


def log_lines(log: Path) -> list[str]:
    return [line.split()[1] for line in log.read_text().splitlines()] if log.exists() else []


# --- SQLite ------------------------------------------------------------------------------------


def test_sqlite_remembers_processed_events_across_a_restart(tmp_path: Path) -> None:
    db, log = str(tmp_path / "events.sqlite3"), tmp_path / "runs.log"
    first = run_worker("handle", db, str(log), "event_1", "event_2")
    assert first.returncode == 0, first.stderr
    assert [a[1:] for a in answers(first.stdout)] == [(200, "processed")] * 2

    # A new process on the same file: what was processed stays processed.
    second = run_worker("handle", db, str(log), "event_2", "event_1", "event_3")
    assert second.returncode == 0, second.stderr
    assert answers(second.stdout) == [
        ("event_2", 200, "duplicate: already processed"),
        ("event_1", 200, "duplicate: already processed"),
        ("event_3", 200, "processed"),
    ]
    assert log_lines(log) == ["event_1", "event_2", "event_3"]


def test_sqlite_claim_of_a_crashed_process_expires_after_its_lease(tmp_path: Path) -> None:
    db, log = str(tmp_path / "events.sqlite3"), tmp_path / "runs.log"
    crashed = run_worker("handle", db, str(log), "--crash-on", "event_c", "--lease", "1", "event_c")
    assert crashed.returncode == 3  # died inside the handler, holding the claim

    deadline = time.monotonic() + 20
    while True:
        after = run_worker("handle", db, str(log), "--lease", "1", "event_c")
        assert after.returncode == 0, after.stderr
        ((_, status, body),) = answers(after.stdout)
        if status != 503:
            break
        assert "retry later" in body  # held by the dead process until its lease ends
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert (status, body) == (200, "processed")
    assert log_lines(log) == ["event_c"]


def test_sqlite_processes_handling_the_same_events_at_once_run_each_once(tmp_path: Path) -> None:
    db, log = str(tmp_path / "events.sqlite3"), tmp_path / "runs.log"
    SQLiteDedupe(db).close()  # the schema exists before the race starts
    ids = [f"event_{i:03d}" for i in range(40)]
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKER), "handle", db, str(log), "--wait", *ids],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    for p in procs:
        assert p.stdout is not None
        assert p.stdout.readline().strip() == "ready"
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    results = []
    for p in procs:
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
        results += answers(out)

    assert sorted(log_lines(log)) == ids  # every handler ran exactly once, across processes
    processed = Counter(event_id for event_id, _, body in results if body == "processed")
    assert processed == Counter(ids)
    assert {status for _, status, body in results if body != "processed"} <= {200, 503}


def test_sqlite_store_in_handle_async_and_its_repr(tmp_path: Path) -> None:
    store = SQLiteDedupe(tmp_path / "a.sqlite3", ttl=3600)
    receiver = WebhookReceiver(SECRET, dedupe=store)
    seen: list[str] = []

    @receiver.on("webset.idle")
    async def handler(event: ew.WebhookEvent) -> None:
        seen.append(event.id)

    async def main() -> list[str]:
        body, headers = signed("event_as")
        return [(await receiver.handle_async(body, headers)).body for _ in range(2)]

    assert asyncio.run(main()) == ["processed", "duplicate: already processed"]
    assert seen == ["event_as"]
    assert "a.sqlite3" in repr(store)
    store.close()
    assert store.claim("event_as", 60).state == "done"  # reopens after close


def test_sqlite_refuses_a_path_it_cannot_open(tmp_path: Path) -> None:
    import sqlite3

    with pytest.raises(sqlite3.OperationalError):
        SQLiteDedupe(tmp_path / "no" / "such" / "dir" / "x.sqlite3")
    # Each is a database per connection (per thread here): no dedupe between threads.
    for private in (":memory:", "", "file::memory:?cache=shared", "file:x?mode=memory"):
        with pytest.raises(ew.ValidationError, match="MemoryDedupe"):
            SQLiteDedupe(private)


# --- Redis -------------------------------------------------------------------------------------


def test_redis_claims_commits_and_releases_atomically(redis_url: str) -> None:
    import redis

    store = RedisDedupe(redis_url, prefix="t:", ttl=3600)
    first = store.claim("e1", 30)
    assert first.state == "claimed"
    busy = store.claim("e1", 30)
    assert busy.state == "processing"
    assert 25 < busy.retry_after <= 30

    other = store.claim("e2", 30)
    store.release(busy)  # not the holder: frees nothing
    assert store.claim("e1", 30).state == "processing"
    store.commit(first)
    assert store.claim("e1", 30).state == "done"
    store.release(other)
    assert store.claim("e2", 30).state == "claimed"

    raw = redis.Redis.from_url(redis_url)
    assert raw.get("t:e1") == b"done"
    assert 3500 < raw.ttl("t:e1") <= 3600  # processed ids expire after ttl
    assert 0 < raw.pttl("t:e2") <= 30_000  # claims after their lease
    store.close()


def test_redis_lease_expiry_frees_a_dead_workers_claim(redis_url: str) -> None:
    store = RedisDedupe(redis_url)
    store.claim("e", 0.1)
    deadline = time.monotonic() + 10
    while (claim := store.claim("e", 30)).state != "claimed":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert claim.token is not None


def test_redis_async_path_shares_state_with_the_sync_one(redis_url: str) -> None:
    store = RedisDedupe(redis_url, prefix="a:")
    receiver = WebhookReceiver(SECRET, dedupe=store)
    runs: list[str] = []
    receiver.on("webset.idle")(lambda e: runs.append(e.id))

    async def deliver(event_id: str) -> str:
        return (await receiver.handle_async(*signed(event_id))).body

    async def main() -> list[str]:
        got = [await deliver("event_1"), await deliver("event_1")]
        await store.aclose()
        return got

    assert asyncio.run(main()) == ["processed", "duplicate: already processed"]
    assert asyncio.run(main()) == ["duplicate: already processed"] * 2  # a new loop, a new client
    assert receiver.handle(*signed("event_1")).duplicate  # and the sync client agrees
    assert runs == ["event_1"]


def test_redis_down_is_a_503_and_no_handler_runs() -> None:
    from ports import held_port

    with held_port() as port:
        url = f"redis://127.0.0.1:{port}"
        receiver = WebhookReceiver(SECRET, dedupe=RedisDedupe(url, timeout=2))
        ran: list[object] = []
        receiver.on()(ran.append)
        assert receiver.handle(*signed()).status == 503
    assert ran == []


def test_redis_url_password_never_shows() -> None:
    store = RedisDedupe("redis://user:s3cr3tpass@127.0.0.1:6390/2")
    assert "s3cr3tpass" not in repr(store)
    assert repr(store) == "RedisDedupe('redis://127.0.0.1:6390/2', prefix='exa-webhooks:')"
    with pytest.raises(TypeError):
        pickle.dumps(WebhookReceiver(SECRET, dedupe=store))


def test_redis_is_imported_only_when_used(tmp_path: Path) -> None:
    code = (
        "import sys, exa_webhooks.receiver as r; "
        "assert 'redis' not in sys.modules and 'asyncio' not in sys.modules "
        "and 'sqlite3' not in sys.modules; r.WebhookReceiver('s'); "
        "r.SQLiteDedupe(sys.argv[1]); assert 'redis' not in sys.modules; print('ok')"
    )
    db = str(tmp_path / "x.sqlite3")
    out = subprocess.run(
        [sys.executable, "-c", code, db], capture_output=True, text=True, timeout=30
    )
    assert out.stdout.strip() == "ok", out.stderr


def test_a_fleet_on_one_redis_runs_each_handler_once(redis_url: str) -> None:
    """Four processes (two WSGI under werkzeug, two ASGI under uvicorn) get the same 25
    events at once; whoever loses a race answers duplicate or 503, and the 503s are retried
    as Exa would, until every delivery is acknowledged."""
    import redis

    kinds = ["wsgi", "asgi", "wsgi", "asgi"]
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKER), "serve", kind, redis_url, "fleet:"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for kind in kinds
    ]
    try:
        ports = []
        for p in procs:
            assert p.stdout is not None
            line = p.stdout.readline()
            assert line.strip().isdigit(), p.stderr.read() if p.stderr else line
            ports.append(int(line))
        from test_receiver_apps import post

        ids = [f"event_{i:03d}" for i in range(25)]

        def deliver(job: tuple[str, int]) -> list[tuple[int, str]]:
            event_id, port = job
            body, headers = signed(event_id)
            tries = []
            deadline = time.monotonic() + 30
            while True:
                status, _, answer = post(f"http://127.0.0.1:{port}/hooks/exa", body, headers)
                tries.append((status, answer))
                if status != 503 or time.monotonic() > deadline:
                    return tries
                time.sleep(0.05)

        jobs = [(event_id, port) for event_id in ids for port in ports]
        with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
            results = list(pool.map(deliver, jobs))
    finally:
        for p in procs:
            assert p.stdin is not None
            p.stdin.close()
        for p in procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()

    raw = redis.Redis.from_url(redis_url)
    counts = {event_id: int(raw.get(f"count:{event_id}") or 0) for event_id in ids}
    assert counts == dict.fromkeys(ids, 1)  # each handler ran exactly once, fleet-wide
    finals = [tries[-1] for tries in results]
    assert all(status == 200 for status, _ in finals), finals
    processed = Counter(
        event_id
        for (event_id, _), tries in zip(jobs, results, strict=True)
        if tries[-1][1] == "processed"
    )
    assert processed == Counter(ids)
    assert raw.llen("runs") == len(ids)
