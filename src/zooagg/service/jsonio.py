"""JSON in and out of the server: orjson, numpy values made plain."""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson
from fastapi.responses import Response

from .errors import error_body

_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


def _default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(value: Any) -> bytes:
    return orjson.dumps(value, default=_default, option=_OPTIONS)


def dumps_text(value: Any) -> str:
    return dumps(value).decode()


def plain(value: Any) -> Any:
    """`value` with numpy scalars and arrays turned into Python ones (a JSON round trip)."""
    return orjson.loads(dumps(value))


class JSONBytes(Response):
    """A JSON response written by orjson (numpy-aware)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)


def error(status: int, message: str, **kwargs: Any) -> JSONBytes:
    return JSONBytes(error_body(message, **kwargs), status_code=status)
