"""The consensus table: values worked out by hand from the annotations of a few real subjects.

Inputs are every classification of the named subjects, copied from the real exports
(tests/data/consensus/README.md). Each expected value below is counted from those rows,
after the repeat filter (`-F first`: a volunteer's first classification of a subject counts).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from conftest import DATA, RunCli

from zooagg.consensus import consensus_table
from zooagg.consensus.marks import centres

CONSENSUS = DATA / "consensus"


def table_of(run_cli: RunCli, tmp_path: Path, *inputs: str | Path) -> dict[str, dict[str, str]]:
    result = run_cli(["run", *inputs, "-d", "out", "-hb"], tmp_path)
    assert result.code == 0, result.err
    paths = sorted((tmp_path / "out").rglob("consensus_workflow_*.csv"))
    assert len(paths) == 1, paths
    with paths[0].open(newline="", encoding="utf-8") as handle:
        return {row["subject_id"]: row for row in csv.DictReader(handle)}


def test_question_text_points_circles_and_lines(run_cli: RunCli, tmp_path: Path) -> None:
    rows = table_of(run_cli, tmp_path, CONSENSUS / "many_tools.csv")
    # 458021: cmk24 "Write text" first (then "Sleeping" twice, repeats), anonymous "Sleeping":
    # a tie, shown as the tied answer first in the workflow's order (Sleeping is answer 2, Write text 4)
    tied = rows["458021"]
    assert (tied["classifications"], tied["T0_answer"], tied["T0_votes"], tied["T0_total"],
            tied["T0_agreement"], tied["T0_tie"]) == ("4", "Sleeping", "1", "2", "0.5", "True")
    # 458022: "Draw shapes" once, "Other" by four volunteers
    other = rows["458022"]
    assert (other["T0_answer"], other["T0_votes"], other["T0_total"], other["T0_agreement"],
            other["T0_tie"]) == ("Other", "4", "5", "0.8", "False")
    # text: four volunteers typed "1"
    assert (other["T1_text"], other["T1_score"], other["T1_views"]) == ("1", "4.0", "4")
    # eyes (points): 10 marks in two clusters; the left one is the mean of its five marks
    left_x = (185.25 + 183.3125 + 185.02001953125 + 183.96875 + 189.8125) / 5
    assert (other["T2_tool0_marks"], other["T2_tool0_clusters"]) == ("10", "2")
    assert other["T2_tool0_centres"].startswith(f"({left_x:.1f}, ")
    # nose (circles): three of six circles agree, centred at their mean
    nose_x = (230.3125 + 231.74002075195312 + 229.19921875) / 3
    nose_y = (217.625 + 217.1800079345703 + 217.140625) / 3
    assert other["T3_tool0_centres"] == f"({nose_x:.1f}, {nose_y:.1f})"
    assert other["T3_marks_without_consensus"] == "False"
    # ears (rectangles): nine boxes, no cluster at the default eps: flagged
    assert (other["T4_tool0_marks"], other["T4_tool0_clusters"], other["T4_marks_without_consensus"]) == \
        ("9", "0", "True")
    # 458031: one volunteer underlined three features (line + text) on an early version
    lines = rows["458031"]
    assert (lines["T5_lines"], lines["T5_text"], lines["T5_score"]) == ("3", "Ear | Eyes | Ear", "1.0")


def test_classifications_per_task(run_cli: RunCli, tmp_path: Path) -> None:
    """Per task, the classifications that gave it something, one per volunteer (-F first)."""
    rows = table_of(run_cli, tmp_path, CONSENSUS / "many_tools.csv")
    # 458021: cmk24's three classifications count once, with the anonymous volunteer's: 2 of 4
    assert (rows["458021"]["classifications"], rows["458021"]["T0_classifications"]) == ("4", "2")
    # 458022: five volunteers answered T0; cmk24's was on version 36.23, which had no text task T1
    assert (rows["458022"]["T0_classifications"], rows["458022"]["T1_classifications"]) == ("5", "4")
    # 458031: only cmk24's version-36.23 classification has the line task T5
    assert (rows["458031"]["classifications"], rows["458031"]["T5_classifications"]) == ("5", "1")
    columns = list(rows["458031"])
    assert columns.index("T0_classifications") == columns.index("T0_answer") - 1
    assert columns.index("T2_classifications") == columns.index("T2_tool0_marks") - 1


def test_survey_share_and_species_seen(run_cli: RunCli, tmp_path: Path) -> None:
    rows = table_of(run_cli, tmp_path, CONSENSUS / "survey_building_blocks.csv")
    # Pmason: civet first (later genet, hippopotamus: repeats); 4u2c genet; anonymous genet
    row = rows["13118618"]
    assert (row["classifications"], row["T0_answer"], row["T0_votes"], row["T0_total"], row["T0_agreement"],
            row["T0_tie"], row["T0_species_seen"]) == ("7", "genet", "2", "3", "0.667", "False", "2")
    assert row["T0_classifications"] == "3"  # three volunteers


def test_survey_tie_and_shortcut(run_cli: RunCli, tmp_path: Path) -> None:
    rows = table_of(run_cli, tmp_path, CONSENSUS / "kenya.csv")
    # two volunteers said LPHNT (older choice id), two ELEPHANT; the fifth row is a repeat
    row = rows["4592673"]
    assert (row["classifications"], row["T3_votes"], row["T3_total"], row["T3_agreement"], row["T3_tie"],
            row["T3_species_seen"]) == ("5", "2", "4", "0.5", "True", "2")
    assert (row["T1_answer"], row["T1_votes"], row["T1_agreement"]) == ("Daytime", "4", "1.0")
    assert (row["T5_answer"], row["T5_votes"], row["T5_classifications"]) == ("", "0", "0")
    assert (rows["4592674"]["T5_answer"], rows["4592674"]["T5_votes"]) == ("Nothing Here", "1")


def test_multiple_answer_question_and_line_tools(run_cli: RunCli, tmp_path: Path) -> None:
    rows = table_of(run_cli, tmp_path, CONSENSUS / "example_4759.csv")
    # 1910608: Pmason ticked answers 1, 3 and 5 of the multiple-answer question T2: one vote
    # each, three in all, a three-way tie shown as the first of them in the reduction
    tied = rows["1910608"]
    assert (tied["T2_classifications"], tied["T2_answer"], tied["T2_votes"], tied["T2_total"], tied["T2_agreement"],
            tied["T2_tie"]) == ("1", "Answer number 1", "1", "3", "0.333", "True")
    # and dropped two red points (tool 1) of T1; one volunteer's marks make no cluster
    assert (tied["T1_tool1_marks"], tied["T1_tool1_clusters"], tied["T1_marks_without_consensus"]) == \
        ("2", "0", "True")
    assert (tied["T3_classifications"], tied["T3_tool1_marks"], tied["T3_tool2_marks"]) == ("0", "0", "0")
    # 1910611: one full-height line (tool 1) and two bezier lines (tool 2) in T3, no T1 points
    lines = rows["1910611"]
    assert (lines["T3_classifications"], lines["T3_tool1_marks"], lines["T3_tool2_marks"],
            lines["T3_tool1_clusters"], lines["T3_tool2_clusters"]) == ("1", "1", "2", "0", "0")
    assert (lines["T1_classifications"], lines["T1_tool1_marks"]) == ("0", "0")
    assert (lines["T2_answer"], lines["T2_votes"], lines["T2_total"]) == ("Answer number 2", "1", "1")


def test_question_and_survey_in_one_workflow(run_cli: RunCli, tmp_path: Path) -> None:
    row = table_of(run_cli, tmp_path, CONSENSUS / "michigan.csv")["4593749"]
    assert (row["T2_answer"], row["T2_votes"], row["T2_total"], row["T2_agreement"]) == ("Clear", "2", "3", "0.667")
    assert (row["T3_answer"], row["T3_votes"], row["T3_agreement"], row["T3_species_seen"]) == ("deer", "3", "1.0", "1")


def test_dropdown_and_transcribed_text(run_cli: RunCli, tmp_path: Path) -> None:
    row = table_of(run_cli, tmp_path, CONSENSUS / "nfn.csv")["2060376"]
    # option labels come from the annotations (no workflow export): 840 -> its label, and so on
    assert (row["T1_select0_answer"], row["T1_select0_votes"], row["T1_select0_agreement"]) == \
        ("United States of America", "2", "1.0")
    assert (row["T1_select1_answer"], row["T1_select2_answer"]) == ("Florida", "Collier")
    # both typed "Cassytha filiformis"; Location: 8 aligned words, 6 typed by both -> (2*6+2)/8
    assert (row["T2_text"], row["T2_score"]) == ("Cassytha filiformis", "2.0")
    assert (row["T3_text"], row["T3_score"], row["T3_views"]) == ("Collier county. Ca. 1 mile s. of Naples.", "1.75", "2")


def test_fem_outlines_and_subject_export_metadata(run_cli: RunCli, tmp_path: Path) -> None:
    row = table_of(run_cli, tmp_path, CONSENSUS / "kitteh.csv", DATA / "kitteh_subjects.csv")["458021"]
    assert (row["classifications"], row["T0_tool0_marks"], row["T0_tool0_clusters"],
            row["T0_marks_without_consensus"]) == ("5", "5", "1", "False")
    assert row["metadata.image_name"] == "6672150457_420d61007d_b.jpg"


def test_labels_and_metadata_from_a_workflow_export(run_cli: RunCli, tmp_path: Path) -> None:
    rows = table_of(run_cli, tmp_path, DATA / "slsn_wf_export.csv", DATA / "slsn_cls_export.csv", "10")
    assert (rows["96588105"]["T0_answer"], rows["96588105"]["T1_answer"], rows["96588105"]["T1_votes"]) == \
        ("No", "", "0")
    assert rows["96588109"]["T1_answer"] == "No"
    assert rows["96588105"]["metadata.objectId"] == "ZTF22abycniv"


def test_consensus_command_remakes_the_table_and_writes_parquet(run_cli: RunCli, tmp_path: Path) -> None:
    table_of(run_cli, tmp_path, CONSENSUS / "michigan.csv")
    path = tmp_path / "out" / "workflow_2276" / "consensus_workflow_2276.csv"
    first = path.read_bytes()
    path.unlink()
    result = run_cli(["consensus", "out"], tmp_path)
    assert result.code == 0, result.err
    assert path.read_bytes() == first
    result = run_cli(["consensus", "out", "--format", "parquet", "--no-metadata"], tmp_path)
    assert result.code == 0, result.err
    import pyarrow.parquet as pq

    table = pq.read_table(path.with_suffix(".parquet"))
    assert table.schema.field("T2_votes").type == "int64"
    assert table.schema.field("T2_agreement").type == "double"
    assert table.schema.field("T2_tie").type == "bool"
    assert not [name for name in table.column_names if name.startswith("metadata.")]
    assert table.column("T2_answer").to_pylist() == ["Clear"]


def test_consensus_command_on_a_folder_without_reductions(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli(["consensus", tmp_path], tmp_path)
    assert result.code == 2
    assert result.err_lines == [f"Error: file {tmp_path}: no reductions here (run `zooagg run` first and "
                                "give its -d folder)"]


# ---- the pure function, on reductions no real dataset has -----------------------------------

def reduction(subject: str, task: str, reducer: str, **data: object) -> dict[str, object]:
    return {"subject_id": subject, "workflow_id": "1", "task": task, "reducer": reducer,
            **{f"data.{k}": v for k, v in data.items()}}


def test_slider_median_and_spread() -> None:
    table = consensus_table([reduction("1", "T0", "slider_reducer", slider_mean=2.0, slider_median=1.5,
                                       slider_var=2.25)])
    assert table.rows[0]["T0_median"] == 1.5
    assert table.rows[0]["T0_sd"] == 1.5


def test_answers_by_index_slug_and_pairs() -> None:
    labels = {"T0.answers.0.label": "Yes", "T0.answers.1.label": "Not sure!"}
    table = consensus_table([
        reduction("1", "T0", "question_reducer", **{"0": 3, "1": 1}),
        reduction("2", "T0", "question_reducer", **{"not-sure": 2, "yes": 2}),
        reduction("3", "T0", "question_reducer", **{"0+1": 2}),
        reduction("4", "T0", "question_consensus_reducer", most_likely="1", num_votes=3, agreement=0.75),
    ], labels)
    cells = [(r["T0_answer"], r["T0_votes"], r["T0_total"], r["T0_tie"]) for r in table.rows]
    assert cells == [("Yes", 3, 4, False), ("Yes", 2, 4, True), ("Yes + Not sure!", 2, 2, False),
                     ("Not sure!", 3, 4, None)]


def test_dropdown_option_labels_from_the_task_labels_file() -> None:
    labels = {"T1.selects.0.options.*.0.label": {"840": "United States"},
              "T1.selects.0.options.*.1.label": {"FL": "Florida"}}
    table = consensus_table([reduction("1", "T1", "dropdown_reducer", value=[{"840": 1, "fl": 3}])], labels)
    assert (table.rows[0]["T1_answer"], table.rows[0]["T1_votes"], table.rows[0]["T1_agreement"]) == \
        ("Florida", 3, 0.75)


@pytest.mark.parametrize(("params", "expected"), [
    ({"clusters_x": [10.0], "clusters_y": [20.0], "clusters_width": [4.0], "clusters_height": [6.0]}, [(12.0, 23.0)]),
    ({"clusters_x1": [0.0], "clusters_y1": [0.0], "clusters_x2": [10.0], "clusters_y2": [4.0]}, [(5.0, 2.0)]),
    ({"clusters_x": [[0.0, 4.0, 4.0, 0.0]], "clusters_y": [[0.0, 0.0, 2.0, 2.0]]}, [(2.0, 1.0)]),
    ({"clusters_x": [1.0, 3.0], "clusters_y": [2.0, 4.0]}, [(1.0, 2.0), (3.0, 4.0)]),
])
def test_cluster_centres_by_shape(params: dict[str, object], expected: list[tuple[float, float]]) -> None:
    assert centres(params) == expected


def test_reducers_without_a_summary_are_counted_not_dropped() -> None:
    table = consensus_table([reduction("1", "T0", "first_n_true_reducer", result=True)])
    assert table.skipped == {"first_n_true_reducer": 1}
    assert table.columns == ["subject_id", "workflow_id"]


def test_a_new_reducer_reaches_the_table_through_its_decorator_alone() -> None:
    """Adding a component is one decorated function: a plugin's vote reducer that says
    `consensus="votes"` gets the question columns, with nothing edited in zooagg.consensus."""
    from zooagg import registry
    from zooagg.registry import store

    def weighted_votes(extracts: list[dict[str, int]]) -> dict[str, int]:
        return {}

    weighted_votes.__module__ = "someone.plugin"
    rows = [reduction("1", "T0", "someone_votes_reducer", **{"yes": 3, "no": 1})]
    assert consensus_table(rows).skipped == {"someone_votes_reducer": 1}
    registry.reducer("someone_votes_reducer", consensus="votes")(weighted_votes)
    try:
        row = consensus_table(rows).rows[0]
    finally:
        del store._REGISTRY["reducer"]["someone_votes_reducer"]
    assert (row["T0_answer"], row["T0_votes"], row["T0_total"], row["T0_agreement"]) == ("yes", 3, 4, 0.75)


def test_frames_are_named_in_the_centres() -> None:
    row = reduction("1", "T0", "point_reducer_dbscan", **{
        "frame0.T0_tool0_cluster_labels": [0], "frame0.T0_tool0_clusters_x": [1.0],
        "frame0.T0_tool0_clusters_y": [2.0], "frame1.T0_tool0_cluster_labels": [0, -1],
        "frame1.T0_tool0_clusters_x": [3.0], "frame1.T0_tool0_clusters_y": [4.0]})
    cells = consensus_table([row]).rows[0]
    assert (cells["T0_tool0_marks"], cells["T0_tool0_clusters"], cells["T0_tool0_centres"]) == \
        (3, 2, "(1.0, 2.0); frame 1: (3.0, 4.0)")
    assert json.dumps(cells["T0_marks_without_consensus"]) == "false"


# ---- only the latest run's files: no stale weighted answers or reductions ------------------

def header_of(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return next(csv.reader(handle))


def test_a_new_run_leaves_an_earlier_runs_weighted_answers_and_reductions_out(run_cli: RunCli, tmp_path: Path) -> None:
    table = tmp_path / "out" / "workflow_2276" / "consensus_workflow_2276.csv"
    result = run_cli(["run", CONSENSUS / "michigan.csv", "-d", "out", "-hb", "--weight", "majority_vote"], tmp_path)
    assert result.code == 0, result.err
    assert "T2_majority_vote" in header_of(table)
    # a reduction file an earlier run left (a reducer since dropped): a task T9 nobody asked now
    folder = table.parent
    old = (folder / "question_reducer_reductions.csv").read_text(encoding="utf-8").replace(",T2,", ",T9,")
    (folder / "dropped_reducer_reductions.csv").write_text(old, encoding="utf-8")
    result = run_cli(["run", CONSENSUS / "michigan.csv", "-d", "out", "-hb"], tmp_path)
    assert result.code == 0, result.err
    assert (folder / "weighted_subjects_majority_vote.csv").exists()  # still there, but not this run's
    columns = header_of(table)
    assert not [c for c in columns if "majority_vote" in c or c.startswith("T9_")], columns
    assert run_cli(["consensus", "out"], tmp_path).code == 0
    assert header_of(table) == columns
    assert run_cli(["report", "out"], tmp_path).code == 0  # the report leaves the old reduction out too
    page = (folder / "report_workflow_2276.html").read_text(encoding="utf-8")
    assert "dropped_reducer_reductions.csv" not in page
    assert "Volunteer weighting" not in page  # the earlier run's weighing is not this run's
    # weighing now adds this method's answers, and only its
    result = run_cli(["weight", "out", "-m", "dawid_skene"], tmp_path)
    assert result.code == 0, result.err
    columns = header_of(table)
    assert "T2_dawid_skene" in columns
    assert "T2_majority_vote" not in columns
    assert run_cli(["consensus", "out"], tmp_path).code == 0
    assert header_of(table) == columns
    manifest = json.loads((tmp_path / "out" / "zooagg-run.json").read_text(encoding="utf-8"))
    assert manifest["runs"][0]["weighted"] == ["weighted_subjects_dawid_skene.csv"]
    assert "_root" not in manifest
