"""One cell of an extract or reduction table: nested data flattened into `data.*` columns and
back, the column types pandas would give the values, each value's text as the peer's CSV holds
it (`1` or `1.0`, Python reprs, empty for NaN), CSV quoting, and a cell's text read back into a
value without `eval`."""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass
from typing import Any

import orjson

_PREFIXED: dict[str, str] = {}


def flatten(data: dict[str, Any], prefix: str = "data.") -> dict[str, Any]:
    """Nested dicts joined with "." (lists kept whole); empty nested dicts vanish, as in pandas."""
    if prefix == "data." and not any(type(v) is dict for v in data.values()):
        names = _PREFIXED
        try:
            return {names[k]: v for k, v in data.items()}
        except KeyError:
            for key in data:
                if key not in names and len(names) < 100_000:
                    names[key] = prefix + key
            return {names.get(k) or prefix + k: v for k, v in data.items()}
    # pandas' json_normalize puts a record's top-level scalars first, then its nested mappings
    out: dict[str, Any] = {f"{prefix}{k}": v for k, v in data.items() if type(v) is not dict}
    for key, value in data.items():
        if type(value) is dict:
            _walk(value, f"{prefix}{key}.", out)
    return out


def _walk(node: dict[str, Any], path: str, out: dict[str, Any]) -> None:
    for key, value in node.items():
        name = f"{path}{key}"
        if isinstance(value, dict):
            _walk(value, name + ".", out)
        else:
            out[name] = value


def unflatten(flat: dict[str, Any], prefix: str = "data.") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in flat.items():
        node = out
        parts = name[len(prefix):].split(".")
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[parts[-1]] = value
    return out


# ---- column types, as pandas infers them -------------------------------------------------

_INT, _FLOAT, _BOOL, _STR, _OTHER, _NULL = 1, 2, 4, 8, 16, 32


def _tag(value: Any) -> int:
    if value is None:
        return _NULL
    if isinstance(value, bool):
        return _BOOL
    if isinstance(value, int):
        return _INT
    if isinstance(value, float):
        return _NULL if math.isnan(value) else _FLOAT
    if isinstance(value, str):
        return _STR
    return _OTHER


#: the tag of the exact types met most (subclasses and floats go through `_tag`)
_TYPE_TAGS: dict[type, int] = {bool: _BOOL, int: _INT, str: _STR, type(None): _NULL, list: _OTHER, dict: _OTHER}


@dataclass
class Column:
    name: str
    tags: int = 0
    present: int = 0

    def formatter(self, rows: int) -> Any:
        gaps = self.present < rows or bool(self.tags & _NULL)
        kinds = self.tags & ~_NULL
        if kinds == _INT and not gaps:
            return str
        if kinds and not kinds & ~(_INT | _FLOAT):
            return _float_text
        if kinds == _BOOL and not gaps:
            return str
        return _object_text


def _float_text(value: Any) -> str:
    if value is None:
        return ""
    number = float(value)
    return "" if math.isnan(number) else repr(number)


_ABSENT = object()


def _object_text(value: Any) -> str:
    if type(value) is str:
        return value
    if value is None or (type(value) is float and math.isnan(value)):
        return ""
    return str(value)


#: a character that makes csv.writer (QUOTE_MINIMAL) quote a cell
NEEDS_QUOTES = re.compile(r'[,"\r\n]').search


def csv_cell(text: str) -> str:
    """A text cell as csv.writer writes it (quoted when it holds `,`, `"`, CR or LF)."""
    return text if NEEDS_QUOTES(text) is None else '"' + text.replace('"', '""') + '"'


# ---- a cell read back -----------------------------------------------------------------------

def parse_cell(value: Any) -> Any:
    """A data cell back to a Python value: lists and mappings parsed safely (never eval)."""
    if isinstance(value, str) and ("[" in value or "{" in value):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            pass
        try:
            return _literal(ast.parse(value.strip(), mode="eval").body)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return value
    return value


_NAMES = {"nan": None, "None": None, "null": None, "true": True, "false": False, "True": True, "False": False}


def _literal(node: ast.AST) -> Any:
    """Python/JSON literals only (the peer eval()s these cells; we never execute anything)."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name) and node.id in _NAMES:
        return _NAMES[node.id]
    if isinstance(node, ast.List | ast.Tuple):
        return [_literal(item) for item in node.elts]
    if isinstance(node, ast.Dict):
        return {_literal(k) if k is not None else None: _literal(v) for k, v in zip(node.keys, node.values, strict=True)}
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        operand = _literal(node.operand)
        if isinstance(operand, int | float) and not isinstance(operand, bool):
            return -operand if isinstance(node.op, ast.USub) else operand
    raise ValueError("not a literal")


def is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
