"""dropdown-simple in its three forms gives one vote key per choice, as a task and as a mark's
sub-task. The forms are those of panoptes' exporter (`lib/formatter/csv/v2/dropdown_annotation.rb`:
the 2021-05 form, and the 2026-04-02 one that adds `option_index` and puts the option's own
value in `value`) and the raw annotation FEM posts (`{selection, option}`)."""

from __future__ import annotations

from typing import Any

import pytest

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
    annotations = [{"task": "T0", "taskType": "drawing", "value": marks}]
    for index, form in enumerate(GREEN):
        annotations.append({"task": "T0.0.0", "taskType": "dropdown-simple", "markIndex": index,
                            "value": form["value"]})
    out = point_extractor_by_frame(annotations, FEM(), details={"T0_toolIndex0_subtask0": "dropdown_extractor"})
    assert out["frame0"]["T0_toolIndex0_x"] == [0.0, 10.0, 20.0]
    assert out["frame0"]["T0_toolIndex0_subtask0"] == [{"value": [{"2": 1}]}] * 3
