"""polygon_reducer and polygon_reducer_contours on small hand-checked outlines."""

from __future__ import annotations

from typing import Any

import pytest

from zooagg import registry
from zooagg.errors import ConfigError
from zooagg.tasks.polygon_reduce import (
    as_polygon,
    iou_polygon_distance,
    polygon_reducer,
    polygon_reducer_contours,
)

TOOL = "T0_toolIndex0"


def square(x: float, y: float, side: float = 10) -> tuple[list[float], list[float]]:
    return [x, x + side, x + side, x], [y, y, y + side, y + side]


def extract(*outlines: tuple[list[float], list[float]]) -> dict[str, Any]:
    return {"frame0": {f"{TOOL}_pathX": [o[0] for o in outlines], f"{TOOL}_pathY": [o[1] for o in outlines]}}


def test_three_near_identical_squares_form_one_cluster_whose_median_is_the_square() -> None:
    extracts = [extract(square(0, 0)), extract(square(0.5, 0)), extract(square(0, 0.5))]
    out = polygon_reducer(extracts)
    frame = out["frame0"]
    assert frame[f"{TOOL}_cluster_labels"] == [0, 0, 0]
    assert frame[f"{TOOL}_clusters_count"] == [3]
    # the first square is 0.5 × 10 away from each of the others: the smallest summed distance
    assert frame[f"{TOOL}_clusters_x"] == [[0.0, 10.0, 10.0, 0.0, 0.0]]
    assert frame[f"{TOOL}_clusters_y"] == [[0.0, 0.0, 10.0, 10.0, 0.0]]
    # IoU distances: 1 - 95/105 (twice) and 1 - 90.25/109.75
    expected = 1 - (2 * (1 - 95 / 105) + (1 - 90.25 / 109.75)) / 3
    assert frame[f"{TOOL}_consensus"] == [pytest.approx(expected, rel=1e-12)]
    assert out["threshold"] == [1.0]
    assert out["parameters"]["average_type"] == "median"


def test_marks_of_one_classification_never_cluster_together() -> None:
    out = polygon_reducer([extract(square(0, 0), square(0, 0))])
    assert out["frame0"][f"{TOOL}_cluster_labels"] == [-1, -1]
    assert "threshold" not in out


def test_far_apart_squares_are_noise_and_min_threshold_drops_small_clusters() -> None:
    extracts = [extract(square(0, 0), square(100, 100)), extract(square(0, 0)), extract(square(50, 50)),
                extract(square(200, 0))]
    out = polygon_reducer(extracts, min_threshold=0.5)
    assert out["frame0"][f"{TOOL}_cluster_labels"] == [0, -1, 0, -1, -1]
    assert f"{TOOL}_clusters_count" not in out["frame0"]  # 2 of 4 classifications is not above 0.5
    assert polygon_reducer(extracts, min_threshold=0.4)["threshold"] == [0.5]


@pytest.mark.parametrize(("average_type", "area"), [("union", 150.0), ("intersection", 50.0)])
def test_union_and_intersection_of_two_offset_squares(average_type: str, area: float) -> None:
    import shapely

    out = polygon_reducer([extract(square(0, 0)), extract(square(5, 0))], average_type=average_type, eps=0.9)
    xs, ys = out["frame0"][f"{TOOL}_clusters_x"][0], out["frame0"][f"{TOOL}_clusters_y"][0]
    assert shapely.Polygon(list(zip(xs, ys, strict=True))).area == pytest.approx(area)


def test_last_takes_the_outline_drawn_last_and_collab_writes_annotations() -> None:
    extracts = [extract(square(0, 0)), extract(square(1, 0))]
    created = ["2024-01-02 10:00:00 UTC", "2024-01-01 10:00:00 UTC"]
    out = polygon_reducer(extracts, created_at=created, average_type="last", collab=True)
    assert out["frame0"][f"{TOOL}_clusters_x"] == [[0.0, 10.0, 10.0, 0.0, 0.0]]
    (note,) = out["data"]
    assert note["markID"] == "consensus_0"
    assert note["toolIndex"] == 0
    assert note["taskKey"] == "T0"
    assert note["toolType"] == "freehandLine"
    assert note["pathX"] == [0.0, 10.0, 10.0, 0.0, 0.0]


def test_a_self_crossing_outline_is_repaired_and_a_two_point_one_dropped() -> None:
    bow_tie = as_polygon([0, 10, 10, 0], [0, 10, 0, 10])
    assert bow_tie is not None
    assert bow_tie.is_valid
    assert bow_tie.area == pytest.approx(25)
    assert as_polygon([0, 1], [0, 1]) is None


def test_iou_distance_of_half_overlapping_squares() -> None:
    a, b = as_polygon(*square(0, 0)), as_polygon(*square(5, 0))
    assert iou_polygon_distance((a, 0), (b, 1)) == pytest.approx(1 - 50 / 150)
    assert iou_polygon_distance((a, 0), (b, 0)) == float("inf")


def test_a_bad_average_type_is_refused_by_the_config() -> None:
    with pytest.raises(ConfigError):
        registry.get("reducer", "polygon_reducer").parse_params({"average_type": "mean"})


def test_contours_count_how_many_volunteers_agree() -> None:
    import shapely

    extracts = [extract(square(0, 0)), extract(square(5, 0)), extract(square(2, 0))]
    (row,) = polygon_reducer_contours(extracts, eps=0.9)
    frame = row["frame0"]
    assert frame[f"{TOOL}_cluster_label_for_contours"] == 0
    assert frame[f"{TOOL}_number_of_contours"] == 3
    areas = [shapely.Polygon(list(zip(x, y, strict=True))).area
             for x, y in zip(frame[f"{TOOL}_contours_x"], frame[f"{TOOL}_contours_y"], strict=True)]
    # x-extents: at least one of [0,10],[5,15],[2,12] -> [0,15]; two -> [2,12]; three -> [5,10]
    assert areas == pytest.approx([150, 100, 50])
    assert row["parameters"] == {"min_samples": 2, "eps": 0.9}


def test_contours_take_the_peers_rasterisation_parameters_and_stay_exact() -> None:
    extracts = [extract(square(0, 0)), extract(square(5, 0)), extract(square(2, 0))]
    exact = polygon_reducer_contours(extracts, eps=0.9)
    params = registry.get("reducer", "polygon_reducer_contours").parse_params(
        {"rasterization": "True", "num_grid_points": "150", "smoothing": "rounded"})
    assert polygon_reducer_contours(extracts, eps=0.9, **params) == exact
    assert exact[0]["parameters"] == {"min_samples": 2, "eps": 0.9}


@pytest.mark.parametrize(("key", "value"), [("rasterisation", "maybe"), ("num_grid_points", 1)])
def test_a_bad_rasterisation_setting_is_refused(key: str, value: object) -> None:
    with pytest.raises(ConfigError, match=key):
        polygon_reducer_contours([extract(square(0, 0))], **{key: value})
