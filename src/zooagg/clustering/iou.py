"""Intersection-over-union distance between drawn shapes, and the IoU-average of a cluster.

The distance between shapes A and B is 1 - |A ∩ B| / |A ∪ B|: 0 for identical shapes,
1 for shapes that do not overlap (infinite when neither has an area). For temporal shapes
each shape also spans a time window of width eps_t ending at its displayTime; the overlap
is the spatial overlap times the overlap in time and the union is (|A| + |B|)·eps_t minus
that overlap.

The average of a cluster is the shape minimising the sum of squared IoU distances to its
members, searched with scipy's DIRECT global optimiser inside the bounding box of the
members' union; sigma = sqrt(min / max(N - 1, 1)). With `estimate=True` the member with
the smallest sum of squared distances to the others is taken instead (much faster).
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np

IOU_SHAPES = ("rectangle", "rotateRectangle", "temporalRotateRectangle", "circle", "ellipse", "triangle")


def geometry(params: Any, shape: str) -> Any:
    """A shapely geometry for a shape's parameters (as the front end defines them)."""
    return _geometry(tuple(float(p) for p in params), shape)


@lru_cache(maxsize=256)
def _geometry(p: tuple[float, ...], shape: str) -> Any:
    from shapely import affinity
    from shapely import geometry as geo

    if shape == "rectangle":
        x, y, w, h = p
        return geo.box(x, y, x + w, y + h)
    if shape == "rotateRectangle":
        x, y, w, h, angle = p
        return affinity.rotate(geo.box(x, y, x + w, y + h), angle)
    if shape == "temporalRotateRectangle":
        xc, yc, w, h, angle, _ = p
        x, y = xc - 0.5 * w, yc - 0.5 * h
        return affinity.rotate(geo.box(x, y, x + w, y + h), angle)
    if shape == "circle":
        x, y, r = p
        return geo.Point(x, y).buffer(r)
    if shape == "ellipse":
        x, y, rx, ry, angle = p
        unit = geo.Point(x, y).buffer(1)
        return affinity.rotate(affinity.scale(unit, rx, ry), -angle)
    if shape == "triangle":
        x, y, r, angle = p
        half = r * np.sqrt(3) / 2
        corners = geo.Polygon([[0, -r], [half, r / 2], [-half, r / 2]])
        turned = affinity.rotate(corners, -angle, origin=(0, 0))
        return affinity.translate(turned, xoff=x, yoff=y)
    raise ValueError(f"the IoU metric supports {', '.join(IOU_SHAPES)}; not {shape!r}")


def _time_window(t: float, eps_t: float) -> Any:
    return _geometry((t - eps_t, 0.0, eps_t, 1.0), "rectangle")


def iou_distance(a: Any, b: Any, shape: str, eps_t: float | None = None) -> float:
    """1 - intersection / union of two shapes (see the module docstring)."""
    ga, gb = geometry(a, shape), geometry(b, shape)
    overlap = ga.intersection(gb).area if ga.intersects(gb) else 0
    if "temporal" in shape:
        width = float(eps_t or 0.0)
        ta, tb = _time_window(float(a[-1]), width), _time_window(float(b[-1]), width)
        overlap *= ta.intersection(tb).area if ta.intersects(tb) else 0
        union = (ga.area + gb.area) * width - overlap
    else:
        union = ga.union(gb).area
    if union == 0:
        return math.inf
    return float(1 - overlap / union)


def _search_bounds(rows: np.ndarray, shape: str) -> list[tuple[float, float]]:
    from shapely import union_all

    hull = union_all([geometry(r, shape) for r in rows])
    x0, y0, x1, y1 = hull.bounds
    dx, dy = x1 - x0, y1 - y0
    bounds = [(x0, x1), (y0, y1)]
    if shape in ("rectangle", "rotateRectangle", "temporalRotateRectangle", "ellipse"):
        bounds += [(1, dx), (1, dy)]
        if shape != "rectangle":
            bounds.append((0, 180))
    elif shape in ("circle", "triangle"):
        bounds.append((1, max(dx, dy)))
        if shape == "triangle":
            bounds.append((0, 120))
    if "temporal" in shape:
        bounds.append((0, 1))
    return bounds


def iou_average(rows: np.ndarray, shape: str, eps_t: float | None = None,
                estimate: bool = False) -> tuple[list[float], float]:
    """The IoU-average shape of a cluster and its sigma (see the module docstring)."""
    n = len(rows)
    if estimate:
        dist = np.zeros((n, n))
        for i in range(n):
            for j in range(i + 1, n):
                dist[i, j] = dist[j, i] = iou_distance(rows[i], rows[j], shape, eps_t)
        spread = np.sum(dist**2, axis=1)
        best = int(np.argmin(spread))
        return [float(v) for v in rows[best]], float(np.sqrt(spread[best] / max(n - 1, 1)))
    return _iou_optimum(rows, shape, eps_t)


def _iou_optimum(rows: np.ndarray, shape: str, eps_t: float | None) -> tuple[list[float], float]:
    import shapely
    from scipy.optimize import direct

    members = [geometry(r, shape) for r in rows]
    temporal = "temporal" in shape
    width = float(eps_t or 0.0)
    if temporal:
        windows = [_time_window(float(r[-1]), width) for r in rows]
        areas = np.array([g.area for g in members])

    def spread(candidate: np.ndarray) -> float:
        g = geometry(candidate, shape)
        overlaps = np.array([x.area for x in shapely.intersection(g, members)])
        if temporal:
            window = _time_window(float(candidate[-1]), width)
            overlaps = overlaps * np.array([x.area for x in shapely.intersection(window, windows)])
            unions = (g.area + areas) * width - overlaps
        else:
            unions = np.array([x.area for x in shapely.union(g, members)])
        distances = np.array([1 - o / u if u > 0 else np.inf for o, u in zip(overlaps, unions, strict=True)])
        return float(np.sum(distances**2))

    found = direct(spread, bounds=_search_bounds(rows, shape), locally_biased=False)
    return [float(v) for v in found.x], float(np.sqrt(found.fun / max(len(rows) - 1, 1)))
