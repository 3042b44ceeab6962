"""`zooagg weight` on real extracts (the Michigan ZoomIn golden case): the tables it writes,
scoring against a truth file, and its errors."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import RunCli, read_rows

CASE = Path(__file__).parent / "golden" / "michigan-2276"
EXTRACTS = [CASE / "expected" / "question_extractor_extractions.csv",
            CASE / "expected" / "survey_extractor_extractions.csv"]


def _truth(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["subject_id", "task", "label"])
        writer.writerows(rows)
    return path


def test_weight_writes_subjects_and_volunteers(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli(["weight", *EXTRACTS, "-m", "dawid_skene", "-m", "majority_vote", "-d", tmp_path,
                      "--classifications", CASE / "classifications.csv"])
    assert result.code == 0, result.err
    subjects = read_rows(tmp_path / "weighted_subjects_dawid_skene.csv")
    assert {row["task"] for row in subjects} == {"T2", "T3", "T3.howmanyanimalsdoyousee", "T3.whatistheanimalsdoing"}
    weather = [row for row in subjects if row["task"] == "T2"]
    assert all(0 < float(row["probability"]) <= 1 for row in weather)
    assert all(row["majority_label"] in ("clear", "snow-or-snow-covered", "raining", "flooded") for row in weather)
    volunteers = read_rows(tmp_path / "weighted_volunteers_dawid_skene.csv")
    first = volunteers[0]
    assert int(first["answers"]) >= 1
    confusion = json.loads(first["confusion"])
    for row in confusion.values():
        assert sum(row.values()) == pytest.approx(1, abs=1e-3)
    assert "gold/expert answers: 21" in result.out  # the expert's rows are not a volunteer's


def test_weight_scores_against_a_truth_file(run_cli: RunCli, tmp_path: Path) -> None:
    subjects = sorted({row["subject_id"] for row in read_rows(EXTRACTS[0])})[:12]
    truth = _truth(tmp_path / "truth.csv", [(s, "T2", "clear") for s in subjects])
    result = run_cli(["weight", *EXTRACTS, "--truth", truth, "--score", "-m", "majority_vote",
                      "-m", "dawid_skene", "-m", "one_coin_dawid_skene", "-d", tmp_path, "--format", "parquet"])
    assert result.code == 0, result.err
    header = next(line for line in result.out.splitlines() if line.startswith("workflow_id"))
    assert header.split() == ["workflow_id", "task", "method", "truth_subjects", "accuracy", "macro_f1", "brier",
                              "calibration_error"]
    scores = pq.read_table(tmp_path / "weighting_scores.parquet").to_pylist()
    assert {row["method"] for row in scores} == {"majority_vote", "dawid_skene", "one_coin_dawid_skene"}
    assert all(row["truth_subjects"] == 12 and 0 <= row["accuracy"] <= 1 for row in scores)
    table = pq.read_table(tmp_path / "weighted_subjects_dawid_skene.parquet").to_pylist()
    assert {row["truth"] for row in table if row["task"] == "T2" and row["subject_id"] in subjects} == {"clear"}


def test_a_truth_file_naming_an_unknown_task_is_one_error(run_cli: RunCli, tmp_path: Path) -> None:
    truth = _truth(tmp_path / "truth.csv", [("4597474", "T9", "clear")])
    result = run_cli(["weight", *EXTRACTS, "--truth", truth, "-d", tmp_path])
    assert result.code == 2
    assert "the truth names task 'T9', which has no answers here" in result.err
    assert "row 4597474 (line 2)" in result.err
    assert "column task" in result.err
    assert "T2, T3" in result.err


def test_an_unknown_method_says_what_there_is(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli(["weight", *EXTRACTS, "-m", "dawid_skeen", "-d", tmp_path])
    assert result.code == 2
    assert "unknown weighting 'dawid_skeen'" in result.err
    assert "did you mean 'dawid_skene'?" in result.err


def test_swap_skips_tasks_that_are_not_yes_no(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli(["weight", *EXTRACTS, "-m", "swap", "-d", tmp_path])
    assert result.code == 0, result.err
    assert "Skipped T2: swap takes yes/no tasks; T2 has 4 answers" in result.out


def test_the_consensus_table_gains_the_weighted_answers(run_cli: RunCli, tmp_path: Path) -> None:
    folder = tmp_path / "workflow_2276"
    folder.mkdir()
    for path in (CASE / "expected").iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    assert run_cli(["consensus", tmp_path]).code == 0
    result = run_cli(["weight", folder, "-m", "dawid_skene"])
    assert result.code == 0, result.err
    assert "Saving consensus table (with the weighted answers)" in result.out
    table = read_rows(folder / "consensus_workflow_2276.csv")
    header = list(table[0])
    assert header.index("T2_dawid_skene") == header.index("T2_tie") + 1
    assert header.index("T2_dawid_skene_probability") == header.index("T2_dawid_skene") + 1
    weighted = {row["subject_id"]: row for row in read_rows(folder / "weighted_subjects_dawid_skene.csv")
                if row["task"] == "T2"}
    for row in table:
        if row["subject_id"] in weighted:
            assert float(row["T2_dawid_skene_probability"]) == float(weighted[row["subject_id"]]["probability"])


def test_dropdown_selects_are_weighed_and_named_by_their_options(run_cli: RunCli, tmp_path: Path) -> None:
    export = Path(__file__).parent / "data" / "nfn_expanded.csv"
    assert run_cli(["run", export, "-d", tmp_path, "-hb"]).code == 0
    result = run_cli(["weight", tmp_path, "-m", "majority_vote"])
    assert result.code == 0, result.err
    assert "T1.0, T1.1, T1.2" in result.out
    table = read_rows(next(tmp_path.glob("workflow_*/consensus_workflow_*.csv")))
    header = list(table[0])
    assert header.index("T1_select0_majority_vote") == header.index("T1_select0_tie") + 1
    assert header.index("T8_majority_vote") == header.index("T8_tie") + 1
    for row in table:
        if row["T1_select0_tie"] == "False":
            assert row["T1_select0_majority_vote"] == row["T1_select0_answer"]


def test_the_report_shows_the_scores(run_cli: RunCli, tmp_path: Path) -> None:
    folder = tmp_path / "workflow_2276"
    folder.mkdir()
    for path in (CASE / "expected").iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    subjects = sorted({row["subject_id"] for row in read_rows(EXTRACTS[0])})[:6]
    truth = _truth(tmp_path / "truth.csv", [(s, "T2", "clear") for s in subjects])
    assert run_cli(["weight", folder, "--truth", truth, "--score", "-m", "dawid_skene"]).code == 0
    assert run_cli(["report", tmp_path]).code == 0
    page = next(folder.glob("report_*.html")).read_text(encoding="utf-8")
    assert "<h2>Volunteer weighting</h2>" in page
    assert "<td>T2</td><td>dawid_skene</td><td class='num'>6</td>" in page
    assert "answer differs from the majority's" in page


def _without_volunteer(tmp_path: Path) -> tuple[Path, str]:
    rows = read_rows(EXTRACTS[0])
    rows[3]["user_name"] = rows[3]["user_id"] = ""
    path = tmp_path / "question_extractor_extractions.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path, rows[3]["classification_id"]


def test_a_bad_row_goes_to_the_rejects_file(run_cli: RunCli, tmp_path: Path) -> None:
    path, cid = _without_volunteer(tmp_path)
    result = run_cli(["weight", path, "-m", "majority_vote"])
    assert result.code == 0, result.err
    assert "rows rejected: 1" in result.out
    rejected = read_rows(tmp_path / "weighting_rejects.csv")
    assert [(r["row"], r["column"], r["task"]) for r in rejected] == [(cid, "user_name", "T2")]
    assert rejected[0]["reason"].startswith("no user_id and no user_name")


def test_strict_makes_a_bad_row_fatal(run_cli: RunCli, tmp_path: Path) -> None:
    path, cid = _without_volunteer(tmp_path)
    result = run_cli(["weight", path, "-m", "majority_vote", "--strict"])
    assert result.code == 2
    assert f"row {cid}, column user_name, task T2" in result.err
    assert "--strict makes bad rows fatal" in result.err
    assert not (tmp_path / "weighted_subjects_majority_vote.csv").exists()


def test_swap_learns_from_the_truth_file(run_cli: RunCli, tmp_path: Path) -> None:
    data = Path(__file__).parent / "data"
    assert run_cli(["run", data / "slsn_wf_export.csv", data / "slsn_cls_export.csv", "10", "-d", tmp_path, "-hb"]).code == 0
    folder = tmp_path / "workflow_10"
    answers = read_rows(folder / "question_extractor_extractions.csv")
    said = {row["subject_id"]: ("yes" if row["data.yes"] else "no") for row in answers if row["task"] == "T0"}
    truth = _truth(tmp_path / "truth.csv", [(s, "T0", label) for s, label in list(said.items())[:3]])
    result = run_cli(["weight", folder, "-m", "swap", "-t", "T0", "--truth", truth,
                      "-k", '{"swap": {"initial_skill": 0.5, "detection": 0.9}}'])
    assert result.code == 0, result.err
    volunteer = read_rows(folder / "weighted_volunteers_swap.csv")[0]
    assert float(volunteer["training"]) == 3  # the one volunteer classified the three truth subjects
    assert float(volunteer["PL"]) > 0.5 or float(volunteer["PD"]) > 0.5
    subjects = read_rows(folder / "weighted_subjects_swap.csv")
    assert {row["subject_id"] for row in subjects} == set(said)


def test_run_weighs_with_weight(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli(["run", CASE / "classifications.csv", "-d", tmp_path, "-hb", "--weight", "one_coin_dawid_skene"])
    assert result.code == 0, result.err
    folder = tmp_path / "workflow_2276"
    assert (folder / "weighted_volunteers_one_coin_dawid_skene.csv").exists()
    assert "T2_one_coin_dawid_skene" in read_rows(folder / "consensus_workflow_2276.csv")[0]


def test_run_with_a_misspelt_method_fails_before_running(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli(["run", CASE / "classifications.csv", "-d", tmp_path, "-hb", "--weight", "glade"])
    assert result.code == 2
    assert "unknown weighting 'glade'" in result.err
    assert not (tmp_path / "zooagg-run.json").exists()


def test_the_python_api_weighs_paths_and_frames(tmp_path: Path) -> None:
    import zooagg

    subjects = sorted({row["subject_id"] for row in read_rows(EXTRACTS[0])})[:8]
    truth = _truth(tmp_path / "truth.csv", [(s, "T2", "clear") for s in subjects])
    from_path = zooagg.weigh(EXTRACTS[0], method="one_coin_dawid_skene", truth=truth, score=True)
    from_frame = zooagg.weigh(zooagg.read_table(EXTRACTS[0]), method="one_coin_dawid_skene", truth=truth)
    assert from_path.subjects["label"].tolist() == from_frame.subjects["label"].tolist()
    assert from_path.scores is not None
    assert from_path.scores["truth_subjects"].tolist() == [8]
    assert from_frame.scores is None


def test_the_label_text_comes_from_the_workflows_task_labels(run_cli: RunCli, tmp_path: Path) -> None:
    """By hand: subject 10 has answers 0, 0, 1 on T0 (0 is "Yes, a galaxy"), so its majority
    label is 0, "Yes, a galaxy", share 2/3; subject 11 one answer 1, "No". Survey T1: subject 10
    two volunteers say ZBR ("Zebra"), one ZBR and LN together: "Zebra" by majority, and the
    pair's text is "Zebra + Lion". The same extract without a Task_labels file has no text column."""
    header = ["classification_id", "user_name", "user_id", "workflow_id", "task", "created_at", "subject_id",
              "extractor", "data.0", "data.1", "data.choice"]
    rows = [["1", "a", "1", "9", "T0", "2024-01-01 00:00:01 UTC", "10", "question_extractor", "1", "", ""],
            ["2", "b", "2", "9", "T0", "2024-01-01 00:00:02 UTC", "10", "question_extractor", "1", "", ""],
            ["3", "c", "3", "9", "T0", "2024-01-01 00:00:03 UTC", "10", "question_extractor", "", "1", ""],
            ["4", "a", "1", "9", "T0", "2024-01-01 00:00:04 UTC", "11", "question_extractor", "", "1", ""],
            ["1", "a", "1", "9", "T1", "2024-01-01 00:00:01 UTC", "10", "survey_extractor", "", "", "zbr"],
            ["2", "b", "2", "9", "T1", "2024-01-01 00:00:02 UTC", "10", "survey_extractor", "", "", "zbr"],
            ["3", "c", "3", "9", "T1", "2024-01-01 00:00:03 UTC", "10", "survey_extractor", "", "", "zbr"],
            ["3", "c", "3", "9", "T1", "2024-01-01 00:00:03 UTC", "10", "survey_extractor", "", "", "ln"]]
    for folder in ("plain", "labelled"):
        (tmp_path / folder).mkdir()
        with (tmp_path / folder / "extractions.csv").open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows([header, *rows])
    (tmp_path / "labelled" / "Task_labels_workflow_9_V1.1.yaml").write_text(
        "T0.answers.0.label: Yes, a galaxy\nT0.answers.1.label: 'No'\n"
        "T1.choices.ZBR.label: Zebra\nT1.choices.LN.label: Lion\n", encoding="utf-8")
    for folder in ("plain", "labelled"):
        result = run_cli(["weight", tmp_path / folder / "extractions.csv", "-m", "majority_vote"])
        assert result.code == 0, result.err
    assert "label_text" not in read_rows(tmp_path / "plain" / "weighted_subjects_majority_vote.csv")[0]
    table = read_rows(tmp_path / "labelled" / "weighted_subjects_majority_vote.csv")
    got = {(row["task"], row["subject_id"]): row for row in table}
    assert got["T0", "10"]["majority_label"] == "0"
    assert got["T0", "10"]["majority_share"] == "0.666667"
    assert got["T0", "10"]["label_text"] == got["T0", "10"]["majority_label_text"] == "Yes, a galaxy"
    assert got["T0", "11"]["label_text"] == "No"
    assert got["T1", "10"]["label"] == "zbr"
    assert got["T1", "10"]["label_text"] == "Zebra"
    assert list(table[0]).index("label_text") == list(table[0]).index("label") + 1
    import zooagg

    frame = zooagg.weigh(tmp_path / "labelled" / "extractions.csv", method="majority_vote").subjects
    assert dict(zip(frame["subject_id"].astype(str) + frame["task"], frame["label_text"], strict=True)) == {
        "10T0": "Yes, a galaxy", "11T0": "No", "10T1": "Zebra"}
    from zooagg.consensus.votes import Labels
    from zooagg.consensus.weighted import label_text

    assert label_text(Labels({"T1.choices.ZBR.label": "Zebra", "T1.choices.LN.label": "Lion"}), "T1", "zbr+ln",
                      True) == "Zebra + Lion"


def test_survey_question_answers_are_named_in_the_workflows_words(run_cli: RunCli, tmp_path: Path) -> None:
    """A survey question's answers (`answers_hwmn.1` in the extract) come out as the workflow's
    labels: two volunteers say 1 animal of the zebra, one says 2, so the majority is "one" (the
    workflow's label of answer 1); a pair of answers reads as both labels; an answer the workflow
    does not name stays as it is."""
    from zooagg.consensus.votes import Labels
    from zooagg.consensus.weighted import label_text

    labels = Labels({"T1.questions.HWMN.label": "How many?", "T1.questions.HWMN.answers.1.label": "one",
                     "T1.questions.HWMN.answers.2.label": "two", "T1.questions.BHVR.answers.MVNG.label": "Moving"})
    assert label_text(labels, "T1.hwmn", "1", False) == "one"
    assert label_text(labels, "T1.bhvr", "mvng+sttng", False) == "Moving + sttng"
    header = ["classification_id", "user_name", "user_id", "workflow_id", "task", "created_at", "subject_id",
              "extractor", "data.choice", "data.answers_hwmn.1", "data.answers_hwmn.2"]
    rows = [[str(i), f"u{i}", str(i), "9", "T1", f"2024-01-01 00:00:0{i} UTC", "10", "survey_extractor", "zbr",
             "1" if i < 3 else "", "1" if i == 3 else ""] for i in (1, 2, 3)]
    with (tmp_path / "extractions.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, *rows])
    (tmp_path / "Task_labels_workflow_9_V1.1.yaml").write_text(
        "T1.choices.ZBR.label: Zebra\nT1.questions.HWMN.answers.1.label: one\nT1.questions.HWMN.answers.2.label: two\n",
        encoding="utf-8")
    result = run_cli(["weight", tmp_path / "extractions.csv", "-m", "majority_vote"])
    assert result.code == 0, result.err
    got = {row["task"]: row for row in read_rows(tmp_path / "weighted_subjects_majority_vote.csv")}
    assert (got["T1.hwmn"]["choice"], got["T1.hwmn"]["label"], got["T1.hwmn"]["label_text"]) == ("zbr", "1", "one")
    assert got["T1"]["label_text"] == "Zebra"
