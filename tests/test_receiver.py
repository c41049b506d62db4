"""WebhookReceiver's semantics: verify, claim, run, commit or release; duplicates, failures,
concurrency, async handlers, logging and secrets. The apps and the stores over HTTP and across
processes are in test_receiver_apps.py and test_receiver_stores.py."""

from __future__ import annotations

import asyncio
import logging
import pickle
import re
import threading
import time
from typing import Any

import pytest

import exa_webhooks as ew
from exa_webhooks.receiver import Claim, MemoryDedupe, ReceiverResponse, WebhookReceiver
from receiving import SECRET, event_body, signed


@pytest.fixture
def receiver() -> WebhookReceiver:
    return WebhookReceiver(SECRET)


def test_processed_once_then_acknowledged_as_duplicate(receiver: WebhookReceiver) -> None:
    seen: list[ew.WebhookEvent] = []
    receiver.on("webset.idle")(seen.append)
    body, headers = signed("event_a")

    first = receiver.handle(body, headers)
    assert (first.status, first.body, first.duplicate) == (200, "processed", False)
    assert first.event is not None
    assert first.event.id == "event_a"
    assert [e.id for e in seen] == ["event_a"]

    again = receiver.handle(body, headers)
    assert (again.status, again.duplicate) == (200, True)
    assert len(seen) == 1  # no handler ran


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, "missing_header"),
        ({"Exa-Signature": "garbage"}, "malformed_header"),
        ("t=1", "no_signature"),
        ({"Exa-Signature": ew.sign_payload(event_body(), "whsec_other")}, "no_matching_signature"),
        (
            {
                "Exa-Signature": ew.sign_payload(
                    event_body(), SECRET, timestamp=int(time.time() - 900)
                )
            },
            "timestamp_outside_tolerance",
        ),
    ],
)
def test_refused_deliveries_are_400_with_the_reason_and_run_nothing(
    receiver: WebhookReceiver, headers: Any, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    ran: list[object] = []
    receiver.on()(ran.append)
    response = receiver.handle(event_body(), headers)
    assert (response.status, response.body, response.event) == (400, reason, None)
    assert ran == []
    assert len(receiver.dedupe) == 0  # nothing claimed
    (record,) = [r for r in caplog.records if r.name == "exa_webhooks"]
    assert reason in record.getMessage()
    assert SECRET not in record.getMessage()
    assert "webset_1" not in record.getMessage()  # never the body


def test_a_signed_body_that_is_not_an_event_is_400(receiver: WebhookReceiver) -> None:
    ran: list[object] = []
    receiver.on()(ran.append)
    body = b'{"hello": "world"}'
    response = receiver.handle(body, {"exa-signature": ew.sign_payload(body, SECRET)})
    assert response.status == 400
    assert response.body.startswith("invalid_event: ")
    assert "id: should be a string" in response.body
    assert ran == []


def test_a_signed_event_with_an_empty_id_is_400(receiver: WebhookReceiver) -> None:
    # Claimed under "", it would make every such event a duplicate of the first.
    ran: list[object] = []
    receiver.on()(ran.append)
    body = event_body("")
    response = receiver.handle(body, {"exa-signature": ew.sign_payload(body, SECRET)})
    assert (response.status, ran) == (400, [])
    assert "id: must not be empty" in response.body
    with pytest.raises(ew.ValidationError, match="id: must not be empty"):
        ew.parse_event(body)


def test_tolerance_none_accepts_old_signatures_and_rotation_takes_a_list() -> None:
    receiver = WebhookReceiver(["whsec_new", SECRET], tolerance=None)
    receiver.on("webset.idle")(lambda event: None)
    body = event_body()
    old = ew.sign_payload(body, SECRET, timestamp=1_000_000)
    assert receiver.handle(body, old).status == 200


def test_a_failing_handler_answers_500_releases_and_runs_again_on_retry(
    receiver: WebhookReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[str] = []

    @receiver.on("webset.idle")
    def flaky(event: ew.WebhookEvent) -> None:
        calls.append(event.id)
        if len(calls) == 1:
            raise RuntimeError("database password=hunter2 rejected")

    body, headers = signed("event_f")
    failed = receiver.handle(body, headers)
    assert failed.status == 500
    assert "hunter2" not in failed.body
    assert "RuntimeError" not in failed.body
    (record,) = [r for r in caplog.records if r.name == "exa_webhooks"]
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None
    assert "flaky" in record.getMessage()
    assert "event_f" in record.getMessage()

    retried = receiver.handle(body, headers)  # Exa's retry
    assert (retried.status, retried.duplicate) == (200, False)
    assert calls == ["event_f", "event_f"]
    assert receiver.handle(body, headers).duplicate
    assert len(calls) == 2


def test_handlers_run_in_registration_order_specific_and_catch_all_alike(
    receiver: WebhookReceiver,
) -> None:
    order: list[str] = []
    receiver.on()(lambda e: order.append("all-1"))
    receiver.on("webset.idle", ew.EventType.WEBSET_CREATED)(lambda e: order.append("idle-1"))
    receiver.on("import.created")(lambda e: order.append("import"))
    receiver.on()(lambda e: order.append("all-2"))
    receiver.on("webset.idle")(lambda e: order.append("idle-2"))

    receiver.handle(*signed("event_o"))
    assert order == ["all-1", "idle-1", "all-2", "idle-2"]
    assert len(receiver.handlers("webset.created")) == 3


def test_a_later_handler_failing_reruns_the_earlier_ones_on_retry(
    receiver: WebhookReceiver,
) -> None:
    runs: list[str] = []
    receiver.on("webset.idle")(lambda e: runs.append("first"))

    @receiver.on("webset.idle")
    def second(event: ew.WebhookEvent) -> None:
        runs.append("second")
        if runs.count("second") == 1:
            raise ValueError("boom")

    body, headers = signed()
    assert receiver.handle(body, headers).status == 500
    assert receiver.handle(body, headers).status == 200
    assert runs == ["first", "second", "first", "second"]


def test_types_without_handlers_are_acknowledged(receiver: WebhookReceiver) -> None:
    receiver.on("import.created")(lambda e: None)
    response = receiver.handle(*signed("event_u", "webset.idle"))
    assert (response.status, response.body) == (200, "ignored: no handler for webset.idle")
    assert len(receiver.dedupe) == 0


def test_types_unknown_to_this_version_reach_the_catch_all(receiver: WebhookReceiver) -> None:
    seen: list[str] = []
    receiver.on("webset.idle")(lambda e: seen.append("idle"))
    receiver.on()(lambda e: seen.append(e.type))
    assert receiver.handle(*signed("event_n", "webset.teleported")).status == 200
    assert seen == ["webset.teleported"]


def test_a_delivery_of_an_event_in_progress_elsewhere_is_told_to_retry(
    receiver: WebhookReceiver,
) -> None:
    started, finish = threading.Event(), threading.Event()
    runs: list[str] = []

    @receiver.on("webset.idle")
    def slow(event: ew.WebhookEvent) -> None:
        runs.append(event.id)
        started.set()
        assert finish.wait(10)

    body, headers = signed("event_c")
    results: list[ReceiverResponse] = []
    first = threading.Thread(target=lambda: results.append(receiver.handle(body, headers)))
    first.start()
    assert started.wait(10)

    busy = receiver.handle(body, headers)
    assert busy.status == 503  # not 2xx: if the first fails, Exa must still retry
    assert 1 <= int(busy.headers["retry-after"]) <= 60
    assert busy.event is not None
    assert not busy.duplicate

    finish.set()
    first.join(10)
    assert [r.status for r in results] == [200]
    assert receiver.handle(body, headers).duplicate
    assert runs == ["event_c"]


def test_a_crashed_holders_claim_expires_after_its_lease() -> None:
    store = MemoryDedupe()
    receiver = WebhookReceiver(SECRET, dedupe=store, lease=0.2)
    runs: list[str] = []
    receiver.on("webset.idle")(lambda e: runs.append(e.id))
    body, headers = signed("event_l")

    orphan = store.claim("event_l", 0.2)  # a worker that claimed it, then died
    assert orphan.state == "claimed"
    assert receiver.handle(body, headers).status == 503
    deadline = time.monotonic() + 10
    while (response := receiver.handle(body, headers)).status == 503:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert response.body == "processed"
    assert runs == ["event_l"]
    store.release(orphan)  # the dead worker's late release frees nothing of the new state
    assert receiver.handle(body, headers).duplicate


def test_a_late_release_never_frees_another_workers_claim() -> None:
    store = MemoryDedupe()
    stale = store.claim("e", 0.01)
    deadline = time.monotonic() + 10
    while (fresh := store.claim("e", 60)).state != "claimed":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    store.release(stale)
    assert store.claim("e", 60).state == "processing"
    store.commit(fresh)
    assert store.claim("e", 60).state == "done"


def test_async_handlers_run_in_sync_handle(receiver: WebhookReceiver) -> None:
    seen: list[str] = []

    @receiver.on("webset.idle")
    async def handler(event: ew.WebhookEvent) -> None:
        await asyncio.sleep(0)
        seen.append(event.id)

    assert receiver.handle(*signed("event_s")).status == 200
    assert seen == ["event_s"]


def test_a_failing_async_handler_in_sync_handle_logs_only_its_own_error(
    receiver: WebhookReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    @receiver.on("webset.idle")
    async def handler(event: ew.WebhookEvent) -> None:
        raise ValueError("async fail")

    assert receiver.handle(*signed("event_af")).status == 500
    (record,) = [r for r in caplog.records if r.exc_info]
    error = record.exc_info[1]
    assert isinstance(error, ValueError)
    # Not chained to the probe for a running loop ("no running event loop").
    assert error.__context__ is None
    assert "no running event loop" not in caplog.text


def test_async_handler_in_sync_handle_inside_a_running_loop_is_a_logged_500(
    receiver: WebhookReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[str] = []

    @receiver.on("webset.idle")
    async def handler(event: ew.WebhookEvent) -> None:
        seen.append(event.id)

    body, headers = signed("event_r")

    async def main() -> tuple[ReceiverResponse, ReceiverResponse]:
        wrong = receiver.handle(body, headers)  # sync handle called from async code
        right = await receiver.handle_async(body, headers)
        return wrong, right

    wrong, right = asyncio.run(main())
    assert wrong.status == 500
    (record,) = [r for r in caplog.records if r.exc_info]
    assert "use `await receiver.handle_async" in str(record.exc_info[1])
    assert right.status == 200  # the claim was released, so the right call ran it
    assert seen == ["event_r"]


def test_handle_async_awaits_async_handlers_on_the_loop_and_runs_sync_ones_in_a_thread(
    receiver: WebhookReceiver,
) -> None:
    threads: dict[str, int] = {}

    @receiver.on("webset.idle")
    async def on_loop(event: ew.WebhookEvent) -> None:
        await asyncio.sleep(0)
        threads["async"] = threading.get_ident()

    @receiver.on("webset.idle")
    def blocking(event: ew.WebhookEvent) -> None:
        threads["sync"] = threading.get_ident()

    async def main() -> ReceiverResponse:
        threads["loop"] = threading.get_ident()
        return await receiver.handle_async(*signed("event_t"))

    assert asyncio.run(main()).status == 200
    assert threads["async"] == threads["loop"]
    assert threads["sync"] != threads["loop"]


def test_handle_async_failure_releases_and_retry_succeeds(receiver: WebhookReceiver) -> None:
    calls = []

    @receiver.on("webset.idle")
    async def flaky(event: ew.WebhookEvent) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("downstream down")

    async def main() -> list[ReceiverResponse]:
        body, headers = signed("event_x")
        return [await receiver.handle_async(body, headers) for _ in range(3)]

    assert [(r.status, r.duplicate) for r in asyncio.run(main())] == [
        (500, False),
        (200, False),
        (200, True),
    ]


def test_a_cancelled_async_handler_releases_its_claim(receiver: WebhookReceiver) -> None:
    runs: list[str] = []

    async def main() -> ReceiverResponse:
        started = asyncio.Event()

        @receiver.on("webset.idle")
        async def hangs_first(event: ew.WebhookEvent) -> None:
            runs.append(event.id)
            if len(runs) == 1:
                started.set()
                await asyncio.sleep(3600)

        body, headers = signed("event_k")
        task = asyncio.create_task(receiver.handle_async(body, headers))
        await started.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return await receiver.handle_async(body, headers)

    assert asyncio.run(main()).body == "processed"
    assert runs == ["event_k", "event_k"]


def interrupted_once(receiver: WebhookReceiver) -> list[int]:
    """Registers a sync handler that raises KeyboardInterrupt on its first call; the list
    grows by one per call."""
    calls: list[int] = []

    @receiver.on("webset.idle")
    def handler(event: ew.WebhookEvent) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise KeyboardInterrupt

    return calls


def test_keyboard_interrupt_in_a_handler_releases_and_propagates(
    receiver: WebhookReceiver,
) -> None:
    calls = interrupted_once(receiver)
    body, headers = signed()
    with pytest.raises(KeyboardInterrupt):
        receiver.handle(body, headers)
    assert receiver.handle(body, headers).body == "processed"
    assert len(calls) == 2


def test_handle_async_releases_when_a_sync_handler_raises_keyboard_interrupt(
    receiver: WebhookReceiver,
) -> None:
    # It raised in its thread, so it is over: a retry may run the event at once (only a
    # cancelled call, whose thread runs on, keeps the claim for its lease).
    calls = interrupted_once(receiver)
    body, headers = signed()

    async def main() -> ReceiverResponse:
        with pytest.raises(KeyboardInterrupt):
            await receiver.handle_async(body, headers)
        return await receiver.handle_async(body, headers)

    assert asyncio.run(main()).body == "processed"
    assert len(calls) == 2


class WrongAnswers(MemoryDedupe):
    """A custom store whose claim answers something other than a Claim."""

    def claim(self, event_id: str, lease: float) -> Claim:
        return None  # type: ignore[return-value]

    async def claim_async(self, event_id: str, lease: float) -> Claim:
        return True  # type: ignore[return-value]


def test_a_store_whose_claim_returns_no_claim_answers_503_and_logs_why(
    caplog: pytest.LogCaptureFixture,
) -> None:
    receiver = WebhookReceiver(SECRET, dedupe=WrongAnswers())
    ran: list[object] = []
    receiver.on()(ran.append)
    assert receiver.handle(*signed()).status == 503

    async def main() -> ReceiverResponse:
        return await receiver.handle_async(*signed())

    assert asyncio.run(main()).status == 503
    assert ran == []
    errors = [str(r.exc_info[1]) for r in caplog.records if r.exc_info]
    assert errors == [
        "WrongAnswers.claim returned NoneType, not an exa_webhooks.receiver.Claim",
        "WrongAnswers.claim_async returned bool, not an exa_webhooks.receiver.Claim",
    ]


class BrokenStore(MemoryDedupe):
    def __init__(self, fail_on: str) -> None:
        super().__init__()
        self.fail_on = fail_on

    def claim(self, event_id: str, lease: float) -> Claim:
        if self.fail_on == "claim":
            raise ConnectionError("store at 10.0.0.1 refused")
        return super().claim(event_id, lease)

    def commit(self, claim: Claim) -> None:
        if self.fail_on == "commit":
            raise ConnectionError("store lost")
        super().commit(claim)


def test_a_store_that_cannot_claim_answers_503_and_runs_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    receiver = WebhookReceiver(SECRET, dedupe=BrokenStore("claim"))
    ran: list[object] = []
    receiver.on()(ran.append)
    response = receiver.handle(*signed())
    assert response.status == 503
    assert "10.0.0.1" not in response.body
    assert ran == []
    assert any(r.exc_info for r in caplog.records if r.name == "exa_webhooks")

    async def main() -> ReceiverResponse:
        return await receiver.handle_async(*signed())

    assert asyncio.run(main()).status == 503
    assert ran == []


def test_a_store_that_cannot_commit_still_acknowledges_the_done_work(
    caplog: pytest.LogCaptureFixture,
) -> None:
    receiver = WebhookReceiver(SECRET, dedupe=BrokenStore("commit"))
    ran: list[object] = []
    receiver.on()(ran.append)
    assert receiver.handle(*signed()).status == 200  # a 5xx would make Exa run it again
    assert len(ran) == 1
    assert "may run its handlers again" in caplog.records[-1].getMessage()


def test_secrets_stay_out_of_repr_and_pickles() -> None:
    receiver = WebhookReceiver(["whsec_TOPSECRET1", "whsec_TOPSECRET2"])
    assert "TOPSECRET" not in repr(receiver)
    assert "secrets=2 hidden" in repr(receiver)
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(receiver)


def test_bad_arguments_are_one_validation_error_listing_every_problem() -> None:
    with pytest.raises(ew.ValidationError) as info:
        WebhookReceiver([""], tolerance=-1, lease=0, dedupe=object())
    assert [e["field"] for e in info.value.errors] == ["secret", "tolerance", "lease", "dedupe"]
    for bad in ("", [], b"whsec"):
        with pytest.raises(ew.ValidationError):
            WebhookReceiver(bad)


def test_on_refuses_unknown_types_with_a_suggestion(receiver: WebhookReceiver) -> None:
    expected = 'unknown event type "webset.itme.created"; did you mean "webset.item.created"?'
    with pytest.raises(ew.ValidationError, match=re.escape(expected)):
        receiver.on("webset.itme.created")
    with pytest.raises(ew.ValidationError, match="separate arguments"):
        receiver.on(["webset.idle", "import.created"])
    with pytest.raises(TypeError, match="callable"):
        receiver.on("webset.idle")("not a function")


def test_memory_dedupe_is_bounded_forgetting_the_oldest_first() -> None:
    store = MemoryDedupe(max_entries=3)
    for i in range(5):
        store.commit(store.claim(f"e{i}", 60))
    assert len(store) == 3
    assert [store.claim(f"e{i}", 60).state for i in (4, 3, 2)] == ["done"] * 3
    assert store.claim("e0", 60).state == "claimed"  # forgotten
    with pytest.raises(ew.ValidationError):
        MemoryDedupe(max_entries=0)
    with pytest.raises(ew.ValidationError):
        MemoryDedupe(ttl=float("inf"))


def test_memory_dedupe_forgets_processed_ids_after_ttl() -> None:
    store = MemoryDedupe(ttl=0.05)
    store.commit(store.claim("e", 60))
    deadline = time.monotonic() + 10
    while (claim := store.claim("e", 60)).state == "done":
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert claim.state == "claimed"


def test_memory_dedupe_claims_are_atomic_across_threads() -> None:
    store = MemoryDedupe()
    ids = [f"event_{i}" for i in range(300)]
    won: list[list[str]] = [[] for _ in range(8)]
    barrier = threading.Barrier(8)

    def worker(n: int) -> None:
        barrier.wait()
        for event_id in ids:
            if store.claim(event_id, 60).state == "claimed":
                won[n].append(event_id)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(i for w in won for i in w) == sorted(ids)  # every id claimed exactly once


# --- The one-call path: plain handlers with the default MemoryDedupe run from Rust, which
# hands back to Python at the first unusual turn. Every turn is exercised here.


def test_a_plain_function_returning_an_awaitable_is_run_then_the_next_handler(
    receiver: WebhookReceiver,
) -> None:
    calls: list[str] = []

    async def later(event: ew.WebhookEvent) -> None:
        calls.append("awaited " + event.id)

    receiver.on("webset.idle")(lambda event: later(event))  # a def, returning a coroutine
    receiver.on("webset.idle")(lambda event: calls.append("next"))
    body, headers = signed("event_aw")
    assert receiver.handle(body, headers).body == "processed"
    assert calls == ["awaited event_aw", "next"]
    assert receiver.handle(body, headers).duplicate


def test_a_handler_raising_after_another_logs_its_own_traceback_and_reruns_both(
    receiver: WebhookReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[str] = []
    receiver.on("webset.idle")(lambda event: calls.append("first"))

    @receiver.on()
    def second_handler(event: ew.WebhookEvent) -> None:
        calls.append("second")
        if calls.count("second") == 1:
            raise ValueError("boom")

    body, headers = signed("event_tb")
    assert receiver.handle(body, headers).status == 500
    (record,) = [r for r in caplog.records if r.name == "exa_webhooks"]
    assert record.exc_info is not None
    error = record.exc_info[1]
    assert isinstance(error, ValueError)
    frames = [frame.name for frame in __import__("traceback").extract_tb(record.exc_info[2])]
    assert "second_handler" in frames
    assert receiver.handle(body, headers).body == "processed"
    assert calls == ["first", "second", "first", "second"]


def test_a_handler_may_register_handlers_while_it_runs(receiver: WebhookReceiver) -> None:
    calls: list[str] = []

    @receiver.on("webset.idle")
    def registering(event: ew.WebhookEvent) -> None:
        calls.append(event.id)
        if len(calls) == 1:
            receiver.on("webset.idle")(lambda e: calls.append("added " + e.id))

    assert receiver.handle(*signed("event_r1")).body == "processed"
    assert receiver.handle(*signed("event_r2")).body == "processed"
    assert calls == ["event_r1", "event_r2", "added event_r2"]


def test_deliveries_racing_from_many_threads_run_each_event_once(
    receiver: WebhookReceiver,
) -> None:
    runs: dict[str, int] = {}
    lock = threading.Lock()

    @receiver.on("webset.idle")
    def count(event: ew.WebhookEvent) -> None:
        with lock:
            runs[event.id] = runs.get(event.id, 0) + 1
        time.sleep(0.0005)  # hold the claim a moment: the other threads find it busy

    deliveries = [signed(f"event_t{i}") for i in range(200)]
    answers: list[tuple[int, bool]] = []
    barrier = threading.Barrier(6)

    def deliver_all() -> None:
        barrier.wait()
        for body, headers in deliveries:
            response = receiver.handle(body, headers)
            with lock:
                answers.append((response.status, response.duplicate))

    threads = [threading.Thread(target=deliver_all) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert runs == {f"event_t{i}": 1 for i in range(200)}
    assert answers.count((200, False)) == 200  # each processed once; the rest 200-dup or 503
    assert all(a in ((200, True), (503, False)) for a in answers if a != (200, False))


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs fork()")
def test_memory_dedupe_works_in_children_forked_while_threads_claim() -> None:
    import os

    store = MemoryDedupe()
    stop = threading.Event()

    def hammer() -> None:
        i = 0
        while not stop.is_set():
            store.commit(store.claim(f"busy{i}", 60))
            i += 1

    thread = threading.Thread(target=hammer)
    thread.start()
    try:
        for n in range(20):
            pid = os.fork()
            if pid == 0:  # the child: the table's lock must not be stuck
                ok = store.claim(f"child{n}", 60).state == "claimed"
                os._exit(0 if ok else 1)
            _, status = os.waitpid(pid, 0)
            assert os.waitstatus_to_exitcode(status) == 0
    finally:
        stop.set()
        thread.join()


def test_a_memory_dedupe_subclass_is_driven_through_its_own_methods() -> None:
    claims: list[str] = []

    class Counting(MemoryDedupe):
        def claim(self, event_id: str, lease: float) -> Claim:
            claims.append(event_id)
            return super().claim(event_id, lease)

    receiver = WebhookReceiver(SECRET, dedupe=Counting())
    receiver.on("webset.idle")(lambda event: None)
    body, headers = signed("event_sub")
    assert receiver.handle(body, headers).body == "processed"
    assert receiver.handle(body, headers).duplicate
    assert claims == ["event_sub", "event_sub"]
    with pytest.raises(AttributeError):
        receiver.dedupe = MemoryDedupe()  # type: ignore[misc]


def test_receiver_responses_are_frozen_and_keep_one_headers_dict() -> None:
    busy = ReceiverResponse(503, "busy", retry_after=2.1)
    assert busy.headers == {"content-type": "text/plain; charset=utf-8", "retry-after": "3"}
    busy.headers["x-extra"] = "1"  # an app may add its own
    assert busy.headers["x-extra"] == "1"
    assert ReceiverResponse(503, "busy", retry_after=0.01).headers["retry-after"] == "1"
    assert "retry-after" not in ReceiverResponse(200, "ok").headers
    with pytest.raises(AttributeError):
        busy.status = 200  # type: ignore[misc]
    event = ew.parse_event(event_body("event_rr"))
    assert repr(ReceiverResponse(200, "it's", event, duplicate=True)) == (
        "ReceiverResponse(status=200, body=\"it's\", event='event_rr', duplicate=True)"
    )


def test_receiver_responses_pickle_copy_and_take_a_stand_in_event() -> None:
    import copy

    event = ew.parse_event(event_body("event_pk"))
    busy = ReceiverResponse(503, "busy", event, retry_after=7)
    for again in (pickle.loads(pickle.dumps(busy)), copy.copy(busy)):
        assert (again.status, again.body, again.duplicate) == (503, "busy", False)
        assert again.event == event
        assert again.headers["retry-after"] == "7"

    class StandIn:
        id = "event_fake"
        type = "webset.idle"

    receiver = WebhookReceiver(SECRET)
    receiver.on("webset.idle")(lambda e: None)
    answer = receiver.process(StandIn())  # type: ignore[arg-type]
    assert answer.body == "processed"
    assert "event_fake" in repr(answer)


def test_a_subclass_overriding_process_is_called_by_handle() -> None:
    seen: list[str] = []

    class Measured(WebhookReceiver):
        def process(self, event: ew.WebhookEvent) -> ReceiverResponse:
            seen.append(event.id)
            return super().process(event)

    receiver = Measured(SECRET)
    receiver.on("webset.idle")(lambda e: None)
    assert receiver.handle(*signed("event_m")).body == "processed"
    assert seen == ["event_m"]


def test_a_raising_handler_leaves_no_reference_cycle(receiver: WebhookReceiver) -> None:
    import gc
    import weakref

    class Payload:
        pass

    refs: list[weakref.ref[Payload]] = []

    @receiver.on("webset.idle")
    def failing(event: ew.WebhookEvent) -> None:
        local = Payload()
        refs.append(weakref.ref(local))
        raise RuntimeError("down")

    log = logging.getLogger("exa_webhooks")
    log.disabled = True  # a captured record would hold the traceback, and the frame with it
    gc.disable()
    try:
        assert receiver.handle(*signed("event_gc")).status == 500
        assert refs[0]() is None  # freed by reference counting alone
    finally:
        gc.enable()
        log.disabled = False


def test_the_processed_marker_lasts_the_ttl_from_the_commit() -> None:
    receiver = WebhookReceiver(SECRET, dedupe=MemoryDedupe(ttl=0.5))
    receiver.on("webset.idle")(lambda e: time.sleep(0.6))  # longer than the ttl
    body, headers = signed("event_ttl")
    assert receiver.handle(body, headers).body == "processed"
    assert receiver.handle(body, headers).duplicate  # remembered from the commit on


def test_memory_dedupe_takes_any_positive_bound_and_ignores_foreign_tokens() -> None:
    store = MemoryDedupe(max_entries=2**70)
    claim = store.claim("e", 60)
    store.release(Claim("e", "claimed", ["not", "a", "token"]))  # type: ignore[arg-type]
    store.release(Claim("e", "claimed", "-1"))
    assert store.claim("e", 60).state == "processing"
    store.release(claim)
    assert len(store) == 0


@pytest.mark.parametrize(
    "data",
    [
        {"$serde_json::private::Number": "5"},
        {"a": {"$serde_json::private::Number": "abc"}},
        {"a": [{"$serde_json::private::Number": "1e400"}]},
    ],
)
def test_data_shaped_like_serde_jsons_number_marker_is_refused(data: dict[str, Any]) -> None:
    with pytest.raises(ew.ValidationError):
        ew.parse_event(event_body("event_tok", data=data))


def test_a_receiver_whose_handler_closes_over_it_is_collected() -> None:
    import gc
    import weakref

    def make() -> weakref.ref[WebhookReceiver]:
        receiver = WebhookReceiver(SECRET)
        receiver.on("webset.idle")(lambda event: receiver.handlers(event.type))
        assert receiver.handle(*signed("event_leak")).body == "processed"
        return weakref.ref(receiver)

    gone = make()
    gc.collect()
    assert gone() is None


def test_a_subclass_overriding_handle_keeps_its_override() -> None:
    seen: list[int] = []

    class Wrapped(WebhookReceiver):
        def handle(self, body: Any, headers: Any) -> ReceiverResponse:
            seen.append(len(body))
            return super().handle(body, headers)

    receiver = Wrapped(SECRET)
    receiver.on("webset.idle")(lambda e: None)
    body, headers = signed("event_w")
    assert receiver.handle(body, headers).body == "processed"
    assert receiver.handle(body, headers).duplicate
    assert seen == [len(body)] * 2
    # Kept apart from the receiver, its handle still delivers (it holds the receiver).
    handle = WebhookReceiver(SECRET).handle
    assert handle(*signed("event_kept")).body == "ignored: no handler for webset.idle"
    assert handle(b"{}", {}).status == 400
