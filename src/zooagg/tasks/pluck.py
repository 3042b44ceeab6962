"""Values plucked from the classification or its subject by a JSONPath, optionally split."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ..errors import ExtractError, Where
from ..registry import Param, extractor

#: the JSONPath steps zooagg reads: `.key`, `['key']`, `[0]`, `[*]`, `.*`, `..key`
_STEP = re.compile(r"\.\.(\w+|\*)|\.(\w+|\*)|\[\s*'([^']*)'\s*\]|\[\s*\"([^\"]*)\"\s*\]|\[\s*(-?\d+|\*)\s*\]")


def parse_path(path: str) -> list[tuple[str, str]]:
    """JSONPath steps as (kind, key): kind is "child" or "descend"; key "*" means every child."""
    text = path.strip()
    if not text.startswith("$"):
        raise ExtractError(f"a JSONPath starts with $, got {path!r}", hint="e.g. path: $.subject.metadata.tags",
                           where=Where(value=path))
    steps: list[tuple[str, str]] = []
    position = 1
    while position < len(text):
        match = _STEP.match(text, position)
        if match is None:
            raise ExtractError(f"JSONPath {path!r}: cannot read {text[position:]!r}",
                               hint="zooagg reads .key, ['key'], [0], [*], .* and ..key (no filters)",
                               where=Where(value=path))
        descend, child, quoted, double, index = match.groups()
        if descend is not None:
            steps.append(("descend", descend))
        else:
            steps.append(("child", next(k for k in (child, quoted, double, index) if k is not None)))
        position = match.end()
    return steps


def _children(node: Any, key: str) -> Iterator[Any]:
    if key == "*":
        yield from (node.values() if isinstance(node, dict) else node if isinstance(node, list) else ())
    elif isinstance(node, dict) and key in node:
        yield node[key]
    elif isinstance(node, list) and re.fullmatch(r"-?\d+", key):
        index = int(key)
        if -len(node) <= index < len(node):
            yield node[index]


def _descendants(node: Any) -> Iterator[Any]:
    yield node
    for child in _children(node, "*"):
        yield from _descendants(child)


def find_all(path: str, document: Any) -> list[Any]:
    """Every value `path` selects in `document`, in document order."""
    nodes = [document]
    for kind, key in parse_path(path):
        if kind == "descend":
            nodes = [d for node in nodes for d in _descendants(node)]
        nodes = [child for node in nodes for child in _children(node, key)]
    return nodes


def classification_document(annotations: list[dict[str, Any]], classification: Any) -> dict[str, Any]:
    """The classification as Caesar sends it, so paths such as `$.subject.metadata.x` work offline."""
    if isinstance(classification, dict):
        return {"annotations": annotations, **{k: v for k, v in classification.items() if k != "annotations"}}
    document: dict[str, Any] = {"annotations": annotations}
    if classification is not None:
        subjects = getattr(classification, "subject_data", {}) or {}
        subject_id, metadata = next(iter(subjects.items()), (getattr(classification, "subject_ids", None), {}))
        document.update({
            "id": getattr(classification, "classification_id", None),
            "metadata": getattr(classification, "metadata", {}),
            "subject": {"id": subject_id, "metadata": metadata if isinstance(metadata, dict) else {}},
            "user_id": getattr(classification, "user_id", None),
            "workflow_version": getattr(classification, "workflow_version", None),
            "gold_standard": getattr(classification, "gold_standard", False),
        })
    return document


@extractor("pluck_and_split_extractor", wants=("subject_data",), params={
    "path": Param(str, None, "JSONPath of the values, e.g. $.subject.metadata.tags"),
    "split_str": Param(str, ",", "split each value on this string"),
})
def pluck_and_split_extractor(annotations: list[dict[str, Any]], classification: Any = None, *,
                              path: str | None = None, split_str: str = ",") -> dict[str, Any]:
    """`{data: value}` or `{data: [values]}`: the distinct pieces, sorted, of every string the
    JSONPath selects, each split on `split_str`; nothing when the path selects nothing."""
    if not path:
        raise ExtractError("pluck_and_split_extractor needs a path", hint="add path: $.subject.metadata.<field>")
    pieces: set[str] = set()
    for value in find_all(path, classification_document(annotations, classification)):
        if value is None:
            continue
        if isinstance(value, dict | list):
            raise ExtractError(f"path {path} selects an object or a list, not text",
                               hint="point the path at a text field (or use [*] to select each item)",
                               where=Where(value=value))
        pieces.update(str(value).split(split_str))
    found = sorted(pieces)
    if not found:
        return {}
    return {"data": found[0] if len(found) == 1 else found}
