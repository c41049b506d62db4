from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

__all__ = ["Page"]

T = TypeVar("T")


class Page(Generic[T]):
    """One page of a listing. Iterating it yields its items; pass ``next_cursor`` back as
    ``cursor`` for the next page while ``has_more`` is true."""

    __slots__ = ("data", "has_more", "next_cursor")

    def __init__(self, data: list[T], has_more: bool, next_cursor: str | None) -> None:
        self.data = data
        self.has_more = has_more
        self.next_cursor = next_cursor

    def __iter__(self) -> Iterator[T]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Page):
            return NotImplemented
        return (self.data, self.has_more, self.next_cursor) == (
            other.data,
            other.has_more,
            other.next_cursor,
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"Page(data=<{len(self.data)} items>, has_more={self.has_more!r}, "
            f"next_cursor={self.next_cursor!r})"
        )
