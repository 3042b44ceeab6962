"""Thin wrappers around scikit-learn's DBSCAN, HDBSCAN and OPTICS.

Each takes an (n, d) array and the estimator's keyword arguments and returns the labels
(-1 = noise) and, for HDBSCAN, the membership probabilities. They run only when there are
at least `min_samples` (DBSCAN, OPTICS) or `min_cluster_size` (HDBSCAN) rows; with fewer
every row is noise, which is what the peer reports.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np


def _drop_none(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in kwargs.items() if v is not None or k == "p"}


#: up to this many rows DBSCAN runs on a dense distance matrix here; above it, scikit-learn's
#: (whose per-call set-up, ~1-30 ms, dominates on the small sets one subject gives)
SMALL_DBSCAN = 2000


def run_dbscan(rows: np.ndarray, **kwargs: Any) -> np.ndarray:
    """DBSCAN labels; all -1 when there are fewer rows than min_samples."""
    if len(rows) < kwargs.get("min_samples", 5):
        return np.full(len(rows), -1)
    eps = float(kwargs.get("eps", 0.5))
    dense = _dense_distances(np.asarray(rows), kwargs, eps) if len(rows) <= SMALL_DBSCAN else None
    if dense is not None:
        distances, limit = dense
        return dbscan_labels(distances, limit, int(kwargs.get("min_samples", 5)))
    from sklearn.cluster import DBSCAN

    return DBSCAN(**_drop_none(kwargs)).fit(rows).labels_


def _dense_distances(rows: np.ndarray, kwargs: dict[str, Any], eps: float) -> tuple[np.ndarray, float] | None:
    """Pairwise distances for the metrics handled here, and the neighbour limit to compare them
    with (None: leave it to scikit-learn). Euclidean distances stay squared and meet eps**2, as
    scikit-learn's trees compare them: rounding then agrees to the last bit (checked on 20,000
    random sets with distances exactly at eps)."""
    metric = kwargs.get("metric", "euclidean")
    p = kwargs.get("p")
    if kwargs.get("metric_params") or kwargs.get("sample_weight") is not None:
        return None
    if metric == "precomputed":
        return rows.astype(float), eps
    points = rows.reshape(len(rows), -1).astype(float)
    if metric == "euclidean" or (metric == "minkowski" and p in (None, 2, 2.0)):
        difference = points[:, None, :] - points[None, :, :]
        return np.einsum("ijk,ijk->ij", difference, difference), eps * eps
    if callable(metric):
        size = len(points)
        matrix = np.zeros((size, size))
        for i in range(size):
            for j in range(i + 1, size):
                matrix[i, j] = matrix[j, i] = metric(points[i], points[j])
        return matrix, eps
    return None


def dbscan_labels(distances: np.ndarray, eps: float, min_samples: int) -> np.ndarray:
    """DBSCAN labels over a distance matrix (see `dbscan_core_labels`)."""
    return dbscan_core_labels(distances, eps, min_samples)[0]


def dbscan_core_labels(distances: np.ndarray, eps: float, min_samples: int) -> tuple[np.ndarray, np.ndarray]:
    """DBSCAN over a distance matrix, labelled as scikit-learn labels them, and the core mask.

    Neighbours are within `eps` inclusive (compare squared distances with eps**2); core points
    have at least `min_samples` neighbours, themselves included. Clusters are the connected
    groups of core points, numbered in the order of their lowest core point (scikit-learn's
    depth-first search starts from each unlabelled core point in index order), and a border
    point joins the lowest-numbered cluster among its core neighbours (the first to reach it).
    """
    neighbours = distances <= eps
    core = neighbours.sum(axis=1) >= min_samples
    labels = np.full(len(distances), -1)
    core_index = np.flatnonzero(core)
    if len(core_index) == 0:
        return labels, core
    labels[core_index] = _components(neighbours[np.ix_(core_index, core_index)])
    border = np.flatnonzero(~core)
    if len(border):
        reach = neighbours[np.ix_(border, core_index)]
        core_labels = np.where(reach, labels[core_index][None, :], np.iinfo(np.int64).max)
        nearest = core_labels.min(axis=1)
        labels[border] = np.where(reach.any(axis=1), nearest, -1)
    return labels, core


#: up to this many core points, connected groups come from a boolean matrix closure (a few
#: small matrix products); above it, from union-find over the neighbour pairs
CLOSURE_LIMIT = 96


def _components(adjacent: np.ndarray) -> np.ndarray:
    """Group numbers of the connected core points, numbered in the order of their lowest point.

    `adjacent` is the symmetric neighbour matrix of the core points (diagonal set)."""
    if len(adjacent) <= CLOSURE_LIMIT:
        reach = adjacent
        while True:  # paths twice as long each round: log2(longest chain) rounds
            step = reach.astype(np.float32)
            grown = (step @ step) > 0
            if np.array_equal(grown, reach):
                break
            reach = grown
        lowest = reach.argmax(axis=1)  # each point's lowest reachable point names its group
        ordinal = np.cumsum(lowest == np.arange(len(lowest))) - 1  # groups in order of that point
        return ordinal[lowest]
    parent = list(range(len(adjacent)))

    def root(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    pairs = np.nonzero(np.triu(adjacent, 1))
    for a, b in zip(pairs[0].tolist(), pairs[1].tolist(), strict=True):
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    numbers: dict[int, int] = {}
    return np.array([numbers.setdefault(root(i), len(numbers)) for i in range(len(adjacent))])


def run_hdbscan(rows: np.ndarray, **kwargs: Any) -> tuple[np.ndarray, np.ndarray]:
    """HDBSCAN labels and probabilities; all -1 / 0 when there are fewer rows than min_cluster_size."""
    if len(rows) < kwargs.get("min_cluster_size", 5):
        return np.full(len(rows), -1), np.zeros(len(rows), dtype=int)
    from sklearn.cluster import HDBSCAN

    # copy=True: never let HDBSCAN write into our array (and no FutureWarning on newer sklearn)
    fitted = HDBSCAN(copy=True, **_drop_none(kwargs)).fit(rows)
    return fitted.labels_, fitted.probabilities_


def run_optics(rows: np.ndarray, **kwargs: Any) -> np.ndarray:
    """OPTICS labels (xi method); all -1 when there are fewer rows than min_samples."""
    if len(rows) < kwargs.get("min_samples", 5):
        return np.full(len(rows), -1)
    from sklearn.cluster import OPTICS

    with warnings.catch_warnings():
        # OPTICS warns on duplicate points (infinite reachability); harmless here
        warnings.filterwarnings("ignore", category=RuntimeWarning)
        return OPTICS(**_drop_none(kwargs)).fit(rows).labels_


def cluster_ids(labels: np.ndarray) -> list[int]:
    """The cluster labels found, ascending, noise (-1) left out."""
    return sorted({int(k) for k in labels.tolist() if k > -1})
