"""``exa-webhooks``: manage Exa webhooks from a terminal, or run the test server.

Readable tables by default, ``--json`` for scripts. Errors are one line on stderr and a
non-zero exit: 2 for bad input, 1 for anything the API or the network said.

The key comes from ``EXA_API_KEY``, ``--api-key-file`` (``-`` reads stdin) or ``--api-key``;
the last puts it where every local user can read it (``ps``), so it earns a warning.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from ._client import Client
from ._native import (
    EVENT_TYPES,
    Webhook,
    WebhookAttempt,
    WebhookEvent,
    __version__,
    unknown_event_type,
)
from ._page import Page
from .errors import ExaError, ValidationError

__all__ = ["main"]


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError(
        f"1 validation error\n  {field}: {message}", [{"field": field, "message": message}]
    )


def _read_key(path: str, field: str = "api_key_file", what: str = "Exa API key") -> str:
    """The key in a file, or on stdin for ``-`` (asked for without echo at a terminal)."""
    try:
        if path != "-":
            with open(path, encoding="utf-8") as file:
                text = file.read()
        elif sys.stdin is not None and sys.stdin.isatty():
            import getpass

            text = getpass.getpass(f"{what}: ")
        else:
            text = sys.stdin.read() if sys.stdin is not None else ""
    except (OSError, UnicodeDecodeError) as error:
        # The reason only: never the content, which may be the key.
        reason = error.strerror if isinstance(error, OSError) else "it is not UTF-8 text"
        raise _invalid(field, f"cannot read {path!r}: {reason}") from None
    where = "stdin" if path == "-" else repr(path)
    if not text.strip():
        raise _invalid(field, f"{where} holds no key")
    if len(text.strip().splitlines()) > 1:
        raise _invalid(field, f"{where} holds more than one line; put only the key there")
    return text.strip()


def _api_key(args: argparse.Namespace) -> str | None:
    if args.api_key_file is not None:
        return _read_key(args.api_key_file)
    if args.api_key is not None:
        print(
            "exa-webhooks: warning: a key given with --api-key is visible to other users of "
            "this machine (ps) and stays in your shell history; use EXA_API_KEY or "
            "--api-key-file instead",
            file=sys.stderr,
        )
    given: str | None = args.api_key
    return given


def _metadata(pairs: list[str] | None) -> dict[str, str] | None:
    if pairs is None:
        return None
    metadata = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise _invalid("metadata", f"expected KEY=VALUE, got {pair!r}")
        metadata[key] = value
    return metadata


def _when(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S%z")


# A column is never cut narrower than this: at 80 columns every table stays readable.
_MIN_COLUMN = 8


def _cell(text: str, width: int) -> str:
    text = " ".join(text.split())  # a newline in a response body must not break the table
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], empty: str) -> str:
    """At a terminal (or with ``COLUMNS`` set), columns are cut to fit its width, the widest
    first, with an ellipsis; never the first (the id you pass to the next command). Piped
    without ``COLUMNS``, nothing is cut: a script gets every character."""
    rows = [list(headers), *([" ".join(str(c).split()) for c in row] for row in rows)]
    if len(rows) == 1:
        return empty
    widths = [max(len(row[i]) for row in rows) for i in range(len(headers))]
    if not sys.stdout.isatty() and "COLUMNS" not in os.environ:
        room = sys.maxsize
    else:
        room = shutil.get_terminal_size().columns - 2 * (len(widths) - 1)
    while sum(widths) > room:
        widest = max(range(1, len(widths)), key=lambda i: widths[i])
        if widths[widest] <= _MIN_COLUMN:
            break  # narrower would be unreadable: let the terminal wrap
        widths[widest] -= 1
    lines = [
        "  ".join(_cell(c, w).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    return "\n".join(lines)


def _show_webhook(wh: Webhook) -> str:
    fields = [
        ("id", wh.id),
        ("status", wh.status),
        ("events", ", ".join(wh.events)),
        ("url", wh.url),
        ("metadata", ", ".join(f"{k}={v}" for k, v in wh.metadata.items()) or "-"),
        ("created", _when(wh.created_at)),
        ("updated", _when(wh.updated_at)),
    ]
    return "\n".join(f"{name:<9} {value}" for name, value in fields)


def _webhook_rows(hooks: Iterable[Webhook]) -> str:
    rows = ((w.id, w.status, ",".join(w.events), w.url, _when(w.created_at)) for w in hooks)
    return _table(("ID", "STATUS", "EVENTS", "URL", "CREATED"), rows, "no webhooks")


def _attempt_rows(attempts: Iterable[WebhookAttempt]) -> str:
    rows = (
        (
            a.id,
            a.event_type,
            "ok" if a.successful else "failed",
            str(a.response_status_code),
            str(a.attempt),
            _when(a.attempted_at),
            a.response_body or "-",  # the receiver's answer, or Exa's reason for a failure
        )
        for a in attempts
    )
    headers = ("ID", "EVENT", "RESULT", "STATUS", "TRY", "ATTEMPTED", "ANSWER")
    return _table(headers, rows, "no attempts")


def _event_rows(events: Iterable[WebhookEvent]) -> str:
    rows = ((e.id, e.type, _when(e.created_at), str(e.data.get("id", "-"))) for e in events)
    return _table(("ID", "TYPE", "CREATED", "DATA"), rows, "no events")


def _show_event(event: WebhookEvent) -> str:
    fields = [("id", event.id), ("type", event.type), ("created", _when(event.created_at))]
    head = "\n".join(f"{name:<8} {value}" for name, value in fields)
    return f"{head}\ndata\n{json.dumps(event.data, indent=2, ensure_ascii=False)}"


_DURATION = re.compile(r"(\d{1,9})([smhd])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def _moment(option: str, value: str | None) -> datetime | str | None:
    """``WHEN``: a duration back from now (``90m``, ``2h``, ``7d``), else RFC 3339 text, which
    the client checks."""
    if value is None:
        return None
    match = _DURATION.fullmatch(value.strip())
    if match is None:
        return value
    amount, unit = match.groups()
    try:
        return datetime.now(timezone.utc) - timedelta(**{_UNITS[unit]: int(amount)})
    except OverflowError:
        message = f"{value!r} reaches back before the year 1"
        raise ValidationError(
            f"1 validation error\n  {option}: {message}", [{"field": option, "message": message}]
        ) from None


_MISSING_KEY = "no API key: pass --api-key-file PATH or --api-key KEY, or set EXA_API_KEY"

# The events command's options, for errors about the client arguments they became.
_EVENT_OPTIONS = {"types": "--type", "created_after": "--since", "created_before": "--until"}


def _cmd_events_list(args: argparse.Namespace) -> None:
    filters = {
        "types": args.type,
        "created_after": _moment("--since", args.since),
        "created_before": _moment("--until", args.until),
        "limit": args.limit,
    }
    try:
        with _client(args) as client:
            _show_listing(
                args,
                lambda: client.iter_events(**filters),
                lambda: client.list_events(cursor=args.cursor, **filters),
                _event_rows,
            )
    except ValidationError as error:
        # `types[1]` is the second --type: name the option the user typed.
        problems = [
            {**p, "field": _EVENT_OPTIONS.get(p["field"].partition("[")[0], p["field"])}
            for p in error.errors
        ]
        raise ValidationError(str(error), problems) from None


def _cmd_events_get(args: argparse.Namespace) -> None:
    with _client(args) as client:
        event = client.get_event(args.id)
    _print_json(event.to_dict()) if args.json else print(_show_event(event))


def _page_json(page: Page[Any]) -> dict[str, Any]:
    return {
        "data": [item.to_dict() for item in page.data],
        "hasMore": page.has_more,
        "nextCursor": page.next_cursor,
    }


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False))


def _client(args: argparse.Namespace) -> Client:
    key = _api_key(args)
    if not key and not os.environ.get("EXA_API_KEY"):
        raise _invalid("api_key", _MISSING_KEY)
    return Client(key, base_url=args.base_url, timeout=args.timeout)


def _cmd_create(args: argparse.Namespace) -> None:
    with _client(args) as client:
        wh = client.create_webhook(args.event, args.url, _metadata(args.metadata))
    if args.json:
        _print_json(wh.to_dict())
        print("The secret is shown only once: store it now.", file=sys.stderr)
        return
    print(_show_webhook(wh))
    print(f"secret    {wh.secret}")
    print("\nThis secret will not be shown again: store it now to verify deliveries.")


def _cmd_get(args: argparse.Namespace) -> None:
    with _client(args) as client:
        wh = client.get_webhook(args.id)
    _print_json(wh.to_dict()) if args.json else print(_show_webhook(wh))


def _cmd_update(args: argparse.Namespace) -> None:
    metadata = {} if args.clear_metadata else _metadata(args.metadata)
    if args.event is None and args.url is None and metadata is None:
        raise _invalid(
            "update", "nothing to change: give --event, --url, --metadata or --clear-metadata"
        )
    with _client(args) as client:
        wh = client.update_webhook(args.id, events=args.event, url=args.url, metadata=metadata)
    _print_json(wh.to_dict()) if args.json else print(_show_webhook(wh))


def _cmd_delete(args: argparse.Namespace) -> None:
    with _client(args) as client:
        wh = client.delete_webhook(args.id)
    _print_json(wh.to_dict()) if args.json else print(f"deleted {wh.id}")


def _show_listing(
    args: argparse.Namespace,
    everything: Callable[[], Iterable[Any]],
    one_page: Callable[[], Page[Any]],
    rows: Callable[[Iterable[Any]], str],
) -> None:
    """Every item (``--all``) or one page, as a table or JSON."""
    if args.all:
        items = list(everything())
        if args.json:  # the shape of one page, the last one: nothing more
            _print_json(
                {"data": [i.to_dict() for i in items], "hasMore": False, "nextCursor": None}
            )
        else:
            print(rows(items))
        return
    page = one_page()
    if args.json:
        _print_json(_page_json(page))
        return
    print(rows(page))
    if page.has_more:
        print(f"\nmore: --cursor {page.next_cursor}  (or --all)")


def _cmd_list(args: argparse.Namespace) -> None:
    with _client(args) as client:
        _show_listing(
            args,
            lambda: client.iter_webhooks(limit=args.limit),
            lambda: client.list_webhooks(limit=args.limit, cursor=args.cursor),
            _webhook_rows,
        )


def _cmd_attempts(args: argparse.Namespace) -> None:
    filters = {"event_type": args.event_type, "successful": args.successful, "limit": args.limit}
    with _client(args) as client:
        _show_listing(
            args,
            lambda: client.iter_webhook_attempts(args.id, **filters),
            lambda: client.list_webhook_attempts(args.id, cursor=args.cursor, **filters),
            _attempt_rows,
        )


def _cmd_listen(args: argparse.Namespace) -> None:
    from . import _listen

    if args.print_secret:
        print(_listen.local_secret())
        return
    problems = []
    if args.forward_to is None:
        problems.append(("--forward-to", "is required (where to POST the events)"))
    elif (why := _listen.check_url(args.forward_to)) is not None:
        problems.append(("--forward-to", why))
    base_url = args.base_url or os.environ.get("EXA_BASE_URL") or "https://api.exa.ai"
    floor = _listen.MIN_INTERVAL_LOOPBACK if _listen.is_loopback(base_url) else _listen.MIN_INTERVAL
    if not args.interval >= floor:
        problems.append(
            ("--interval", f"must be at least {floor:g} s (rate limit), got {args.interval:g}")
        )
    if not 0 < args.forward_timeout <= 600:
        problems.append(("--forward-timeout", "must be more than 0 and at most 600 seconds"))
    if not 0 <= args.lookback <= 3600:
        problems.append(("--lookback", "must be from 0 to 3600 seconds"))
    since = _moment("--since", args.since)
    if isinstance(since, str):
        since = _rfc3339("--since", since)
    if problems:
        raise ValidationError(
            f"{len(problems)} validation error(s)",
            [{"field": f, "message": m} for f, m in problems],
        )
    key = _api_key(args) or os.environ.get("EXA_API_KEY")
    if not key:
        raise _invalid("api_key", _MISSING_KEY)
    with Client(key, base_url=base_url, timeout=args.timeout) as client:
        _listen.run_listen(
            client,
            base_url=base_url,
            api_key=key,
            url=args.forward_to,
            types=args.events,
            interval=args.interval,
            since=since,
            timeout=args.forward_timeout,
            as_json=args.json,
            lookback=args.lookback,
        )


def _rfc3339(option: str, value: str) -> datetime:
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1:] in "zZ" else text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        expected = "an RFC 3339 time with a zone, or a duration"
        raise _invalid(option, f"expected {expected}, got {value!r}")
    return moment


def _base_url(args: argparse.Namespace) -> str:
    return str(args.base_url or os.environ.get("EXA_BASE_URL") or "https://api.exa.ai")


def _cmd_trigger(args: argparse.Namespace) -> None:
    from . import _cli_local

    data = None
    if args.data is not None:
        try:
            data = json.loads(args.data)
        except ValueError as error:
            raise _invalid("--data", f"is not JSON: {error}") from None
        if not isinstance(data, dict):
            raise _invalid("--data", f"must be a JSON object, got {type(data).__name__}")
    if args.event_type not in EVENT_TYPES:
        raise _invalid("EVENT_TYPE", unknown_event_type(args.event_type))
    key = _api_key(args) or os.environ.get("EXA_API_KEY")
    if not key:
        raise _invalid("api_key", _MISSING_KEY)
    try:
        event = _cli_local.trigger(_base_url(args), key, args.event_type, data, args.timeout)
    except _cli_local.NotExaServer as error:
        print(f"exa-webhooks: {error}", file=sys.stderr)
        raise SystemExit(1) from None
    _print_json(event.to_dict()) if args.json else print(event.id)


def _cmd_events_resend(args: argparse.Namespace) -> None:
    from . import _cli_local, _listen

    if (why := _listen.check_url(args.to)) is not None:
        raise _invalid("--to", why)
    if args.secret_file is not None:
        secret = _read_key(args.secret_file, "secret_file", "Webhook secret")
    else:
        print(
            "exa-webhooks: warning: a secret given with --secret is visible to other users of "
            "this machine (ps) and stays in your shell history; prefer --secret-file",
            file=sys.stderr,
        )
        secret = args.secret
    with _client(args) as client:
        event = client.get_event(args.id)
    answer = _cli_local.resend(event, args.to, secret, args.timeout)
    if args.json:
        _print_json(answer)
    else:
        status = answer["status"] if answer["status"] is not None else "---"
        line = f"<-- {status} POST {args.to} [{event.id}] {answer['ms']} ms"
        print(line if answer["ok"] else f"{line}: {answer['reason']}")
        if answer["body"]:
            print(answer["body"])
    if not answer["ok"]:
        raise SystemExit(1)


def _cmd_serve(args: argparse.Namespace) -> None:
    import ipaddress

    from .testing import ExaServer

    options = {
        name: getattr(args, name)
        for name in (
            "max_connections",
            "header_timeout",
            "idle_timeout",
            "max_webhooks",
            "delivery_attempts",
        )
        if getattr(args, name) is not None
    }
    server = ExaServer(
        args.server_key,
        host=args.host,
        port=args.port,
        deliver_to_any_host=args.deliver_to_any_host,
        **options,
    )
    try:
        default_key = args.server_key == "test-key"
        if default_key and not ipaddress.ip_address(server.host).is_loopback:
            print(
                f"exa-webhooks: warning: listening on {server.host}, beyond this machine, with "
                "the public default API key test-key: anyone who can reach port "
                f"{server.port} can use this server. Pass --api-key with a key of your own.",
                file=sys.stderr,
                flush=True,
            )
        key = "test-key" if default_key else "the one given with --api-key"
        print(f"ExaServer listening on {server.url}", flush=True)
        print(f"API key: {key}. Stop with Ctrl-C.", flush=True)
        # In short slices: an endless wait can miss Ctrl-C for good (the signal may land on
        # one of the server's threads, or just before the wait begins; seen on 3.10).
        while True:
            time.sleep(0.2)
    except KeyboardInterrupt:
        print("stopped", flush=True)  # Ctrl-C is how a server is meant to stop
    finally:
        server.stop()


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    key = common.add_mutually_exclusive_group()
    key.add_argument(
        "--api-key-file",
        metavar="PATH",
        help="read the Exa API key from this file; - reads stdin (prompts at a terminal)",
    )
    key.add_argument(
        "--api-key",
        help="Exa API key (default: $EXA_API_KEY); visible to other local users in ps: "
        "prefer $EXA_API_KEY or --api-key-file",
    )
    common.add_argument("--base-url", help="API base URL (default: $EXA_BASE_URL or Exa's)")
    common.add_argument("--timeout", type=float, help="seconds per request (default 60)")
    common.add_argument("--json", action="store_true", help="print JSON for scripts")

    parser = argparse.ArgumentParser(
        prog="exa-webhooks", description="Manage Exa Websets webhooks."
    )
    parser.add_argument("--version", action="version", version=f"exa-webhooks {__version__}")
    # The same options before the command: kept apart (`top_*`) so that the command's own
    # defaults cannot overwrite them; merged in `_merge_globals`.
    top = parser.add_argument_group("options for every command (also accepted after it)")
    top_key = top.add_mutually_exclusive_group()
    top_key.add_argument("--api-key-file", dest="top_api_key_file", metavar="PATH")
    top_key.add_argument("--api-key", dest="top_api_key", metavar="API_KEY")
    top.add_argument("--base-url", dest="top_base_url", metavar="BASE_URL")
    top.add_argument("--timeout", dest="top_timeout", type=float, metavar="TIMEOUT")
    top.add_argument("--json", dest="top_json", action="store_true")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=help, description=help, parents=[common])

    events_help = "an event type (repeat for several): " + ", ".join(EVENT_TYPES)

    create = command("create", "create a webhook; shows its secret once")
    create.add_argument("--event", action="append", required=True, metavar="TYPE", help=events_help)
    create.add_argument("--url", required=True, help="where Exa will POST events")
    create.add_argument("--metadata", action="append", metavar="KEY=VALUE")
    create.set_defaults(run=_cmd_create)

    get = command("get", "show a webhook")
    get.add_argument("id")
    get.set_defaults(run=_cmd_get)

    update = command("update", "change a webhook's events, url or metadata")
    update.add_argument("id")
    update.add_argument("--event", action="append", metavar="TYPE", help=events_help)
    update.add_argument("--url")
    meta = update.add_mutually_exclusive_group()
    meta.add_argument("--metadata", action="append", metavar="KEY=VALUE", help="replaces all")
    meta.add_argument("--clear-metadata", action="store_true")
    update.set_defaults(run=_cmd_update)

    delete = command("delete", "delete a webhook")
    delete.add_argument("id")
    delete.set_defaults(run=_cmd_delete)

    list_ = command("list", "list webhooks, newest first")
    list_.add_argument("--limit", type=int, help="page size, 1 to 200 (default 25)")
    list_.add_argument("--cursor", help="the page after this cursor")
    list_.add_argument("--all", action="store_true", help="follow every page")
    list_.set_defaults(run=_cmd_list)

    attempts = command("attempts", "list a webhook's delivery attempts, newest first")
    attempts.add_argument("id")
    attempts.add_argument("--event-type", metavar="TYPE")
    outcome = attempts.add_mutually_exclusive_group()
    outcome.add_argument("--successful", dest="successful", action="store_true", default=None)
    outcome.add_argument("--failed", dest="successful", action="store_false")
    attempts.add_argument("--limit", type=int, help="page size, 1 to 200 (default 25)")
    attempts.add_argument("--cursor", help="the page after this cursor")
    attempts.add_argument("--all", action="store_true", help="follow every page")
    attempts.set_defaults(run=_cmd_attempts)

    events = commands.add_parser(
        "events",
        help="list or show the events Exa kept (60 days)",
        description="The events Exa kept for 60 days: what a receiver that was down missed.",
    )
    event_commands = events.add_subparsers(dest="events_command", required=True, metavar="COMMAND")
    when = "an RFC 3339 time (2025-03-01T12:00:00Z) or a duration back from now (90m, 2h, 7d)"
    events_list = event_commands.add_parser(
        "list",
        help="list events, newest first",
        description="List events, newest first.",
        parents=[common],
    )
    events_list.add_argument("--type", action="append", metavar="TYPE", help=events_help)
    events_list.add_argument("--since", metavar="WHEN", help=f"created at or after WHEN: {when}")
    events_list.add_argument("--until", metavar="WHEN", help=f"created at or before WHEN: {when}")
    events_list.add_argument("--limit", type=int, help="page size, 1 to 200 (default 25)")
    events_list.add_argument("--cursor", help="the page after this cursor")
    events_list.add_argument("--all", action="store_true", help="follow every page")
    events_list.set_defaults(run=_cmd_events_list)
    events_get = event_commands.add_parser(
        "get", help="show an event", description="Show an event.", parents=[common]
    )
    events_get.add_argument("id", metavar="EVENT_ID")
    events_get.set_defaults(run=_cmd_events_get)
    resend = event_commands.add_parser(
        "resend",
        help="deliver one event to a URL, signed with a secret",
        description="Fetch one event and POST it, signed, to a URL (a local or staging "
        "receiver); prints the answer. Exit code 1 if the receiver refused it.",
        parents=[common],
    )
    resend.add_argument("id", metavar="EVENT_ID")
    resend.add_argument("--to", required=True, metavar="URL", help="where to POST the event")
    secret = resend.add_mutually_exclusive_group(required=True)
    secret.add_argument(
        "--secret-file",
        metavar="PATH",
        help="read the signing secret from this file; - reads stdin (prompts at a terminal)",
    )
    secret.add_argument("--secret", help="the signing secret (visible in ps: prefer --secret-file)")
    resend.set_defaults(run=_cmd_events_resend)

    listen = command(
        "listen",
        "poll Exa's events and forward each, signed with a local secret, to a local receiver",
    )
    listen.add_argument("--forward-to", metavar="URL", help="where to POST each event")
    listen.add_argument(
        "--events", action="append", metavar="TYPE", help="only this type (repeat for several)"
    )
    listen.add_argument(
        "--interval",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="poll period (default 2; at least 0.5, Exa's rate limit; 0.05 on loopback)",
    )
    listen.add_argument(
        "--since", metavar="WHEN", help=f"start from WHEN instead of now or the checkpoint: {when}"
    )
    listen.add_argument(
        "--forward-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="how long the receiver may take to answer one delivery (default 10)",
    )
    listen.add_argument(
        "--lookback",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="how far behind the newest forwarded event each poll looks for events that "
        "showed up late (default 60; each is still forwarded once)",
    )
    listen.add_argument(
        "--print-secret", action="store_true", help="print the local signing secret and exit"
    )
    listen.set_defaults(run=_cmd_listen)

    trigger = command(
        "trigger",
        "ExaServer only (exa-webhooks serve): create an event, store it and deliver it to the "
        "subscribed webhooks; prints its id",
    )
    trigger.add_argument("event_type", metavar="EVENT_TYPE", help=events_help)
    trigger.add_argument(
        "--data", metavar="JSON", help="the event's data object (default: a sample)"
    )
    trigger.set_defaults(run=_cmd_trigger)

    serve = commands.add_parser(
        "serve",
        help="run the Exa-compatible test server until Ctrl-C",
        description="Run ExaServer, the Exa-compatible Webhooks and Events API bundled for "
        "tests and local development, in the foreground until Ctrl-C. Point the other "
        "commands at it with --base-url http://HOST:PORT (or EXA_BASE_URL) and its key.",
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    serve.add_argument(
        "--port", type=int, default=8000, help="port to listen on (default 8000; 0 picks one)"
    )
    serve.add_argument(
        "--api-key",
        dest="server_key",
        default="test-key",
        metavar="KEY",
        help="the API key the server accepts (default test-key)",
    )
    serve.add_argument(
        "--max-connections", type=int, metavar="N", help="served at once; more get 503 (512)"
    )
    serve.add_argument(
        "--header-timeout", type=float, metavar="S", help="to send a request head (10)"
    )
    serve.add_argument(
        "--idle-timeout", type=float, metavar="S", help="before an idle connection closes (60)"
    )
    serve.add_argument("--max-webhooks", type=int, metavar="N", help="stored at most (100000)")
    serve.add_argument(
        "--delivery-attempts",
        type=int,
        metavar="N",
        help="tries of a failing delivery, 1 to 10, waiting 0.1, 0.2, 0.4, 0.8, then 1 s (1)",
    )
    serve.add_argument(
        "--deliver-to-any-host",
        action="store_true",
        help="deliver events to webhooks on any host, not only loopback (127.0.0.0/8, ::1, "
        "localhost)",
    )
    serve.set_defaults(run=_cmd_serve)
    return parser


def _merge_globals(args: argparse.Namespace) -> None:
    """Options given before the command count unless the command was given its own."""
    for name in ("api_key_file", "api_key", "base_url"):
        top = getattr(args, f"top_{name}")
        if getattr(args, name, None) is None and top is not None:
            if name == "api_key" and getattr(args, "api_key_file", None) is not None:
                continue  # the command's own --api-key-file wins
            setattr(args, name, top)
    if getattr(args, "api_key_file", None) is not None and getattr(args, "api_key", None):
        args.api_key = None  # one key: the file, which is given at whatever level
    if hasattr(args, "timeout") and args.timeout is None:
        args.timeout = args.top_timeout if args.top_timeout is not None else 60.0
    if hasattr(args, "json"):
        args.json = args.json or args.top_json


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    _merge_globals(args)
    try:
        args.run(args)
        sys.stdout.flush()  # here, so that a closed pipe is caught below, not at exit
    except BrokenPipeError:
        # `exa-webhooks list --all | head -1`: the reader had enough. Python's docs: point
        # stdout at devnull so the flush at exit does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except ValidationError as error:
        problems = "; ".join(f"{e['field']}: {e['message']}" for e in error.errors)
        print(f"exa-webhooks: invalid input: {problems}", file=sys.stderr)
        return 2
    except ExaError as error:
        print(f"exa-webhooks: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except OSError as error:
        print(f"exa-webhooks: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
