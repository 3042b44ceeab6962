"""Write the FEM export-shaped fixtures of this folder (run it from anywhere; the files are
committed, the tests only read them).

`birds_workflows.csv` is a workflow export as panoptes writes it (`lib/formatter/csv/workflow.rb`:
`tasks` and `strings` as JSON) for a workflow built in the project builder and classified on
FEM: a drawing task whose point tool has a single-question and a dropdown sub-task and whose
rectangle tool has a text sub-task; a dropdown task (one select, as FEM's dropdown-simple
needs), a temporalPoint and a temporalRotateRectangle tool, a dataVisAnnotation task with a
graph2dRangeX tool (`tasks/dataVisAnnotation/models/DataVisAnnotationTask.js`), and a
textFromSubject task (`tasks/experimental/textFromSubject`).

`birds_classifications.csv` holds four FEM (classifier 2.0) classifications of one subject
shaped as the export writes them: the drawing annotation `{task, task_label, value: [marks]}`
with each mark's `details: [{task: "T0.<tool>.<n>"}]` (`tasks/drawing/models/DrawingAnnotation.js`
`toSnapshot`), then one raw annotation per sub-task answer, `{task: "T0.0.1", taskType,
markIndex, value}` (the exporter finds no workflow task of that key and leaves it raw), and
the T1 dropdown in the export's 2021-05 and 2026-04 forms
(`lib/formatter/csv/v2/dropdown_annotation.rb`).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

HERE = Path(__file__).parent
WORKFLOW_ID, VERSION = 9001, "3.1"

TASKS = {
    "T0": {"type": "drawing", "instruction": "T0.instruction", "next": "T1", "tools": [
        {"type": "point", "label": "T0.tools.0.label", "color": "#ff0000", "details": [
            {"type": "single", "question": "T0.tools.0.details.0.question",
             "answers": [{"label": "T0.tools.0.details.0.answers.0.label"},
                         {"label": "T0.tools.0.details.0.answers.1.label"}]},
            {"type": "dropdown", "instruction": "T0.tools.0.details.1.instruction", "selects": [
                {"id": "sp", "title": "T0.tools.0.details.1.selects.0.title", "required": False,
                 "allowCreate": False, "options": {"*": [
                     {"label": "T0.tools.0.details.1.selects.0.options.*.0.label", "value": "robin"},
                     {"label": "T0.tools.0.details.1.selects.0.options.*.1.label", "value": "wren"},
                     {"label": "T0.tools.0.details.1.selects.0.options.*.2.label", "value": "tit"}]}}]}]},
        {"type": "rectangle", "label": "T0.tools.1.label", "color": "#00ff00", "details": [
            {"type": "text", "instruction": "T0.tools.1.details.0.instruction"}]},
        {"type": "temporalPoint", "label": "T0.tools.2.label", "details": []},
        {"type": "temporalRotateRectangle", "label": "T0.tools.3.label", "details": []},
    ]},
    "T1": {"type": "dropdown", "instruction": "T1.instruction", "next": "T2", "selects": [
        {"id": "c1", "title": "T1.selects.0.title", "required": False, "allowCreate": True, "options": {"*": [
            {"label": "T1.selects.0.options.*.0.label", "value": "oak"},
            {"label": "T1.selects.0.options.*.1.label", "value": "ash"}]}}]},
    "T2": {"type": "dataVisAnnotation", "instruction": "T2.instruction", "next": "T3", "tools": [
        {"type": "graph2dRangeX", "label": "T2.tools.0.label", "max": 20, "help": ""}]},
    "T3": {"type": "textFromSubject", "instruction": "T3.instruction"},
}
STRINGS = {
    "T0.instruction": "Mark each bird and nest.",
    "T0.tools.0.label": "Bird",
    "T0.tools.0.details.0.question": "Adult or juvenile?",
    "T0.tools.0.details.0.answers.0.label": "Adult",
    "T0.tools.0.details.0.answers.1.label": "Juvenile",
    "T0.tools.0.details.1.instruction": "Species",
    "T0.tools.0.details.1.selects.0.title": "Species",
    "T0.tools.0.details.1.selects.0.options.*.0.label": "Robin",
    "T0.tools.0.details.1.selects.0.options.*.1.label": "Wren",
    "T0.tools.0.details.1.selects.0.options.*.2.label": "Tit",
    "T0.tools.1.label": "Nest",
    "T0.tools.1.details.0.instruction": "Describe the nest.",
    "T0.tools.2.label": "Call",
    "T0.tools.3.label": "Flight",
    "T1.instruction": "Which tree?",
    "T1.selects.0.title": "Tree",
    "T1.selects.0.options.*.0.label": "Oak",
    "T1.selects.0.options.*.1.label": "Ash",
    "T2.instruction": "Mark the dips in the light curve.",
    "T2.tools.0.label": "Dip",
    "T3.instruction": "Correct the transcription.",
}
WORKFLOW_HEADER = ["workflow_id", "display_name", "version", "active", "classifications_count", "pairwise",
                   "grouped", "prioritized", "primary_language", "first_task", "tutorial_subject_id",
                   "retired_set_member_subjects_count", "tasks", "retirement", "aggregation", "strings",
                   "minor_version"]
CLASSIFICATION_HEADER = ["classification_id", "user_name", "user_id", "user_ip", "workflow_id", "workflow_name",
                         "workflow_version", "created_at", "gold_standard", "expert", "metadata", "annotations",
                         "subject_data", "subject_ids"]


def point(x: float, y: float) -> dict[str, object]:
    return {"frame": 0, "toolIndex": 0, "toolType": "point", "x": x, "y": y, "tool_label": "Bird",
            "details": [{"task": "T0.0.0"}, {"task": "T0.0.1"}]}


def nest(x: float, y: float) -> dict[str, object]:
    return {"frame": 0, "toolIndex": 1, "toolType": "rectangle", "x_center": x, "y_center": y,
            "width": 20, "height": 10, "tool_label": "Nest", "details": [{"task": "T0.1.0"}]}


def bird_answers(index: int, age: int, species: int) -> list[dict[str, object]]:
    return [{"task": "T0.0.0", "taskType": "single", "markIndex": index, "value": age},
            {"task": "T0.0.1", "taskType": "dropdown-simple", "markIndex": index,
             "value": {"selection": species, "option": True}}]


def tree(form: str, choice: int) -> dict[str, object]:
    label = ["Oak", "Ash"][choice]
    value: dict[str, object] = {"select_label": "Tree", "option": True, "value": choice, "label": label}
    if form == "2026":  # since 2026-04-02 the option's own value, with the index beside it
        value = {"select_label": "Tree", "option": True, "option_index": choice,
                 "value": ["oak", "ash"][choice], "label": label}
    return {"task": "T1", "task_type": "dropdown-simple", "value": value}


# (user, [(x, y, age, species)], nest or None, nest text, T1 form, T1 choice); ages 0 Adult 1 Juvenile,
# species 0 Robin 1 Wren 2 Tit
VOLUNTEERS = [
    ("ana", [(100, 100, 0, 1), (300, 300, 1, 2)], (50, 50), "twigs", "2021", 1),
    ("ben", [(102, 98, 0, 1), (298, 303, 1, 0)], (52, 50), "Twigs!", "2026", 1),
    ("cai", [(99, 101, 1, 1), (301, 299, 1, 2)], None, "", "2026", 0),
    ("dee", [(500, 50, 0, 0)], None, "", "2021", 1),
]


def classification_rows() -> list[list[object]]:
    rows = []
    for number, (user, birds, nest_at, text, form, choice) in enumerate(VOLUNTEERS):
        marks = [point(x, y) for x, y, _, _ in birds]
        answers = [a for i, (_, _, age, species) in enumerate(birds) for a in bird_answers(i, age, species)]
        if nest_at is not None:
            marks.append(nest(*nest_at))
            answers.append({"task": "T0.1.0", "taskType": "text", "markIndex": len(marks) - 1, "value": text})
        annotations = [{"task": "T0", "task_label": "Mark each bird and nest.", "value": marks}, *answers,
                       tree(form, choice)]
        metadata = {"source": "api", "classifier_version": "2.0", "user_language": "en"}
        rows.append([700 + number, user, 10 + number, f"ip{number}", WORKFLOW_ID, "Birds", VERSION,
                     f"2026-05-0{number + 1} 10:00:00 UTC", "", "", json.dumps(metadata),
                     json.dumps(annotations), json.dumps({"501": {"retired": None}}), 501])
    return rows


def main() -> None:
    with (HERE / "birds_workflows.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(WORKFLOW_HEADER)
        writer.writerow([WORKFLOW_ID, "Birds", 3, "true", 4, "false", "false", "false", "en", "T0", "", 0,
                         json.dumps(TASKS), json.dumps({"criteria": "classification_count"}), "{}",
                         json.dumps(STRINGS), 1])
    with (HERE / "birds_classifications.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CLASSIFICATION_HEADER)
        writer.writerows(classification_rows())


if __name__ == "__main__":
    main()
