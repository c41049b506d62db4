"""``make bench``: exa-webhooks against exa-py, the HTTP clients a user would write the same
calls with by hand, and the pure-Rust limit, side by side in one run.

Every contender runs in a fresh subprocess against an ExaServer started in yet another
process (the ``serve`` CLI), so no client shares an interpreter with the server or with
another contender. Contenders alternate within each repeat, so a noisy neighbour hurts all
of them alike. ``--smoke`` runs tiny sizes only to prove the harness works (CI).
RESULTS.md and results.json hold what the run measured; NOTES.md, by hand, what it means.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import operator
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
KEY = "bench-key"
# Not a contender but a diagnosis (scenario 1 only): exa-webhooks' Rust transport driven from
# Rust, so the Python layer's share of the CPU shows.
CORE = "exa-webhooks core, no Python"
EVENTS = ["webset.created"]


# --- Workers: one measurement each, in their own process ------------------------------------

META = {"team": "bench"}
WARMUP = 10
# Beside exa-webhooks and exa-py, the clients a user would write the same create with by hand:
# each posts the same JSON body with the key header over kept-alive connections, checks the
# status and decodes the answer to a dict (less work than exa-webhooks' typed `Webhook`).
HAND_SYNC = ["pyreqwest", "httpx", "requests"]
HAND_ASYNC = ["pyreqwest", "httpx", "aiohttp"]


def hook_url(i: int) -> str:
    return f"https://example.com/hooks/{i}"


def hook_body(i: int) -> dict[str, Any]:
    return {"events": EVENTS, "url": hook_url(i), "metadata": META}


def _clock() -> tuple[float, float, float]:
    return time.process_time(), time.perf_counter(), time.thread_time()


def _result(start: tuple[float, float, float], requests: int) -> dict[str, Any]:
    cpu, wall, thread = (now - then for now, then in zip(_clock(), start, strict=True))
    # thread_s: the CPU of the calling thread alone (the event loop's, in the async scenario).
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "thread_s": thread,
        "requests": requests,
        "max_rss_kb": peak_rss_kb(),
    }


def _measure(run: Callable[[], int]) -> dict[str, Any]:
    start = _clock()
    return _result(start, run())


def peak_rss_kb() -> int:
    """This process's peak RSS. Not ru_maxrss: Linux carries that across exec from the
    forking parent, here the harness, which has exa-py imported."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss // 1024 if sys.platform == "darwin" else rss  # macOS counts bytes


def sync_create(contender: str, url: str) -> Callable[[int], object]:
    """One create a call, as `contender` makes it; the client is built here, once."""
    endpoint = f"{url}/websets/v0/webhooks"
    if contender == "exa-webhooks":
        import exa_webhooks as ew

        client = ew.Client(KEY, base_url=url)
        return lambda i: client.create_webhook(EVENTS, hook_url(i), META)
    if contender == "exa-py":
        from exa_py import Exa

        hooks = Exa(KEY, base_url=url).websets.webhooks
        return lambda i: hooks.create(params=hook_body(i))
    if contender == "pyreqwest":
        from pyreqwest.client import SyncClientBuilder

        builder = SyncClientBuilder().default_headers({"x-api-key": KEY})
        pyreqwest_client = builder.error_for_status(True).build()
        return lambda i: (
            pyreqwest_client.post(endpoint).body_json(hook_body(i)).build().send().json()
        )
    if contender in ("httpx", "requests"):
        if contender == "httpx":
            import httpx

            session: Any = httpx.Client(headers={"x-api-key": KEY})
        else:
            import requests

            session = requests.Session()
            session.headers["x-api-key"] = KEY

        def create(i: int) -> object:
            response = session.post(endpoint, json=hook_body(i))
            response.raise_for_status()
            return response.json()

        return create
    raise SystemExit(f"unknown sync contender {contender}")


async def async_create(
    contender: str, url: str, in_flight: int, stack: AsyncExitStack
) -> Callable[[int], Awaitable[object]]:
    """As `sync_create`, for asyncio; clients that want closing are closed by `stack`, after
    the measurement."""
    endpoint = f"{url}/websets/v0/webhooks"
    headers = {"x-api-key": KEY}
    if contender == "exa-webhooks":
        import exa_webhooks as ew

        client = ew.AsyncClient(KEY, base_url=url)
        return lambda i: client.create_webhook(EVENTS, hook_url(i), META)
    if contender == "exa-py":
        from exa_py import AsyncExa

        hooks = AsyncExa(KEY, api_base=url).websets.webhooks
        return lambda i: hooks.create(params=hook_body(i))
    if contender == "pyreqwest":
        from pyreqwest.client import ClientBuilder

        builder = ClientBuilder().default_headers(headers).error_for_status(True)
        # Its multi-threaded runtime is its faster one here (by about 10%).
        builder = builder.runtime_multithreaded(True)
        pyreqwest_client = await stack.enter_async_context(builder.build())

        async def pyreqwest_create(i: int) -> object:
            response = await pyreqwest_client.post(endpoint).body_json(hook_body(i)).build().send()
            return await response.json()

        return pyreqwest_create
    if contender == "httpx":
        import httpx

        # Its default pool (100 connections, 20 of them kept alive) is its fastest: keeping
        # all 100 alive made it 3x slower (httpcore's pool scales badly with connections).
        httpx_client = await stack.enter_async_context(httpx.AsyncClient(headers=headers))

        async def httpx_create(i: int) -> object:
            response = await httpx_client.post(endpoint, json=hook_body(i))
            response.raise_for_status()
            return response.json()

        return httpx_create
    if contender == "aiohttp":
        import aiohttp

        connector = aiohttp.TCPConnector(limit=in_flight)
        aiohttp_session = await stack.enter_async_context(
            aiohttp.ClientSession(headers=headers, connector=connector, raise_for_status=True)
        )

        async def aiohttp_create(i: int) -> object:
            async with aiohttp_session.post(endpoint, json=hook_body(i)) as response:
                return await response.json()

        return aiohttp_create
    raise SystemExit(f"unknown async contender {contender}")


async def async_creates(contender: str, url: str, n: int, in_flight: int) -> dict[str, Any]:
    """`n` creates by `in_flight` workers on one client, after one create per connection
    (outside the clock, as is closing the client)."""
    async with AsyncExitStack() as stack:
        create = await async_create(contender, url, in_flight, stack)
        await asyncio.gather(*(create(i) for i in range(in_flight)))
        counter = iter(range(n))

        async def one_worker() -> None:
            for i in counter:
                await create(i)

        start = _clock()
        await asyncio.gather(*(one_worker() for _ in range(in_flight)))
        return _result(start, n)


def worker(contender: str, scenario: str, url: str, n: int, in_flight: int) -> dict[str, Any]:
    if scenario == "receive":
        return receive_worker(contender, n)
    if scenario == "seq":
        create = sync_create(contender, url)
        for i in range(WARMUP):
            create(i)

        def run() -> int:
            for i in range(n):
                create(i)
            return n

        return _measure(run)
    if scenario == "async":
        return asyncio.run(async_creates(contender, url, n, in_flight))
    if scenario == "list" and contender == "exa-webhooks":
        import exa_webhooks as ew

        client = ew.Client(KEY, base_url=url)
        client.list_webhooks(limit=1)

        def run_list() -> int:
            hooks = list(client.iter_webhooks(limit=200))
            assert len(hooks) == n, len(hooks)
            return -(-n // 200)

        return _measure(run_list)
    if scenario == "list" and contender == "exa-py":
        from exa_py import Exa

        exa_hooks = Exa(KEY, base_url=url).websets.webhooks
        exa_hooks.list(limit=1)

        def run_exa_list() -> int:
            listed = list(exa_hooks.list_all(limit=200))
            assert len(listed) == n, len(listed)
            return -(-n // 200)

        return _measure(run_exa_list)
    raise SystemExit(f"unknown contender/scenario {contender}/{scenario}")


RECEIVE_SECRET = "whsec_" + "QmVuY2htYXJrU2VjcmV0Rm9yUmVjZWl2aW5nMTIzNDU="  # base64, as both want


def delivery_bodies(n: int) -> list[bytes]:
    """``n`` distinct events (ids differ, so none is a duplicate), ~2 KB each, as Exa sends a
    webset.item.enriched."""
    item = {
        "id": "witem_01jz5k2m3n4p5q6r7s8t9v0w1x",
        "object": "webset_item",
        "source": "search",
        "sourceId": "wsearch_01jz5k2m3n4p5q6r7s8t9v0w1x",
        "websetId": "webset_01jz5k2m3n4p5q6r7s8t9v0w1x",
        "properties": {"type": "company", "url": "https://example.com", "description": "y" * 1400},
        "evaluations": [{"criterion": "is a company", "reasoning": "it is", "satisfied": "yes"}],
        "enrichments": None,
        "createdAt": "2026-01-01T00:00:00.000Z",
        "updatedAt": "2026-01-01T00:00:00.000Z",
    }
    return [
        json.dumps(
            {
                "id": f"event_{i:012d}",
                "object": "event",
                "type": "webset.item.enriched",
                "data": item,
                "createdAt": "2026-01-01T00:00:00.000Z",
            }
        ).encode()
        for i in range(n)
    ]


def receive_worker(contender: str, n: int) -> dict[str, Any]:
    """Deliveries handled per second, each body verified and parsed (both contenders), then
    de-duplicated in memory and dispatched to a no-op handler (exa-webhooks only)."""
    warmup = min(1000, n)
    bodies = delivery_bodies(n + warmup)
    if contender == "exa-webhooks":
        import exa_webhooks as ew
        from exa_webhooks.receiver import WebhookReceiver

        receiver = WebhookReceiver(RECEIVE_SECRET)
        receiver.on("webset.item.enriched")(lambda event: None)
        deliveries = [(b, {"exa-signature": ew.sign_payload(b, RECEIVE_SECRET)}) for b in bodies]
        handle = receiver.handle

        def one_pass(batch: list[tuple[bytes, dict[str, str]]]) -> int:
            for body, headers in batch:
                if handle(body, headers).status != 200:
                    raise SystemExit("a delivery was not processed")
            return len(batch)

    elif contender == "standardwebhooks":
        from standardwebhooks.webhooks import Webhook

        webhook = Webhook(RECEIVE_SECRET)
        now = datetime.now(timezone.utc)
        deliveries = []
        for i, b in enumerate(bodies):
            msg_id = f"msg_{i}"
            signature = webhook.sign(msg_id, now, b.decode())
            deliveries.append(
                (
                    b,
                    {
                        "webhook-id": msg_id,
                        "webhook-timestamp": str(int(now.timestamp())),
                        "webhook-signature": signature,
                    },
                )
            )
        verify = webhook.verify  # verifies, then json.loads the body

        def one_pass(batch: list[tuple[bytes, dict[str, str]]]) -> int:
            for body, headers in batch:
                verify(body, headers)
            return len(batch)

    else:
        raise SystemExit(f"unknown receiving contender {contender}")
    one_pass(deliveries[:warmup])
    measured = deliveries[warmup:]
    return _measure(lambda: one_pass(measured))


# --- The harness -----------------------------------------------------------------------------


class Server:
    """``exa-webhooks serve`` in its own process."""

    def __init__(self) -> None:
        serve = [sys.executable, "-m", "exa_webhooks", "serve", "--port", "0", "--api-key", KEY]
        # Room for every create of a run, or of a listing's fill (its bytes are capped apart).
        self.proc = subprocess.Popen(
            [*serve, "--max-webhooks", "10000000"],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().split()[3]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def limit_binary(profile: str) -> Path:
    path = ROOT / "target" / profile / "exa-bench-limit"
    if not path.exists():
        raise SystemExit(f"{path} is missing: build it with cargo build -p exa-bench-limit")
    return path


def run_contender(
    contender: str, scenario: str, url: str, n: int, in_flight: int, limit: Path
) -> dict[str, Any]:
    if contender in ("rust", CORE):
        modes = {"seq": "seq-create", "async": "async-create", "list": "list"}
        mode = f"core-{modes[scenario]}" if contender == CORE else modes[scenario]
        cmd = [str(limit), mode, url, KEY, str(n), str(in_flight)]
    else:
        cmd = [
            sys.executable,
            __file__,
            "--worker",
            contender,
            scenario,
            url,
            str(n),
            str(in_flight),
        ]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    if out.returncode != 0:
        raise SystemExit(f"{contender} {scenario} failed:\n{out.stderr}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    wall = statistics.median(r["wall_s"] for r in runs)
    requests = runs[0]["requests"]
    return {
        "median_wall_s": wall,
        "min_wall_s": min(r["wall_s"] for r in runs),
        "max_wall_s": max(r["wall_s"] for r in runs),
        "cpu_us_per_request": statistics.median(r["cpu_s"] / r["requests"] for r in runs) * 1e6,
        # The Python contenders' calling thread alone (the Rust binary does not report it).
        "thread_cpu_us_per_request": (
            statistics.median(r["thread_s"] / r["requests"] for r in runs) * 1e6
            if all("thread_s" in r for r in runs)
            else None
        ),
        "requests_per_s": requests / wall,
        "max_rss_mb": max(r["max_rss_kb"] for r in runs) / 1024,
        "requests": requests,
        "repeats": len(runs),
        # Each run with its round, so ratios can be taken between runs of the same round.
        "runs": [{"round": r["round"], "wall_s": r["wall_s"], "cpu_s": r["cpu_s"]} for r in runs],
    }


def paired(result: dict[str, Any], a: str, b: str, metric: str) -> float:
    """The median over rounds of a's figure over b's, each ratio between runs of one round (a
    few seconds apart), so a machine that is slower for a while weighs on both sides alike.
    `metric` is "rps" (requests/s) or "cpu" (CPU per request)."""
    by_round = {r["round"]: r for r in result[b]["runs"]}
    ratios = []
    for ra in result[a]["runs"]:
        rb = by_round.get(ra["round"])
        if rb is not None:
            # Both made the same number of requests: requests/s goes as 1/wall.
            ratios.append(
                rb["wall_s"] / ra["wall_s"] if metric == "rps" else ra["cpu_s"] / rb["cpu_s"]
            )
    return statistics.median(ratios)


def scenario(
    name: str,
    url: str | None,
    n: int,
    in_flight: int,
    rounds: int,
    slow_rounds: int,
    limit: Path,
    contenders: list[str],
) -> dict[str, Any]:
    """Every contender runs once a round, in a rotating order. The slow ones (over 3x the
    fastest's wall in the first round) run only in the first `slow_rounds`; the others run
    every round, so their medians rest on more samples on this noisy machine. Without a `url`,
    each run gets a fresh ExaServer: every contender creates into an empty store (and the
    store, which holds at most 256 MB, never fills)."""

    def run_once(contender: str) -> dict[str, Any]:
        if url is not None:
            return run_contender(contender, name, url, n, in_flight, limit)
        server = Server()
        try:
            return run_contender(contender, name, server.url, n, in_flight, limit)
        finally:
            server.stop()

    runs: dict[str, list[dict[str, Any]]] = {c: [] for c in contenders}
    slow: set[str] = set()
    for rep in range(rounds):
        order = contenders[rep % len(contenders) :] + contenders[: rep % len(contenders)]
        for contender in order:
            if contender in slow and rep >= slow_rounds:
                continue
            runs[contender].append({**run_once(contender), "round": rep})
        if rep == 0:
            fastest_wall = min(r[0]["wall_s"] for r in runs.values())
            slow = {c for c, r in runs.items() if r[0]["wall_s"] > 3 * fastest_wall}
    return {c: summarize(r) for c, r in runs.items()}


def import_times(runs: int) -> dict[str, float]:
    times: dict[str, list[float]] = {"exa_webhooks": [], "exa_py": []}
    code = "import time; t = time.perf_counter(); import {m}; print(time.perf_counter() - t)"
    for _ in range(runs):
        for module in times:
            out = subprocess.run(
                [sys.executable, "-c", code.format(m=module)], capture_output=True, text=True
            )
            times[module].append(float(out.stdout))
    return {m: statistics.median(t) * 1000 for m, t in times.items()}


def stdlib_verify(payload: bytes, header: str, secret: str, tolerance: int = 300) -> None:
    """Exa's documented verification, written with the standard library."""
    pairs = [part.split("=", 1) for part in header.split(",")]
    timestamp = next(v for k, v in pairs if k == "t")
    signatures = [v for k, v in pairs if k == "v1"]
    signed = f"{timestamp}.{payload.decode()}".encode()
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, s) for s in signatures):
        raise ValueError("no signature matches")
    if abs(time.time() - int(timestamp)) > tolerance:
        raise ValueError("timestamp outside tolerance")


def verify_bench(iterations: int, repeats: int) -> dict[str, float]:
    import exa_webhooks as ew

    payload = json.dumps({"type": "webset.item.enriched", "data": {"x": "y" * 1950}}).encode()
    payload = payload[:2048]
    secret = "whsec_" + "a" * 64
    header = ew.sign_payload(payload, secret)
    ew.verify_signature(payload, header, secret)
    stdlib_verify(payload, header, secret)
    verify = ew.verify_signature

    def ours() -> None:
        for _ in range(iterations):
            verify(payload, header, secret)

    def stdlib() -> None:
        for _ in range(iterations):
            stdlib_verify(payload, header, secret)

    signed = b"1234567890." + payload
    sha256 = hashlib.sha256

    def hash_only() -> None:
        # No verification at all: only SHA-256 over the signed bytes, what any HMAC must do.
        for _ in range(iterations):
            sha256(signed).digest()

    best: dict[str, list[float]] = {"exa-webhooks": [], "stdlib hmac": [], "SHA-256 alone": []}
    for _ in range(repeats):
        for name, fn in (
            ("exa-webhooks", ours),
            ("stdlib hmac", stdlib),
            ("SHA-256 alone", hash_only),
        ):
            started = time.perf_counter()
            fn()
            best[name].append(iterations / (time.perf_counter() - started))
    return {name: statistics.median(v) for name, v in best.items()}


def wheel_size_mb() -> float | None:
    out_dir = ROOT / "target" / "bench-wheel"
    result = subprocess.run(
        [sys.executable, "-m", "maturin", "build", "--release", "--quiet", "-o", str(out_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    wheels = sorted(out_dir.glob("exa_webhooks-*.whl"), key=lambda p: p.stat().st_mtime)
    if result.returncode != 0 or not wheels:
        print(result.stderr, file=sys.stderr)
        return None
    return wheels[-1].stat().st_size / 1e6


def machine() -> dict[str, str]:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from importlib.metadata import version

    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    libraries = ["exa-webhooks", "exa-py", *sorted({*HAND_SYNC, *HAND_ASYNC}), "standardwebhooks"]
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "os": platform.platform(),
        "python": platform.python_version(),
        "rustc": rustc,
        **{name: version(name) for name in libraries},
    }


def fastest(result: dict[str, Any], names: list[str]) -> str:
    return max(names, key=lambda name: result[name]["requests_per_s"])


COMPARE = {">=": operator.ge, "<=": operator.le, "<": operator.lt}


def check_targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Every target, as this run measured it against what it requires."""
    seq, aio, imports, verify, receive = (
        results[k] for k in ("seq", "async", "import_ms", "verify_ops", "receive")
    )
    checks: list[dict[str, Any]] = []

    def add(name: str, measured: float | None, op: str, bound: float, unit: str = "x") -> None:
        passed = measured is not None and bool(COMPARE[op](measured, bound))
        checks.append(
            {
                "target": name,
                "op": op,
                "bound": bound,
                "unit": unit,
                "measured": measured,
                "pass": passed,
            }
        )

    def rps(result: dict[str, Any], name: str) -> float:
        return float(result[name]["requests_per_s"])

    ours = "exa-webhooks"
    by_hand_seq, by_hand_async = fastest(seq, HAND_SYNC), fastest(aio, HAND_ASYNC)
    add(
        f"sequential creates/s vs the fastest by hand ({by_hand_seq})",
        paired(seq, ours, by_hand_seq, "rps"),
        ">=",
        1.2,
    )
    add(
        f"async creates/s vs the fastest by hand ({by_hand_async})",
        paired(aio, ours, by_hand_async, "rps"),
        ">=",
        1.3,
    )
    add("sequential CPU/request vs the Rust loop", paired(seq, ours, "rust", "cpu"), "<=", 1.25)
    add("async creates/s vs the Rust loop", paired(aio, ours, "rust", "rps"), ">=", 0.8)
    add("sequential creates/s vs exa-py", paired(seq, ours, "exa-py", "rps"), ">=", 5)
    add("async creates/s vs exa-py", paired(aio, ours, "exa-py", "rps"), ">=", 10)
    add("import time", imports["exa_webhooks"], "<", 30, " ms")
    add("verify_signature vs stdlib hmac", verify["exa-webhooks"] / verify["stdlib hmac"], ">=", 5)
    received = paired(receive, ours, "standardwebhooks", "rps")
    add("receiving vs standardwebhooks", received, ">=", 3)
    add("ExaServer creates/s (the Rust loop's async)", rps(aio, "rust"), ">=", 20_000, "/s")
    add("wheel size", results.get("wheel_mb"), "<", 8, " MB")
    return checks


def figure(value: float | None, unit: str) -> str:
    if value is None:
        return "not measured"
    if unit == "x":
        return f"{value:.2f}x"
    return f"{value:,.1f}{unit}" if value < 100 else f"{value:,.0f}{unit}"


def table(rows: list[list[str]], header: list[str]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def scenario_table(result: dict[str, Any], base: str) -> str:
    rows = []
    for name, r in result.items():
        rows.append(
            [
                name,
                f"{r['median_wall_s'] * 1000:,.0f} ms",
                f"{r['min_wall_s'] * 1000:,.0f} to {r['max_wall_s'] * 1000:,.0f} ms",
                f"{r['cpu_us_per_request']:,.0f}",
                f"{r['requests_per_s']:,.0f}",
                f"{r['requests_per_s'] / result[base]['requests_per_s']:.2f}x",
                f"{r['max_rss_mb']:.0f} MB",
                str(r["repeats"]),
            ]
        )
    header = [
        "contender",
        "median wall",
        "wall range",
        "CPU µs/request",
        "requests/s",
        f"vs {base}",
        "peak RSS",
        "runs",
    ]
    return table(rows, header)


def report(results: dict[str, Any]) -> str:
    """RESULTS.md: what this run measured, and nothing else (how and why: NOTES.md)."""
    m, sizes = results["machine"], results["sizes"]
    seq, verify = results["seq"], results["verify_ops"]
    libraries = [
        name for name in m if name not in ("date", "cpu", "cores", "os", "python", "rustc")
    ]
    versions = ", ".join([m["rustc"], *(f"{name} {m[name]}" for name in libraries)])
    load = results["load_average"]
    out = [
        "# Benchmark results"
        + (" (smoke run: sizes too small to mean anything)" if results["smoke"] else ""),
        "",
        f"Generated by `bench/run.py` on {m['date']}; what each figure means: NOTES.md.",
        "",
        f"Machine: {m['cpu']} ({m['cores']} cores), {m['os']}. Python {m['python']}, {versions}.",
        "",
        f"One-minute load average: {load['start']:.2f} at the start, {load['end']:.2f} at the"
        f" end ({m['cores']} cores).",
        "",
        "## Targets",
        "",
        "Each ratio is the median over the rounds of the ratio between the two contenders' runs"
        " of one round, not the ratio of the medians in the tables below.",
        "",
        table(
            [
                [
                    c["target"],
                    f"{c['op']} {figure(c['bound'], c['unit'])}",
                    figure(c["measured"], c["unit"]),
                    "PASS" if c["pass"] else "**FAIL**",
                ]
                for c in results["targets"]
            ],
            ["target", "required", "measured", "result"],
        ),
        "",
        f"## 1. Sequential sync creates ({sizes['seq']:,})",
        "",
        scenario_table(seq, "exa-py"),
        "",
        "CPU per request vs the Rust loop, median of the rounds' ratios: exa-webhooks"
        f" {paired(seq, 'exa-webhooks', 'rust', 'cpu'):.2f}x,"
        f" its Rust core alone {paired(seq, CORE, 'rust', 'cpu'):.2f}x.",
        "",
        f"## 2. Async creates ({sizes['async']:,}, {sizes['in_flight']} in flight)",
        "",
        scenario_table(results["async"], "exa-py"),
        "",
        "Against the Rust loop, medians of the rounds' ratios: exa-webhooks"
        f" {paired(results['async'], 'exa-webhooks', 'rust', 'rps'):.2f}x its requests/s and"
        f" {paired(results['async'], 'exa-webhooks', 'rust', 'cpu'):.2f}x its CPU per request,"
        f" its Rust core alone (long-lived tasks, no Python, no hand-over between threads)"
        f" {paired(results['async'], CORE, 'rust', 'rps'):.2f}x and"
        f" {paired(results['async'], CORE, 'rust', 'cpu'):.2f}x. Of exa-webhooks' CPU per"
        f" request, {results['async']['exa-webhooks']['thread_cpu_us_per_request']:.0f} µs"
        " ran on the event loop's thread, the rest on its I/O threads.",
        "",
        f"## 3. Listing {sizes['list']:,} webhooks, 200 a page",
        "",
        scenario_table(results["list"], "exa-py"),
        "",
        "## 4. Import time (fresh interpreter each run, median)",
        "",
        table([[k, f"{v:.1f} ms"] for k, v in results["import_ms"].items()], ["module", "import"]),
        "",
        "## 5. `verify_signature` on a 2 KB body",
        "",
        table(
            [[k, f"{v:,.0f}", f"{v / verify['stdlib hmac']:.1f}x"] for k, v in verify.items()],
            ["implementation", "verifications/s", "vs stdlib hmac"],
        ),
        "",
        f"exa-webhooks runs at {verify['exa-webhooks'] / verify['SHA-256 alone']:.0%} of the"
        " SHA-256 row.",
        "",
        "## 6. Peak memory of scenario 1",
        "",
        table(
            [[k, f"{v['max_rss_mb']:.0f} MB"] for k, v in seq.items()],
            ["contender", "peak RSS (whole process)"],
        ),
        "",
        f"Wheel: {results['wheel_mb']:.1f} MB." if results.get("wheel_mb") else "Wheel: not built.",
        "",
        f"## 7. Receiving {sizes['receive']:,} deliveries of 2 KB",
        "",
        scenario_table(results["receive"], "standardwebhooks"),
        "",
    ]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, to prove it works")
    parser.add_argument(
        "--worker", nargs=5, metavar=("CONTENDER", "SCENARIO", "URL", "N", "IN_FLIGHT")
    )
    parser.add_argument("--out", help="where results go (default: bench/, or target/ for smoke)")
    args = parser.parse_args()
    if args.worker:
        contender, name, url, n, in_flight = args.worker
        print(json.dumps(worker(contender, name, url, int(n), int(in_flight))), flush=True)
        if contender == "pyreqwest" and name == "async":
            # pyreqwest 0.15.1's async client aborts the interpreter at exit now and then, with
            # either runtime ("PyGILState_Release: thread state ... must be current", while
            # finalizing): the measurement is out, so skip the finalizing.
            os._exit(0)
        return

    smoke = args.smoke
    sizes = (
        {"seq": 50, "async": 300, "in_flight": 100, "list": 450, "receive": 500}
        if smoke
        else {"seq": 2000, "async": 10_000, "in_flight": 100, "list": 5000, "receive": 30_000}
    )
    rounds, slow_rounds = (1, 1) if smoke else (9, 5)
    limit = limit_binary("debug" if smoke else "release")
    contenders = ["exa-webhooks", "exa-py", "rust"]
    results: dict[str, Any] = {"machine": machine(), "sizes": sizes, "smoke": smoke}
    load_at_start = os.getloadavg()[0]

    for name, extra in (("seq", [*HAND_SYNC, CORE]), ("async", [*HAND_ASYNC, CORE])):
        print(f"scenario {name} ...", flush=True)
        results[name] = scenario(
            name,
            None,
            sizes[name],
            sizes["in_flight"],
            rounds,
            slow_rounds if name == "seq" else max(1, slow_rounds - 2),
            limit,
            [*contenders, *extra],
        )

    server = Server()
    try:
        print("scenario list ...", flush=True)
        # Exactly the webhooks to list (the Rust binary's creates would add its warm-up's).
        fill = sync_create("exa-webhooks", server.url)
        for i in range(sizes["list"]):
            fill(i)
        results["list"] = scenario(
            "list", server.url, sizes["list"], 1, rounds, slow_rounds, limit, contenders
        )
    finally:
        server.stop()

    print("scenario receive ...", flush=True)
    results["receive"] = scenario(
        "receive",
        "-",
        sizes["receive"],
        1,
        rounds,
        rounds,
        limit,
        ["exa-webhooks", "standardwebhooks"],
    )

    print("import times, verify, wheel ...", flush=True)
    results["import_ms"] = import_times(3 if smoke else 15)
    results["verify_ops"] = verify_bench(2000 if smoke else 50_000, 3 if smoke else 7)
    results["wheel_mb"] = None if smoke else wheel_size_mb()
    results["load_average"] = {"start": load_at_start, "end": os.getloadavg()[0]}
    results["targets"] = check_targets(results)

    out = Path(args.out or (ROOT / "target" / "bench-smoke" if smoke else ROOT / "bench"))
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    text = report(results)
    (out / "RESULTS.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
