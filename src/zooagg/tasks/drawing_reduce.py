"""Drawing tasks: point clustering reducers (DBSCAN, HDBSCAN, temporal points) and the
frame-less `point_reducer` and `rectangle_reducer`.

Per frame and tool, every point is listed (`<tool>_points_x`, ...), labelled
(`<tool>_cluster_labels`, -1 = noise) and each cluster summarised: its size, mean and
covariance (`_clusters_count`, `_clusters_x`, `_clusters_var_x`, `_clusters_var_x_y`, ...).
Clustering runs only when a tool has at least `min_samples` points (`min_cluster_size`
for HDBSCAN), as in the peer. HDBSCAN also gives membership probabilities, used as
weights for the covariance (the position is the plain mean, as in the peer).

Frames and tools are written in natural order (frame2 before frame10); the peer's order
follows Python's string hashing and changes from run to run.

A subject drawn on both front ends has classic extracts (`T0_tool0_x`) and FEM ones
(`T0_toolIndex0_x`) of the same tool; `unify_front_ends` renames the classic keys of such a
tool to the FEM ones, so the marks cluster together (the reader gave them one geometry).
FEM ranges (graph2dRangeX) keep their centre `x` from the reader, as the peer writes it; on a
subject that also has classic columns (left-edge `x`), `ranges_as_left_edges` converts them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ..clustering.wrappers import cluster_ids, run_dbscan, run_hdbscan
from ..registry import Param, count, distance, reducer
from .drawing_details import classifier_version
from .drawing_details_reduce import reduce_details

DBSCAN_PARAMS = {
    "eps": distance(5.0, "DBSCAN: the largest distance between two neighbours"),
    "min_samples": count(3, "DBSCAN: neighbours a core point needs (itself included)"),
    "metric": Param(str, "euclidean", "DBSCAN: distance metric"),
    "algorithm": Param(str, "auto", "nearest-neighbour algorithm", ("auto", "ball_tree", "kd_tree", "brute")),
    "leaf_size": count(30, "leaf size of the ball or kd tree"),
    "p": Param(float, None, "power of the Minkowski metric"),
}
HDBSCAN_PARAMS = {
    "min_cluster_size": count(5, "HDBSCAN: the smallest cluster", at_least=2),
    "min_samples": count(3, "HDBSCAN: neighbours a core point needs"),
    "metric": Param(str, "euclidean", "HDBSCAN: distance metric"),
    "algorithm": Param(str, "auto", "HDBSCAN: tree algorithm"),
    "leaf_size": count(40, "leaf size of the tree"),
    "cluster_selection_method": Param(str, "eom", "eom (excess of mass) or leaf", ("eom", "leaf")),
    "allow_single_cluster": Param(bool, False, "allow one cluster holding every point"),
}
DETAILS = Param(dict, None, "sub-task reducers per tool, e.g. {T0_tool0: [question_reducer]}")

Grouped = dict[str, dict[str, list[tuple[Any, ...]]]]


def natural(text: str) -> tuple[Any, ...]:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text))


def frames_of(extracts: list[dict[str, Any]]) -> list[str]:
    names = {k for d in extracts for k, v in d.items() if k.startswith("frame") and isinstance(v, dict)}
    return sorted(names, key=natural)


_FEM_TOOL = re.compile(r"^(.*)_toolIndex(\d+)_")
_CLASSIC_TOOL = re.compile(r"^(.*)_tool(\d+)_(.*)$")


def unify_front_ends(extracts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The extracts with `<task>_tool<n>_*` keys renamed `<task>_toolIndex<n>_*` where the subject
    also has FEM marks of that tool (top level and per frame); unchanged (the same list) when
    no key names a FEM tool, which is every classic-only subject."""
    fem = {(found[1], found[2]) for key in _all_keys(extracts) if "_toolIndex" in key
           and (found := _FEM_TOOL.match(key))}
    if not fem:
        return extracts
    return [_renamed(extract, fem) for extract in extracts]


def _all_keys(extracts: list[dict[str, Any]]) -> Iterator[str]:
    for extract in extracts:
        for key, value in extract.items():
            yield from value if isinstance(value, dict) else (key,)


def _renamed(mapping: dict[str, Any], fem: set[tuple[str, str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in mapping.items():
        found = _CLASSIC_TOOL.match(key)
        if found and found.group(1, 2) in fem:
            key = f"{found[1]}_toolIndex{found[2]}_{found[3]}"
        out[key] = _renamed(value, fem) if isinstance(value, dict) and key.startswith("frame") else value
    return out


def _is_fem(extract: dict[str, Any]) -> bool:
    """An extract of a FEM classification: the drawing extractors stamp `classifier_version` 2.x."""
    version = extract.get("classifier_version")
    return version is not None and classifier_version({"metadata": {"classifier_version": version}})[0] >= (2,)


def ranges_as_left_edges(extracts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Column extracts with each FEM range's `x` (graph2dRangeX: the centre of the range) moved to
    its left edge, `x - width / 2`, as a classic column writes it, for every frame and tool that
    also has classic column marks on this subject, so both front ends' ranges cluster together;
    the same list when no tool mixes them (a subject of one front end keeps its own `x`, the
    peer's numbers)."""
    fem: set[tuple[str, str]] = set()
    classic: set[tuple[str, str]] = set()
    for extract in extracts:
        into = fem if _is_fem(extract) else classic
        into.update((frame, key) for frame, value in extract.items() if isinstance(value, dict)
                    for key in value if key.endswith("_x"))
    mixed = fem & classic
    if not mixed:
        return extracts
    return [_shifted(extract, mixed) if _is_fem(extract) else extract for extract in extracts]


def _shifted(extract: dict[str, Any], mixed: set[tuple[str, str]]) -> dict[str, Any]:
    out = dict(extract)
    for frame, key in mixed:
        values = out.get(frame)
        widths = values.get(key[:-1] + "width") if isinstance(values, dict) else None
        if not (isinstance(values, dict) and isinstance(values.get(key), list) and isinstance(widths, list)):
            continue
        out[frame] = {**values, key: [x - w / 2 if _number(x) and _number(w) else x
                                      for x, w in zip(values[key], widths, strict=False)]}
    return out


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def tool_of_key(key: str) -> str:
    """`T0_tool1_x` -> `T0_tool1` (everything before the last underscore)."""
    return key.rsplit("_", 1)[0] if "_" in key else ""


def group_points(extracts: list[dict[str, Any]], dims: tuple[str, ...],
                 tool_of: Callable[[str], str] = tool_of_key) -> Grouped:
    """{frame: {tool: [(x, y, ...), ...]}} in extract order; tools seen without points get []."""
    grouped: Grouped = {}
    extracts = unify_front_ends(extracts)
    for frame in frames_of(extracts):
        in_frame = [d[frame] for d in extracts if isinstance(d.get(frame), dict)]
        tools = sorted({tool_of(k) for f in in_frame for k in f}, key=natural)
        grouped[frame] = {tool: gather(in_frame, tool, dims) for tool in tools}
    return grouped


def gather(frames: list[dict[str, Any]], tool: str, dims: tuple[str, ...]) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    for frame in frames:
        columns = [frame.get(f"{tool}_{d}") for d in dims]
        if all(isinstance(c, list) for c in columns):
            rows += list(zip(*columns, strict=False))
    return rows


def as_array(rows: list[tuple[Any, ...]], width: int) -> np.ndarray:
    """Rows with a null left out, as an (n, width) array (ints stay ints, as in the peer)."""
    clean = [r for r in rows if None not in r]
    return np.array(clean) if clean else np.empty((0, width))


def list_points(out: dict[str, Any], tool: str, loc: np.ndarray, dims: tuple[str, ...]) -> None:
    for i, dim in enumerate(dims):
        out[f"{tool}_points_{dim}"] = loc[:, i].tolist()


def summarise(out: dict[str, Any], tool: str, loc: np.ndarray, labels: np.ndarray, dims: tuple[str, ...],
              weights: np.ndarray | None = None) -> None:
    """Count, mean and (weighted) covariance of x and y for each cluster (no keys without one,
    as in the peer)."""
    clusters = cluster_ids(labels)
    if not clusters:
        return
    counts = out.setdefault(f"{tool}_clusters_count", [])
    centres = [out.setdefault(f"{tool}_clusters_{dim}", []) for dim in dims]
    spreads = [out.setdefault(f"{tool}_clusters_{name}", []) for name in ("var_x", "var_y", "var_x_y")]
    for k in clusters:
        member = labels == k
        rows = loc[member]
        counts.append(len(rows))
        for column, value in zip(centres, rows.mean(axis=0).tolist(), strict=True):
            column.append(float(value))
        cov: list[float | None] = [None, None, None]
        if weights is not None:
            matrix = np.cov(rows.T, aweights=weights[member])
            cov = [float(matrix[0, 0]), float(matrix[1, 1]), float(matrix[0, 1])]
        elif len(rows) > 1:
            cov = covariance_xy(rows)
        for column, value in zip(spreads, cov, strict=True):
            column.append(value)


def covariance_xy(rows: np.ndarray) -> list[float | None]:
    """var x, var y and cov x y of the first two columns: numpy.cov's own steps (so its very
    bits) without its argument checks, which cost more than the sums on a dozen points."""
    centred = np.array(rows.T, ndmin=2, dtype=np.result_type(rows, np.float64))
    centred -= centred.mean(axis=1)[:, None]
    matrix = np.dot(centred, centred.T.conj())
    matrix *= np.true_divide(1, centred.shape[1] - 1)
    return [float(matrix[0, 0]), float(matrix[1, 1]), float(matrix[0, 1])]


def temporal_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Squared distance between points with coordinates scaled by (displayTime + 1)."""
    ta, tb = a[2] + 1, b[2] + 1
    return float((a[0] * ta - b[0] * tb) ** 2 + (a[1] * ta - b[1] * tb) ** 2)


def cluster_points(extracts: list[dict[str, Any]], dims: tuple[str, ...], how: str,
                   options: dict[str, Any]) -> dict[str, Any]:
    """Per frame and tool: list, label and summarise the points (DBSCAN or HDBSCAN)."""
    result: dict[str, Any] = {}
    for frame, tools in group_points(extracts, dims).items():
        out = result[frame] = {}
        for tool, rows in tools.items():
            loc = as_array(rows, len(dims))
            list_points(out, tool, loc, dims)
            if how == "hdbscan":
                labels, probabilities = run_hdbscan(loc, **options)
                out[f"{tool}_cluster_labels"] = labels.tolist()
                out[f"{tool}_cluster_probabilities"] = probabilities.tolist()
                summarise(out, tool, loc, labels, dims, weights=probabilities)
            else:
                labels = run_dbscan(loc, **options)
                out[f"{tool}_cluster_labels"] = labels.tolist()
                summarise(out, tool, loc, labels, dims)
    return result


def _with_details(result: dict[str, Any], extracts: list[dict[str, Any]], details: dict[str, Any] | None,
                  user_ids: list[Any]) -> dict[str, Any]:
    if details:
        reduce_details(result, extracts, details, user_ids)
    return result


@reducer("point_reducer_dbscan", params={**DBSCAN_PARAMS, "details": DETAILS}, wants=("user_ids",))
def point_reducer_dbscan(extracts: list[dict[str, Any]], *, user_ids: list[Any] | None = None,
                         details: dict[str, Any] | None = None, **dbscan: Any) -> dict[str, Any]:
    """Cluster points per frame and tool with DBSCAN (from point_extractor_by_frame or shape_extractor point)."""
    options = {k: dbscan.get(k, p.default) for k, p in DBSCAN_PARAMS.items()}
    result = cluster_points(extracts, ("x", "y"), "dbscan", options)
    return _with_details(result, extracts, details, user_ids or [None] * len(extracts))


@reducer("point_reducer_hdbscan", params={**HDBSCAN_PARAMS, "details": DETAILS}, wants=("user_ids",),
         reads=("point_extractor_by_frame",))
def point_reducer_hdbscan(extracts: list[dict[str, Any]], *, user_ids: list[Any] | None = None,
                          details: dict[str, Any] | None = None, **hdbscan: Any) -> dict[str, Any]:
    """Cluster points per frame and tool with HDBSCAN; adds `_cluster_probabilities`."""
    options = {k: hdbscan.get(k, p.default) for k, p in HDBSCAN_PARAMS.items()}
    result = cluster_points(extracts, ("x", "y"), "hdbscan", options)
    return _with_details(result, extracts, details, user_ids or [None] * len(extracts))


TEMPORAL = ("x", "y", "displayTime")


@reducer("temporal_point_reducer_dbscan", params={**DBSCAN_PARAMS, "details": DETAILS}, wants=("user_ids",))
def temporal_point_reducer_dbscan(extracts: list[dict[str, Any]], *, user_ids: list[Any] | None = None,
                                  details: dict[str, Any] | None = None, **dbscan: Any) -> dict[str, Any]:
    """Cluster temporal points (shape_extractor temporalPoint) with DBSCAN.

    The distance is (x1·(t1+1) - x2·(t2+1))² + (y1·(t1+1) - y2·(t2+1))², t = displayTime
    (a squared distance, so `eps` is in squared units), as in the peer; `metric` is ignored.
    """
    options = {k: dbscan.get(k, p.default) for k, p in DBSCAN_PARAMS.items()}
    options["metric"] = temporal_distance
    result = cluster_points(extracts, TEMPORAL, "dbscan", options)
    return _with_details(result, extracts, details, user_ids or [None] * len(extracts))


@reducer("temporal_point_reducer_hdbscan",
         params={**HDBSCAN_PARAMS, "metric": Param(str, "auto", "ignored: the temporal distance is used"),
                 "details": DETAILS}, wants=("user_ids",))
def temporal_point_reducer_hdbscan(extracts: list[dict[str, Any]], *, user_ids: list[Any] | None = None,
                                   details: dict[str, Any] | None = None, **hdbscan: Any) -> dict[str, Any]:
    """Cluster temporal points with HDBSCAN and the temporal distance of temporal_point_reducer_dbscan."""
    options = {k: hdbscan.get(k, p.default) for k, p in HDBSCAN_PARAMS.items()}
    options["metric"] = temporal_distance
    result = cluster_points(extracts, TEMPORAL, "hdbscan", options)
    return _with_details(result, extracts, details, user_ids or [None] * len(extracts))


@reducer("point_reducer", params=DBSCAN_PARAMS)
def point_reducer(extracts: list[dict[str, Any]], **dbscan: Any) -> dict[str, Any]:
    """Cluster points of point_extractor (no frames, no sub-tasks) per tool with DBSCAN."""
    options = {k: dbscan.get(k, p.default) for k, p in DBSCAN_PARAMS.items()}
    extracts = unify_front_ends(extracts)
    tools = sorted({tool_of_key(k) for d in extracts for k in d}, key=natural)
    out: dict[str, Any] = {}
    for tool in tools:
        loc = as_array(gather(extracts, tool, ("x", "y")), 2)
        list_points(out, tool, loc, ("x", "y"))
        labels = run_dbscan(loc, **options)
        out[f"{tool}_cluster_labels"] = labels.tolist()
        summarise(out, tool, loc, labels, ("x", "y"))
    return out


RECTANGLE = ("x", "y", "width", "height")


@reducer("rectangle_reducer", params={**DBSCAN_PARAMS, "details": DETAILS}, wants=("user_ids",))
def rectangle_reducer(extracts: list[dict[str, Any]], *, user_ids: list[Any] | None = None,
                      details: dict[str, Any] | None = None, **dbscan: Any) -> dict[str, Any]:
    """Cluster rectangles (x, y, width, height) per frame and tool with DBSCAN; cluster = mean.

    Rectangle tags (`<tool>_tag`, from sw_graphic_extractor) are listed as `rec_tags`.
    """
    options = {k: dbscan.get(k, p.default) for k, p in DBSCAN_PARAMS.items()}
    result: dict[str, Any] = {}
    extracts = unify_front_ends(extracts)
    for frame in frames_of(extracts):
        in_frame = [d[frame] for d in extracts if isinstance(d.get(frame), dict)]
        tools = sorted({tool_of_key(k) for f in in_frame for k in f}, key=natural)
        out = result[frame] = {}
        tags = [t for tool in tools for f in in_frame for t in f.get(f"{tool}_tag", [])]
        if tags:
            out["rec_tags"] = tags
        for tool in tools:
            loc = as_array(gather(in_frame, tool, RECTANGLE), 4)
            for i, dim in enumerate(RECTANGLE):
                out[f"{tool}_rec_{dim}"] = loc[:, i].tolist()
            labels = run_dbscan(loc, **options)
            out[f"{tool}_cluster_labels"] = labels.tolist()
            for k in cluster_ids(labels):
                member = labels == k
                out.setdefault(f"{tool}_clusters_count", []).append(int(member.sum()))
                centre = loc[member].mean(axis=0)
                for i, dim in enumerate(RECTANGLE):
                    out.setdefault(f"{tool}_clusters_{dim}", []).append(float(centre[i]))
    return _with_details(result, extracts, details, user_ids or [None] * len(extracts))
