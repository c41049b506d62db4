from __future__ import annotations

from types import GenericAlias

# Typed as generic in _page.pyi; at runtime it avoids importing typing (which would slow down
# `import exa_webhooks` by a third).

__all__ = ["Page"]

# Items a repr shows before "... N more".
_SHOWN = 3


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
        # One line, as a repr must be; the first few items, then how many more.
        shown = ", ".join(repr(item) for item in self.data[:_SHOWN])
        if len(self.data) > _SHOWN:
            shown += f", ... {len(self.data) - _SHOWN} more"
        return f"Page(data=[{shown}], has_more={self.has_more!r}, next_cursor={self.next_cursor!r})"

    def _repr_pretty_(self, p, cycle):
        from ._display import pretty

        pretty(self, p, cycle)

    def _repr_html_(self):
        from ._display import html

        return html(self)

    def __replace__(self, **changes):
        unknown = [name for name in changes if name not in self.__slots__]
        if unknown:
            raise TypeError(
                f"Page has no field {unknown[0]!r}; its fields are {', '.join(self.__slots__)}"
            )
        fields = {name: getattr(self, name) for name in self.__slots__}
        return Page(**{**fields, **changes})
