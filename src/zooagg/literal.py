"""Python reprs in extract and reduction cells back to values, without executing anything.

The peer writes lists and mappings into its CSV cells with `repr()`, so a cell may hold
`nan`, `inf`, `None`, `True`, single-quoted strings and, from numpy 2 on, scalar reprs such as
`np.float64(nan)`. The peer reads them back with `eval()`; zooagg parses the text with Python's
own parser (`ast.parse`, which builds a tree and runs nothing) and accepts only literal nodes.
Unlike the engine's reader (`tables.parse_cell`, which maps `nan` to None as the reducers
expect), NaN stays a float NaN here: a notebook user sees the value the peer computed.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable
from typing import Any

import orjson

#: bare names a repr (or JSON) may hold
_NAMES: dict[str, Any] = {"nan": math.nan, "inf": math.inf, "None": None, "True": True, "False": False,
                          "null": None, "true": True, "false": False, "NaN": math.nan, "Infinity": math.inf}
#: `np.<name>` / `numpy.<name>` attributes that are values (np.nan, np.True_, ...)
_NUMPY_VALUES: dict[str, Any] = {"nan": math.nan, "NaN": math.nan, "inf": math.inf, "Inf": math.inf,
                                 "True_": True, "False_": False}
#: numpy scalar reprs `np.<type>(x)`: the Python type x becomes
_NUMPY_TYPES: dict[str, Callable[[Any], Any]] = {
    **{name: float for name in ("float64", "float32", "float16", "longdouble", "double", "single")},
    **{name: int for name in ("int64", "int32", "int16", "int8", "uint64", "uint32", "uint16", "uint8",
                              "intp", "uintp", "longlong", "ulonglong")},
    "bool_": bool, "bool": bool, "str_": str, "bytes_": bytes,
}
_NUMPY_MODULES = frozenset({"np", "numpy"})


def parse_literal(text: str) -> Any:
    """The value a cell's repr (or JSON) text stands for; ValueError if it is not a literal.

    >>> parse_literal("[1.5, nan, np.float64(2.0), {'a': None}]")
    [1.5, nan, 2.0, {'a': None}]
    >>> parse_literal("__import__('os')")
    Traceback (most recent call last):
    ...
    ValueError: not a literal: Call
    """
    try:
        return orjson.loads(text)  # most numeric lists are JSON too, and orjson is ~20x faster
    except orjson.JSONDecodeError:
        pass
    as_json = _json_of_repr(text)
    if as_json is not None:
        try:
            return orjson.loads(as_json)
        except orjson.JSONDecodeError:
            pass
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, MemoryError, RecursionError) as exc:
        raise ValueError(f"not a literal: {type(exc).__name__}") from exc
    try:
        return _value(tree.body)
    except RecursionError as exc:
        raise ValueError("not a literal: nested too deeply") from exc


#: in a repr with no `"` and no backslash, a string is `'...'` with nothing escaped inside
_REPR_TOKEN = re.compile(r"'[^']*'|\b(?:True|False|None)\b|[A-Za-z_]\w*|\(")
_JSON_WORDS = {"True": "true", "False": "false", "None": "null"}


def _json_of_repr(text: str) -> str | None:
    """The JSON for a repr of lists, dicts, strings, numbers, True/False/None (what the
    peer's detail and text cells hold), or None when the text has anything else (nan,
    numpy reprs, tuples, escapes): the common case in a few regex steps instead of a parse."""
    if '"' in text or "\\" in text:
        return None
    unsure = False

    def swap(match: re.Match[str]) -> str:
        nonlocal unsure
        token = match.group()
        if token[0] == "'":
            return f'"{token[1:-1]}"'
        if token in _JSON_WORDS:
            return _JSON_WORDS[token]
        unsure = True  # a name (nan, np.float64, ...) or a tuple: leave it to the parser
        return token

    converted = _REPR_TOKEN.sub(swap, text)
    return None if unsure else converted


def _value(node: ast.AST) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name) and node.id in _NAMES:
        return _NAMES[node.id]
    if isinstance(node, ast.List):
        return [_value(item) for item in node.elts]
    if isinstance(node, ast.Tuple):
        return tuple(_value(item) for item in node.elts)
    if isinstance(node, ast.Dict):
        return {None if key is None else _value(key): _value(value)
                for key, value in zip(node.keys, node.values, strict=True)}
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        operand = _value(node.operand)
        if isinstance(operand, int | float) and not isinstance(operand, bool):
            return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.Attribute) and _numpy_name(node) in _NUMPY_VALUES:
        return _NUMPY_VALUES[node.attr]
    if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords:
        convert = _NUMPY_TYPES.get(_numpy_name(node.func) or "")
        if convert is not None:
            return convert(_value(node.args[0]))
    raise ValueError(f"not a literal: {type(node).__name__}")


def _numpy_name(node: ast.AST) -> str | None:
    """`x` for the node `np.x` or `numpy.x`, else None."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in _NUMPY_MODULES:
        return node.attr
    return None


def parse_text_cell(text: str) -> Any:
    """A text cell's value: a parsed list, mapping or numpy scalar where it is one, else the text.

    >>> parse_text_cell("['a', 'b']"), parse_text_cell("just words"), parse_text_cell("[unclosed")
    (['a', 'b'], 'just words', '[unclosed')
    """
    start = text.lstrip()[:1]
    if start in ("[", "{", "(") or text.startswith(("np.", "numpy.")):
        try:
            return parse_literal(text)
        except ValueError:
            return text
    return text
