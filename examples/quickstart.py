"""Quickstart: create webhooks with the sync and the async client.

By default it talks to the Exa-compatible server bundled in the package, so it needs no key
and no network. With ``--live`` (and ``EXA_API_KEY`` set) it talks to the real API and
deletes nothing: the webhooks it creates stay in your account.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from collections.abc import Iterator

import exa_webhooks as ew
from exa_webhooks.testing import ExaServer


@contextlib.contextmanager
def target(live: bool) -> Iterator[tuple[str | None, str | None]]:
    """Yields (api_key, base_url) for the clients: the real API, or a local ExaServer."""
    if live:
        if not os.environ.get("EXA_API_KEY"):
            sys.exit("--live needs EXA_API_KEY in the environment")
        yield None, None  # both come from the environment
        return
    with ExaServer() as server:
        print(f"ExaServer listening on {server.url} (api key {server.api_key!r})")
        yield server.api_key, server.url


def show(label: str, wh: ew.Webhook) -> None:
    print(f"\n{label}")
    print(f"  id         {wh.id}")
    print(f"  status     {wh.status}")
    print(f"  events     {', '.join(wh.events)}")
    print(f"  url        {wh.url}")
    print(f"  metadata   {wh.metadata}")
    print(f"  created_at {wh.created_at.isoformat()}")
    print(f"  secret     {'(set: store it now, Exa shows it only once)' if wh.secret else None}")
    print(f"  repr       {wh!r}")


async def create_async(api_key: str | None, base_url: str | None) -> ew.Webhook:
    async with ew.AsyncClient(api_key, base_url=base_url) as client:
        return await client.create_webhook(
            events=[ew.EventType.WEBSET_CREATED], url="https://example.com/hooks/exa-async"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--live", action="store_true", help="use the real Exa API")
    live = parser.parse_args().live or os.environ.get("EXA_LIVE") == "1"

    with target(live) as (api_key, base_url):
        with ew.Client(api_key, base_url=base_url) as client:
            wh = client.create_webhook(
                ["webset.created", ew.EventType.WEBSET_ITEM_ENRICHED],
                "https://example.com/hooks/exa",
                {"team": "growth"},
            )
        show("Created with Client (sync):", wh)

        show("Created with AsyncClient:", asyncio.run(create_async(api_key, base_url)))

        print("\nBad input is refused before any request is sent:")
        try:
            ew.create_webhook(
                ["webset.completed"], "ftp://example.com", api_key=api_key, base_url=base_url
            )
        except ew.ValidationError as error:
            print("  " + str(error).replace("\n", "\n  "))


if __name__ == "__main__":
    main()
