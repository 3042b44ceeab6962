"""Helpers shared by task families."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from slugify import slugify as _slugify


@lru_cache(maxsize=65536)
def _slug(text: str) -> str:
    return _slugify(text, separator="-")


def slug(value: Any) -> str:
    """Answer keys as the peer writes them: slugified text; None, bools and ints as `str()`."""
    if type(value) is str:
        return _slug(value)
    if value is None or isinstance(value, bool | int):
        return str(value)
    return _slug(value if isinstance(value, str) else str(value))


def first_annotation(annotations: list[dict[str, Any]]) -> dict[str, Any] | None:
    return annotations[0] if annotations else None
