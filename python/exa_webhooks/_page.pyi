from collections.abc import Iterator
from typing import Any, ClassVar, Generic, TypeVar

__all__ = ["Page"]

_T = TypeVar("_T")

class Page(Generic[_T]):
    """One page of a listing. Iterating it yields its items; pass ``next_cursor`` back as
    ``cursor`` for the next page while ``has_more`` is true."""

    data: list[_T]
    """The items of this page."""
    has_more: bool
    """Whether another page follows."""
    next_cursor: str | None
    """Pass it as ``cursor`` for the next page (None at the end)."""
    __hash__: ClassVar[None]  # type: ignore[assignment]
    def __init__(self, data: list[_T], has_more: bool, next_cursor: str | None) -> None: ...
    def __iter__(self) -> Iterator[_T]: ...
    def __len__(self) -> int: ...
    def __eq__(self, other: object) -> bool: ...
    def _repr_pretty_(self, p: Any, cycle: bool) -> None: ...
    def _repr_html_(self) -> str: ...
    def __replace__(
        self, *, data: list[_T] = ..., has_more: bool = ..., next_cursor: str | None = ...
    ) -> Page[_T]: ...
