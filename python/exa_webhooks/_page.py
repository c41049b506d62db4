from __future__ import annotations

from types import GenericAlias

# Typed as generic in _page.pyi; at runtime it avoids importing typing (which would slow down
# `import exa_webhooks` by a third).

__all__ = ["Page"]


class Page:
    """One page of a listing. Iterating it yields its items; pass ``next_cursor`` back as
    ``cursor`` for the next page while ``has_more`` is true."""

    __slots__ = ("data", "has_more", "next_cursor")

    def __init__(self, data, has_more, next_cursor):
        self.data = data
        self.has_more = has_more
        self.next_cursor = next_cursor

    # `Page[Webhook]` at run time, as `list[int]`: what `typing.get_type_hints` returns.
    __class_getitem__ = classmethod(GenericAlias)

    def __iter__(self):
        return iter(self.data)

    def __len__(self):
        return len(self.data)

    def __eq__(self, other):
        if not isinstance(other, Page):
            return NotImplemented
        return (self.data, self.has_more, self.next_cursor) == (
            other.data,
            other.has_more,
            other.next_cursor,
        )

    __hash__ = None

    def __repr__(self):
        return (
            f"Page(data=<{len(self.data)} items>, has_more={self.has_more!r}, "
            f"next_cursor={self.next_cursor!r})"
        )
