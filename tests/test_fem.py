"""Classifications from today's front end (FEM, classifier 2.0): every drawing tool extracted and
reduced from export-shaped rows, classic and FEM marks of one object clustering together, and
no mark dropped without a rejects row (docs/fem.md).

The marks are written as the front-end-monorepo's mark models write them
(`packages/lib-classifier/src/plugins/drawingTools/models/marks/<Tool>/<Tool>.js`): `toolIndex`,
`toolType`, `frame`, `details`, the export's `tool_label`; graph2dRangeX as
`tasks/dataVisAnnotation/.../Graph2dRangeXAnnotation` writes it (`tool`, centre `x`). Every
expected number below is worked out by hand in the comment next to it.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import RunCli, classification_row, read_rows, write_export, write_yaml

SUBJECT = 7001
FEM_METADATA = json.dumps({"source": "api", "classifier_version": "2.0",
                           "user_agent": "Mozilla/5.0", "viewport": {"width": 1715, "height": 1064}})


def fem_mark(tool_type: str, tool_index: int = 0, **geometry: Any) -> dict[str, Any]:
    return {"frame": 0, "toolIndex": tool_index, "toolType": tool_type, "details": [], "tool_label": None,
            **geometry}


def drawing(marks: list[Any], task: str = "T0", task_type: str | None = None) -> dict[str, Any]:
    """A drawing annotation as the export writes it (`taskType` kept only for the raw task types)."""
    annotation: dict[str, Any] = {"task": task, "task_label": "Draw", "value": marks}
    if task_type is not None:
        annotation["taskType"] = task_type
    return annotation


def fem_row(classification_id: int, annotations: list[dict[str, Any]], user: int) -> dict[str, str]:
    row = classification_row(classification_id, annotations, subject_id=SUBJECT, user_name=f"user{user}",
                             user_id=str(user), created_at=f"2026-05-0{user} 10:00:00 UTC")
    row["metadata"] = FEM_METADATA
    return row


def classic_row(classification_id: int, annotations: list[dict[str, Any]], user: int) -> dict[str, str]:
    return classification_row(classification_id, annotations, subject_id=SUBJECT, user_name=f"user{user}",
                              user_id=str(user), created_at=f"2026-05-0{user} 10:00:00 UTC")


def extract_and_reduce(run_cli: RunCli, tmp_path: Path, rows: list[dict[str, str]], extractor: str,
                       reducer: str) -> tuple[list[dict[str, str]], dict[str, Any], Any]:
    """(extract rows, the subject's reduction as {column without `data.frame0.`: parsed value},
    the extract run's result)."""
    export = write_export(tmp_path / "classifications.csv", rows)
    ext = write_yaml(tmp_path / "extractor.yaml",
                     f"extractor_config:\n{extractor}\nworkflow_id: 1\nworkflow_version: '1.1'\n")
    red = write_yaml(tmp_path / "reducer.yaml", f"reducer_config:\n{reducer}\n")
    out = tmp_path / "out"
    extracted = run_cli(["extract", export, ext, "-d", out, "-hb"], tmp_path)
    assert extracted.code == 0, extracted.err
    extract_file = next(out.glob("*_extractions.csv"))
    reduced = run_cli(["reduce", extract_file, red, "-d", out, "-hb"], tmp_path)
    assert reduced.code == 0, reduced.err
    (row,) = read_rows(next(out.glob("*_reductions.csv")))
    values = {k.removeprefix("data.").removeprefix("frame0."): cell(v) for k, v in row.items()
              if k.startswith("data.") and v}
    return read_rows(extract_file), values, extracted


def cell(text: str) -> Any:
    """A CSV cell as written (Python reprs of lists, numbers, or plain text)."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


SHAPE_REDUCER = "    shape_reducer_dbscan: {{shape: {shape}, eps: {eps}, min_samples: 2}}"


def shape_case(shape: str, marks: list[dict[str, Any]], eps: float = 10, task_type: str | None = None):  # type: ignore[no-untyped-def]
    rows = [fem_row(100 + i, [drawing([mark], task_type=task_type)], i + 1) for i, mark in enumerate(marks)]
    extractor = f"    shape_extractor_{shape}: [{{task: T0, shape: {shape}}}]"
    return rows, extractor, SHAPE_REDUCER.format(shape=shape, eps=eps)


# (shape, marks of three volunteers, task type, eps, {reduction column: value worked out by hand})
TOOLS = [
    ("point", [fem_mark("point", x=10, y=20), fem_mark("point", x=12, y=22), fem_mark("point", x=14, y=18)],
     None, 10, {"T0_toolIndex0_clusters_x": [12.0], "T0_toolIndex0_clusters_y": [20.0]}),  # (10+12+14)/3, (20+22+18)/3
    ("line", [fem_mark("line", x1=0, y1=0, x2=100, y2=0), fem_mark("line", x1=2, y1=2, x2=98, y2=2),
              fem_mark("line", x1=4, y1=-2, x2=102, y2=-2)],
     None, 10, {"T0_toolIndex0_clusters_x1": [2.0], "T0_toolIndex0_clusters_x2": [100.0],
                "T0_toolIndex0_clusters_y1": [0.0]}),
    # centres (50,60) (52,62) (54,58), sizes 20x10 22x12 24x14: top-left corners (40,55) (41,56) (42,51)
    ("rectangle", [fem_mark("rectangle", x_center=50, y_center=60, width=20, height=10),
                   fem_mark("rectangle", x_center=52, y_center=62, width=22, height=12),
                   fem_mark("rectangle", x_center=54, y_center=58, width=24, height=14)],
     None, 10, {"T0_toolIndex0_clusters_x": [41.0], "T0_toolIndex0_clusters_y": [54.0],
                "T0_toolIndex0_clusters_width": [22.0], "T0_toolIndex0_clusters_height": [12.0]}),
    # the same boxes turned 10, 20, 30 degrees about their centres: the angle's mean is 20
    ("rotateRectangle", [fem_mark("rotateRectangle", x_center=50, y_center=60, width=20, height=10, angle=10),
                         fem_mark("rotateRectangle", x_center=52, y_center=62, width=22, height=12, angle=20),
                         fem_mark("rotateRectangle", x_center=54, y_center=58, width=24, height=14, angle=30)],
     None, 20, {"T0_toolIndex0_clusters_x": [41.0], "T0_toolIndex0_clusters_y": [54.0],
                "T0_toolIndex0_clusters_width": [22.0], "T0_toolIndex0_clusters_angle": [20.0]}),
    ("circle", [fem_mark("circle", x_center=50, y_center=60, r=7), fem_mark("circle", x_center=52, y_center=62, r=8),
                fem_mark("circle", x_center=54, y_center=58, r=9)],
     None, 10, {"T0_toolIndex0_clusters_x": [52.0], "T0_toolIndex0_clusters_y": [60.0],
                "T0_toolIndex0_clusters_r": [8.0]}),
    # FEM angles 10, 20, 30 are classic -10, -20, -30, i.e. 350, 340, 330: mean 340
    ("ellipse", [fem_mark("ellipse", x_center=50, y_center=60, rx=20, ry=10, angle=10),
                 fem_mark("ellipse", x_center=52, y_center=62, rx=22, ry=10, angle=20),
                 fem_mark("ellipse", x_center=54, y_center=58, rx=24, ry=10, angle=30)],
     None, 20, {"T0_toolIndex0_clusters_x": [52.0], "T0_toolIndex0_clusters_rx": [22.0],
                "T0_toolIndex0_clusters_angle": [340.0]}),
    ("temporalRotateRectangle",
     [fem_mark("temporalRotateRectangle", x_center=50, y_center=60, width=20, height=10, angle=10,
               displayTime=1.0, displayTimeStamp="00:01"),
      fem_mark("temporalRotateRectangle", x_center=52, y_center=62, width=22, height=12, angle=10,
               displayTime=1.5, displayTimeStamp="00:01"),
      fem_mark("temporalRotateRectangle", x_center=54, y_center=58, width=24, height=14, angle=10,
               displayTime=2.0, displayTimeStamp="00:02")],
     None, 10, {"T0_toolIndex0_clusters_x_center": [52.0], "T0_toolIndex0_clusters_y_center": [60.0],
                "T0_toolIndex0_clusters_displayTime": [1.5]}),
    # transcriptionLine marks of a `transcription` task, read as lines
    ("line", [fem_mark("transcriptionLine", x1=10, y1=50, x2=200, y2=52),
              fem_mark("transcriptionLine", x1=12, y1=51, x2=204, y2=50),
              fem_mark("transcriptionLine", x1=14, y1=49, x2=202, y2=51)],
     "transcription", 10, {"T0_toolIndex0_clusters_x1": [12.0], "T0_toolIndex0_clusters_x2": [202.0],
                           "T0_toolIndex0_clusters_y2": [51.0]}),
    # graph2dRangeX: x is the centre (100, 102, 104), width 10, 12, 14; with no classic column on the
    # subject the centres are kept, as the peer writes them: mean 102
    ("column", [{"tool": 0, "toolType": "graph2dRangeX", "x": 100, "width": 10, "zoomLevelOnCreation": 1},
                {"tool": 0, "toolType": "graph2dRangeX", "x": 102, "width": 12, "zoomLevelOnCreation": 1},
                {"tool": 0, "toolType": "graph2dRangeX", "x": 104, "width": 14, "zoomLevelOnCreation": 2}],
     "dataVisAnnotation", 10, {"T0_tool0_clusters_x": [102.0], "T0_tool0_clusters_width": [12.0]}),
]


@pytest.mark.parametrize(("shape", "marks", "task_type", "eps", "expected"), TOOLS,
                         ids=[f"{t[0]}-{t[1][0]['toolType']}" for t in TOOLS])
def test_every_fem_shape_tool_extracts_and_reduces_to_the_hand_worked_cluster(
        run_cli: RunCli, tmp_path: Path, shape: str, marks: list[dict[str, Any]], task_type: str | None, eps: float,
        expected: dict[str, Any]) -> None:
    rows, extractor, reducer = shape_case(shape, marks, eps, task_type)
    extracts, reduction, run = extract_and_reduce(run_cli, tmp_path, rows, extractor, reducer)
    assert len(extracts) == 3
    assert all(row["data.classifier_version"] == "2.0" for row in extracts)
    assert "0 rejected, 0 marks dropped" in run.out
    tool = next(iter(expected)).split("_clusters_")[0]
    assert reduction[f"{tool}_clusters_count"] == [3]
    for column, value in expected.items():
        assert reduction[column] == pytest.approx(value), column


def test_temporal_points_cluster_at_their_mean(run_cli: RunCli, tmp_path: Path) -> None:
    marks = [fem_mark("temporalPoint", x=10, y=20, displayTime=0.5, displayTimeStamp="00:00"),
             fem_mark("temporalPoint", x=12, y=22, displayTime=0.5, displayTimeStamp="00:00"),
             fem_mark("temporalPoint", x=14, y=18, displayTime=0.5, displayTimeStamp="00:00")]
    rows, extractor, _ = shape_case("temporalPoint", marks)
    # the temporal distance is squared and scaled by (t + 1) = 1.5: (4 * 1.5)^2 + (4 * 1.5)^2 = 72 at most
    reducer = "    temporal_point_reducer_dbscan: {eps: 100, min_samples: 2}"
    _, reduction, _ = extract_and_reduce(run_cli, tmp_path, rows, extractor, reducer)
    assert reduction["T0_toolIndex0_clusters_count"] == [3]
    assert reduction["T0_toolIndex0_clusters_x"] == pytest.approx([12.0])
    assert reduction["T0_toolIndex0_clusters_y"] == pytest.approx([20.0])


SQUARE = [(0, 0), (10, 0), (10, 10), (0, 10)]


def _shifted(dx: float, dy: float) -> list[tuple[float, float]]:
    return [(x + dx, y + dy) for x, y in SQUARE]


@pytest.mark.parametrize("form", ["polygon", "freehandLine"])
def test_fem_polygons_and_freehand_lines_cluster_by_overlap(run_cli: RunCli, tmp_path: Path, form: str) -> None:
    outlines = [_shifted(0, 0), _shifted(1, 0), _shifted(0, 1)]
    if form == "polygon":
        marks = [fem_mark("polygon", points=[{"x": x, "y": y} for x, y in o]) for o in outlines]
    else:  # pathX/pathY, and the form before September 2022: points
        marks = [fem_mark("freehandLine", pathX=[x for x, _ in o], pathY=[y for _, y in o]) for o in outlines[:2]]
        marks.append(fem_mark("freehandLine", points=[{"x": x, "y": y} for x, y in outlines[2]]))
    rows = [fem_row(100 + i, [drawing([mark])], i + 1) for i, mark in enumerate(marks)]
    extracts, reduction, run = extract_and_reduce(
        run_cli, tmp_path, rows, "    polygon_extractor: [{task: T0}]",
        "    polygon_reducer: {eps: 0.5, min_samples: 2}")
    assert "0 marks dropped" in run.out
    assert cell(extracts[2]["data.frame0.T0_toolIndex0_pathX"]) == [[0, 10, 10, 0]]
    frame = reduction
    assert frame["T0_toolIndex0_clusters_count"] == [3]
    # IoU distances: squares shifted by 1 in x or in y overlap 90 of 110 (d = 2/11); x against y,
    # 81 of 119 (d = 38/119). Consensus = 1 - mean = 1 - (4/11 + 38/119) / 3; the median outline
    # is the unshifted square, the member nearest the others (4/11 against 2/11 + 38/119).
    assert frame["T0_toolIndex0_consensus"] == pytest.approx([1 - (4 / 11 + 38 / 119) / 3])
    # (written closed: the first corner again at the end)
    assert set(zip(frame["T0_toolIndex0_clusters_x"][0], frame["T0_toolIndex0_clusters_y"][0],
                   strict=True)) == set(SQUARE)


# -- one object, two front ends: one cluster ------------------------------------------------------

def classic_mark(tool: int = 0, **geometry: Any) -> dict[str, Any]:
    return {"tool": tool, "frame": 0, "details": [], **geometry}


def test_a_rectangle_drawn_on_both_front_ends_is_one_cluster(run_cli: RunCli, tmp_path: Path) -> None:
    rows = [classic_row(100, [drawing([classic_mark(x=40, y=55, width=20, height=10)])], 1),
            # centre (51, 61), 22 x 12: top-left (40, 55); centre (53, 63), 24 x 14: (41, 56)
            fem_row(101, [drawing([fem_mark("rectangle", x_center=51, y_center=61, width=22, height=12)])], 2),
            fem_row(102, [drawing([fem_mark("rectangle", x_center=53, y_center=63, width=24, height=14)])], 3)]
    _, reduction, _ = extract_and_reduce(run_cli, tmp_path, rows,
                                         "    shape_extractor_rectangle: [{task: T0, shape: rectangle}]",
                                         SHAPE_REDUCER.format(shape="rectangle", eps=10))
    assert reduction["T0_toolIndex0_clusters_count"] == [3]
    assert reduction["T0_toolIndex0_clusters_x"] == pytest.approx([121 / 3])  # (40 + 40 + 41) / 3
    assert reduction["T0_toolIndex0_clusters_y"] == pytest.approx([166 / 3])  # (55 + 55 + 56) / 3
    assert reduction["T0_toolIndex0_clusters_width"] == pytest.approx([22.0])  # (20 + 22 + 24) / 3
    assert reduction["T0_toolIndex0_rectangle_x"] == [40, 40.0, 41.0]  # the classic mark first, by created_at
    assert not [k for k in reduction if k.startswith("T0_tool0_")]


def test_an_ellipse_drawn_on_both_front_ends_is_one_cluster_despite_the_angle_sign(run_cli: RunCli, tmp_path: Path) -> None:
    rows = [classic_row(100, [drawing([classic_mark(x=50, y=60, rx=20, ry=10, angle=-20)])], 1),
            fem_row(101, [drawing([fem_mark("ellipse", x_center=51, y_center=61, rx=21, ry=10, angle=20)])], 2),
            fem_row(102, [drawing([fem_mark("ellipse", x_center=52, y_center=59, rx=22, ry=10, angle=22)])], 3)]
    _, reduction, _ = extract_and_reduce(run_cli, tmp_path, rows,
                                         "    shape_extractor_ellipse: [{task: T0, shape: ellipse}]",
                                         SHAPE_REDUCER.format(shape="ellipse", eps=10))
    assert reduction["T0_toolIndex0_clusters_count"] == [3]
    # classic angles -20, -20, -22 = 340, 340, 338: mean 339.333
    assert reduction["T0_toolIndex0_clusters_angle"] == pytest.approx([339.333])
    assert reduction["T0_toolIndex0_clusters_x"] == pytest.approx([51.0])


def test_points_drawn_on_both_front_ends_are_one_cluster(run_cli: RunCli, tmp_path: Path) -> None:
    rows = [classic_row(100, [drawing([classic_mark(x=10, y=20)])], 1),
            fem_row(101, [drawing([fem_mark("point", x=12, y=22)])], 2),
            fem_row(102, [drawing([fem_mark("point", x=14, y=18)])], 3)]
    _, reduction, _ = extract_and_reduce(run_cli, tmp_path, rows, "    point_extractor_by_frame: [{task: T0}]",
                                         "    point_reducer_dbscan: {eps: 10, min_samples: 2}")
    assert reduction["T0_toolIndex0_clusters_count"] == [3]
    assert reduction["T0_toolIndex0_clusters_x"] == pytest.approx([12.0])
    assert reduction["T0_toolIndex0_points_x"] == [10, 12, 14]


def test_a_classic_column_and_fem_ranges_are_one_cluster(run_cli: RunCli, tmp_path: Path) -> None:
    rows = [classic_row(100, [drawing([classic_mark(x=95, width=10)])], 1),
            # centres 100 and 101, widths 10 and 12: left edges 95 and 95
            fem_row(101, [drawing([{"tool": 0, "toolType": "graph2dRangeX", "x": 100, "width": 10,
                                    "zoomLevelOnCreation": 1}], task_type="dataVisAnnotation")], 2),
            fem_row(102, [drawing([{"tool": 0, "toolType": "graph2dRangeX", "x": 101, "width": 12,
                                    "zoomLevelOnCreation": 1}], task_type="dataVisAnnotation")], 3)]
    _, reduction, _ = extract_and_reduce(run_cli, tmp_path, rows,
                                         "    shape_extractor_column: [{task: T0, shape: column}]",
                                         SHAPE_REDUCER.format(shape="column", eps=5))
    assert reduction["T0_tool0_clusters_count"] == [3]
    assert reduction["T0_tool0_clusters_x"] == pytest.approx([95.0])
    assert reduction["T0_tool0_clusters_width"] == pytest.approx([32 / 3])  # (10 + 10 + 12) / 3


def test_use_v1_keys_writes_fem_marks_under_classic_names(run_cli: RunCli, tmp_path: Path) -> None:
    rows = [classic_row(100, [drawing([classic_mark(x=10, y=20)])], 1),
            fem_row(101, [drawing([fem_mark("point", x=12, y=22)])], 2)]
    extracts, reduction, _ = extract_and_reduce(
        run_cli, tmp_path, rows, "    shape_extractor_point: [{task: T0, shape: point, use_v1_keys: true}]",
        SHAPE_REDUCER.format(shape="point", eps=10))
    assert [r["data.frame0.T0_tool0_x"] for r in extracts] == ["[10]", "[12]"]
    assert "data.frame0.T0_toolIndex0_x" not in extracts[0]
    assert reduction["T0_tool0_clusters_count"] == [2]


def test_fem_extracts_have_the_peers_names_and_version() -> None:
    # the peer 5.3.1's shape_extractor on this mark: {"frame0": {"T0_toolIndex0_x": [10],
    # "T0_toolIndex0_y": [20]}, "classifier_version": "2.0", "aggregation_version": "5.3.1"}
    from zooagg.exports.marks import normalise_annotations
    from zooagg.tasks.drawing import shape_extractor

    class Classification:
        metadata = {"classifier_version": "2.0"}  # noqa: RUF012

    annotations = normalise_annotations([drawing([fem_mark("point", x=10, y=20)])])
    assert shape_extractor(annotations, Classification(), shape="point") == {
        "frame0": {"T0_toolIndex0_x": [10], "T0_toolIndex0_y": [20]}, "classifier_version": "2.0"}


# -- no mark dropped without a word ------------------------------------------------------------------

def test_incomplete_kenya_marks_are_counted_and_written_to_the_rejects_file(run_cli: RunCli, tmp_path: Path,
                                                                            data_dir: Path) -> None:
    # kenya_r.csv: 9 T2 marks of the "Rectangle" tool, each with x and y only
    config = write_yaml(tmp_path / "extractor.yaml",
                        "extractor_config:\n    shape_extractor_rectangle: [{task: T2, shape: rectangle}]\n"
                        "workflow_id: 2030\nworkflow_version: {min: '27.36'}\n")
    out = tmp_path / "out"
    result = run_cli(["extract", data_dir / "kenya_r.csv", config, "-d", out, "-hb"], tmp_path)
    assert result.code == 0, result.err
    assert "0 rejected, 9 marks dropped" in result.out
    assert f"warning: 0 bad row(s) and 9 dropped mark(s) written to {out / 'extractions_rejects.csv'}" in result.err
    rejects = read_rows(out / "extractions_rejects.csv")
    assert len(rejects) == 9
    assert {r["task"] for r in rejects} == {"T2"}
    assert all(r["reason"].startswith("shape_extractor_rectangle: mark ") and
               r["reason"].endswith("has no width, height: mark dropped, the rest of the classification kept "
                                    "(fix or remove this mark in the export)") for r in rejects)
    assert "'tool_label': 'Rectangle'" in rejects[0]["value"]


def _fem_export(tmp_path: Path) -> Path:
    return write_export(tmp_path / "classifications.csv", [
        fem_row(100, [drawing([fem_mark("rectangle", x_center=50, y_center=60, width=20, height=10),
                               fem_mark("rectangle", x_center=80, y_center=60, height=10),  # no width
                               fem_mark("point", 1, x=5, y=5)])], 1),  # another tool's mark, no tools filter
        fem_row(101, [drawing([fem_mark("transcriptionLine", x1=1, y1=2, x2=30, y2=4)], task_type="transcription")], 2),
    ])


def test_fem_marks_a_shape_extractor_cannot_read_are_rejects_rows_with_the_reason(run_cli: RunCli, tmp_path: Path) -> None:
    config = write_yaml(tmp_path / "extractor.yaml",
                        "extractor_config:\n    shape_extractor_rectangle: [{task: T0, shape: rectangle}]\n"
                        "workflow_id: 1\nworkflow_version: '1.1'\n")
    out = tmp_path / "out"
    result = run_cli(["extract", _fem_export(tmp_path), config, "-d", out, "-hb"], tmp_path)
    assert result.code == 0, result.err
    assert "0 rejected, 3 marks dropped" in result.out
    (kept, _) = read_rows(out / "shape_extractor_rectangle_extractions.csv")
    assert (kept["data.frame0.T0_toolIndex0_x"], kept["data.frame0.T0_toolIndex0_width"]) == ("[40.0]", "[20]")
    reasons = [(r["row"], r["reason"].split(": mark dropped")[0]) for r in read_rows(out / "extractions_rejects.csv")]
    assert reasons == [
        ("100", "shape_extractor_rectangle: mark 1 (tool 0) of task T0 (a rectangle mark) has no x, y, width"),
        ("100", "shape_extractor_rectangle: mark 2 (tool 1) of task T0 (a point mark) has no width, height"),
        ("101", "shape_extractor_rectangle: mark 0 (tool 0) of task T0 (a transcriptionLine mark) has no x, y, "
                "width, height"),
    ]


def test_strict_makes_a_dropped_mark_fatal(run_cli: RunCli, tmp_path: Path) -> None:
    config = write_yaml(tmp_path / "extractor.yaml",
                        "extractor_config:\n    shape_extractor_rectangle: [{task: T0, shape: rectangle}]\n"
                        "workflow_id: 1\nworkflow_version: '1.1'\n")
    result = run_cli(["extract", _fem_export(tmp_path), config, "-d", tmp_path / "out", "-hb", "--strict"],
                     tmp_path)
    assert result.code != 0
    assert "row 100" in result.err
    assert "has no x, y, width: mark dropped" in result.err
    assert "--strict makes bad rows fatal" in result.err


# -- the real FEM export ---------------------------------------------------------------------------

def test_the_real_kitteh_zoo_export_extracts_every_outline_and_reduces_as_the_peer(
        run_cli: RunCli, tmp_path: Path, data_dir: Path) -> None:
    # kitteh_subject_458022.csv: every classification of subject 458022 (README); six volunteers
    # drew one freehandLine outline of the cat's face each, one drew nothing
    source = data_dir / "kitteh_subject_458022.csv"
    raw = [json.loads(r["annotations"]) for r in read_rows(source)]
    lengths = [len(m["pathX"]) for annotation in raw for m in annotation[0]["value"]]
    assert lengths == [554, 469, 456, 997, 499, 504]
    config = write_yaml(tmp_path / "extractor.yaml", "extractor_config:\n    polygon_extractor: [{task: T0}]\n"
                                                     "workflow_id: 28090\nworkflow_version: {min: '4.4'}\n")
    reducer = write_yaml(tmp_path / "reducer.yaml", "reducer_config:\n    polygon_reducer: {}\n")
    out = tmp_path / "out"
    extracted = run_cli(["extract", source, config, "-d", out, "-hb"], tmp_path)
    assert "7 rows read, 7 matched workflow 28090 v4.4 .. any, extracts: 7 polygon_extractor, 0 rejected, " \
           "0 marks dropped" in extracted.out
    extracts = read_rows(out / "polygon_extractor_extractions.csv")
    paths = [cell(r["data.frame0.T0_toolIndex0_pathX"]) for r in extracts if r["data.frame0.T0_toolIndex0_pathX"]]
    assert [len(p[0]) for p in paths] == lengths
    assert paths[3][0] == next(m["pathX"] for m in raw[3][0]["value"])  # kept as drawn, number for number
    assert run_cli(["reduce", out / "polygon_extractor_extractions.csv", reducer, "-d", out, "-hb"]).code == 0
    (row,) = read_rows(out / "polygon_reducer_reductions.csv")
    assert cell(row["data.frame0.T0_toolIndex0_clusters_count"]) == [6]
    assert cell(row["data.threshold"]) == pytest.approx([6 / 7])  # six of seven volunteers in the cluster
    # the peer 5.3.1 on the same file: consensus 0.6877311558710862, the same median outline
    assert cell(row["data.frame0.T0_toolIndex0_consensus"]) == pytest.approx([0.6877311558710862])
    median = cell(row["data.frame0.T0_toolIndex0_clusters_x"])[0]
    assert median == paths[4][0]  # the fifth volunteer's outline, as drawn


# -- the reader's conversions, one by one ------------------------------------------------------------

def test_the_conversions_run_once_and_keep_what_fem_wrote() -> None:
    from zooagg.exports.marks import normalise_annotation

    ellipse = fem_mark("ellipse", x_center=50, y_center=60, rx=20, ry=10, angle=30)
    annotation = normalise_annotation(drawing([ellipse]))
    twice = normalise_annotation(annotation)  # a second pass (the server and the engine) changes nothing
    (mark,) = twice["value"]
    assert (mark["x"], mark["y"], mark["angle"], mark["x_center"], mark["tool"]) == (50, 60, -30, 50, 0)
    # before 2023 FEM circles wrote `radius`
    (circle,) = normalise_annotation(drawing([fem_mark("circle", x_center=5, y_center=6, radius=7)]))["value"]
    assert (circle["x"], circle["y"], circle["r"]) == (5, 6, 7)
    # a range keeps its centre x, as the peer writes it (the shape reducer converts on mixed subjects)
    (rng,) = normalise_annotation(drawing([{"tool": 1, "toolType": "graph2dRangeX", "x": 100, "width": 10}]))["value"]
    assert (rng["x"], rng["frame"], rng["details"]) == (100, 0, [])
    assert "x_center" not in rng


def test_classic_marks_are_left_as_they_are() -> None:
    from zooagg.exports.marks import normalise_annotation

    mark = classic_mark(x=40, y=55, width=20, height=10)
    (out,) = normalise_annotation(drawing([mark]))["value"]
    assert out is mark
    assert out == classic_mark(x=40, y=55, width=20, height=10)


def test_a_junk_item_among_fem_marks_drops_only_itself(run_cli: RunCli, tmp_path: Path) -> None:
    """A FEM drawing value holding a non-object next to two rectangles: the rectangles are still
    converted (centre (50, 60), 20 x 10: top-left (40, 55)) and extracted; the junk item is one
    dropped mark, and the classification is not rejected."""
    rows = [fem_row(100, [drawing([fem_mark("rectangle", x_center=50, y_center=60, width=20, height=10), "junk",
                                   fem_mark("rectangle", x_center=52, y_center=60, width=20, height=10)])], 1)]
    export = write_export(tmp_path / "classifications.csv", rows)
    config = write_yaml(tmp_path / "extractor.yaml", "extractor_config:\n    shape_extractor_rectangle: "
                        "[{task: T0, shape: rectangle}]\nworkflow_id: 1\nworkflow_version: '1.1'\n")
    result = run_cli(["extract", export, config, "-d", tmp_path / "out", "-hb"], tmp_path)
    assert result.code == 0, result.err
    assert "0 rejected, 1 marks dropped" in result.out
    (row,) = read_rows(tmp_path / "out" / "shape_extractor_rectangle_extractions.csv")
    assert cell(row["data.frame0.T0_toolIndex0_x"]) == [40.0, 42.0]
    (reject,) = read_rows(tmp_path / "out" / "extractions_rejects.csv")
    assert "mark 1 of task T0 is not an object: mark dropped" in reject["reason"]
