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


def run_dbscan(rows: np.ndarray, **kwargs: Any) -> np.ndarray:
    """DBSCAN labels; all -1 when there are fewer rows than min_samples."""
    if len(rows) < kwargs.get("min_samples", 5):
        return np.full(len(rows), -1)
    from sklearn.cluster import DBSCAN

    return DBSCAN(**_drop_none(kwargs)).fit(rows).labels_


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
    return [int(k) for k in np.unique(labels) if k > -1]
