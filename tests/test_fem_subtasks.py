"""FEM sub-tasks: flattened `T0.<tool>.<n>` answers with `markIndex`, attached to their marks,
extracted and reduced per cluster, on the export-shaped fixture `data/fem/birds_*` (see
`data/fem/make_fixtures.py`) and on a subject classified on both front ends.

Hand-worked values for subject 501 (four volunteers; ages 0 Adult, 1 Juvenile; species 0
Robin, 1 Wren, 2 Tit):

| cluster | points (ana, ben, cai) | centre | age votes | species votes |
|---|---|---|---|---|
| 0 | (100,100) (102,98) (99,101) | (301/3, 299/3) | ana 0, ben 0, cai 1 | Wren x3 |
| 1 | (300,300) (298,303) (301,299) | (899/3, 902/3) | 1, 1, 1 | Tit, Robin, Tit |

dee's one point (500, 50) is noise. T1 (dropdown-simple, exported in the 2021 and 2026 forms):
ana Ash (index 1), ben Ash, cai Oak (0), dee Ash.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from conftest import DATA, RunCli, read_rows

from zooagg.tasks.drawing_details_reduce import reduce_details, split_details
from zooagg.tasks.drawing_reduce import point_reducer_dbscan

FEM = DATA / "fem"
BOTH_FRONT_ENDS = """\
extractor_config:
    point_extractor_by_frame:
    -   task: T0
        tools: [0]
        details:
            T0_tool0: [question_extractor, dropdown_extractor]
            T0_toolIndex0_subtask0: question_extractor
            T0_toolIndex0_subtask1: dropdown_extractor
    dropdown_extractor:
    -   task: T1
workflow_id: 9001
"""
POINT_REDUCER = """\
reducer_config:
    point_reducer_dbscan:
        eps: 5
        min_samples: 2
        details:
            T0_tool0: [question_reducer, dropdown_reducer]
            T0_toolIndex0_subtask0: question_reducer
            T0_toolIndex0_subtask1: dropdown_reducer
"""


def cell(row: dict[str, str], key: str) -> object:
    return ast.literal_eval(row[key])


def test_fem_sub_task_answers_are_reduced_per_cluster(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "e.yaml").write_text(BOTH_FRONT_ENDS)
    (tmp_path / "r.yaml").write_text(POINT_REDUCER)
    (tmp_path / "d.yaml").write_text("reducer_config:\n    dropdown_reducer: {}\n")
    out = tmp_path / "out"
    result = run_cli(["extract", FEM / "birds_classifications.csv", tmp_path / "e.yaml", "-d", out], tmp_path)
    assert result.code == 0, result.err
    extracts = read_rows(out / "point_extractor_by_frame_extractions.csv")
    assert cell(extracts[1], "data.frame0.T0_toolIndex0_subtask1") == [{"value": [{"1": 1}]}, {"value": [{"0": 1}]}]
    assert "data.frame0.T0_tool0_details" not in extracts[0]  # FEM rows: the classic key finds nothing

    assert run_cli(["reduce", out / "point_extractor_by_frame_extractions.csv", tmp_path / "r.yaml", "-d", out],
                   tmp_path).code == 0
    (row,) = read_rows(out / "point_reducer_dbscan_reductions.csv")
    assert cell(row, "data.frame0.T0_toolIndex0_cluster_labels") == [0, 1, 0, 1, 0, 1, -1]
    assert cell(row, "data.frame0.T0_toolIndex0_clusters_x") == pytest.approx([301 / 3, 899 / 3])
    assert cell(row, "data.frame0.T0_toolIndex0_clusters_y") == pytest.approx([299 / 3, 902 / 3])
    assert cell(row, "data.frame0.T0_toolIndex0_subtask0_clusters") == [{"0": 2, "1": 1}, {"1": 3}]
    assert cell(row, "data.frame0.T0_toolIndex0_subtask1_clusters") == [
        {"value": [{"1": 3}]}, {"value": [{"2": 2, "0": 1}]}]
    assert row["data.classifier_version"] == "2.0"
    # the classic key of the same config adds nothing to FEM-only subjects
    assert not [k for k in row if "T0_tool0" in k]

    assert run_cli(["reduce", out / "dropdown_extractor_extractions.csv", tmp_path / "d.yaml", "-d", out],
                   tmp_path).code == 0
    (votes,) = read_rows(out / "dropdown_reducer_reductions.csv")
    assert cell(votes, "data.value") == [{"1": 3, "0": 1}]  # the 2021 and 2026 forms of Ash count as one


def test_use_v1_keys_from_extract_to_reduce_with_the_configs_zooagg_writes(run_cli: RunCli, tmp_path: Path) -> None:
    """The same birds with `use_v1_keys: true` added to the extractor and the configs otherwise as
    `zooagg config` writes them (FEM keys `T0_toolIndex0_subtask<n>`): every column is `T0_tool0_*`,
    and the sub-task votes per cluster are the ones above."""
    (tmp_path / "e.yaml").write_text(BOTH_FRONT_ENDS.replace("        tools: [0]\n", "        tools: [0]\n        use_v1_keys: true\n"))
    (tmp_path / "r.yaml").write_text(POINT_REDUCER)
    out = tmp_path / "out"
    assert run_cli(["extract", FEM / "birds_classifications.csv", tmp_path / "e.yaml", "-d", out], tmp_path).code == 0
    extracts = read_rows(out / "point_extractor_by_frame_extractions.csv")
    assert cell(extracts[1], "data.frame0.T0_tool0_subtask1") == [{"value": [{"1": 1}]}, {"value": [{"0": 1}]}]
    assert not [k for row in extracts for k in row if "toolIndex" in k]
    assert run_cli(["reduce", out / "point_extractor_by_frame_extractions.csv", tmp_path / "r.yaml", "-d", out],
                   tmp_path).code == 0
    (row,) = read_rows(out / "point_reducer_dbscan_reductions.csv")
    assert cell(row, "data.frame0.T0_tool0_cluster_labels") == [0, 1, 0, 1, 0, 1, -1]
    assert cell(row, "data.frame0.T0_tool0_subtask0_clusters") == [{"0": 2, "1": 1}, {"1": 3}]
    assert cell(row, "data.frame0.T0_tool0_subtask1_clusters") == [{"value": [{"1": 3}]}, {"value": [{"2": 2, "0": 1}]}]


def test_a_subject_classified_on_both_front_ends_keeps_both_answers() -> None:
    """Two classic and two FEM volunteers mark the same two birds; one config holds both key
    forms. The reducer clusters both front ends' marks together, and the classic answers join
    the FEM sub-task's clusters (the peer, given a mix of 1.0 and 2.0 extracts, reduces no
    sub-task at all). Cluster near x=100: ages 0 (classic), 1 (classic), 0, 0 (FEM); near 300:
    1, 1, 1, 0."""
    classic = [{"frame0": {"T0_tool0_x": [100, 300], "T0_tool0_y": [100, 300],
                           "T0_tool0_details": [[{"0": 1}], [{"1": 1}]]}},
               {"frame0": {"T0_tool0_x": [101, 301], "T0_tool0_y": [99, 300],
                           "T0_tool0_details": [[{"1": 1}], [{"1": 1}]]}}]
    fem = [{"classifier_version": "2.0",
            "frame0": {"T0_toolIndex0_x": [100, 299], "T0_toolIndex0_y": [101, 302],
                       "T0_toolIndex0_subtask0": [{"0": 1}, {"1": 1}]}},
           {"classifier_version": "2.0",
            "frame0": {"T0_toolIndex0_x": [102, 300], "T0_toolIndex0_y": [100, 298],
                       "T0_toolIndex0_subtask0": [{"0": 1}, {"0": 1}]}}]
    out = point_reducer_dbscan(classic + fem, user_ids=[1, 2, 3, 4], eps=5, min_samples=2,
                               details={"T0_tool0": ["question_reducer"],
                                        "T0_toolIndex0_subtask0": "question_reducer"})
    frame = out["frame0"]
    assert frame["T0_toolIndex0_cluster_labels"] == [0, 1, 0, 1, 0, 1, 0, 1]
    assert frame["T0_toolIndex0_clusters_x"] == pytest.approx([100.75, 300.0])
    assert frame["T0_toolIndex0_subtask0_clusters"] == [{"0": 3, "1": 1}, {"1": 3, "0": 1}]
    assert "classifier_version" not in out  # a mixed subject is not all 2.0


def test_details_keys_split_by_front_end() -> None:
    classic, fem = split_details({"T0_tool0": ["question_reducer"], "T0_toolIndex0_subtask1": "dropdown_reducer",
                                  "T0_tool0_subtask0": "text_reducer"})
    assert classic == {"T0_tool0": ["question_reducer"]}
    assert fem == {"T0_toolIndex0_subtask1": "dropdown_reducer", "T0_tool0_subtask0": "text_reducer"}


def test_classic_answers_follow_their_marks_into_fem_clusters() -> None:
    """Where the reducer clustered a subject's classic and FEM marks of tool 0 together (one
    label list under the FEM name), the classic marks' answers go into the FEM sub-task's
    clusters in mark order. Marks in extract order: classic (age 0 + Wren, age 1 without a
    species), FEM (0 + Wren, 1 + Tit), FEM (0 + Wren); labels [0, 1, 0, 1, 0]."""
    wren, tit = {"value": [{"1": 1}]}, {"value": [{"2": 1}]}
    extracts: list[dict[str, Any]] = [
                {"frame0": {"T0_tool0_x": [1, 9], "T0_tool0_details": [[{"0": 1}, wren], [{"1": 1}]]}},
                {"classifier_version": "2.0", "frame0": {"T0_toolIndex0_x": [1, 9],
                                                         "T0_toolIndex0_subtask0": [{"0": 1}, {"1": 1}],
                                                         "T0_toolIndex0_subtask1": [wren, tit]}},
                {"classifier_version": "2.0", "frame0": {"T0_toolIndex0_x": [1],
                                                         "T0_toolIndex0_subtask0": [{"0": 1}],
                                                         "T0_toolIndex0_subtask1": [wren]}}]
    result: dict[str, Any] = {"frame0": {"T0_toolIndex0_cluster_labels": [0, 1, 0, 1, 0]}}
    reduce_details(result, extracts, {"T0_tool0": ["question_reducer", "dropdown_reducer"],
                                      "T0_toolIndex0_subtask0": "question_reducer",
                                      "T0_toolIndex0_subtask1": "dropdown_reducer"}, [1, 2, 3])
    frame = result["frame0"]
    assert frame["T0_toolIndex0_subtask0"] == [{"0": 1}, {"1": 1}, {"0": 1}, {"1": 1}, {"0": 1}]
    assert frame["T0_toolIndex0_subtask0_clusters"] == [{"0": 3}, {"1": 2}]
    assert frame["T0_toolIndex0_subtask1"] == [wren, None, wren, tit, wren]
    assert frame["T0_toolIndex0_subtask1_clusters"] == [{"value": [{"1": 3}]}, {"value": [{"2": 1}]}]
    assert "T0_tool0_clusters_details" not in frame  # the classic marks have no clusters of their own
    assert "classifier_version" not in result


def test_use_v1_keys_names_fem_sub_tasks_as_their_marks() -> None:
    """With `use_v1_keys` a FEM mark's columns are `T0_tool0_*`, and so are its sub-task answers
    (`T0_tool0_subtask0`), whichever of the two key forms the details config uses."""
    from zooagg.exports.marks import normalise_annotations
    from zooagg.tasks.drawing import shape_extractor

    annotations = normalise_annotations([
        {"task": "T0", "taskType": "drawing",
         "value": [{"frame": 0, "toolIndex": 0, "toolType": "point", "x": 5, "y": 6, "details": [{"task": "T0.0.0"}]}]},
        {"task": "T0.0.0", "taskType": "single", "markIndex": 0, "value": 1}])
    fem = {"metadata": {"classifier_version": "2.0"}}
    for details in ({"T0_toolIndex0_subtask0": "question_extractor"}, {"T0_tool0_subtask0": "question_extractor"}):
        v1 = shape_extractor(annotations, fem, shape="point", details=details, use_v1_keys=True)
        assert v1["frame0"] == {"T0_tool0_x": [5], "T0_tool0_y": [6], "T0_tool0_subtask0": [{"1": 1}]}
    plain = shape_extractor(annotations, fem, shape="point", details={"T0_toolIndex0_subtask0": "question_extractor"})
    assert plain["frame0"]["T0_toolIndex0_subtask0"] == [{"1": 1}]


@pytest.mark.parametrize("fem_key", ["T0_tool0_subtask0", "T0_toolIndex0_subtask0"])
def test_with_v1_keys_classic_answers_join_the_fem_sub_task_once(fem_key: str) -> None:
    """The mixed subject above with v1 names: every mark is `T0_tool0`, one label list; the
    classic answers go into sub-task 0's clusters (ages 0, 1 classic, 0, 0 FEM near x=100; 1, 1,
    1, 0 near 300), and the classic `details` key is not reduced a second time over labels that
    count the FEM marks too."""
    classic = [{"frame0": {"T0_tool0_x": [100, 300], "T0_tool0_y": [100, 300],
                           "T0_tool0_details": [[{"0": 1}], [{"1": 1}]]}},
               {"frame0": {"T0_tool0_x": [101, 301], "T0_tool0_y": [99, 300],
                           "T0_tool0_details": [[{"1": 1}], [{"1": 1}]]}}]
    fem = [{"classifier_version": "2.0",
            "frame0": {"T0_tool0_x": [100, 299], "T0_tool0_y": [101, 302], "T0_tool0_subtask0": [{"0": 1}, {"1": 1}]}},
           {"classifier_version": "2.0",
            "frame0": {"T0_tool0_x": [102, 300], "T0_tool0_y": [100, 298], "T0_tool0_subtask0": [{"0": 1}, {"0": 1}]}}]
    # the config may name the sub-task either way (`zooagg config` writes the toolIndex form)
    out = point_reducer_dbscan(classic + fem, user_ids=[1, 2, 3, 4], eps=5, min_samples=2,
                               details={"T0_tool0": ["question_reducer"], fem_key: "question_reducer"})
    frame = out["frame0"]
    assert frame["T0_tool0_cluster_labels"] == [0, 1, 0, 1, 0, 1, 0, 1]
    assert frame["T0_tool0_subtask0_clusters"] == [{"0": 3, "1": 1}, {"1": 3, "0": 1}]
    assert "T0_tool0_clusters_details" not in frame


def test_fem_only_v1_named_answers_are_reduced_with_the_config_zooagg_writes() -> None:
    """Two FEM volunteers, extracted with `use_v1_keys`; the reducer config as `zooagg config`
    writes it (`T0_toolIndex0_subtask0`): the answers are found under their v1 name."""
    fem = [{"classifier_version": "2.0", "frame0": {"T0_tool0_x": [100], "T0_tool0_y": [100],
                                                    "T0_tool0_subtask0": [{"1": 1}]}},
           {"classifier_version": "2.0", "frame0": {"T0_tool0_x": [102], "T0_tool0_y": [101],
                                                    "T0_tool0_subtask0": [{"1": 1}]}}]
    out = point_reducer_dbscan(fem, user_ids=[1, 2], eps=5, min_samples=2,
                               details={"T0_toolIndex0_subtask0": "question_reducer"})
    assert out["frame0"]["T0_tool0_subtask0_clusters"] == [{"1": 2}]
    assert "T0_toolIndex0_subtask0_clusters" not in out["frame0"]
