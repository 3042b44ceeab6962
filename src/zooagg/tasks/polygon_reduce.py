"""Drawing tasks: polygon, freehand-line and Bézier marks clustered by their overlap.

Each mark (`<tool>_pathX` / `<tool>_pathY` from polygon_extractor or bezier_extractor) is
closed into a shapely polygon; a self-intersecting outline is repaired with `buffer(0)` and
its largest piece kept. The distance between polygons A and B is the IoU distance

    d(A, B) = 1 - |A ∩ B| / |A ∪ B|

(0 for identical outlines, 1 when they do not overlap or either is not simple), and marks
from the same classification are infinitely far apart, so a volunteer never agrees with
themself. DBSCAN runs on the precomputed distance matrix. For each cluster:

- `consensus` = 1 - the mean pairwise distance of its members (a distance of ∞ counts as 1);
- `threshold` = members / classifications of the subject (clusters at or under
  `min_threshold` are left out);
- the averaged outline (`clusters_x`, `clusters_y`), by `average_type`: `median` (the member
  with the smallest summed distance to the others), `union` (the largest connected piece of
  the union, holes filled), `intersection`, or `last` (the member drawn last).

`polygon_reducer_contours` writes, per cluster, the "agreement contours": contour *i* is
the largest connected area that at least *i* volunteers outlined (exact polygon overlay). The
peer's `rasterisation`/`rasterization`, `num_grid_points` and `smoothing` are accepted and
checked but change nothing: the exact overlay is what a rasterised grid approximates (within one
grid cell), and the peer's own reducer drops these parameters before they reach it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import numpy as np

from ..clustering.wrappers import cluster_ids
from ..errors import ConfigError
from ..registry import Param, count, distance, reducer
from .drawing_reduce import unify_front_ends

POLYGON_PARAMS = {
    "min_samples": count(2, "DBSCAN: neighbours a core polygon needs (itself included)"),
    "eps": distance(0.5, "DBSCAN: the largest IoU distance between two neighbours"),
    "average_type": Param(str, "median", "how a cluster is averaged",
                          ("median", "union", "intersection", "last")),
    "collab": Param(bool, False, "also write the consensus outlines as front-end annotations (`data`)"),
    "step_key": Param(str, "S0", "collab: the step key of the annotations"),
    "task_index": Param(int, 0, "collab: the task index of the annotations"),
    "tool_type": Param(str, "freehandLine", "collab: the tool type of the annotations"),
    "min_threshold": Param(float, 0, "leave out clusters whose share of classifications is at or below this"),
}
CONTOUR_PARAMS = {
    "min_samples": count(2, "DBSCAN: neighbours a core polygon needs (itself included)"),
    "eps": distance(0.5, "DBSCAN: the largest IoU distance between two neighbours"),
}
_EXACT = ("the contours are always the exact overlay, which the peer's rasterisation approximates; "
          "accepted so the peer's configs and query strings work (its reducer drops it too)")
#: the peer's rasterisation settings: accepted and checked, never needed (docs/differences.md)
RASTER_PARAMS = {
    "rasterisation": Param(str, "auto", f"auto, true or false: {_EXACT}"),
    "rasterization": Param(str, "auto", "the same as rasterisation"),
    "num_grid_points": Param(int, 100, f"grid points per axis when rasterising: {_EXACT}"),
    "smoothing": Param(str, "minimal_sides", f"smoothing of rasterised contours: {_EXACT}",
                       ("minimal_sides", "rounded", "no_smoothing")),
}
_RASTER_CHOICES = {"auto", "true", "false", "1", "0", "yes", "no"}

Member = tuple[Any, int]  # (shapely polygon, index of its classification)


def as_polygon(xs: Any, ys: Any) -> Any | None:
    """A closed, simple shapely polygon for one outline, or None when it has no area to speak of."""
    import shapely

    try:
        coords = np.array([xs, ys], dtype=float).T
        polygon = shapely.Polygon(coords)
    except (TypeError, ValueError, shapely.errors.GEOSException):
        return None  # fewer than 3 points or non-numeric: the extractor counted it as a reject
    if not shapely.is_simple(polygon):
        polygon = polygon.buffer(0)
    if hasattr(polygon, "geoms"):
        pieces = list(polygon.geoms)
        polygon = pieces[int(np.argmax([p.area for p in pieces]))] if pieces else None
    return polygon if isinstance(polygon, shapely.Polygon) else None


def tool_names(frame: dict[str, Any]) -> set[str]:
    return {k.rsplit("_", 1)[0] for k in frame if "_" in k} - {"gold"}


def group_polygons(extracts: list[dict[str, Any]]) -> dict[str, dict[str, list[Member]]]:
    """{frame: {tool: [(polygon, classification index), ...]}}, frames and tools sorted."""
    grouped: dict[str, dict[str, list[Member]]] = {}
    extracts = unify_front_ends(extracts)
    frames = sorted({k for d in extracts for k, v in d.items() if k.startswith("frame") and isinstance(v, dict)})
    for frame in frames:
        in_frame = [(i, d[frame]) for i, d in enumerate(extracts) if isinstance(d.get(frame), dict)]
        tools = sorted(set().union(*(tool_names(f) for _, f in in_frame)))
        grouped[frame] = {}
        for tool in tools:
            members: list[Member] = []
            for index, f in in_frame:
                xs, ys = f.get(f"{tool}_pathX"), f.get(f"{tool}_pathY")
                if isinstance(xs, list) and isinstance(ys, list):
                    for x, y in zip(xs, ys, strict=False):
                        polygon = as_polygon(x, y)
                        if polygon is not None:
                            members.append((polygon, index))
            grouped[frame][tool] = members
    return grouped


def iou_polygon_distance(a: Member, b: Member) -> float:
    """The IoU distance of the module docstring (∞ between marks of one classification)."""
    (pa, ca), (pb, cb) = a, b
    if ca == cb:
        return np.inf
    if not (pa.intersects(pb) and pa.is_simple and pb.is_simple):
        return 1.0
    return float(1 - pa.intersection(pb).area / pa.union(pb).area)


def distance_matrix(members: list[Member]) -> np.ndarray:
    n = len(members)
    dist = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            dist[i, j] = dist[j, i] = iou_polygon_distance(members[i], members[j])
    return dist


def dbscan_labels(dist: np.ndarray, eps: float, min_samples: int) -> np.ndarray:
    if len(dist) < min_samples:
        return np.full(len(dist), -1)
    from sklearn.cluster import DBSCAN

    # scikit-learn refuses ∞ in a precomputed matrix; the largest float is as far for any eps
    finite = np.where(np.isinf(dist), np.finfo(float).max, dist)
    return DBSCAN(eps=eps, min_samples=min_samples, metric="precomputed").fit(finite).labels_


def consensus_of(dist: np.ndarray) -> float:
    n = len(dist)
    if n < 2:
        return 1.0
    pairs = np.minimum(dist[np.triu_indices(n, 1)], 1.0)
    return float(1 - pairs.mean())


def largest_piece(shape: Any) -> Any:
    """The largest polygon of a multi-part shape (the shape itself when it is one polygon)."""
    if not hasattr(shape, "geoms"):
        return shape
    pieces = [g for g in shape.geoms if g.geom_type == "Polygon"]
    return pieces[int(np.argmax([p.area for p in pieces]))] if pieces else None


def unify(polygons: list[Any]) -> Any:
    """The largest connected piece of the union, with its holes filled."""
    import shapely

    union = largest_piece(shapely.unary_union(polygons))
    if union is None:
        return None
    for hole in union.interiors:
        union = union.union(shapely.Polygon(hole))
    return union.buffer(0)


def _when(text: Any) -> datetime:
    value = str(text)
    for layout in ("%Y-%m-%d %H:%M:%S UTC", "%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%SZ"):
        try:
            return datetime.strptime(value, layout)
        except ValueError:
            continue
    return datetime.fromisoformat(value)


def average_median(polygons: list[Any], dist: np.ndarray, created: list[Any]) -> Any:
    return polygons[int(np.argmin(np.minimum(dist, 1.0).sum(axis=0)))]


def average_union(polygons: list[Any], dist: np.ndarray, created: list[Any]) -> Any:
    return polygons[0] if len(polygons) == 1 else unify(polygons)


def average_intersection(polygons: list[Any], dist: np.ndarray, created: list[Any]) -> Any:
    shape = polygons[0]
    for polygon in polygons[1:]:
        shape = shape.intersection(polygon)
    return largest_piece(shape)


def average_last(polygons: list[Any], dist: np.ndarray, created: list[Any]) -> Any:
    times = [_when(c) for c in created]
    return polygons[times.index(max(times))]  # the first of equal latest times, as argmax


AVERAGES: dict[str, Callable[[list[Any], np.ndarray, list[Any]], Any]] = {
    "median": average_median, "union": average_union,
    "intersection": average_intersection, "last": average_last,
}


def outline(shape: Any) -> tuple[list[float], list[float]]:
    """Exterior x and y of a polygon ([] and [] when it is empty or has no area)."""
    if shape is None or shape.is_empty or shape.area == 0:
        return [], []
    xy = np.array(shape.exterior.coords)
    return xy[:, 0].tolist(), xy[:, 1].tolist()


def _annotation(tool: str, frame: str, xs: list[float], ys: list[float], count: int,
                step_key: str, task_index: int, tool_type: str) -> dict[str, Any]:
    split = "_toolIndex" if "toolIndex" in tool else "_tool"
    task_key, tool_index = tool.split(split, 1)
    return {"stepKey": step_key, "taskIndex": task_index, "taskKey": task_key, "taskType": "drawing",
            "toolIndex": int(tool_index), "frame": int(frame.removeprefix("frame")),
            "markID": f"consensus_{count}", "toolType": tool_type, "pathX": xs, "pathY": ys}


@reducer("polygon_reducer", params=POLYGON_PARAMS, wants=("created_at",))
def polygon_reducer(extracts: list[dict[str, Any]], *, created_at: list[Any] | None = None,
                    **options: Any) -> dict[str, Any]:
    """Cluster polygon, freehand and Bézier outlines with DBSCAN on the IoU distance; average each cluster."""
    opts = {k: options.get(k, p.default) for k, p in POLYGON_PARAMS.items()}
    average = AVERAGES.get(opts["average_type"])
    if average is None:
        raise ConfigError(f"average_type must be one of {', '.join(AVERAGES)}; got {opts['average_type']!r}",
                          hint="set average_type: median (or union, intersection, last)")
    created = created_at or [""] * len(extracts)
    min_samples = max(1, opts["min_samples"])
    result: dict[str, Any] = {}
    thresholds: list[float] = []
    annotations: list[dict[str, Any]] = []
    for frame, tools in group_polygons(extracts).items():
        out = result[frame] = {}
        for tool, members in tools.items():
            dist = distance_matrix(members)
            labels = dbscan_labels(dist, opts["eps"], min_samples)
            out[f"{tool}_cluster_labels"] = labels.tolist()
            for k in cluster_ids(labels):
                inside = np.flatnonzero(labels == k)
                sub = dist[np.ix_(inside, inside)]
                threshold = len(inside) / len(extracts)
                if not threshold > opts["min_threshold"]:
                    continue
                shape = average([members[i][0] for i in inside], sub, [created[members[i][1]] for i in inside])
                xs, ys = outline(shape)
                out.setdefault(f"{tool}_clusters_count", []).append(len(inside))
                thresholds.append(threshold)
                out.setdefault(f"{tool}_clusters_x", []).append(xs)
                out.setdefault(f"{tool}_clusters_y", []).append(ys)
                out.setdefault(f"{tool}_consensus", []).append(consensus_of(sub))
                if opts["collab"]:
                    annotations.append(_annotation(tool, frame, xs, ys, len(annotations), opts["step_key"],
                                                   opts["task_index"], opts["tool_type"]))
    if annotations:
        result["data"] = annotations
    if thresholds:
        result["threshold"] = thresholds
    return {**dict(sorted(result.items())), "parameters": opts}


def agreement_contours(polygons: list[Any], most: int = 10) -> list[Any]:
    """Contour i (from 1, at most `most`): the largest connected area inside at least i polygons.

    Exact overlay: the outlines are noded into faces, each face is counted by how many
    polygons hold a point inside it, and the faces held by at least i are merged.
    """
    import shapely

    pieces = [p.buffer(0) for p in polygons]
    faces = list(shapely.polygonize([shapely.unary_union([p.boundary for p in pieces])]).geoms)
    inside = [shapely.Point(f.representative_point()) for f in faces]
    depth = np.array([sum(p.contains(pt) for p in pieces) for pt in inside], dtype=int)
    contours = [unify(pieces)]
    for level in range(2, min(len(pieces), most) + 1):
        held = [f for f, d in zip(faces, depth, strict=True) if d >= level]
        if not held:
            break
        contours.append(unify(held))
    return contours


def _check_raster(options: dict[str, Any]) -> None:
    for key in ("rasterisation", "rasterization"):
        value = str(options.get(key, "auto")).lower()
        if value not in _RASTER_CHOICES:
            raise ConfigError(f"{key} must be auto, true or false; got {options[key]!r}",
                              hint=f"set {key}: auto (zooagg always gives the exact contours)")
    if options.get("num_grid_points", 100) < 2:
        raise ConfigError(f"num_grid_points must be at least 2; got {options['num_grid_points']!r}",
                          hint="leave it out: zooagg always gives the exact contours")


@reducer("polygon_reducer_contours", params={**CONTOUR_PARAMS, **RASTER_PARAMS}, reads=("polygon_extractor",))
def polygon_reducer_contours(extracts: list[dict[str, Any]], *, rasterisation: str = "auto",
                             rasterization: str = "auto", num_grid_points: int = 100,
                             smoothing: str = "minimal_sides", **options: Any) -> list[dict[str, Any]]:
    """One row per polygon cluster with its agreement contours (see the module docstring)."""
    _check_raster({"rasterisation": rasterisation, "rasterization": rasterization,
                   "num_grid_points": num_grid_points, "smoothing": smoothing})
    opts = {k: options.get(k, p.default) for k, p in CONTOUR_PARAMS.items()}
    rows: list[dict[str, Any]] = []
    for frame, tools in group_polygons(extracts).items():
        for tool, members in tools.items():
            dist = distance_matrix(members)
            labels = dbscan_labels(dist, opts["eps"], max(1, opts["min_samples"]))
            found = cluster_ids(labels)
            if not found:
                rows.append({frame: {f"{tool}_cluster_labels": labels.tolist()}, "parameters": opts})
            for k in found:
                inside = np.flatnonzero(labels == k)
                contours = agreement_contours([members[i][0] for i in inside])
                xy = [outline(c) for c in contours]
                rows.append({frame: {
                    f"{tool}_cluster_label_for_contours": k,
                    f"{tool}_number_of_contours": len(contours),
                    f"{tool}_contours_x": [x for x, _ in xy],
                    f"{tool}_contours_y": [y for _, y in xy],
                    f"{tool}_consensus": consensus_of(dist[np.ix_(inside, inside)]),
                    f"{tool}_cluster_labels": labels.tolist(),
                }, "parameters": opts})
    return rows
