"""The dense DBSCAN (clustering/wrappers.py) against scikit-learn across every branch: the
matrix-closure branch (up to CLOSURE_LIMIT core points), the union-find branch (more core
points, up to SMALL_DBSCAN rows), scikit-learn itself above that, and points exactly at eps."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import DBSCAN

from zooagg.clustering.wrappers import CLOSURE_LIMIT, SMALL_DBSCAN, dbscan_core_labels, run_dbscan


def sklearn_labels(points: np.ndarray, eps: float, min_samples: int) -> np.ndarray:
    return DBSCAN(eps=eps, min_samples=min_samples).fit(points).labels_


def core_count(points: np.ndarray, eps: float, min_samples: int) -> int:
    difference = points[:, None, :] - points[None, :, :]
    distances = np.einsum("ijk,ijk->ij", difference, difference)
    return int(dbscan_core_labels(distances, eps * eps, min_samples)[1].sum())


def test_a_chain_of_150_core_points_is_one_cluster() -> None:
    """150 points a step of 1 apart with eps 1: every point is core (the union-find branch)."""
    chain = np.column_stack([np.arange(150.0), np.zeros(150)])
    assert core_count(chain, 1.0, 2) == 150 > CLOSURE_LIMIT
    labels = run_dbscan(chain, eps=1.0, min_samples=2)
    assert set(labels.tolist()) == {0}
    assert labels.tolist() == sklearn_labels(chain, 1.0, 2).tolist()


def test_two_chains_and_noise_in_the_union_find_branch_are_numbered_as_scikit_learn_numbers_them() -> None:
    rng = np.random.default_rng(5)
    first = np.column_stack([np.arange(120.0), np.zeros(120)])
    second = np.column_stack([np.arange(80.0) * 0.5, np.full(80, 50.0)])
    noise = rng.uniform(-500, 500, size=(30, 2)) + 1000
    points = np.vstack([second[40:], first, noise, second[:40]])  # the second chain's ends apart in index
    assert core_count(points, 1.0, 3) > CLOSURE_LIMIT
    labels = run_dbscan(points, eps=1.0, min_samples=3)
    assert labels.tolist() == sklearn_labels(points, 1.0, 3).tolist()
    assert len(set(labels.tolist()) - {-1}) == 2


@pytest.mark.parametrize("seed", range(12))
def test_random_sets_of_every_size_up_to_the_dense_limit_match_scikit_learn(seed: int) -> None:
    """Sets from 97 to 2,000 points (the branch boundary and the dense limit included), dense
    enough that most points are core: labels equal scikit-learn's, point for point."""
    rng = np.random.default_rng(seed)
    size = [CLOSURE_LIMIT + 1, 150, 400, 997, 1500, SMALL_DBSCAN][seed % 6]
    centres = rng.uniform(0, 100, size=(rng.integers(1, 4), 2))
    points = centres[rng.integers(0, len(centres), size)] + rng.normal(0, 1.5, size=(size, 2))
    points = np.round(points, 1)  # a grid of 0.1: many distances exactly at eps
    eps, min_samples = [(0.5, 2), (1.0, 3), (2.0, 5), (0.7, 4)][seed % 4]
    labels = run_dbscan(points, eps=eps, min_samples=min_samples)
    assert labels.tolist() == sklearn_labels(points, eps, min_samples).tolist()
    if size >= 400:  # (the smaller sets: the chain tests above reach the branch)
        assert core_count(points, eps, min_samples) > CLOSURE_LIMIT


def test_the_closure_branch_matches_scikit_learn_at_its_limit() -> None:
    chain = np.column_stack([np.arange(float(CLOSURE_LIMIT)), np.zeros(CLOSURE_LIMIT)])
    assert core_count(chain, 1.0, 2) == CLOSURE_LIMIT
    assert run_dbscan(chain, eps=1.0, min_samples=2).tolist() == [0] * CLOSURE_LIMIT


def test_points_exactly_at_eps_are_neighbours_in_both() -> None:
    """Distances of exactly eps (3-4-5 triangles, a step of 0.1 summed in floating point)."""
    right = np.array([[0.0, 0.0], [3.0, 4.0], [6.0, 8.0], [9.0, 12.0], [20.0, 20.0]])
    assert run_dbscan(right, eps=5.0, min_samples=2).tolist() == [0, 0, 0, 0, -1]
    assert sklearn_labels(right, 5.0, 2).tolist() == [0, 0, 0, 0, -1]
    steps = np.column_stack([np.cumsum(np.full(300, 0.1)), np.zeros(300)])
    assert run_dbscan(steps, eps=0.1, min_samples=2).tolist() == sklearn_labels(steps, 0.1, 2).tolist()


def test_above_the_dense_limit_scikit_learn_itself_answers() -> None:
    chain = np.column_stack([np.arange(SMALL_DBSCAN + 10.0), np.zeros(SMALL_DBSCAN + 10)])
    assert run_dbscan(chain, eps=1.0, min_samples=2).tolist() == [0] * (SMALL_DBSCAN + 10)
