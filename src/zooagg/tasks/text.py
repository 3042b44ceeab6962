"""Free-text tasks: the text each volunteer typed, and the aligned consensus of a subject's texts."""

from __future__ import annotations

import math
from typing import Any

from ..errors import ExtractError, ReduceError, Where
from ..registry import extractor, reducer
from .text_align import align, consensus, tokenize

#: a text task answer longer than this is not a transcription (a pasted document, a bot)
MAX_TEXT_CHARS = 50_000
#: alignment costs (words x words) per text: beyond this a subject is rejected, named
MAX_ALIGN_WORDS = 2_000


def gold_standard_of(classification: Any) -> bool:
    """The classification's gold_standard flag (offline the peer always writes False; the export's
    column is empty for ordinary classifications, so the two agree on them)."""
    if classification is None:
        return False
    if isinstance(classification, dict):
        return bool(classification.get("gold_standard", False))
    return bool(getattr(classification, "gold_standard", False))


def checked_text(value: Any, what: str = "a text answer") -> Any:
    """A text value as the peer keeps it (strings, numbers and null as they are), or an ExtractError."""
    if type(value) is str and len(value) <= MAX_TEXT_CHARS:
        return value
    if value is None or (isinstance(value, str | int | float) and not isinstance(value, bool)):
        if isinstance(value, str) and len(value) > MAX_TEXT_CHARS:
            raise ExtractError(
                f"{what} is {len(value)} characters long, over the limit of {MAX_TEXT_CHARS}",
                hint="this is not a transcription; remove the row or raise MAX_TEXT_CHARS",
                where=Where(value=value[:80]))
        return value
    raise ExtractError(f"{what} must be a string, got {type(value).__name__}",
                       hint="check that the task is a text task", where=Where(value=value))


@extractor("text_extractor", task_types=("text", "textFromSubject"), default_reducer="text_reducer")
def text_extractor(annotations: list[dict[str, Any]], classification: Any = None) -> dict[str, Any]:
    """The first annotation's text: `{text, gold_standard}` (nothing when the task was skipped)."""
    if not annotations:
        return {}
    return {"text": checked_text(annotations[0].get("value")),
            "gold_standard": gold_standard_of(classification)}


def has_text(value: Any) -> bool:
    """False for missing values and blank strings (the reducer leaves those out, as the peer does)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    return str(value).strip() != ""


def user_id_out(user_id: Any) -> Any:
    """User ids as the peer lists them: whole numbers as int, missing ones as they came."""
    if user_id is None or (isinstance(user_id, float) and math.isnan(user_id)):
        return user_id
    try:
        return int(user_id)
    except (TypeError, ValueError):
        return user_id


def aligned_reduction(texts: list[str]) -> dict[str, Any]:
    """aligned_text, number_views, consensus_score, consensus_text for a list of texts."""
    for text in texts:
        words = len(tokenize(text))
        if words > MAX_ALIGN_WORDS:
            raise ReduceError(f"a text of {words} words is too long to align (limit {MAX_ALIGN_WORDS})",
                              hint="check the extracts of this subject; a text task holds a line or a paragraph",
                              where=Where(value=text[:80]))
    columns = align(texts)
    score, text = consensus(columns)
    return {"aligned_text": columns, "number_views": len(texts), "consensus_score": score,
            "consensus_text": text}


@reducer("text_reducer", wants=("user_ids",), consensus="text")
def text_reducer(extracts: list[dict[str, Any]], *, user_ids: list[Any]) -> dict[str, Any]:
    """Align the subject's non-blank texts word by word and read the consensus.

    `aligned_text` has one list per aligned word position, one entry per text ('' where a
    volunteer has no word there); `consensus_text` joins the most common word of each
    position; `consensus_score` is the mean number of volunteers agreeing with it (equal to
    `number_views` when all agree). `gold_standard` and `user_ids` follow the texts' order.
    """
    kept = [(data, user) for data, user in zip(extracts, user_ids, strict=False) if has_text(data.get("text"))]
    if not kept:
        return {}
    reduction = aligned_reduction([str(data["text"]) for data, _ in kept])
    reduction["gold_standard"] = [data.get("gold_standard", False) for data, _ in kept]
    reduction["user_ids"] = [user_id_out(user) for _, user in kept]
    return reduction
