"""Drawing extractors and clustering reducers, on small hand-checked inputs."""

from __future__ import annotations

import math
from typing import Any

import pytest

from zooagg import registry
from zooagg.clustering.iou import iou_distance
from zooagg.clustering.shapes import mean_angle, normalise_shape
from zooagg.errors import ExtractError
from zooagg.exports.marks import normalise_annotation
from zooagg.tasks.drawing import (
    bezier_extractor,
    point_extractor,
    point_extractor_by_frame,
    polygon_extractor,
    shape_extractor,
)
from zooagg.tasks.drawing_reduce import (
    point_reducer,
    point_reducer_dbscan,
    temporal_point_reducer_dbscan,
)
from zooagg.tasks.dropped import take_dropped
from zooagg.tasks.shape_reduce import shape_reducer_dbscan


def drawing(task: str, *marks: dict[str, Any]) -> list[dict[str, Any]]:
    return [normalise_annotation({"task": task, "value": [dict(m) for m in marks]})]


class FEM:
    metadata = {"classifier_version": "2.0"}  # noqa: RUF012
    gold_standard = False


def test_three_close_points_form_one_cluster_at_their_mean() -> None:
    extract = {"frame0": {"T0_tool0_x": [1, 1.5, 1], "T0_tool0_y": [1, 1, 1.5]}}
    out = point_reducer_dbscan([extract], user_ids=[1], eps=5, min_samples=3)["frame0"]
    assert out["T0_tool0_cluster_labels"] == [0, 0, 0]
    assert out["T0_tool0_clusters_count"] == [3]
    assert out["T0_tool0_clusters_x"] == pytest.approx([3.5 / 3])
    assert out["T0_tool0_clusters_y"] == pytest.approx([3.5 / 3])
    assert out["T0_tool0_clusters_var_x"] == pytest.approx([1 / 12])
    assert out["T0_tool0_clusters_var_x_y"] == pytest.approx([-1 / 24])


def test_fewer_points_than_min_samples_are_all_noise_without_cluster_keys() -> None:
    out = point_reducer_dbscan([{"frame0": {"T0_tool0_x": [1, 2], "T0_tool0_y": [1, 2]}}], user_ids=[1])
    assert out == {"frame0": {"T0_tool0_points_x": [1, 2], "T0_tool0_points_y": [1, 2],
                              "T0_tool0_cluster_labels": [-1, -1]}}


def test_points_from_several_volunteers_are_pooled_per_tool() -> None:
    extracts = [{"T0_tool0_x": [10], "T0_tool0_y": [10]}, {"T0_tool0_x": [12], "T0_tool0_y": [10]},
                {"T0_tool0_x": [11], "T0_tool0_y": [13], "T0_tool1_x": [500], "T0_tool1_y": [5]}]
    out = point_reducer(extracts, eps=5, min_samples=3)
    assert out["T0_tool0_clusters_x"] == [11.0]
    assert out["T0_tool1_cluster_labels"] == [-1]


def test_point_extractor_by_frame_groups_by_frame_and_tool() -> None:
    annotations = drawing("T2", {"tool": 0, "x": 5, "y": 10, "frame": 1}, {"tool": 1, "x": 1.5, "y": 2})
    assert point_extractor_by_frame(annotations) == {
        "frame1": {"T2_tool0_x": [5], "T2_tool0_y": [10]},
        "frame0": {"T2_tool1_x": [1.5], "T2_tool1_y": [2]},
    }
    assert point_extractor_by_frame(drawing("T2", {"tool": 0, "x": 5, "y": 10}, {"tool": 1, "x": 1, "y": 2}),
                                    tools=[1]) == {"frame0": {"T2_tool1_x": [1], "T2_tool1_y": [2]}}


def test_point_extractor_by_frame_reads_fem_marks() -> None:
    annotations = drawing("T0", {"toolIndex": 0, "toolType": "point", "x": 3, "y": 4, "frame": 0})
    out = point_extractor_by_frame(annotations, FEM())
    assert out == {"frame0": {"T0_toolIndex0_x": [3], "T0_toolIndex0_y": [4]}, "classifier_version": "2.0"}


def test_point_details_run_the_question_extractor_on_each_mark() -> None:
    annotations = drawing("T1", {"tool": 5, "x": 1, "y": 2, "details": [{"value": [6, 0]}]},
                          {"tool": 5, "x": 3, "y": 4, "details": [{"value": [6]}]})
    out = point_extractor_by_frame(annotations, details={"T1_tool5": ["question_extractor"]})
    assert out["frame0"]["T1_tool5_details"] == [[{"6": 1, "0": 1}], [{"6": 1}]]


def test_fem_subtask_answers_are_found_by_mark_index() -> None:
    annotations = drawing("T0", {"toolIndex": 1, "x": 1, "y": 1, "details": [{"task": "T0.1.0"}]})
    annotations.append({"task": "T0.1.0", "taskType": "single", "markIndex": 0, "value": 1})
    out = shape_extractor(annotations, FEM(), shape="point", details={"T0_toolIndex1_subtask0": "question_extractor"})
    assert out["frame0"]["T0_toolIndex1_subtask0"] == [{"1": 1}]


@pytest.mark.parametrize(("shape", "mark", "expected"), [
    ("rectangle", {"x": 1, "y": 2, "width": 3, "height": 4}, {"x": [1], "y": [2], "width": [3], "height": [4]}),
    ("circle", {"x": 1, "y": 2, "r": 3, "angle": 0}, {"x": [1], "y": [2], "r": [3]}),
    ("fullWidthLine", {"y": 7}, {"y": [7]}),
    ("temporalPoint", {"x": 1, "y": 2, "displayTime": 0.5}, {"x": [1], "y": [2], "displayTime": [0.5]}),
])
def test_shape_extractor_keeps_the_shape_parameters(shape: str, mark: dict[str, Any], expected: dict[str, Any]) -> None:
    out = shape_extractor(drawing("T4", {"tool": 2, **mark}), shape=shape)
    assert out == {"frame0": {f"T4_tool2_{k}": v for k, v in expected.items()}}


def test_shape_extractor_names_fem_tools_by_tool_index() -> None:
    out = shape_extractor(drawing("T2", {"toolIndex": 2, "x": 1, "y": 2, "width": 3, "height": 4}), FEM(),
                          shape="rectangle")
    assert set(out["frame0"]) == {"T2_toolIndex2_x", "T2_toolIndex2_y", "T2_toolIndex2_width", "T2_toolIndex2_height"}


def test_shape_extractor_needs_a_known_shape() -> None:
    with pytest.raises(ExtractError, match="needs shape"):
        shape_extractor(drawing("T0", {"tool": 0, "x": 1}), shape="blob")


def test_a_mark_missing_a_coordinate_is_skipped_alone() -> None:
    out = point_extractor(drawing("T0", {"tool": 0, "x": 1}, {"tool": 0, "x": 2, "y": None}, {"tool": 0, "x": 3, "y": 4}))
    assert out == {"T0_tool0_x": [3], "T0_tool0_y": [4]}


@pytest.mark.parametrize(("mark", "words"), [
    ({"tool": 0, "x": "12", "y": 4}, "mark 0 (tool 0) of task T0: x is '12', not a number"),
    ({"tool": 0, "x": math.nan, "y": 4}, "x is nan, not a finite number"),
    ({"tool": "a", "x": 1, "y": 4}, "tool index is 'a', not a whole number"),
    ({"tool": 0, "x": 1, "y": 4, "frame": "one"}, "frame is 'one', not a whole number"),
])
def test_bad_marks_raise_an_extract_error_naming_the_mark(mark: dict[str, Any], words: str) -> None:
    with pytest.raises(ExtractError) as info:
        point_extractor_by_frame(drawing("T0", mark))
    assert words in info.value.message


def test_polygons_need_three_points_but_freehand_lines_do_not() -> None:
    take_dropped()
    two = {"tool": 0, "points": [{"x": 1, "y": 1}, {"x": 2, "y": 2}]}
    triangle = {"tool": 0, "points": [{"x": 0, "y": 0}, {"x": 4, "y": 0}, {"x": 0, "y": 3}]}
    assert polygon_extractor(drawing("T0", two, triangle))["frame0"]["T0_tool0_pathX"] == [[0, 4, 0]]
    assert [why for why, _ in take_dropped()] == [
        "mark 0 (tool 0) of task T0 has only 2 points (a polygon needs 3): mark dropped, the rest of the "
        "classification kept"]
    line = {"toolIndex": 0, "toolType": "freehandLine", "pathX": [1, 2], "pathY": [3, 4]}
    assert polygon_extractor(drawing("T0", line), FEM())["frame0"] == {
        "T0_toolIndex0_pathX": [[1, 2]], "T0_toolIndex0_pathY": [[3, 4]], "gold_standard": False}


def test_bezier_extractor_samples_ten_points_per_curve() -> None:
    points = [{"x": 0, "y": 0}, {"x": 1, "y": 2}, {"x": 2, "y": 0}]
    out = bezier_extractor(drawing("T0", {"tool": 0, "points": points}))["frame0"]
    xs, ys = out["T0_tool0_pathX"][0], out["T0_tool0_pathY"][0]
    assert len(xs) == 10
    assert (xs[0], ys[0]) == (0.0, 0.0)
    assert (xs[-1], ys[-1]) == (2.0, 0.0)
    assert max(ys) == pytest.approx(80 / 81)  # y(t) = 4t(1-t), sampled at t = 4/9 and 5/9


def test_shape_reducer_averages_rectangles() -> None:
    extract = {"frame0": {"T0_tool0_x": [0, 2, 1], "T0_tool0_y": [0, 0, 3], "T0_tool0_width": [10, 10, 10],
                          "T0_tool0_height": [5, 5, 8]}}
    out = shape_reducer_dbscan([extract], user_ids=[1], shape="rectangle", eps=5, min_samples=3)["frame0"]
    assert out["T0_tool0_clusters_x"] == [1.0]
    assert out["T0_tool0_clusters_height"] == [6.0]
    assert out["T0_tool0_rectangle_width"] == [10, 10, 10]


def test_iou_reducer_on_identical_rectangles_has_zero_sigma() -> None:
    extract = {"frame0": {"T0_tool0_x": [0] * 3, "T0_tool0_y": [0] * 3, "T0_tool0_width": [4] * 3,
                          "T0_tool0_height": [2] * 3}}
    out = shape_reducer_dbscan([extract], user_ids=[1], shape="rectangle", metric_type="IoU",
                               estimate_average=True, eps=0.5, min_samples=3)["frame0"]
    assert out["T0_tool0_clusters_x"] == [0.0]
    assert out["T0_tool0_clusters_width"] == [4.0]
    assert out["T0_tool0_clusters_sigma"] == [0.0]


def test_iou_distance() -> None:
    assert iou_distance((0, 0, 2, 2), (1, 0, 2, 2), "rectangle") == pytest.approx(1 - 2 / 6)
    assert iou_distance((0, 0, 1, 1), (5, 5, 1, 1), "rectangle") == 1


def test_angles_wrap_around() -> None:
    centre = mean_angle([350, 10])
    assert min(centre, 360 - centre) < 1e-2
    assert normalise_shape("ellipse", (0, 0, 1, 2, 30)) == (0, 0, 2, 1, 120)
    assert normalise_shape("line", (5, 0, 1, 0)) == (1, 0, 5, 0)


def test_temporal_points_cluster_on_scaled_distance() -> None:
    extract = {"frame0": {"T0_tool0_x": [1, 1, 1], "T0_tool0_y": [1, 1, 2], "T0_tool0_displayTime": [0, 0, 0]}}
    out = temporal_point_reducer_dbscan([extract], user_ids=[1], eps=5, min_samples=3)["frame0"]
    assert out["T0_tool0_clusters_displayTime"] == [0.0]
    assert out["T0_tool0_clusters_y"] == pytest.approx([4 / 3])


def test_registry_maps_config_shape_names_to_shape_extractor() -> None:
    assert registry.get("extractor", "shape_extractor_rectangle").name == "shape_extractor"
    for name in ("point_reducer_dbscan", "shape_reducer_dbscan", "point_reducer_hdbscan", "shape_reducer_hdbscan",
                 "shape_reducer_optics", "point_reducer", "rectangle_reducer", "temporal_point_reducer_dbscan",
                 "temporal_point_reducer_hdbscan"):
        assert registry.get("reducer", name).name == name


def test_point_details_are_reduced_per_cluster() -> None:
    extracts = [{"frame0": {"T1_tool5_x": [1, 2], "T1_tool5_y": [1, 1],
                            "T1_tool5_details": [[{"6": 1}], [{"6": 1, "0": 1}]]}},
                {"frame0": {"T1_tool5_x": [1.5], "T1_tool5_y": [1], "T1_tool5_details": [[{"0": 1}]]}}]
    out = point_reducer_dbscan(extracts, user_ids=[1, 2], details={"T1_tool5": ["question_reducer"]},
                               eps=5, min_samples=3)["frame0"]
    assert out["T1_tool5_details"] == [[{"6": 1}], [{"6": 1, "0": 1}], [{"0": 1}]]
    assert out["T1_tool5_clusters_details"] == [[{"6": 2, "0": 2}]]


def test_dense_dbscan_labels_equal_scikit_learn() -> None:
    """The small-set DBSCAN gives scikit-learn's labels, boundary cases (distance == eps) included."""
    import numpy as np
    from sklearn.cluster import DBSCAN

    from zooagg.clustering.wrappers import run_dbscan

    rng = np.random.default_rng(7)
    compared = 0
    for _ in range(1500):
        n = int(rng.integers(3, 70))
        # coordinates on a coarse grid, so many pairs sit exactly at eps
        points = np.round(rng.normal(0, rng.choice([2, 5, 10]), (n, 2)) * rng.choice([1, 10]), rng.choice([0, 1]))
        eps, min_samples = float(rng.choice([1, 3, 5])), int(rng.integers(1, 5))
        expected = DBSCAN(eps=eps, min_samples=min_samples).fit(points).labels_
        assert np.array_equal(run_dbscan(points, eps=eps, min_samples=min_samples, metric="euclidean"), expected)
        compared += 1
    assert compared == 1500


@pytest.mark.parametrize(("mark", "lacks"), [
    ({"tool": 0}, "no points"),
    ({"tool": 0, "points": []}, "no points"),
    ({"tool": 0, "points": [{"x": 1, "y": 1}, {"x": 2}, {"x": 3, "y": 3}]}, "no x or y in point 1"),
    ({"toolIndex": 0, "toolType": "freehandLine", "pathX": [1, None], "pathY": [3, 4]}, "no x or y in point 1"),
])
def test_an_incomplete_outline_drops_only_itself(mark: dict[str, Any], lacks: str) -> None:
    """A polygon or freehand line without points, or with a point lacking a coordinate, is an
    incomplete mark: noted and left out; the complete one beside it is extracted."""
    take_dropped()
    triangle = {"tool": 0, "points": [{"x": 0, "y": 0}, {"x": 4, "y": 0}, {"x": 0, "y": 3}]}
    out = polygon_extractor(drawing("T0", mark, triangle))
    assert out["frame0"]["T0_tool0_pathX"] == [[0, 4, 0]]
    [(why, _)] = take_dropped()
    assert f"has {lacks}: mark dropped" in why
