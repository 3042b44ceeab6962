"""Gold-standard feedback: how hard each subject is, and how skilled each volunteer is.

Both read the `feedback` an extractor plucks from the classification metadata
(`pluck: {feedback: metadata.feedback.T0}`), made into `{success: [...], true_<key>: [...],
strategy, agreement_score}` by `feedback_info`. `subject_difficulty_reducer` runs per subject;
`user_skill_reducer` runs per volunteer and needs each extract's subject difficulty, which
Caesar attaches as `relevant_reduction` (so it is a live-service reducer).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ReduceError, Where
from ..registry import Param, plucked, reducer

#: the gold-standard keys each front-end feedback strategy carries
FEEDBACK_STRATEGIES = {"graph2drange": ["x", "width"], "singleAnswerQuestion": ["answer"],
                       "surveySimple": ["choiceIds"]}
#: a subject's weight never drops below this, so easy subjects still count
DIFFICULTY_FLOOR = 0.05


@plucked("feedback")
def feedback_info(entries: Any) -> dict[str, Any] | None:
    """The feedback metadata of one classification, summarised (None when there is none): an
    extractor's `pluck: {feedback: metadata.feedback.T0}` writes this as `feedback`, as the peer
    keeps it."""
    if not isinstance(entries, list) or not entries or not isinstance(entries[0], dict):
        return None
    keys = FEEDBACK_STRATEGIES.get(entries[0].get("strategy", ""), [])
    info: dict[str, Any] = {"success": [bool(e.get("success")) for e in entries]}
    for key in keys:
        info[f"true_{key}"] = [e.get(key) for e in entries]
    info["strategy"] = entries[0].get("strategy")
    info["agreement_score"] = float(np.mean(info["success"]))
    return info


@reducer("subject_difficulty_reducer")
def subject_difficulty_reducer(extracts: list[dict[str, Any]]) -> dict[str, Any]:
    """`difficulty`: per gold-standard item of the subject, the fraction of volunteers who got it."""
    successes = [e["feedback"]["success"] for e in extracts if isinstance(e.get("feedback"), dict)]
    if not successes:
        return {}
    if len({len(s) for s in successes}) != 1:
        raise ReduceError("the feedback of this subject's classifications lists different numbers of items",
                          hint="the subject's gold standard changed between classifications")
    return {"difficulty": np.mean(np.array(successes, dtype=float), axis=0).tolist()}


def _confusion(truth: list[str], chosen: list[str], classes: list[str], weights: Any = None) -> np.ndarray:
    index = {c: i for i, c in enumerate(classes)}
    matrix = np.zeros((len(classes), len(classes)))
    for k, (t, c) in enumerate(zip(truth, chosen, strict=False)):
        if t in index and c in index:
            matrix[index[t], index[c]] += 1.0 if weights is None else weights[k]
    return matrix


def _chosen(extract: dict[str, Any]) -> list[str]:
    return [k.lower() for k, v in extract.items() if isinstance(v, int) and not isinstance(v, bool) and v == 1]


def _binary(extracts: list[dict[str, Any]], difficulty: list[list[float]]) -> tuple[list[str], list[str], Any, list[str]]:
    successes = np.array([s for e in extracts for s in e["feedback"]["success"]], dtype=float)
    hardness = 1.0 - np.array([d for item in difficulty for d in item], dtype=float)
    weights = np.where(successes == 1, hardness, 1 - hardness)
    return ["True"] * len(successes), [str(s == 1) for s in successes], weights, ["True", "False"]


def _k_class(extracts: list[dict[str, Any]], difficulty: list[list[float]], mode: str,
             null_class: str) -> tuple[list[str], list[str], list[float], list[str]]:
    true_key = "true_" + FEEDBACK_STRATEGIES.get(extracts[0]["feedback"].get("strategy", ""), ["answer"])[0]
    hardness = [1.0 - float(np.mean(d)) for d in difficulty]
    truth: list[str] = []
    chosen: list[str] = []
    weights: list[float] = []
    labels: set[str] = set()
    for extract, hard in zip(extracts, hardness, strict=True):
        mine = _chosen(extract)
        true = [str(k).lower() for k in extract["feedback"].get(true_key, [])]
        labels.update(k.lower() for k, v in extract.items() if isinstance(v, int) and not isinstance(v, bool))
        labels.update(true)
        if mode == "one-to-one":
            truth += true
            chosen += mine
            weights.append(hard if mine == true else 1 - hard)
            continue
        both = sorted(set(true) | set(mine))
        t_row = [c if c in true else null_class for c in both]
        c_row = [c if c in mine else null_class for c in both]
        truth += t_row
        chosen += c_row
        weights += [hard if a == b else 1 - hard for a, b in zip(t_row, c_row, strict=True)]
    classes = sorted(labels) + ([null_class] if mode == "many-to-many" else [])
    return truth, chosen, weights, classes


SKILL_PARAMS = {
    "mode": Param(str, "binary", "binary, one-to-one or many-to-many", ("binary", "one-to-one", "many-to-many")),
    "null_class": Param(str, "NONE", "the class wrong answers count against in many-to-many mode"),
    "skill_threshold": Param(float, 0.7, "skill needed for level_up"),
    "count_threshold": Param(int, 10, "classifications per class needed for level_up"),
    "strategy": Param(str, "mean", "level up on the mean skill or on every class", ("mean", "all")),
    "focus_classes": Param(list, None, "classes the mean skill is taken over (default: all but the null class)"),
}


@reducer("user_skill_reducer", params=SKILL_PARAMS, wants=("relevant_reduction",))
def user_skill_reducer(extracts: list[dict[str, Any]], *, relevant_reduction: list[Any] | None = None,
                       mode: str = "binary", null_class: str = "NONE", skill_threshold: float = 0.7,
                       count_threshold: int = 10, strategy: str = "mean",
                       focus_classes: list[str] | None = None) -> dict[str, Any]:
    """A volunteer's confusion matrix against the gold standard, skill per class (plain and
    weighted by subject difficulty), counts, mean skill and whether to `level_up`.

    Each extract with feedback needs its subject's difficulty (subject_difficulty_reducer's
    result): Caesar sends it as `relevant_reduction`, one per extract, given here either as
    that keyword or inside each extract under the key `relevant_reduction`.
    """
    kept = [e for e in extracts if isinstance(e.get("feedback"), dict)]
    if not kept:
        return {}
    if relevant_reduction is None or all(r is None for r in relevant_reduction):
        relevant_reduction = [e.get("relevant_reduction") for e in kept]
    difficulty = [r["data"]["difficulty"] for r in relevant_reduction
                  if isinstance(r, dict) and "difficulty" in (r.get("data") or {})]
    if len(kept) != len(difficulty):
        raise ReduceError(f"{len(kept)} extracts with feedback but {len(difficulty)} subject difficulties",
                          hint="user_skill_reducer runs in the live service, where Caesar sends "
                               "subject_difficulty_reducer's result (relevant_reduction) with every extract",
                          where=Where(value=len(difficulty)))
    if mode == "binary":
        truth, chosen, weights, classes = _binary(kept, difficulty)
        null = "False"
    else:
        truth, chosen, weights, classes = _k_class(kept, difficulty, mode, null_class)
        null = null_class
    simple = _confusion(truth, chosen, classes)
    weighted = _confusion(truth, chosen, classes, np.clip(np.asarray(weights, dtype=float), DIFFICULTY_FLOOR, 1))
    weighted_skill = dict(zip(classes, (weighted.diagonal() / (weighted.sum(axis=1) + 1e-16)).tolist(), strict=True))
    skill = dict(zip(classes, (simple.diagonal() / (simple.sum(axis=1) + 1e-16)).tolist(), strict=True))
    count = dict(zip(classes, simple.sum(axis=1).astype(int).tolist(), strict=True))
    focus = [c for c in (focus_classes if focus_classes is not None else classes) if c != null]
    counts = [count[c] for c in classes if c in focus]
    mean_skill = float(np.sum([weighted_skill.get(c, 0.0) for c in focus]) / (len(focus) + 1e-16))
    if strategy == "mean":
        level_up = mean_skill >= skill_threshold
    else:
        level_up = all(weighted_skill.get(c, 0.0) >= skill_threshold for c in focus)
    return {"classes": classes, "confusion_simple": simple.astype(int).tolist(), "weighted_skill": weighted_skill,
            "skill": skill, "count": count, "mean_skill": mean_skill,
            "level_up": bool(level_up and all(c >= count_threshold for c in counts))}
