"""Drawing tasks: shape clustering reducers (DBSCAN, HDBSCAN, OPTICS) for shape_extractor.

Each mark is a vector of its shape's parameters (`zooagg.clustering.SHAPE_PARAMS`). With
`metric_type: euclidean` shapes are compared in that parameter space (angles as arcs, see
`zooagg.clustering.shapes`) and a cluster is their mean (angles: circular mean). With
`metric_type: IoU` (rectangle, rotateRectangle, circle, ellipse, triangle,
temporalRotateRectangle) the distance is 1 - intersection/union and the cluster is the
IoU-average shape, with its `_clusters_sigma` (see `zooagg.clustering.iou`).
`symmetric: true` first maps shapes that look alike onto one parameter vector.

Output per frame and tool: `<tool>_<shape>_<param>` (all marks), `<tool>_cluster_labels`
(HDBSCAN: `_cluster_probabilities`), `<tool>_clusters_count`, `<tool>_clusters_<param>`.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from ..clustering.iou import iou_average, iou_distance
from ..clustering.shapes import SHAPE_PARAMS, normalise_shape, shape_metric_and_average
from ..clustering.wrappers import cluster_ids, run_dbscan, run_hdbscan, run_optics
from ..errors import ConfigError
from ..registry import Param, count, distance, reducer
from .drawing_details_reduce import reduce_details
from .drawing_reduce import DETAILS, frames_of, natural, ranges_as_left_edges, unify_front_ends

_TOOL = re.compile(r"(T[0-9]+)_(tool(?:Index)?[0-9]+)")

SHAPE_COMMON = {
    "shape": Param(str, None, "the shape tool the marks were drawn with (required)", tuple(SHAPE_PARAMS)),
    "symmetric": Param(bool, False, "treat shapes that look the same as the same (e.g. ellipse at 0 and 180 degrees)"),
    "metric_type": Param(str, "euclidean", "euclidean (shape parameters) or IoU (overlap)"),
    "estimate_average": Param(bool, False, "IoU: take the most central member as the average (faster)"),
    "eps_t": distance(0.5, "IoU on temporal shapes: width of each shape's time window"),
    "details": DETAILS,
}
SHAPE_DBSCAN = {
    "eps": distance(5.0, "DBSCAN: the largest distance between two neighbours"),
    "min_samples": count(3, "DBSCAN: neighbours a core point needs (itself included)"),
    "algorithm": Param(str, "auto", "nearest-neighbour algorithm"),
    "leaf_size": count(30, "leaf size of the ball or kd tree"),
    "p": Param(float, None, "power of the Minkowski metric"),
}
SHAPE_HDBSCAN = {
    "min_cluster_size": count(5, "HDBSCAN: the smallest cluster", at_least=2),
    "min_samples": count(3, "HDBSCAN: neighbours a core point needs"),
    "algorithm": Param(str, "auto", "HDBSCAN: tree algorithm"),
    "leaf_size": count(40, "leaf size of the tree"),
    "cluster_selection_method": Param(str, "eom", "eom (excess of mass) or leaf", ("eom", "leaf")),
    "allow_single_cluster": Param(bool, False, "allow one cluster holding every shape"),
}
SHAPE_OPTICS = {
    "min_samples": count(3, "OPTICS: neighbours a core point needs", at_least=2),
    "min_cluster_size": count(2, "OPTICS: the smallest cluster", at_least=2),
    "xi": Param(float, 0.15, "OPTICS: steepness that separates clusters", at_least=0, at_most=1),
    "algorithm": Param(str, "auto", "nearest-neighbour algorithm"),
    "leaf_size": count(30, "leaf size of the tree"),
    "p": Param(float, 2, "power of the Minkowski metric"),
}


def shape_tool(key: str) -> str:
    found = _TOOL.search(key)
    return "_".join(found.groups()) if found else key.rsplit("_", 1)[0]


def group_shapes(extracts: list[dict[str, Any]], shape: str, symmetric: bool) -> dict[str, dict[str, list[Any]]]:
    params = SHAPE_PARAMS[shape]
    grouped: dict[str, dict[str, list[Any]]] = {}
    extracts = unify_front_ends(extracts)
    if shape == "column":
        extracts = ranges_as_left_edges(extracts)
    for frame in frames_of(extracts):
        in_frame = [d[frame] for d in extracts if isinstance(d.get(frame), dict)]
        tools = sorted({shape_tool(k) for f in in_frame for k in f}, key=natural)
        grouped[frame] = {}
        for tool in tools:
            rows: list[Any] = []
            for f in in_frame:
                columns = [f.get(f"{tool}_{p}") for p in params]
                if all(isinstance(c, list) for c in columns):
                    found = list(zip(*columns, strict=False))
                    rows += [normalise_shape(shape, r) for r in found] if symmetric else found
            grouped[frame][tool] = rows
    return grouped


def _check(shape: str | None, metric_type: str) -> tuple[str, str]:
    if shape not in SHAPE_PARAMS:
        raise ConfigError(f"shape must be one of {', '.join(SHAPE_PARAMS)}; got {shape!r}",
                          hint="add `shape: rectangle` (for example) to the reducer config")
    kind = metric_type.lower()
    if kind not in ("euclidean", "iou"):
        raise ConfigError(f"metric_type must be euclidean or IoU; got {metric_type!r}",
                          hint="set metric_type: euclidean or metric_type: IoU")
    return shape, kind


def cluster_shapes(extracts: list[dict[str, Any]], how: str, options: dict[str, Any], *,
                   shape: str | None, symmetric: bool, metric_type: str, estimate_average: bool,
                   eps_t: float | None, details: dict[str, Any] | None, user_ids: list[Any] | None) -> dict[str, Any]:
    shape, kind = _check(shape, metric_type)
    params = SHAPE_PARAMS[shape]
    if kind == "euclidean":
        metric, average = shape_metric_and_average(shape, symmetric)
        options = {**options, "metric": metric}
    else:
        options = {**options, "metric": iou_distance, "metric_params": {"shape": shape, "eps_t": eps_t}}
    result: dict[str, Any] = {}
    for frame, tools in group_shapes(extracts, shape, symmetric).items():
        out = result[frame] = {}
        for tool, rows in tools.items():
            loc = np.array(rows) if rows else np.empty((0, len(params)))
            loc = loc.reshape(-1, len(params))
            for i, param in enumerate(params):
                out[f"{tool}_{shape}_{param}"] = loc[:, i].tolist()
            if how == "hdbscan":
                labels, probabilities = run_hdbscan(loc, **options)
                out[f"{tool}_cluster_labels"] = labels.tolist()
                out[f"{tool}_cluster_probabilities"] = probabilities.tolist()
            else:
                labels = (run_optics if how == "optics" else run_dbscan)(loc, **options)
                out[f"{tool}_cluster_labels"] = labels.tolist()
            for k in cluster_ids(labels):
                member = labels == k
                out.setdefault(f"{tool}_clusters_count", []).append(int(member.sum()))
                if kind == "euclidean":
                    centre = list(average(loc[member]))
                else:
                    centre, sigma = iou_average(loc[member], shape, eps_t, estimate=estimate_average)
                    out.setdefault(f"{tool}_clusters_sigma", []).append(float(sigma))
                for i, param in enumerate(params):
                    out.setdefault(f"{tool}_clusters_{param}", []).append(float(centre[i]))
    if details:
        reduce_details(result, extracts, details, user_ids or [None] * len(extracts))
    return result


def _split(kwargs: dict[str, Any], table: dict[str, Param]) -> dict[str, Any]:
    return {k: kwargs.get(k, p.default) for k, p in table.items()}


@reducer("shape_reducer_dbscan", params={**SHAPE_COMMON, **SHAPE_DBSCAN}, wants=("user_ids",))
def shape_reducer_dbscan(extracts: list[dict[str, Any]], *, user_ids: list[Any] | None = None,
                         shape: str | None = None, symmetric: bool = False, metric_type: str = "euclidean",
                         estimate_average: bool = False, eps_t: float = 0.5,
                         details: dict[str, Any] | None = None, **dbscan: Any) -> dict[str, Any]:
    """Cluster shapes per frame and tool with DBSCAN (euclidean or IoU distance)."""
    return cluster_shapes(extracts, "dbscan", _split(dbscan, SHAPE_DBSCAN), shape=shape, symmetric=symmetric,
                          metric_type=metric_type, estimate_average=estimate_average, eps_t=eps_t,
                          details=details, user_ids=user_ids)


@reducer("shape_reducer_hdbscan", params={**SHAPE_COMMON, **SHAPE_HDBSCAN}, wants=("user_ids",),
         reads=("shape_extractor",))
def shape_reducer_hdbscan(extracts: list[dict[str, Any]], *, user_ids: list[Any] | None = None,
                          shape: str | None = None, symmetric: bool = False, metric_type: str = "euclidean",
                          estimate_average: bool = False, eps_t: float = 0.5,
                          details: dict[str, Any] | None = None, **hdbscan: Any) -> dict[str, Any]:
    """Cluster shapes per frame and tool with HDBSCAN; adds `_cluster_probabilities`."""
    return cluster_shapes(extracts, "hdbscan", _split(hdbscan, SHAPE_HDBSCAN), shape=shape, symmetric=symmetric,
                          metric_type=metric_type, estimate_average=estimate_average, eps_t=eps_t,
                          details=details, user_ids=user_ids)


@reducer("shape_reducer_optics", params={**SHAPE_COMMON, **SHAPE_OPTICS}, wants=("user_ids",),
         reads=("shape_extractor",))
def shape_reducer_optics(extracts: list[dict[str, Any]], *, user_ids: list[Any] | None = None,
                         shape: str | None = None, symmetric: bool = False, metric_type: str = "euclidean",
                         estimate_average: bool = False, eps_t: float = 0.5,
                         details: dict[str, Any] | None = None, **optics: Any) -> dict[str, Any]:
    """Cluster shapes per frame and tool with OPTICS (xi method)."""
    return cluster_shapes(extracts, "optics", _split(optics, SHAPE_OPTICS), shape=shape, symmetric=symmetric,
                          metric_type=metric_type, estimate_average=estimate_average, eps_t=eps_t,
                          details=details, user_ids=user_ids)
