"""Run weighting methods over each task's answers, score them against the truth, and lay the
results out as tables: per subject and task (the label, its probability, the majority-vote
label beside it) and per volunteer (skill, confusion matrix, number of answers)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import registry
from ..call import WeightingCall
from ..errors import ConfigError
from ..tasks.weighting import NotForThisTask, Weighted, leading, majority_posterior
from .answers import TaskAnswers

if TYPE_CHECKING:
    from ..consensus.votes import Labels

#: how many folds the truth is split into when a seeded method is scored
FOLDS = 5
#: bins of the expected calibration error
BINS = 10


@dataclass
class Outcome:
    """One method on one task."""

    method: str
    entry: TaskAnswers
    weighted: Weighted


def method(name: str) -> registry.Component:
    return registry.get("weighting", name)


def fits(component: registry.Component, entry: TaskAnswers) -> str | None:
    """Why a method cannot weigh a task (None: it can)."""
    if "binary" in component.task_types and len(entry.labels) != 2:
        return f"{component.name} takes yes/no tasks; {entry.task} has {len(entry.labels)} answers"
    if not entry.items:
        return f"{entry.task} has no volunteers' answers"
    return None


def run(name: str, params: dict[str, Any], entry: TaskAnswers, gold: dict[int, int] | None = None) -> Outcome:
    """The method over one task, seeded with `gold` (default: the task's whole truth)."""
    seed = entry.truth_codes() if gold is None else gold
    return Outcome(name, entry, WeightingCall.named(name, params)(entry.answers(seed)))


def attempt(name: str, params: dict[str, Any], entry: TaskAnswers) -> Outcome | str:
    """The method over one task, or why it does not fit the task (a yes/no method on a task
    with more answers, or without the answer its `positive` names): a workflow's other tasks
    still get weighed."""
    why = fits(method(name), entry)
    if why:
        return why
    try:
        return run(name, params, entry)
    except NotForThisTask as exc:
        return f"{exc.message} ({exc.hint})" if exc.hint else exc.message


def subject_rows(outcome: Outcome, labels: Labels | None = None) -> list[dict[str, Any]]:
    """One row per subject (and survey species); with the workflow's `labels` (its
    Task_labels), `label_text` and `majority_label_text` beside the labels, in the words the
    consensus table uses."""
    from ..consensus.weighted import label_text

    entry, weighted = outcome.entry, outcome.weighted
    answers = entry.answers()
    majority = majority_posterior(answers)
    best, vote = leading(weighted.posterior), leading(majority)
    counts = np.bincount(answers.subject, minlength=answers.n_subjects)
    words = None if labels is None else [label_text(labels, entry.task, label, entry.survey) for label in entry.labels]

    def named(key: str, code: int) -> dict[str, str]:
        """`{key}_text`: label `code` in the workflow's words (nothing without its labels)."""
        return {} if words is None else {f"{key}_text": words[code]}

    rows = []
    for code, (subject, choice) in enumerate(entry.items):
        rows.append({
            "subject_id": subject, "workflow_id": entry.workflow_id, "task": entry.task, "choice": choice, "method": outcome.method,
            "label": entry.labels[best[code]], **named("label", best[code]), "probability": round(float(weighted.posterior[code, best[code]]), 6),
            "majority_label": entry.labels[vote[code]], **named("majority_label", vote[code]),
            "majority_share": round(float(majority[code, vote[code]]), 6),
            "answers": int(counts[code]), "truth": entry.truth.get((subject, choice)),
        })
    return rows


def volunteer_rows(outcome: Outcome) -> list[dict[str, Any]]:
    entry, weighted = outcome.entry, outcome.weighted
    seen = entry.answers().answers_per_volunteer()
    rows = []
    for code, volunteer in enumerate(entry.volunteers):
        row: dict[str, Any] = {"volunteer": volunteer, "user_name": entry.names[code],
                               "workflow_id": entry.workflow_id, "task": entry.task,
                               "method": outcome.method, "answers": int(seen[code]),
                               "skill": _number(weighted.skill[code])}
        for key, values in weighted.extra.items():
            row[key] = _number(values[code])
        if weighted.confusion is not None:
            row["confusion"] = json.dumps({
                truth: {answer: round(float(weighted.confusion[code, t, a]), 4)
                        for a, answer in enumerate(entry.labels)}
                for t, truth in enumerate(entry.labels)}, ensure_ascii=False)
        rows.append(row)
    return rows


def _number(value: Any) -> float | None:
    number = float(value)
    return None if math.isnan(number) else round(number, 6)


# ---- scores ---------------------------------------------------------------------------------

def score(name: str, params: dict[str, Any], entry: TaskAnswers) -> dict[str, Any] | None:
    """Accuracy, macro-F1 and calibration of a method against the task's truth (None: no
    truth). A method that learns from gold subjects never sees the truth it is scored on: the
    truth is split in FOLDS parts, each scored by a run seeded with the others."""
    truth = entry.truth_codes()
    if not truth:
        return None
    items = sorted(truth)
    predicted = np.zeros((len(items), len(entry.labels)))
    if WeightingCall.named(name, params).seeded:
        folds = min(FOLDS, len(items))
        for fold in range(folds):
            held = [item for i, item in enumerate(items) if i % folds == fold]
            seed = {item: label for item, label in truth.items() if item not in set(held)}
            posterior = run(name, params, entry, seed).weighted.posterior
            for item in held:
                predicted[items.index(item)] = posterior[item]
    else:
        posterior = run(name, params, entry, {}).weighted.posterior
        predicted = posterior[items]
    return {"workflow_id": entry.workflow_id, "task": entry.task, "method": name, "truth_subjects": len(items),
            **metrics(np.array([truth[i] for i in items]), predicted)}


def metrics(truth: np.ndarray, posterior: np.ndarray) -> dict[str, float]:
    """accuracy; macro-F1 over the labels in truth or prediction; Brier score (mean squared
    error of the probabilities); expected calibration error (BINS bins of the top probability)."""
    guess = leading(posterior)
    accuracy = float(np.mean(guess == truth))
    f1s = []
    for label in sorted(set(truth.tolist()) | set(guess.tolist())):
        tp = float(np.sum((guess == label) & (truth == label)))
        fp = float(np.sum((guess == label) & (truth != label)))
        fn = float(np.sum((guess != label) & (truth == label)))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0)
    onehot = np.zeros_like(posterior)
    onehot[np.arange(len(truth)), truth] = 1.0
    brier = float(np.mean(np.sum((posterior - onehot) ** 2, axis=1)))
    confidence = posterior[np.arange(len(truth)), guess]
    bins = np.minimum((confidence * BINS).astype(int), BINS - 1)
    ece = 0.0
    for b in range(BINS):
        inside = bins == b
        if inside.any():
            ece += inside.mean() * abs(float(np.mean(guess[inside] == truth[inside])) - float(confidence[inside].mean()))
    return {"accuracy": round(accuracy, 4), "macro_f1": round(float(np.mean(f1s)), 4),
            "brier": round(brier, 4), "calibration_error": round(ece, 4)}


def check_methods(names: list[str]) -> None:
    for name in names:
        method(name)
    if not names:
        raise ConfigError("no weighting method named", hint="give --method, e.g. --method dawid_skene")
