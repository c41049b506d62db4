"""Notebook display: IPython's pretty printer and Jupyter's HTML for the models and Page, with
every value escaped and the secret masked; repr stays one line."""

from __future__ import annotations

import html.parser
from typing import Any

import pytest
from IPython.lib.pretty import pretty

import exa_webhooks as ew
from exa_webhooks.testing import ExaServer
from ports import held_port

HOSTILE = "<script>alert('x')</script>&"


@pytest.fixture
def objects(server: ExaServer, client: ew.Client) -> dict[str, Any]:
    """One of each displayable object, from real calls; the webhook carries its secret."""
    with held_port() as port:
        # Nothing listens there: the delivery is recorded as a failed attempt.
        webhook = client.create_webhook(
            ["webset.created"], f"http://127.0.0.1:{port}/{HOSTILE}", metadata={"note": HOSTILE}
        )
        event = server.emit("webset.created", timeout=2)
    attempts = client.list_webhook_attempts(webhook.id)
    return {
        "webhook": webhook,
        "attempt": attempts.data[0],
        "event": event,
        "page": client.list_webhooks(),
        "attempts": attempts,
    }


class Cells(html.parser.HTMLParser):
    """The text of every cell and caption, unescaped, and every tag seen."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.texts.append(data)


def parse(markup: str) -> Cells:
    cells = Cells()
    cells.feed(markup)
    cells.close()
    return cells


def test_the_secret_appears_in_no_form(objects: dict[str, Any]) -> None:
    webhook = objects["webhook"]
    assert webhook.secret
    # Listings carry no secret (only a create's answer does): a page of the created webhook.
    for obj in (webhook, ew.Page([webhook], False, None)):
        for text in (repr(obj), str(obj), pretty(obj), obj._repr_html_()):
            assert webhook.secret not in text
            assert "********" in text


@pytest.mark.parametrize("name", ["webhook", "attempt", "event", "page", "attempts"])
def test_repr_is_one_line_and_pretty_shows_every_field(objects: dict[str, Any], name: str) -> None:
    obj = objects[name]
    assert "\n" not in repr(obj)
    text = pretty(obj)
    paged = name in ("page", "attempts")
    fields = ("data", "has_more", "next_cursor") if paged else obj.__match_args__
    # Too wide for one line of 79 columns: each field starts its own line, at one indent.
    cls = type(obj).__name__
    starts = [f"{cls}({fields[0]}="] + [" " * (len(cls) + 1) + f"{f}=" for f in fields[1:]]
    lines = iter(text.splitlines())
    for start in starts:
        assert any(line.startswith(start) for line in lines), start


def test_pretty_nests_inside_containers(objects: dict[str, Any]) -> None:
    text = pretty([objects["event"]])
    assert text.startswith("[WebhookEvent(")
    assert text.endswith(")]")


@pytest.mark.parametrize("name", ["webhook", "attempt", "event"])
def test_html_is_a_table_of_the_fields_with_values_escaped(
    objects: dict[str, Any], name: str
) -> None:
    obj = objects[name]
    markup = obj._repr_html_()
    assert "<script>" not in markup
    cells = parse(markup)
    assert cells.tags[0] == "table"
    assert "script" not in cells.tags
    assert type(obj).__name__ in cells.texts
    for field in obj.__match_args__:
        assert field in cells.texts
    assert obj.id in cells.texts


def test_hostile_values_come_back_intact_once_unescaped(objects: dict[str, Any]) -> None:
    webhook = objects["webhook"]
    texts = parse(webhook._repr_html_()).texts
    assert webhook.url in texts
    assert repr({"note": HOSTILE}) in texts
    attempt_texts = parse(objects["attempt"]._repr_html_()).texts
    assert webhook.url in attempt_texts


def test_page_html_is_a_row_per_item(objects: dict[str, Any]) -> None:
    page = objects["page"]
    markup = page._repr_html_()
    cells = parse(markup)
    assert cells.tags.count("tr") == len(page.data) + 1  # the header row
    assert f"Page of {len(page.data)} item" in markup
    assert page.data[0].id in cells.texts
    empty = ew.Page([], False, None)
    assert parse(empty._repr_html_()).tags == ["table", "caption"]


def test_page_repr_shows_its_items_on_one_line(client: ew.Client) -> None:
    for i in range(5):
        client.create_webhook(["webset.created"], f"https://example.com/{i}")
    page = client.list_webhooks(limit=5)
    text = repr(page)
    assert "\n" not in text
    assert text.startswith("Page(data=[Webhook(id=")
    assert text.count("Webhook(") == 3
    assert ", ... 2 more], has_more=" in text
    small = client.list_webhooks(limit=1)
    assert repr(small) == (
        f"Page(data=[{small.data[0]!r}], has_more={small.has_more!r},"
        f" next_cursor={small.next_cursor!r})"
    )
