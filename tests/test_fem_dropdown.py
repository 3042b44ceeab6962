"""dropdown-simple in its three forms gives one vote key per choice, as a task and as a mark's
sub-task. The forms are those of panoptes' exporter (`lib/formatter/csv/v2/dropdown_annotation.rb`:
the 2021-05 form, and the 2026-04-02 one that adds `option_index` and puts the option's own
value in `value`) and the raw annotation FEM posts (`{selection, option}`)."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import RunCli, classification_row, read_rows, write_export

from zooagg.tasks.drawing import point_extractor_by_frame
from zooagg.tasks.dropdown import dropdown_extractor, dropdown_reducer


class FEM:
    metadata = {"classifier_version": "2.0"}  # noqa: RUF012
    gold_standard = False


class Classic:
    metadata = {"classifier_version": "1.0"}  # noqa: RUF012
    gold_standard = False


def raw(value: Any) -> dict[str, Any]:
    return {"task": "T1", "taskType": "dropdown-simple", "value": value}


def exported(value: Any) -> dict[str, Any]:
    return {"task": "T1", "task_label": None, "task_type": "dropdown-simple", "value": value}


# the third option ("Green", value "grn") of a select titled "Colour"
GREEN = [
    raw({"selection": 2, "option": True}),
    exported({"select_label": "Colour", "option": True, "value": 2, "label": "Green"}),
    exported({"select_label": "Colour", "option": True, "option_index": 2, "value": "grn", "label": "Green"}),
]
# a volunteer's own text where the select allows it (`allowCreate`)
TYPED = [
    raw({"selection": "Teal", "option": False}),
    exported({"select_label": "Colour", "option": False, "value": "Teal"}),
]
NOTHING = [raw(None), exported({"select_label": "Colour"})]


@pytest.mark.parametrize("annotation", GREEN, ids=["raw", "export-2021", "export-2026-04"])
def test_the_three_forms_of_one_choice_give_one_key(annotation: dict[str, Any]) -> None:
    assert dropdown_extractor([annotation], FEM()) == {"value": [{"2": 1}]}


@pytest.mark.parametrize("annotation", TYPED, ids=["raw", "export"])
def test_typed_text_is_its_own_key(annotation: dict[str, Any]) -> None:
    assert dropdown_extractor([annotation], FEM()) == {"value": [{"teal": 1}]}


@pytest.mark.parametrize("annotation", NOTHING, ids=["raw-null", "export-no-choice"])
def test_no_choice_is_counted_as_none(annotation: dict[str, Any]) -> None:
    assert dropdown_extractor([annotation], FEM()) == {"value": [{"None": 1}]}


def test_votes_from_the_three_forms_add_up_on_one_key() -> None:
    extracts = [dropdown_extractor([a], FEM()) for a in [*GREEN, TYPED[0]]]
    assert dropdown_reducer(extracts) == {"value": [{"2": 3, "teal": 1}]}


def test_classic_list_of_selects_is_read_on_either_front_end() -> None:
    classic = {"task": "T1", "value": [{"value": "red", "option": True}, {"value": None}]}
    expected = {"value": [{"red": 1}, {"None": 1}]}
    assert dropdown_extractor([classic], Classic()) == expected
    assert dropdown_extractor([classic], FEM()) == expected


def test_a_mark_dropdown_sub_task_in_each_form_gives_one_key() -> None:
    """Three FEM points, each with a dropdown-simple sub-task (T0.0.0) answered "Green" in
    another form: the sub-task column holds the same vote three times."""
    marks = [{"frame": 0, "toolIndex": 0, "toolType": "point", "x": 10.0 * i, "y": 5.0,
              "details": [{"task": "T0.0.0"}]} for i in range(3)]
    annotations: list[dict[str, Any]] = [{"task": "T0", "taskType": "drawing", "value": marks}]
    for index, form in enumerate(GREEN):
        annotations.append({"task": "T0.0.0", "taskType": "dropdown-simple", "markIndex": index,
                            "value": form["value"]})
    out = point_extractor_by_frame(annotations, FEM(), details={"T0_toolIndex0_subtask0": "dropdown_extractor"})
    assert out["frame0"]["T0_toolIndex0_x"] == [0.0, 10.0, 20.0]
    assert out["frame0"]["T0_toolIndex0_subtask0"] == [{"value": [{"2": 1}]}] * 3


# -- the consensus table names the option, whichever form voted ------------------------------------

#: a FEM dropdown-simple task T1 as the workflow export holds it (one select; the Lab's option values)
DROPDOWN_TASKS = {"T1": {"type": "dropdown", "instruction": "T1.instruction", "selects": [{
    "id": "s1", "title": "T1.selects.0.title", "required": False, "allowCreate": False,
    "options": {"*": [{"label": f"T1.selects.0.options.*.{i}.label", "value": value}
                      for i, value in enumerate(["a7f3", "b2c9", "c0d1"])]}}]}}
DROPDOWN_STRINGS = {"T1.instruction": "Which tree?", "T1.selects.0.title": "Tree",
                    "T1.selects.0.options.*.0.label": "Ash", "T1.selects.0.options.*.1.label": "Birch",
                    "T1.selects.0.options.*.2.label": "Cedar"}


def _dropdown_export(tmp_path: Path) -> Path:
    birch_2021 = exported({"select_label": "Tree", "option": True, "value": 1, "label": "Birch"})
    birch_2026 = exported({"select_label": "Tree", "option": True, "option_index": 1, "value": "b2c9", "label": "Birch"})
    ash_2026 = exported({"select_label": "Tree", "option": True, "option_index": 0, "value": "a7f3", "label": "Ash"})
    cedar_2026 = exported({"select_label": "Tree", "option": True, "option_index": 2, "value": "c0d1", "label": "Cedar"})
    answers = [(1, raw({"selection": 1, "option": True})), (1, birch_2021), (1, birch_2026), (1, ash_2026),
               (2, raw({"selection": 2, "option": True})), (2, raw({"selection": 2, "option": True})), (2, cedar_2026)]
    rows = []
    for number, (subject, annotation) in enumerate(answers, start=1):
        row = classification_row(100 + number, [annotation], subject_id=subject, user_name=f"v{number}",
                                 user_id=str(number), created_at=f"2026-05-0{number} 10:00:00 UTC")
        row["metadata"] = json.dumps({"classifier_version": "2.0"})
        rows.append(row)
    return write_export(tmp_path / "classifications.csv", rows)


def _workflow_export(tmp_path: Path) -> Path:
    path = tmp_path / "workflows.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["workflow_id", "display_name", "version", "minor_version", "active", "first_task",
                         "tasks", "strings", "retirement", "aggregation"])
        writer.writerow([1, "Trees", 1, 1, "true", "T1", json.dumps(DROPDOWN_TASKS), json.dumps(DROPDOWN_STRINGS),
                         "{}", "{}"])
    return path


@pytest.mark.parametrize("with_workflow", [True, False], ids=["workflow-export", "labels-inferred"])
def test_the_consensus_table_names_dropdown_simple_options_in_every_form(
        run_cli: RunCli, tmp_path: Path, with_workflow: bool) -> None:
    """Subject 1: Birch chosen in the raw, 2021 and 2026-04 forms (votes on index 1), Ash once
    (2026-04, index 0): Birch, 3 of 4. Subject 2: Cedar twice raw, once 2026-04: Cedar, 3 of 3.
    With no workflow export the labels come from the 2021 and 2026-04 annotations (the raw form
    carries none), keyed by the index each votes on."""
    inputs = [_dropdown_export(tmp_path), *([_workflow_export(tmp_path)] if with_workflow else []), "1"]
    result = run_cli(["run", *inputs, "-d", "out", "-hb"], tmp_path)
    assert result.code == 0, result.err
    (table,) = (tmp_path / "out").rglob("consensus_workflow_*.csv")
    rows = {row["subject_id"]: row for row in read_rows(table)}
    cells = {s: (r["T1_answer"], r["T1_votes"], r["T1_total"], r["T1_agreement"]) for s, r in rows.items()}
    assert cells == {"1": ("Birch", "3", "4", "0.75"), "2": ("Cedar", "3", "3", "1.0")}


def test_the_report_names_dropdown_simple_options_as_the_consensus_table_does(run_cli: RunCli, tmp_path: Path) -> None:
    """The HTML report's dropdown votes use the same labels: subject 1 Birch 3, Ash 1 (not '1', '0')."""
    from zooagg.report.data import load_run

    result = run_cli(["run", _dropdown_export(tmp_path), _workflow_export(tmp_path), "1", "-d", "out", "-hb"], tmp_path)
    assert result.code == 0, result.err
    (folder,) = {p.parent for p in (tmp_path / "out").rglob("dropdown_reducer_reductions.csv")}
    (votes,) = load_run(folder).votes
    by_subject = {s.subject: dict(s.votes) for s in votes.subjects}
    assert by_subject == {"1": {"Birch": 3, "Ash": 1}, "2": {"Cedar": 3}}
