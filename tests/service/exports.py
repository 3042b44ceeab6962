"""Small deterministic workflow and classification exports for the live-server tests:
a single and a multiple question, a drawing task (points and rectangles) and a survey, with
anonymous volunteers and volunteers who classify a subject twice."""

from __future__ import annotations

import csv
import json
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

WORKFLOW_ID = 4242
VERSION = "3.14"
HEADER = ("classification_id", "user_name", "user_id", "user_ip", "workflow_id", "workflow_name",
          "workflow_version", "created_at", "gold_standard", "expert", "metadata", "annotations",
          "subject_data", "subject_ids")
SPECIES = ("ZBR", "LPHNT", "GRFF")


def workflow_tasks() -> tuple[dict[str, Any], dict[str, Any]]:
    strings = {"T0.question": "Is there an animal?", "T0.answers.0.label": "Yes", "T0.answers.1.label": "No",
               "T1.question": "Colours?", "T2.instruction": "Mark heads and bodies",
               "T2.tools.0.label": "Head", "T2.tools.1.label": "Body", "T3.questions.HWMN.label": "How many?"}
    colours = ("Red", "Blue", "Green")
    for i, colour in enumerate(colours):
        strings[f"T1.answers.{i}.label"] = colour
    tasks: dict[str, Any] = {
        "T0": {"type": "single", "question": "T0.question",
               "answers": [{"label": "T0.answers.0.label", "next": "T1"}, {"label": "T0.answers.1.label"}]},
        "T1": {"type": "multiple", "question": "T1.question", "next": "T2",
               "answers": [{"label": f"T1.answers.{i}.label"} for i in range(3)]},
        "T2": {"type": "drawing", "instruction": "T2.instruction", "next": "T3", "tools": [
            {"type": "point", "label": "T2.tools.0.label", "details": []},
            {"type": "rectangle", "label": "T2.tools.1.label", "details": []}]},
        "T3": {"type": "survey", "choicesOrder": list(SPECIES), "questionsOrder": ["HWMN"],
               "choices": {c: {"label": f"T3.choices.{c}.label"} for c in SPECIES},
               "questions": {"HWMN": {"label": "T3.questions.HWMN.label", "multiple": False,
                                      "answersOrder": ["1", "2"], "answers": {"1": {}, "2": {}}}}},
    }
    for c in SPECIES:
        strings[f"T3.choices.{c}.label"] = c.title()
    return tasks, strings


def write_workflow_export(path: Path) -> Path:
    tasks, strings = workflow_tasks()
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["workflow_id", "display_name", "version", "minor_version", "active", "tasks", "strings",
                         "first_task"])
        major, minor = VERSION.split(".")
        writer.writerow([WORKFLOW_ID, "Live test", major, minor, "true", json.dumps(tasks), json.dumps(strings), "T0"])
    return path


def _annotations(rng: random.Random, subject: int) -> list[dict[str, Any]]:
    if rng.random() < 0.2:
        return [{"task": "T0", "value": "No"}]
    centre = (100 + subject % 7 * 50, 200 + subject % 5 * 40)
    marks = [{"x": round(centre[0] + rng.gauss(0, 3), 3), "y": round(centre[1] + rng.gauss(0, 3), 3),
              "tool": 0, "frame": 0, "details": [], "tool_label": "Head"}]
    if rng.random() < 0.7:
        marks.append({"x": round(50 + rng.gauss(0, 2), 2), "y": round(60 + rng.gauss(0, 2), 2),
                      "width": round(80 + rng.gauss(0, 2), 2), "height": round(40 + rng.gauss(0, 2), 2),
                      "tool": 1, "frame": 0, "details": [], "tool_label": "Body"})
    choices = rng.sample(SPECIES, rng.choice((0, 1, 1, 2)))
    return [
        {"task": "T0", "value": "Yes"},
        {"task": "T1", "value": rng.sample(["Red", "Blue", "Green"], rng.randint(1, 2))},
        {"task": "T2", "value": marks},
        {"task": "T3", "value": [{"choice": c, "answers": {"HWMN": rng.choice("12")}, "filters": {}}
                                 for c in choices]},
    ]


def classification_rows(count: int, seed: int = 7) -> list[dict[str, str]]:
    """`count` rows, in export order (by classification_id); some volunteers repeat a subject."""
    rng = random.Random(seed)
    start = datetime(2024, 3, 1, 9, 0, 0)
    rows: list[dict[str, str]] = []
    for i in range(count):
        subject = 9000 + rng.randrange(max(count // 6, 1))
        anonymous = rng.random() < 0.15
        user = rng.randrange(12)
        if i > 10 and rng.random() < 0.08:  # a volunteer classifying a subject again
            earlier = rows[rng.randrange(len(rows))]
            subject, user, anonymous = int(earlier["subject_ids"]), int(earlier["user_id"] or 0), False
        created = start + timedelta(seconds=37 * i + rng.randrange(30))
        rows.append({
            "classification_id": str(500000 + i),
            "user_name": f"not-logged-in-{rng.randrange(10**6):x}" if anonymous else f"volunteer_{user}",
            "user_id": "" if anonymous else str(1000 + user),
            "user_ip": "abc", "workflow_id": str(WORKFLOW_ID), "workflow_name": "Live test",
            "workflow_version": VERSION, "created_at": created.strftime("%Y-%m-%d %H:%M:%S UTC"),
            "gold_standard": "", "expert": "",
            "metadata": json.dumps({"classifier_version": "1.0", "started_at": "x"}),
            "annotations": json.dumps(_annotations(rng, subject)),
            "subject_data": json.dumps({str(subject): {"retired": None}}),
            "subject_ids": str(subject),
        })
    return rows


def write_classification_export(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(HEADER), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path
