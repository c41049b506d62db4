"""One receiver process for test_receiver_stores.py (run as a subprocess).

    receiver_worker.py handle DB LOG [--crash-on ID] [--lease S] [--wait] EVENT_ID...
        SQLiteDedupe(DB); handles each signed event in turn, prints one JSON line per answer.
        --wait: prints "ready", then waits for a line on stdin first (to start many at once).
    receiver_worker.py serve wsgi|asgi REDIS_URL PREFIX
        RedisDedupe; serves the receiver's app on a free port, prints the port, runs until
        stdin closes.

Handlers append "pid event_id" to LOG (handle) or INCR a count in Redis (serve), so the test
can count how often each ran, whatever process ran it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import exa_webhooks as ew
from exa_webhooks.receiver import RedisDedupe, SQLiteDedupe, WebhookReceiver
from receiving import SECRET, signed


def handle(args: argparse.Namespace) -> None:
    receiver = WebhookReceiver(SECRET, dedupe=SQLiteDedupe(args.db), lease=args.lease)

    @receiver.on("webset.idle")
    def record(event: ew.WebhookEvent) -> None:
        if event.id == args.crash_on:
            os._exit(3)  # dies mid-handler: no commit, no release
        with open(args.log, "a") as log:
            log.write(f"{os.getpid()} {event.id}\n")

    if args.wait:
        print("ready", flush=True)
        sys.stdin.readline()
    for event_id in args.events:
        response = receiver.handle(*signed(event_id))
        print(json.dumps([event_id, response.status, response.body]), flush=True)


def serve(args: argparse.Namespace) -> None:
    import redis

    store = RedisDedupe(args.redis_url, prefix=args.prefix)
    receiver = WebhookReceiver(SECRET, dedupe=store)
    pid = str(os.getpid())

    if args.kind == "asgi":
        import asyncio

        import redis.asyncio

        counter = redis.asyncio.Redis.from_url(args.redis_url)

        @receiver.on("webset.idle")
        async def count_async(event: ew.WebhookEvent) -> None:
            await counter.incr(f"count:{event.id}")
            await counter.rpush("runs", f"{pid} {event.id}")
            await asyncio.sleep(0.02)  # holds the claim a moment, so other deliveries overlap
    else:
        sync_counter = redis.Redis.from_url(args.redis_url)

        @receiver.on("webset.idle")
        def count(event: ew.WebhookEvent) -> None:
            sync_counter.incr(f"count:{event.id}")
            sync_counter.rpush("runs", f"{pid} {event.id}")
            time.sleep(0.02)

    if args.kind == "asgi":
        import socket

        import uvicorn

        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        server = uvicorn.Server(uvicorn.Config(receiver.asgi(), log_level="warning"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.01)
        print(sock.getsockname()[1], flush=True)
        sys.stdin.read()
        server.should_exit = True
        thread.join(10)
    else:
        from werkzeug.serving import make_server

        httpd = make_server("127.0.0.1", 0, receiver.wsgi(), threaded=True)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        print(httpd.server_port, flush=True)
        sys.stdin.read()
        httpd.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    h = sub.add_parser("handle")
    h.add_argument("db")
    h.add_argument("log")
    h.add_argument("--crash-on")
    h.add_argument("--lease", type=float, default=60.0)
    h.add_argument("--wait", action="store_true")
    h.add_argument("events", nargs="+")
    s = sub.add_parser("serve")
    s.add_argument("kind", choices=["wsgi", "asgi"])
    s.add_argument("redis_url")
    s.add_argument("prefix")
    args = parser.parse_args()
    handle(args) if args.command == "handle" else serve(args)


if __name__ == "__main__":
    main()
