"""``make bench``: exa-webhooks against exa-py and the pure-Rust limit, side by side in one run.

Every contender runs in a fresh subprocess against an ExaServer started in yet another
process (the ``serve`` CLI), so no client shares an interpreter with the server or with
another contender. Contenders alternate within each repeat, so a noisy neighbour hurts all
of them alike. ``--smoke`` runs tiny sizes only to prove the harness works (CI).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
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


def _measure(run: Callable[[], int]) -> dict[str, Any]:
    cpu0, wall0 = time.process_time(), time.perf_counter()
    requests = run()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return {"wall_s": wall, "cpu_s": cpu, "requests": requests, "max_rss_kb": peak_rss_kb()}


def peak_rss_kb() -> int:
    """This process's peak RSS. Not ru_maxrss: Linux carries that across exec from the
    forking parent, here the harness, which has exa-py imported."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def worker(contender: str, scenario: str, url: str, n: int, in_flight: int) -> dict[str, Any]:
    if scenario == "receive":
        return receive_worker(contender, n)
    body = {"events": EVENTS, "metadata": {"team": "bench"}}
    warmup = 10
    if contender == "exa-webhooks":
        import exa_webhooks as ew

        if scenario == "seq":
            client = ew.Client(KEY, base_url=url)
            for i in range(warmup):
                client.create_webhook(EVENTS, f"https://example.com/w/{i}", {"team": "bench"})

            def run() -> int:
                for i in range(n):
                    client.create_webhook(
                        EVENTS, f"https://example.com/hooks/{i}", {"team": "bench"}
                    )
                return n

            return _measure(run)
        if scenario == "async":

            async def main() -> int:
                aclient = ew.AsyncClient(KEY, base_url=url)
                counter = iter(range(n))

                async def one_worker() -> None:
                    for i in counter:
                        await aclient.create_webhook(
                            EVENTS, f"https://example.com/hooks/{i}", {"team": "bench"}
                        )

                await asyncio.gather(*(one_worker() for _ in range(in_flight)))
                return n

            asyncio.run(main_warm(ew, url))
            return _measure(lambda: asyncio.run(main()))
        if scenario == "list":
            client = ew.Client(KEY, base_url=url)
            client.list_webhooks(limit=1)

            def run() -> int:
                hooks = list(client.iter_webhooks(limit=200))
                assert len(hooks) == n, len(hooks)
                return -(-n // 200)

            return _measure(run)
    if contender == "exa-py":
        from exa_py import AsyncExa, Exa

        if scenario == "seq":
            hooks = Exa(KEY, base_url=url).websets.webhooks
            for i in range(warmup):
                hooks.create(params={**body, "url": f"https://example.com/w/{i}"})

            def run() -> int:
                for i in range(n):
                    hooks.create(params={**body, "url": f"https://example.com/hooks/{i}"})
                return n

            return _measure(run)
        if scenario == "async":

            async def warm() -> None:
                # As exa-webhooks is warmed (main_warm): same number of creates, same loop kind.
                hooks = AsyncExa(KEY, api_base=url).websets.webhooks
                await asyncio.gather(
                    *(
                        hooks.create(params={**body, "url": f"https://example.com/w/{i}"})
                        for i in range(20)
                    )
                )

            async def main() -> int:
                ahooks = AsyncExa(KEY, api_base=url).websets.webhooks
                counter = iter(range(n))

                async def one_worker() -> None:
                    for i in counter:
                        await ahooks.create(
                            params={**body, "url": f"https://example.com/hooks/{i}"}
                        )

                await asyncio.gather(*(one_worker() for _ in range(in_flight)))
                return n

            asyncio.run(warm())
            return _measure(lambda: asyncio.run(main()))
        if scenario == "list":
            hooks = Exa(KEY, base_url=url).websets.webhooks
            hooks.list(limit=1)

            def run() -> int:
                listed = list(hooks.list_all(limit=200))
                assert len(listed) == n, len(listed)
                return -(-n // 200)

            return _measure(run)
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


async def main_warm(ew: Any, url: str) -> None:
    aclient = ew.AsyncClient(KEY, base_url=url)
    await asyncio.gather(
        *(aclient.create_webhook(EVENTS, f"https://example.com/w/{i}") for i in range(20))
    )


# --- The harness -----------------------------------------------------------------------------


class Server:
    """``exa-webhooks serve`` in its own process."""

    def __init__(self) -> None:
        serve = [sys.executable, "-m", "exa_webhooks", "serve", "--port", "0", "--api-key", KEY]
        # Every contender's creates of every round land in this one server.
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
        mode = "core-seq-create" if contender == CORE else modes[scenario]
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
        "cpu_us_per_request": statistics.median(r["cpu_s"] / r["requests"] for r in runs) * 1e6,
        "requests_per_s": requests / wall,
        "max_rss_mb": max(r["max_rss_kb"] for r in runs) / 1024,
        "requests": requests,
        "repeats": len(runs),
    }


def scenario(
    name: str,
    url: str,
    n: int,
    in_flight: int,
    rounds: int,
    slow_rounds: int,
    limit: Path,
    contenders: list[str],
) -> dict[str, Any]:
    """Every contender runs once a round, in a rotating order. exa-py, slow, runs only in the
    first `slow_rounds`; the fast ones run every round, so their medians (whose ratios make
    the targets) rest on more samples on this noisy machine."""
    runs: dict[str, list[dict[str, Any]]] = {c: [] for c in contenders}
    for rep in range(rounds):
        order = contenders[rep % len(contenders) :] + contenders[: rep % len(contenders)]
        for contender in order:
            if contender == "exa-py" and rep >= slow_rounds:
                continue
            runs[contender].append(run_contender(contender, name, url, n, in_flight, limit))
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
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from importlib.metadata import version

    import exa_py  # noqa: F401

    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "os": platform.platform(),
        "python": platform.python_version(),
        "rustc": rustc,
        "exa-webhooks": version("exa-webhooks"),
        "exa-py": version("exa-py"),
        "standardwebhooks": version("standardwebhooks"),
    }


def check_targets(results: dict[str, Any]) -> list[tuple[str, bool, str]]:
    s1, s2, s4, s5, s7 = (
        results[k] for k in ("seq", "async", "import_ms", "verify_ops", "receive")
    )
    checks = []

    def add(name: str, ok: bool, detail: str) -> None:
        checks.append((name, ok, detail))

    r = s1["exa-webhooks"]["requests_per_s"] / s1["exa-py"]["requests_per_s"]
    add("S1 req/s vs exa-py >= 5x", r >= 5, f"{r:.1f}x")
    r = s1["exa-webhooks"]["cpu_us_per_request"] / s1["rust"]["cpu_us_per_request"]
    add("S1 CPU/request vs Rust <= 1.5x", r <= 1.5, f"{r:.2f}x")
    r = s2["exa-webhooks"]["requests_per_s"] / s2["exa-py"]["requests_per_s"]
    add("S2 req/s vs exa-py >= 10x", r >= 10, f"{r:.1f}x")
    r = s2["exa-webhooks"]["requests_per_s"] / s2["rust"]["requests_per_s"]
    add("S2 req/s vs Rust >= 0.6x", r >= 0.6, f"{r:.2f}x")
    add("S4 import < 30 ms", s4["exa_webhooks"] < 30, f"{s4['exa_webhooks']:.1f} ms")
    r = s5["exa-webhooks"] / s5["stdlib hmac"]
    add("S5 verify vs stdlib >= 5x", r >= 5, f"{r:.1f}x")
    r = s7["exa-webhooks"]["requests_per_s"] / s7["standardwebhooks"]["requests_per_s"]
    add("S7 receiving vs standardwebhooks >= 3x", r >= 3, f"{r:.1f}x")
    served = s2["rust"]["requests_per_s"]
    add("ExaServer >= 20,000 creates/s", served >= 20_000, f"{served:,.0f}/s")
    wheel = results.get("wheel_mb")
    add(
        "wheel < 8 MB",
        wheel is not None and wheel < 8,
        "n/a" if wheel is None else f"{wheel:.1f} MB",
    )
    return checks


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
        "CPU µs/request",
        "requests/s",
        f"vs {base}",
        "peak RSS",
        "runs",
    ]
    return table(rows, header)


def report(results: dict[str, Any], sizes: dict[str, int], smoke: bool) -> str:
    m = results["machine"]
    verify = results["verify_ops"]
    hash_ceiling = verify["SHA-256 alone"] / verify["stdlib hmac"]
    seq = results["seq"]
    core_ratio = seq[CORE]["cpu_us_per_request"] / seq["rust"]["cpu_us_per_request"]
    checks = check_targets(results)
    out = [
        "# Benchmark results" + (" (smoke run: sizes too small to mean anything)" if smoke else ""),
        "",
        f"{m['date']}, {m['cpu']} ({m['cores']} cores), {m['os']}, Python {m['python']}, "
        f"{m['rustc']}, exa-webhooks {m['exa-webhooks']}, exa-py {m['exa-py']}.",
        "",
        "All contenders ran in the same `make bench` run, alternating, each in its own process,",
        "against an ExaServer in another process on loopback. CPU is the client process's own.",
        "Figures are medians over the runs shown; exa-py, slow, sits out the later rounds.",
        "",
        "## Targets",
        "",
        table(
            [[n, "met" if ok else "**missed**", d] for n, ok, d in checks],
            ["target", "", "measured"],
        ),
        "",
        f"## 1. Sequential sync creates ({sizes['seq']:,})",
        "",
        scenario_table(results["seq"], "exa-py"),
        "",
        "The last row is not a contender: it is exa-webhooks' own Rust transport (the same",
        "decoding, retry policy and timeouts) driven from Rust with no Python around it. What",
        "separates it from the first row is the Python layer: the call, the argument checks,",
        "releasing and retaking the interpreter lock, the `Webhook` object.",
        "",
        f"## 2. Async creates ({sizes['async']:,}, {sizes['in_flight']} in flight)",
        "",
        scenario_table(results["async"], "exa-py"),
        "",
        "The Rust contender's requests/s is also ExaServer's throughput.",
        "",
        f"## 3. Listing {sizes['list']:,} webhooks, 200 a page, decoded into objects",
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
            [
                [k, f"{v:,.0f}", f"{v / results['verify_ops']['stdlib hmac']:.1f}x"]
                for k, v in results["verify_ops"].items()
            ],
            ["implementation", "verifications/s", "vs stdlib"],
        ),
        "",
        "The last row verifies nothing: it is one SHA-256 pass over the signed bytes (OpenSSL,",
        "SHA-NI), the floor of any HMAC-SHA256. No implementation can beat the standard library",
        f"by more than {hash_ceiling:.1f}x on this body; the 5x target is out of reach by",
        "arithmetic, not by overhead. exa-webhooks runs at"
        f" {verify['exa-webhooks'] / verify['SHA-256 alone']:.0%} of that floor: the keyed HMAC",
        "state of recent secrets is cached per thread, the header and secret are borrowed from",
        "Python, and the function called is the Rust one itself (no Python frame).",
        "",
        "## 6. Peak memory of scenario 1",
        "",
        table(
            [[k, f"{v['max_rss_mb']:.0f} MB"] for k, v in results["seq"].items()],
            ["contender", "peak RSS (whole process)"],
        ),
        "",
        f"Wheel: {results['wheel_mb']:.1f} MB." if results.get("wheel_mb") else "Wheel: not built.",
        "",
        f"## 7. Receiving {sizes['receive']:,} deliveries of 2 KB",
        "",
        scenario_table(results["receive"], "standardwebhooks"),
        "",
        "`WebhookReceiver.handle` per delivery: verify the signature, parse the event, claim and",
        "commit its id in `MemoryDedupe`, run a no-op handler, build the answer. Against it, the",
        "`standardwebhooks` library's `Webhook.verify`, which verifies and `json.loads` the body",
        "and does nothing else (no dedupe, no dispatch). Each contender in its own process, no",
        "network: this is the CPU a receiver spends per delivery, requests/s being deliveries/s.",
        "",
        "## Where the CPU goes",
        "",
        textwrap.fill(
            "Profiled with `perf` and `callgrind` (the `profiling` cargo profile keeps symbols)."
            " Sync: most of the Rust loop's CPU per request is the kernel (the loopback `writev`"
            " that wakes the server, `epoll_wait`); exa-webhooks makes the same system calls"
            " (fork detection reads a counter bumped by `pthread_atfork`, not `getpid`). Its"
            f" Rust core alone took {core_ratio:.2f}x the Rust loop's CPU in this run (the"
            " no-Python row of scenario 1): the rest is the Python layer. Counted once with"
            " callgrind, a whole call executes about 1.2x the Rust loop's user-space"
            " instructions (~104k vs ~87k; it was 1.56x before this work), the extra being work"
            " the Rust loop skips: checking the arguments (parsing the URL alone is ~4k"
            " instructions), the Python call and the `Webhook` it returns. What brought it down:"
            " decoding answers in one typed pass (a `serde_json::Value` tree, then a `Webhook`"
            " from it, cost ~20k instructions a call), serializing bodies without a `Value`,"
            " boxing the large request future once instead of copying it on every move, and"
            " reading the logger's cache instead of calling `Logger.isEnabledFor` (a Python"
            " frame per call). The CPU gap is wider than the instruction gap; the likely cause,"
            " which this VM has no hardware counters to confirm, is code running with cold caches"
            " after each wait on the network, which makes every Python frame dear. Run to run,"
            " on this shared machine, the ratio moves by about 0.1 either side.",
            width=90,
            break_on_hyphens=False,
        ),
        "",
        textwrap.fill(
            "Async: the same decoding, and each call's future boxed before it is spawned (about"
            " 10% less CPU a call). A global allocator (mimalloc) took ~10% off async CPU a call"
            " in one side-by-side run and nothing in another, and nothing off sync or off"
            " throughput: not worth a dependency.",
            width=90,
            break_on_hyphens=False,
        ),
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
        print(json.dumps(worker(contender, name, url, int(n), int(in_flight))))
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

    for name in ("seq", "async"):
        server = Server()
        try:
            print(f"scenario {name} ...", flush=True)
            results[name] = scenario(
                name,
                server.url,
                sizes[name],
                sizes["in_flight"],
                rounds,
                slow_rounds if name == "seq" else max(1, slow_rounds - 2),
                limit,
                [*contenders, CORE] if name == "seq" else contenders,
            )
        finally:
            server.stop()

    server = Server()
    try:
        print("scenario list ...", flush=True)
        subprocess.run(
            [str(limit), "async-create", server.url, KEY, str(sizes["list"]), "50"],
            check=True,
            capture_output=True,
        )
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

    out = Path(args.out or (ROOT / "target" / "bench-smoke" if smoke else ROOT / "bench"))
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    text = report(results, sizes, smoke)
    (out / "RESULTS.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
