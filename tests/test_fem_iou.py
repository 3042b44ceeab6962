"""IoU clustering of shapes drawn on both front ends: the overlap is measured on the converted
shapes (FEM's centre to the classic top-left corner, the ellipse angle's sign flipped), so one
object drawn on either front end has distance 0 to its twin (docs/fem.md). Every distance below
is worked out by hand; `estimate_average: true` makes the cluster the member nearest the others,
so the cluster's numbers are a mark's own.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from test_fem import classic_mark, classic_row, drawing, extract_and_reduce, fem_mark, fem_row

IOU_REDUCER = ("    shape_reducer_dbscan: {{shape: {shape}, metric_type: IoU, estimate_average: true, "
               "eps: 0.5, min_samples: 2}}")


def _reduce(run_cli: Any, tmp_path: Path, rows: list[dict[str, str]], shape: str) -> dict[str, Any]:
    _, reduction, run = extract_and_reduce(run_cli, tmp_path, rows,
                                           f"    shape_extractor_{shape}: [{{task: T0, shape: {shape}}}]",
                                           IOU_REDUCER.format(shape=shape))
    assert "0 rejected, 0 marks dropped" in run.out
    return reduction


def test_rectangles_of_both_front_ends_overlap_as_the_same_box(run_cli: Any, tmp_path: Path) -> None:
    rows = [classic_row(100, [drawing([classic_mark(x=40, y=55, width=20, height=10)])], 1),
            # centre (50, 60), 20 x 10: the box [40, 60] x [55, 65], the classic one exactly (distance 0);
            # read as a top-left corner it would be [50, 70] x [60, 70]: overlap 10 x 5 = 50 of 350
            fem_row(101, [drawing([fem_mark("rectangle", x_center=50, y_center=60, width=20, height=10)])], 2),
            # centre (52, 60): [42, 62] x [55, 65], overlap 18 x 10 = 180 of 220: distance 2/11
            fem_row(102, [drawing([fem_mark("rectangle", x_center=52, y_center=60, width=20, height=10)])], 3)]
    reduction = _reduce(run_cli, tmp_path, rows, "rectangle")
    assert reduction["T0_toolIndex0_cluster_labels"] == [0, 0, 0]
    assert reduction["T0_toolIndex0_clusters_count"] == [3]
    # the member nearest the others: the classic box and its FEM twin (0 + 2/11 each), the first kept
    assert reduction["T0_toolIndex0_clusters_x"] == pytest.approx([40.0])
    assert reduction["T0_toolIndex0_clusters_y"] == pytest.approx([55.0])
    assert reduction["T0_toolIndex0_clusters_width"] == pytest.approx([20.0])
    assert reduction["T0_toolIndex0_rectangle_x"] == [40, 40.0, 42.0]


def test_ellipses_of_both_front_ends_overlap_despite_the_angle_sign(run_cli: Any, tmp_path: Path) -> None:
    # 20 x 10 ellipses about (50, 60). Classic -45 and FEM +45 are one ellipse (distance 0). FEM -45
    # is classic +45: at right angles to it, two congruent ellipses overlap 4ab atan(b/a), so
    # IoU = 4 atan(1/2) / (2 pi - 4 atan(1/2)) = 0.4188, distance 0.5812 > eps 0.5: apart
    crossed = 1 - 4 * math.atan(0.5) / (2 * math.pi - 4 * math.atan(0.5))
    assert crossed == pytest.approx(0.5812, abs=1e-4)
    rows = [classic_row(100, [drawing([classic_mark(x=50, y=60, rx=20, ry=10, angle=-45)])], 1),
            fem_row(101, [drawing([fem_mark("ellipse", x_center=50, y_center=60, rx=20, ry=10, angle=45)])], 2),
            fem_row(102, [drawing([fem_mark("ellipse", x_center=50, y_center=60, rx=20, ry=10, angle=-45)])], 3),
            fem_row(103, [drawing([fem_mark("ellipse", x_center=50, y_center=60, rx=20, ry=10, angle=-45)])], 4)]
    reduction = _reduce(run_cli, tmp_path, rows, "ellipse")
    assert reduction["T0_toolIndex0_ellipse_angle"] == [-45, -45, 45, 45]
    assert reduction["T0_toolIndex0_cluster_labels"] == [0, 0, 1, 1]
    assert reduction["T0_toolIndex0_clusters_count"] == [2, 2]
    assert [a % 360 for a in reduction["T0_toolIndex0_clusters_angle"]] == pytest.approx([315.0, 45.0])
    assert reduction["T0_toolIndex0_clusters_x"] == pytest.approx([50.0, 50.0])
    assert reduction["T0_toolIndex0_clusters_sigma"] == pytest.approx([0.0, 0.0], abs=1e-9)
