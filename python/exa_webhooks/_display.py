"""Notebook display of the models and of ``Page``: IPython's pretty printer and Jupyter's HTML.

Imported only when an object is displayed, so ``import exa_webhooks`` does not pay for it.
The fields shown are a class's ``__match_args__``, as ``repr`` shows them; a webhook's secret
is masked in every form, as in ``repr``.
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

from ._page import Page

MASK = "'********'"
# A value longer than this (an event's data, say) is cut in a table cell.
MAX_CELL = 500


def fields(obj: Any) -> list[tuple[str, Any]]:
    page = isinstance(obj, Page)
    names = ("data", "has_more", "next_cursor") if page else type(obj).__match_args__
    return [(name, getattr(obj, name)) for name in names]


def _masked(name: str, value: Any) -> bool:
    return name == "secret" and value is not None


def pretty(obj: Any, p: Any, cycle: bool) -> None:
    """``_repr_pretty_``: one field a line when the whole does not fit the width."""
    name = type(obj).__name__
    if cycle:
        p.text(f"{name}(...)")
        return
    with p.group(len(name) + 1, f"{name}(", ")"):
        for i, (field, value) in enumerate(fields(obj)):
            if i:
                p.text(",")
                p.breakable()
            p.text(f"{field}=")
            if _masked(field, value):
                p.text(MASK)
            else:
                p.pretty(value)


def _cell(name: str, value: Any) -> str:
    if _masked(name, value):
        text = MASK
    elif isinstance(value, datetime):
        text = value.isoformat()
    elif isinstance(value, str):
        text = value
    else:
        text = repr(value)
    if len(text) > MAX_CELL:
        text = text[: MAX_CELL - 1] + "…"
    return f"<td><code>{escape(text)}</code></td>"


def html(obj: Any) -> str:
    """``_repr_html_``: a small table, every value escaped."""
    if isinstance(obj, Page):
        return _page_html(obj)
    rows = "".join(
        f"<tr><th style='text-align:left'>{escape(field)}</th>{_cell(field, value)}</tr>"
        for field, value in fields(obj)
    )
    return f"<table><caption>{escape(type(obj).__name__)}</caption>{rows}</table>"


def _page_html(page: Any) -> str:
    more = f"has_more={page.has_more!r}, next_cursor={page.next_cursor!r}"
    caption = f"Page of {len(page.data)} item{'' if len(page.data) == 1 else 's'}; {more}"
    if not page.data:
        return f"<table><caption>{escape(caption)}</caption></table>"
    names = [field for field, _ in fields(page.data[0])]
    head = "".join(f"<th style='text-align:left'>{escape(n)}</th>" for n in names)
    rows = "".join(
        "<tr>" + "".join(_cell(field, value) for field, value in fields(item)) + "</tr>"
        for item in page.data
    )
    return f"<table><caption>{escape(caption)}</caption><tr>{head}</tr>{rows}</table>"
