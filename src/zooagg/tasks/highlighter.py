"""Highlighter tasks: volunteers highlight spans of a text subject and give each span a label.

The peer has no extractor or reducer for them. zooagg's follow the peer's style: parallel
lists in the extract (`data.start`, `data.end`, `data.text`, `data.label`) and in the
reduction (`data.spans_start`, ...). Positions are character offsets into the subject's text;
`end` is exclusive (the span is `text[start:end]`).
"""

from __future__ import annotations

from typing import Any

from ..errors import ExtractError, Where
from ..registry import Param, count, extractor, reducer

#: a highlight longer than this is not a highlight (a whole document selected by accident)
MAX_SPAN_CHARS = 100_000


def _label_of(item: dict[str, Any]) -> str:
    info = item.get("labelInformation")
    if isinstance(info, dict) and info.get("label") is not None:
        return str(info["label"])
    if item.get("label") is not None:
        return str(item["label"])
    return str(item.get("labelIndex", ""))


def _span(item: Any) -> tuple[int, int, str, str]:
    if not isinstance(item, dict):
        raise ExtractError("a highlight must be an object with start, end and text", where=Where(value=item))
    start, text = item.get("start"), item.get("text")
    if not isinstance(start, int) or isinstance(start, bool) or start < 0:
        raise ExtractError("a highlight's start must be a whole number >= 0", where=Where(value=item))
    if not isinstance(text, str):
        raise ExtractError("a highlight's text must be a string", where=Where(value=item))
    if len(text) > MAX_SPAN_CHARS:
        raise ExtractError(f"a highlight of {len(text)} characters is over the limit of {MAX_SPAN_CHARS}",
                           where=Where(value=text[:80]))
    return start, start + len(text), text, _label_of(item)


@extractor("highlighter_extractor", task_types=("highlighter",), default_reducer="highlighter_reducer")
def highlighter_extractor(annotations: list[dict[str, Any]], classification: Any = None) -> dict[str, Any]:
    """The highlighted spans of the task's first annotation, as parallel lists in text order:
    `{start: [..], end: [..], text: [..], label: [..]}` (nothing when none was highlighted)."""
    if not annotations or annotations[0].get("value") is None:
        return {}
    value = annotations[0]["value"]
    if not isinstance(value, list):
        raise ExtractError("a highlighter value must be a list of highlights", where=Where(value=value))
    spans = sorted(_span(item) for item in value)
    if not spans:
        return {}
    return {"start": [s[0] for s in spans], "end": [s[1] for s in spans],
            "text": [s[2] for s in spans], "label": [s[3] for s in spans]}


def _coverage(extracts: list[dict[str, Any]]) -> tuple[dict[str, dict[int, int]], dict[int, str]]:
    """Per label, per character position: how many classifications highlighted it; and the characters."""
    votes: dict[str, dict[int, int]] = {}
    characters: dict[int, str] = {}
    for data in extracts:
        seen: set[tuple[str, int]] = set()
        for start, text, label in zip(data.get("start") or [], data.get("text") or [], data.get("label") or [],
                                      strict=False):
            label = str(label)
            for offset, char in enumerate(str(text)):
                position = int(start) + offset
                characters.setdefault(position, char)
                if (label, position) not in seen:  # one vote per classification per character
                    seen.add((label, position))
                    counts = votes.setdefault(label, {})
                    counts[position] = counts.get(position, 0) + 1
    return votes, characters


@reducer("highlighter_reducer", params={
    "min_fraction": Param(float, 0.5, "a character is in a consensus span when at least this fraction "
                                      "of the classifications highlighted it with the same label",
                          at_least=0, at_most=1),
    "min_votes": count(1, "and at least this many classifications"),
})
def highlighter_reducer(extracts: list[dict[str, Any]], *, min_fraction: float = 0.5,
                        min_votes: int = 1) -> dict[str, Any]:
    """Consensus spans per label: the longest runs of characters that enough volunteers
    highlighted with that label. Parallel lists sorted by start then label: `spans_start`,
    `spans_end`, `spans_text`, `spans_label`, `spans_votes` (the fewest votes any character of the
    span had) and `spans_max_votes`; `number_views` is the number of classifications."""
    views = len(extracts)
    votes, characters = _coverage(extracts)
    needed = max(min_votes, min_fraction * views)
    spans: list[tuple[int, str, int, str, int, int]] = []
    for label, counts in votes.items():
        run: list[int] = []
        for position in [*sorted(counts), -2]:
            keep = position >= 0 and counts[position] >= needed
            if keep and run and position == run[-1] + 1:
                run.append(position)
                continue
            if run:
                values = [counts[p] for p in run]
                spans.append((run[0], label, run[-1] + 1, "".join(characters[p] for p in run),
                              min(values), max(values)))
            run = [position] if keep else []
    spans.sort()
    return {"spans_start": [s[0] for s in spans], "spans_end": [s[2] for s in spans],
            "spans_text": [s[3] for s in spans], "spans_label": [s[1] for s in spans],
            "spans_votes": [s[4] for s in spans], "spans_max_votes": [s[5] for s in spans],
            "number_views": views}
