"""Survey tasks: species choices, each with its own questions."""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..errors import ExtractError, Where
from ..registry import extractor, reducer
from ._common import first_annotation, slug
from .question import answer_counts


@extractor("survey_extractor", task_types=("survey",), default_reducer="survey_reducer")
def survey_extractor(annotations: list[dict[str, Any]], classification: Any = None) -> list[dict[str, Any]]:
    """One extract per identified choice: `{choice, answers_<question>: {answer: 1}}`."""
    annotation = first_annotation(annotations)
    if annotation is None:
        return []
    values = annotation.get("value")
    if values is None:
        return []
    if not isinstance(values, list):
        raise ExtractError("a survey value must be a list of choices", where=Where(value=values))
    extracts = []
    for value in values:
        if not isinstance(value, dict) or "choice" not in value:
            raise ExtractError("a survey choice must be an object with a 'choice' key", where=Where(value=value))
        extract: dict[str, Any] = {"choice": slug(value["choice"])}
        for question, answer in (value.get("answers") or {}).items():
            extract[f"answers_{slug(question)}"] = answer_counts(answer)
        extracts.append(extract)
    return extracts


@reducer("survey_reducer", wants=("classification_ids",), vote_form="survey", consensus="survey")
def survey_reducer(extracts: list[dict[str, Any]], *, classification_ids: list[Any]) -> list[dict[str, Any]]:
    """Per choice: how many classifications chose it, and the votes for each answer.

    `total_vote_count` is the number of classifications that identified anything on the
    subject (the peer counts identified choices instead, see docs/differences.md).
    """
    total = len(set(classification_ids)) if classification_ids else len(extracts)
    by_choice: dict[Any, list[dict[str, Any]]] = {}
    for data in extracts:
        rest = dict(data)
        by_choice.setdefault(rest.pop("choice", None), []).append(rest)
    reductions = []
    for choice, answers in by_choice.items():
        reduction: dict[str, Any] = {"choice": choice, "total_vote_count": total, "choice_count": len(answers)}
        for answer in answers:
            for key, value in answer.items():
                counter = reduction.setdefault(key, Counter())
                counter.update(value if isinstance(value, dict) else {value: 1})
        for key, value in reduction.items():
            if isinstance(value, Counter):
                reduction[key] = dict(value)
        reductions.append(reduction)
    return reductions
