"""Question tasks (single and multiple answers) and shortcut tasks."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from ..registry import Param, extractor, reducer
from ._common import slug


@extractor("question_extractor", task_types=("single", "multiple"), default_reducer="question_reducer")
def question_extractor(annotations: list[dict[str, Any]], classification: Any = None) -> dict[str, int]:
    """Count each answer given to the task's first annotation: `{slug(answer): 1, ...}`.

    A single answer is a label (or index); multiple answers a list; survey-style values
    (`{"choice": ...}`) count their choice.
    """
    if not annotations:
        return {}
    return answer_counts(annotations[0].get("value"))


def answer_counts(value: Any) -> dict[str, int]:
    """`{slug(answer): count}` of one question value (a label, or a list of them)."""
    if not isinstance(value, list):
        return {slug(value): 1}
    answers: dict[str, int] = {}
    for item in value:
        key = slug(item["choice"] if isinstance(item, dict) else item)
        answers[key] = answers.get(key, 0) + 1
    return answers


@extractor("shortcut_extractor", task_types=("shortcut",), default_reducer="shortcut_reducer")
def shortcut_extractor(annotations: list[dict[str, Any]], classification: Any = None) -> dict[str, int]:
    """The shortcut task's answers, counted like a question's."""
    return question_extractor(annotations, classification)


QUESTION_PARAMS = {
    "pairs": Param(bool, False, "count each combination of answers (joined with +) instead of each answer"),
    "track_user_ids": Param(bool, False, "list the user_ids behind each answer as user_ids_<answer>"),
}


def votes_by_presence(keys: list[str], presence: np.ndarray, **_: Any) -> dict[str, int]:
    """question_reducer over a presence matrix (rows in time order x answer keys): the same
    counts, keys in the same order (by first row that has them, then by column)."""
    if presence.shape[0] == 0:
        return {}
    counts = presence.sum(axis=0)
    firsts = presence.argmax(axis=0)
    present = np.flatnonzero(counts)
    ordered = sorted(present.tolist(), key=lambda k: (firsts[k], k))
    return {keys[k]: int(counts[k]) for k in ordered}


def _plain_votes(params: dict[str, Any]) -> bool:
    return not params.get("pairs") and not params.get("track_user_ids")


@reducer("question_reducer", params=QUESTION_PARAMS, wants=("user_ids",),
         columnar=votes_by_presence, columnar_ok=_plain_votes, vote_form="presence", consensus="votes")
def question_reducer(
    extracts: list[dict[str, Any]], *, user_ids: list[Any], pairs: bool = False, track_user_ids: bool = False
) -> dict[str, Any]:
    """Votes per answer: how many classifications gave each answer key."""
    result: dict[str, Any] = {}
    for data, user_id in zip(extracts, user_ids, strict=False):
        keys = ["+".join(sorted(data))] if pairs else list(data)
        for key in keys:
            result[key] = result.get(key, 0) + 1
            if track_user_ids:
                result.setdefault(f"user_ids_{key}", []).append(user_id)
    return result


@reducer("shortcut_reducer", params=QUESTION_PARAMS, wants=("user_ids",),
         columnar=votes_by_presence, columnar_ok=_plain_votes, vote_form="presence", consensus="votes")
def shortcut_reducer(
    extracts: list[dict[str, Any]], *, user_ids: list[Any], pairs: bool = False, track_user_ids: bool = False
) -> dict[str, Any]:
    """Votes per shortcut answer (the same counting as question_reducer)."""
    return question_reducer(extracts, user_ids=user_ids, pairs=pairs, track_user_ids=track_user_ids)


@reducer("question_consensus_reducer", params={"pairs": QUESTION_PARAMS["pairs"]}, reads=("question_extractor",),
         consensus="question_consensus")
def question_consensus_reducer(extracts: list[dict[str, Any]], *, pairs: bool = False) -> dict[str, Any]:
    """The most common answer, its votes, and agreement = its votes / all votes."""
    counts: Counter[str] = Counter()
    for data in extracts:
        if pairs:
            counts["+".join(sorted(data))] += 1
        else:
            counts.update(data.keys())
    if not counts:
        return {"num_votes": 0}
    answer, votes = counts.most_common(1)[0]
    return {"most_likely": answer, "num_votes": votes, "agreement": votes / sum(counts.values())}
