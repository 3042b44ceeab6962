"""Slider tasks: a number per classification; mean, median and variance per subject."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import ReduceError, Where
from ..registry import extractor, reducer
from ._common import first_annotation


@extractor("slider_extractor", task_types=("slider",), default_reducer="slider_reducer")
def slider_extractor(annotations: list[dict[str, Any]], classification: Any = None) -> dict[str, Any]:
    """`{"slider_value": v}` for the task's first annotation."""
    annotation = first_annotation(annotations)
    return {} if annotation is None else {"slider_value": annotation.get("value")}


@reducer("slider_reducer", vote_form="slider", consensus="slider")
def slider_reducer(extracts: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean, median and (population) variance of the slider values."""
    values = []
    for data in extracts:
        raw = data.get("slider_value")
        try:
            values.append(float(raw))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ReduceError("slider_value is not a number", where=Where(value=raw)) from None
    if not values:
        nan = math.nan
        return {"slider_mean": nan, "slider_median": nan, "slider_var": nan}
    # numpy's pairwise sums, so the figures match the peer's to the last bit
    array = np.asarray(values, dtype=float)
    return {
        "slider_mean": float(np.mean(array)),
        "slider_median": float(np.median(array)),
        "slider_var": float(np.var(array)),
    }
