"""Drawing sub-tasks ("details"): which marks a drawing extractor sees, and the answers
volunteers gave about each mark, extracted with the other registered extractors.

Classic front end (classifier_version < 2): each mark carries `details: [answer, ...]`;
`details: {T0_tool1: [question_extractor, ...]}` gives one extractor per answer, and the
extract gets `frameN.T0_tool1_details`: one list per mark of one extract per answer.

Newer front end (FEM, classifier_version >= 2): sub-task answers are separate annotations
(`task: "T0.1.0"`, `markIndex`), and a mark's `details` lists their task keys;
`details: {T0_toolIndex1_subtask0: question_extractor}` gives
`frameN.T0_toolIndex1_subtask0`: one extract per mark. The answer is found by the mark's
index in the annotation as drawn (the peer uses the index after `tools` filtering, which
picks the wrong answer when marks of other tools come first).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from itertools import repeat
from typing import Any

from ..call import ExtractorCall
from ..errors import ConfigError, ExtractError, Where
from .dropped import note_dropped

NO_EXTRACTOR = "No extractor for this subtask type"
#: annotation types whose value is a list of marks (FEM `transcription`: transcriptionLine marks)
DRAWING_TYPES = ("drawing", "dataVisAnnotation", "transcription")


@dataclass
class DrawingContext:
    """The drawing annotations (marks kept by `tools`) and FEM sub-task answers of one task."""

    drawings: list[tuple[str, list[tuple[int, dict[str, Any]]]]] = field(default_factory=list)
    subtasks: dict[tuple[str, Any], dict[str, Any]] = field(default_factory=dict)
    version: tuple[int, ...] | None = None  # set for classifier_version >= 2
    version_text: str = ""


def classifier_version(classification: Any) -> tuple[tuple[int, ...], str]:
    """The front end's version from the classification metadata (1.0 when absent)."""
    metadata = classification.get("metadata") if isinstance(classification, dict) else \
        getattr(classification, "metadata", None)
    raw = (metadata or {}).get("classifier_version", "1.0") if isinstance(metadata, dict) else "1.0"
    return _parse_version(raw if isinstance(raw, str) else str(raw))


@lru_cache(maxsize=256)
def _parse_version(raw: str) -> tuple[tuple[int, ...], str]:
    parts: list[int] = []
    for piece in str(raw).strip().lstrip("vV").split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    parts = parts or [1, 0]
    return tuple(parts), ".".join(str(p) for p in parts)


def drawing_context(annotations: list[dict[str, Any]], classification: Any,
                    tools: list[Any] | None) -> DrawingContext:
    version, text = classifier_version(classification)
    context = DrawingContext()
    if version >= (2,):
        context.version, context.version_text = version, text
    wanted = None if tools is None else set(tools)
    for annotation in annotations:
        kind = annotation.get("taskType", "drawing")
        if kind not in DRAWING_TYPES:
            if context.version is not None:
                context.subtasks[(str(annotation.get("task")), annotation.get("markIndex"))] = annotation
            continue
        value = annotation.get("value")
        if value is None:
            value = []
        if not isinstance(value, list):
            raise ExtractError(f"a drawing task's value must be a list of marks, got {type(value).__name__}",
                               hint="check that the task is a drawing task", where=Where(value=value))
        context.drawings.append((str(annotation.get("task")), _kept_marks(annotation, value, wanted)))
    return context


def _kept_marks(annotation: dict[str, Any], value: list[Any], wanted: set[Any] | None) -> list[tuple[int, dict[str, Any]]]:
    """(index, mark) of the marks made with a wanted tool; a mark that is not an object is noted
    as dropped (`note_dropped`) and left out, its index kept for the others' sub-tasks."""
    if all(map(isinstance, value, repeat(dict))):
        if wanted is None:
            return list(enumerate(value))
        return [(index, mark) for index, mark in enumerate(value) if mark.get("toolIndex", mark.get("tool")) in wanted]
    marks = []
    for index, mark in enumerate(value):
        if not isinstance(mark, dict):
            note_dropped(f"mark {index} of task {annotation.get('task')} is not an object: mark dropped, "
                         "the rest of the classification kept", mark)
            continue
        tool = mark.get("toolIndex", mark.get("tool"))
        if wanted is None or tool in wanted:
            marks.append((index, mark))
    return marks


def run_detail_extractor(name: Any, answer: Any, classification: Any) -> Any:
    """One sub-task answer through the named extractor (no version stamp), as the peer does."""
    call = _detail_call(name) if isinstance(name, str) else None
    if call is None:
        return NO_EXTRACTOR
    if not isinstance(answer, dict):
        raise ExtractError(f"a sub-task answer must be an object, got {answer!r}",
                           hint="check the mark's details", where=Where(value=answer))
    return call.results(classification, [answer])


@lru_cache(maxsize=64)
def _detail_call(name: str) -> ExtractorCall | None:
    """A sub-task's extractor with its default parameters (found once per name)."""
    try:
        return ExtractorCall.of(name, name, {"no_version": True})
    except ConfigError:  # an unknown name: the peer writes a marker instead of failing
        return None


def add_details(extract: dict[str, Any], kept: list[tuple[str, int, dict[str, Any], str, str]],
                context: DrawingContext, details: dict[str, Any], classification: Any) -> None:
    """Add the sub-task extracts of the kept marks to `extract` (see the module docstring)."""
    for task, index, mark, key, frame in kept:
        target = extract.setdefault(frame, {})
        if context.version is None:
            prefix = f"{task}_tool{mark.get('tool')}"
            names = details.get(prefix)
            if names is None:
                continue
            names = names if isinstance(names, list) else [names]
            answers = mark.get("details") or []
            row = [run_detail_extractor(names[i] if i < len(names) else None, answer, classification)
                   for i, answer in enumerate(answers)]
            target.setdefault(f"{prefix}_details", []).append(row)
            continue
        for detail in mark.get("details") or []:
            subtask = str(detail.get("task", "")) if isinstance(detail, dict) else ""
            parts = subtask.split(".")
            if len(parts) != 3:
                continue
            # the config names it `T0_toolIndex1_subtask0` (or, as `use_v1_keys` writes it, `T0_tool1_subtask0`);
            # the extract names it after the mark's own columns (`key`)
            config_key = next((k for k in (f"{parts[0]}_toolIndex{parts[1]}_subtask{parts[2]}",
                                           f"{parts[0]}_tool{parts[1]}_subtask{parts[2]}") if k in details), None)
            if config_key is None:
                continue
            subtask_key = f"{key}_subtask{parts[2]}"
            answer = context.subtasks.get((subtask, index))
            if answer is None:
                raise ExtractError(f"{key}: no answer for sub-task {subtask} of mark {index}",
                                   hint="the export lacks the sub-task annotation with this markIndex",
                                   where=Where(value=detail))
            name = details[config_key]
            name = name[0] if isinstance(name, list) and name else name
            target.setdefault(subtask_key, []).append(run_detail_extractor(name, answer, classification))
