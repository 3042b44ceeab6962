"""Shape parameters, symmetry normalisation and angle-aware metrics and averages.

A shape drawn in a Zooniverse front end is a short vector of numbers (`SHAPE_PARAMS`).
For shapes whose last parameter is an angle the euclidean distance treats the angle as
circular: with a rotational symmetry of order *k* the angle lives on a circle of
360/k degrees, and the distance between two angles is the shorter arc,

    d(a, b) = min(|a mod P - b mod P|, P - |a mod P - b mod P|),   P = 360 / k.

The average angle of a cluster is the point on that circle minimising the sum of squared
arc distances (the Fréchet mean), found by bounded scalar minimisation and rounded to
three decimals.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

#: the numbers that define each shape tool, in the order the front end writes them
SHAPE_PARAMS: dict[str, tuple[str, ...]] = {
    "circle": ("x", "y", "r"),
    "column": ("x", "width"),
    "ellipse": ("x", "y", "rx", "ry", "angle"),
    "fullWidthLine": ("y",),
    "fullHeightLine": ("x",),
    "line": ("x1", "y1", "x2", "y2"),
    "point": ("x", "y"),
    "rectangle": ("x", "y", "width", "height"),
    "rotateRectangle": ("x", "y", "width", "height", "angle"),
    "triangle": ("x", "y", "r", "angle"),
    "fan": ("x", "y", "radius", "spread", "rotation"),
    "temporalRotateRectangle": ("x_center", "y_center", "width", "height", "angle", "displayTime"),
    "temporalPoint": ("x", "y", "displayTime"),
}

#: rotational symmetry order of shapes whose last parameter is an angle
_ANGLE_ORDER = {"ellipse": 1, "rotateRectangle": 1, "triangle": 1, "fan": 1}
_ANGLE_ORDER_SYMMETRIC = {"ellipse": 2, "rotateRectangle": 2, "triangle": 3, "fan": 1}

Params = tuple[float, ...]


def _ellipse(p: Params) -> Params:
    x, y, rx, ry, angle = p
    if ry <= rx:
        return (x, y, rx, ry, angle % 180)
    return (x, y, ry, rx, (angle - 90) % 180)


def _line(p: Params) -> Params:
    x1, y1, x2, y2 = p
    # one direction for both ends: left to right, then top to bottom
    keep = x1 < x2 or (x1 == x2 and y1 < y2)
    return (x1, y1, x2, y2) if keep else (x2, y2, x1, y1)


def _rotate_rectangle(p: Params) -> Params:
    x, y, width, height, angle = p
    if height <= width:
        return (x, y, width, height, angle % 180)
    # swap the sides: the corner moves so that the centre stays put
    shift = (height - width) / 2
    return (x - shift, y + shift, height, width, (angle - 90) % 180)


def _triangle(p: Params) -> Params:
    x, y, r, angle = p
    return (x, y, r, angle % 120)


_NORMALISE: dict[str, Callable[[Params], Params]] = {
    "ellipse": _ellipse,
    "line": _line,
    "rotateRectangle": _rotate_rectangle,
    "triangle": _triangle,
}


def normalise_shape(shape: str, params: Params) -> Params:
    """One canonical parameter vector for shapes that look the same (e.g. an ellipse at 0 and 180 degrees)."""
    fix = _NORMALISE.get(shape)
    return fix(params) if fix else params


def angle_distance(a: float, b: float, order: int = 1) -> float:
    period = 360 / order
    gap = abs(a % period - b % period)
    return min(period - gap, gap)


def _angle_metric(order: int) -> Callable[[np.ndarray, np.ndarray], float]:
    def distance(a: np.ndarray, b: np.ndarray) -> float:
        diff = a - b
        diff[-1] = angle_distance(a[-1], b[-1], order)
        return float(np.linalg.norm(diff))

    return distance


def mean_angle(angles: Sequence[float] | np.ndarray, order: int = 1) -> float:
    """The Fréchet mean of angles on a circle of 360/order degrees, rounded to 3 decimals."""
    from scipy.optimize import minimize_scalar

    period = 360 / order

    def spread(centre: float) -> float:
        return sum(angle_distance(centre, a, order) ** 2 for a in angles)

    best = minimize_scalar(spread, bounds=(0, period), method="bounded")
    return float(np.round(best.x, 3) % period)


def _angle_average(order: int) -> Callable[[np.ndarray], np.ndarray]:
    def average(rows: np.ndarray) -> np.ndarray:
        out = rows.mean(axis=0)
        out[-1] = mean_angle(rows[:, -1], order)
        return out

    return average


def _plain_average(rows: np.ndarray) -> np.ndarray:
    return rows.mean(axis=0)


def shape_metric_and_average(shape: str, symmetric: bool = False) -> tuple[Any, Callable[[np.ndarray], np.ndarray]]:
    """The DBSCAN metric (a callable for angled shapes, else "euclidean") and the cluster average."""
    order = (_ANGLE_ORDER_SYMMETRIC if symmetric else _ANGLE_ORDER).get(shape)
    if order is None:
        return "euclidean", _plain_average
    return _angle_metric(order), _angle_average(order)
