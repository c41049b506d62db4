"""``__replace__`` of the frozen models (``copy.replace`` on Python 3.13 and later).

A model is rebuilt from its API shape with the changes applied, so fields this version does not
know are kept and the changes are checked as ``from_dict`` checks an answer of the API.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any


def _json_value(field: str, value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"{field} must be a timezone-aware datetime, got {value!r}")
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def replace(obj: Any, changes: dict[str, Any]) -> Any:
    cls = type(obj)
    known = cls.__match_args__
    # The model's own table of attribute names and JSON keys (declared once, in Rust).
    keys = cls._json_keys
    unknown = [name for name in changes if name not in known]
    if unknown:
        raise TypeError(
            f"{cls.__name__} has no field {unknown[0]!r}; its fields are {', '.join(known)}"
        )
    data = obj.to_dict()
    for field, value in changes.items():
        data[keys[field]] = _json_value(field, value)
    return cls.from_dict(data)
