"""Generate the synthetic golden inputs: workflows.csv and classifications.csv.

Seeded and deterministic: `python3 generate.py` rewrites both files identically.
Workflow 101 ("Synthetic kitchen sink"), versions 3.1 (old) and 4.2 (current).
Tasks: T0 single question (unlinked shortcut T5), T1 multiple question, T2 slider,
T3 classic dropdown (two selects), T4 dropdown-simple (classifier v2 only), T5 shortcut.
Classifications: 5 subjects, 40 at 4.2 plus 8 at 3.1 (only read by the all_tasks_empty config),
repeat classifications by one user on some subjects, a `value: null`, empty multiple
answers (`value: []`), classifications with no annotations at all (3.1), v1 (PFE) and
v2 (FEM, classifier_version 2.0) metadata, slider values as strings and as numbers.
"""
import csv
import json
import os
import random
from collections.abc import Iterator
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
WORKFLOW_ID = 101
rng = random.Random(20240501)

TASKS = {
    "T0": {"help": "T0.help", "type": "single", "question": "T0.question", "unlinkedTask": "T5",
           "answers": [{"next": "T1", "label": "T0.answers.0.label"}, {"next": "T2", "label": "T0.answers.1.label"}],
           "required": False},
    "T1": {"help": "T1.help", "type": "multiple", "question": "T1.question", "next": "T2",
           "answers": [{"label": "T1.answers.0.label"}, {"label": "T1.answers.1.label"},
                       {"label": "T1.answers.2.label"}]},
    "T2": {"help": "T2.help", "type": "slider", "instruction": "T2.instruction", "min": "0", "max": "10",
           "step": "0.5", "defaultValue": "5", "next": "T3"},
    "T3": {"help": "T3.help", "type": "dropdown", "instruction": "T3.instruction", "next": "T4",
           "selects": [
               {"id": "c0un7ry", "title": "Country", "required": True, "allowCreate": False,
                "options": {"*": [{"label": "T3.selects.0.options.*.0.label", "value": "840"},
                                  {"label": "T3.selects.0.options.*.1.label", "value": "124"}]}},
               {"id": "y3ar", "title": "Year", "required": False, "allowCreate": True,
                "options": {"*": [{"label": "T3.selects.1.options.*.0.label", "value": 1999},
                                  {"label": "T3.selects.1.options.*.1.label", "value": 2000}]}}]},
    "T4": {"help": "T4.help", "type": "dropdown-simple", "instruction": "T4.instruction",
           "options": ["T4.options.0", "T4.options.1", "T4.options.2"], "allowCreate": False, "required": False},
    "T5": {"type": "shortcut", "answers": [{"label": "T5.answers.0.label"}, {"label": "T5.answers.1.label"}]},
}
# NOTE: Panoptes itself would store the select titles as translation keys too
# ("T3.selects.0.title"), but the peer's `config` aborts on such keys
# (ValueError: not enough values to unpack (expected 7, got 4)), so the titles are
# plain text in the tasks JSON here and the strings hold only the option labels.
STRINGS = {
    "T0.help": "", "T0.question": "Is there an animal in the picture?",
    "T0.answers.0.label": "Yes", "T0.answers.1.label": "No",
    "T1.help": "", "T1.question": "Which colours does it have?",
    "T1.answers.0.label": "Red", "T1.answers.1.label": "Green (light)", "T1.answers.2.label": "Blue",
    "T2.help": "", "T2.instruction": "How sure are you?",
    "T3.help": "", "T3.instruction": "Where and when was it taken?",
    "T3.selects.0.options.*.0.label": "United States",
    "T3.selects.0.options.*.1.label": "Canada",
    "T3.selects.1.options.*.0.label": "1999", "T3.selects.1.options.*.1.label": "2000",
    "T4.help": "", "T4.instruction": "Pick a habitat",
    "T4.options.0": "Forest", "T4.options.1": "Grass land", "T4.options.2": "Water",
    "T5.answers.0.label": "Nothing here", "T5.answers.1.label": "Too dark",
}
OLD_TASKS = {k: TASKS[k] for k in ("T0", "T1", "T5")}

WF_HEADER = ["workflow_id", "display_name", "version", "active", "classifications_count", "pairwise", "grouped",
             "prioritized", "primary_language", "first_task", "tutorial_subject_id",
             "retired_set_member_subjects_count", "tasks", "retirement", "aggregation", "strings", "minor_version"]


def workflow_rows() -> Iterator[list[Any]]:
    retirement = json.dumps({"options": {"count": 15}, "criteria": "classification_count"}, separators=(",", ":"))
    for version, minor, tasks in ((3, 1, OLD_TASKS), (4, 2, TASKS)):
        strings = {k: v for k, v in STRINGS.items() if k.split(".")[0] in tasks}
        yield [WORKFLOW_ID, "Synthetic kitchen sink", version, "true", 43, "false", "false", "false", "en", "T0", "",
               0, json.dumps(tasks, separators=(",", ":")), retirement, "{}",
               json.dumps(strings, separators=(",", ":")), minor]


SUBJECTS = [90000001, 90000002, 90000003, 90000004, 90000005]
USERS = [("alice", 1001), ("bob", 1002), ("carol", 1003), ("dave", 1004), ("erin", 1005),
         ("frank", 1006), ("not-logged-in-0a1b2c", None), ("not-logged-in-3d4e5f", None)]


def annotations_v1(i: int) -> list[dict[str, Any]]:
    # Every 4.2 classification answers the slider T2: the peer's slider_reducer aborts the whole
    # reduce (KeyError: 'slider_value') on a subject with a classification that skipped T2.
    kind = i % 10
    slider: dict[str, Any] = {"task": "T2", "task_label": STRINGS["T2.instruction"], "value": rng.choice(["2.5", "5", "8"])}
    if kind in (8, 9):
        return [{"task": "T0", "task_label": STRINGS["T0.question"], "value": None},
                {"task": "T5", "task_label": None, "value": ["Too dark"]}, slider]
    if kind == 7:
        return [{"task": "T5", "task_label": None, "value": ["Nothing here"]},
                {"task": "T0", "task_label": STRINGS["T0.question"], "value": "No"}, slider]
    ann: list[dict[str, Any]] = []
    yes = rng.random() < 0.7
    ann.append({"task": "T0", "task_label": STRINGS["T0.question"], "value": "Yes" if yes else "No"})
    if yes:
        colours = [c for c in ("Red", "Green (light)", "Blue") if rng.random() < 0.5]
        ann.append({"task": "T1", "task_label": STRINGS["T1.question"], "value": colours})
    value: Any = rng.choice(["2.5", "5", "7.5", "10", "0"]) if i % 3 else rng.choice([3, 6.5, 8])
    ann.append({"task": "T2", "task_label": STRINGS["T2.instruction"], "value": value})
    selects: list[dict[str, Any]] = [{"select_label": "Country", "option": True, "value": rng.choice(["840", "124"]),
                "label": rng.choice(["United States", "Canada"])}]
    # Always both selects: the peer's dropdown_reducer aborts the whole reduce when one subject's
    # extracts have different numbers of selects (numpy "inhomogeneous shape" ValueError).
    if rng.random() < 0.7:
        selects.append({"select_label": "Year", "option": True, "value": rng.choice([1999, 2000]), "label": "year"})
    else:
        selects.append({"select_label": "Year", "option": False, "value": "About 1990s"})
    ann.append({"task": "T3", "value": selects})
    return ann


def annotations_v2(i: int) -> list[dict[str, Any]]:
    ann: list[dict[str, Any]] = [{"task": "T0", "taskType": "single", "value": rng.choice(["Yes", "No"])}]
    ann.append({"task": "T2", "taskType": "slider", "value": rng.choice(["1.5", "4", "9.5"])})
    v = rng.random()
    val: dict[str, Any] | None
    if v < 0.5:
        val = {"selection": rng.choice(["Forest", "Grass land", "Water"]), "option": True}
    elif v < 0.75:
        val = {"value": "Water", "option": True}
    else:
        val = None
    ann.append({"task": "T4", "taskType": "dropdown-simple", "value": val})
    return ann


OLD_ANNOTATIONS = [  # version 3.1 (T0, T1, T5 only): empties for all_tasks_empty_extractor
    [],
    [{"task": "T0", "task_label": STRINGS["T0.question"], "value": None}],
    [{"task": "T0", "task_label": STRINGS["T0.question"], "value": "Yes"},
     {"task": "T1", "task_label": STRINGS["T1.question"], "value": []}],
    [{"task": "T0", "task_label": STRINGS["T0.question"], "value": None},
     {"task": "T5", "task_label": None, "value": ["Nothing here"]}],
    [{"task": "T0", "task_label": STRINGS["T0.question"], "value": None},
     {"task": "T1", "task_label": STRINGS["T1.question"], "value": None}],
    [],
    [{"task": "T0", "task_label": STRINGS["T0.question"], "value": "No"}],
    [{"task": "T1", "task_label": STRINGS["T1.question"]}],
]


def classification_rows() -> list[list[Any]]:
    rows: list[list[Any]] = []
    cid = 700000000
    minute = 0
    plan: list[tuple[int, tuple[str, int | None], str]] = []
    for n in range(40):
        plan.append((SUBJECTS[n % 5], USERS[rng.randrange(len(USERS))], "4.2"))
    # repeats by the same user on the same subject
    plan += [(SUBJECTS[0], USERS[0], "4.2"), (SUBJECTS[2], USERS[0], "4.2"), (SUBJECTS[2], USERS[6], "4.2")]
    plan = plan[:40]
    old_subjects = [SUBJECTS[1], SUBJECTS[3], SUBJECTS[1], SUBJECTS[3], SUBJECTS[4], SUBJECTS[1], SUBJECTS[4],
                    SUBJECTS[3]]
    for k, subject in enumerate(old_subjects):
        plan.append((subject, USERS[[1, 2, 1, 6, 3, 4, 3, 5][k]], "3.1"))
    for i, (subject, (user, uid), version) in enumerate(plan):
        cid += rng.randint(1, 50)
        minute += rng.randint(1, 30)
        created = f"2024-05-0{1 + minute // 1440} {minute // 60 % 24:02d}:{minute % 60:02d}:{rng.randint(0, 59):02d} UTC"
        v2 = version == "4.2" and i % 4 == 3
        meta: dict[str, Any] = {"source": "api", "session": f"s{i:04d}", "user_language": "en", "live_project": True,
                "started_at": "2024-05-01T00:00:00.000Z", "finished_at": "2024-05-01T00:01:00.000Z"}
        if version == "3.1":
            ann = OLD_ANNOTATIONS[i - 40]
        elif v2:
            meta["classifier_version"] = "2.0"
            ann = annotations_v2(i)
        else:
            ann = annotations_v1(i)
        subject_data = {str(subject): {"retired": None, "Filename": f"img_{subject}.jpg"}}
        rows.append([cid, user, "" if uid is None else uid, "" if uid is None else f"ip{uid}", WORKFLOW_ID,
                     "Synthetic kitchen sink", version, created, "", "",
                     json.dumps(meta, separators=(",", ":")), json.dumps(ann, separators=(",", ":")),
                     json.dumps(subject_data, separators=(",", ":")), subject])
    # a repeat classification must come after the first one: shuffle nothing, keep time order
    return rows


CLS_HEADER = ["classification_id", "user_name", "user_id", "user_ip", "workflow_id", "workflow_name",
              "workflow_version", "created_at", "gold_standard", "expert", "metadata", "annotations",
              "subject_data", "subject_ids"]


def main() -> None:
    with open(os.path.join(HERE, "workflows.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(WF_HEADER)
        w.writerows(workflow_rows())
    with open(os.path.join(HERE, "classifications.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(CLS_HEADER)
        w.writerows(classification_rows())


if __name__ == "__main__":
    main()
