"""Which of a project's keywords volunteers wrote in a text task, and how many of them did.

`keyword_extractor` reads the first answer of the configured text task and gives `{word: 1}`
for every keyword in it (whole words; case-insensitive unless `case_sensitive`).
`keyword_reducer` adds these up per subject and says how many volunteers answered.
"""

from __future__ import annotations

import re
from typing import Any

from zooagg.errors import ExtractError, Where
from zooagg.registry import Param, extractor, reducer

KEYWORD_PARAMS = {
    "keywords": Param(str, "", "the words to look for, separated by commas (frog,toad,newt)"),
    "case_sensitive": Param(bool, False, "match the keywords' case exactly"),
}


@extractor("keyword_extractor", params=KEYWORD_PARAMS, default_reducer="keyword_reducer")
def keyword_extractor(annotations: list[dict[str, Any]], classification: Any = None, *,
                      keywords: str = "", case_sensitive: bool = False) -> dict[str, int]:
    """The keywords found in a text answer: {word: 1} for each one written."""
    if not annotations or annotations[0].get("value") is None:
        return {}
    text = annotations[0]["value"]
    if not isinstance(text, str):
        raise ExtractError(f"a text answer must be a string, got {type(text).__name__}",
                           where=Where(task=annotations[0].get("task"), value=text),
                           hint="configure keyword_extractor on a text task")
    flags = 0 if case_sensitive else re.IGNORECASE
    found = {}
    for word in (w.strip() for w in keywords.split(",")):
        if word and re.search(rf"\b{re.escape(word)}\b", text, flags):
            found[word] = 1
    return found


@reducer("keyword_reducer", wants=("user_ids",))
def keyword_reducer(extracts: list[dict[str, Any]], *, user_ids: list[Any] | None = None) -> dict[str, Any]:
    """How many classifications named each keyword, and by how many volunteers the subject was read."""
    counts: dict[str, int] = {}
    for extract in extracts:
        for word, seen in extract.items():
            counts[word] = counts.get(word, 0) + int(seen)
    return {**dict(sorted(counts.items())), "volunteers": len(set(user_ids or []))}
