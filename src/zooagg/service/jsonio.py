"""JSON in and out of the server: orjson, numpy values made plain."""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson
from fastapi.responses import Response

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


def error_body(message: str, *, hint: str = "", parameter: str | None = None, where: str = "query",
               extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """One error shape for every 4xx: `error` for people, `detail` in FastAPI's own form."""
    body: dict[str, Any] = {"error": message}
    if hint:
        body["hint"] = hint
    if parameter is not None:
        body["parameter"] = parameter
    body["detail"] = [{"loc": [where, parameter] if parameter else [where], "msg": message, "type": "value_error"}]
    if extra:
        body.update(extra)
    return body


def error(status: int, message: str, **kwargs: Any) -> JSONBytes:
    return JSONBytes(error_body(message, **kwargs), status_code=status)
