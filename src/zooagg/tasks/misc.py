"""Whole-classification extractors and the first-n reducers that consume them."""

from __future__ import annotations

from typing import Any

from ..registry import Param, extractor, reducer


@extractor("all_tasks_empty_extractor", default_reducer="first_n_true_reducer")
def all_tasks_empty_extractor(annotations: list[dict[str, Any]], classification: Any = None) -> dict[str, bool]:
    """`{"result": True}` when every annotation's value is null (or there are none)."""
    return {"result": all(a.get("value") is None for a in annotations)}


def _result(data: dict[str, Any]) -> bool:
    return bool(data.get("result", False))


N_PARAM = {"n": Param(int, 0, "how many of the first extracts must agree")}


@reducer("first_n_true_reducer", params=N_PARAM)
def first_n_true_reducer(extracts: list[dict[str, Any]], *, n: int = 0) -> dict[str, bool]:
    """True when there are at least n extracts and the first n all have result True."""
    return {"result": n > 0 and len(extracts) >= n and all(_result(d) for d in extracts[:n])}


@reducer("first_n_false_reducer", params=N_PARAM)
def first_n_false_reducer(extracts: list[dict[str, Any]], *, n: int = 0) -> dict[str, bool]:
    """True when there are at least n extracts and the first n all have result False."""
    return {"result": n > 0 and len(extracts) >= n and not any(_result(d) for d in extracts[:n])}
