"""Text, combo, pluck, skill and highlighter components."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zooagg.errors import ExtractError, ReduceError
from zooagg.exports.combos import unpack_combo_annotations
from zooagg.tasks.highlighter import highlighter_extractor, highlighter_reducer
from zooagg.tasks.pluck import find_all, pluck_and_split_extractor
from zooagg.tasks.skill import feedback_info, subject_difficulty_reducer, user_skill_reducer
from zooagg.tasks.text import text_extractor, text_reducer
from zooagg.tasks.text_align import align, consensus, tokenize

# ---- alignment (expected tables are the peer's, CollateX near_match=True, on the same input) ----

ALIGNMENTS = [
    (["Light and variable airs. Strong", "Calms and light but variable airs", "Light and variable airs. Strong"],
     [["Light", "Calms", "Light"], ["and", "and", "and"], ["", "light", ""], ["", "but", ""],
      ["variable", "variable", "variable"], ["airs.", "airs", "airs."], ["Strong", "", "Strong"]]),
    (["Friday Sept, 7th", "Friday Sept. 7th", "Friday Sept 7th"],
     [["Friday", "Friday", "Friday"], ["Sept,", "Sept.", "Sept"], ["7th", "7th", "7th"]]),
    (["sleeping", "1", "1", "1"], [["sleeping", "1", "1", "1"]]),
    (["1", "1 and a bird"], [["1", "1"], ["", "and"], ["", "a"], ["", "bird"]]),
    (["a b c d", "a cc d"], [["a", "a"], ["b", ""], ["c", "cc"], ["d", "d"]]),
    (["x$y z", "x $ y z"], [["x", "x"], ["$", "$"], ["y", "y"], ["z", "z"]]),
]


@pytest.mark.parametrize(("texts", "table"), ALIGNMENTS)
def test_alignment_matches_the_peer(texts: list[str], table: list[list[str]]) -> None:
    assert align(texts) == table


def test_tokens_split_on_white_space_and_dollar() -> None:
    assert tokenize("  <unclear>word</unclear> a$b\n2\n") == ["<unclear>word</unclear>", "a", "$", "b", "2"]


def test_consensus_score_and_text() -> None:
    table = ALIGNMENTS[0][1]
    assert consensus(table) == (2.0, "Light and light but variable airs. Strong")
    assert consensus([]) == (0.0, "")
    assert consensus([["", ""]]) == (0.0, "")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["a", "b", "ab", "c", "$"]), min_size=1, max_size=6).map(" ".join),
                min_size=1, max_size=5))
def test_alignment_shows_only_the_texts_words(texts: list[str]) -> None:
    table = align(texts)
    for witness, text in enumerate(texts):
        shown = [column[witness] for column in table if column[witness]]
        assert not Counter(shown) - Counter(tokenize(text))
    assert all(any(column) for column in table)


def test_near_matching_can_reorder_words_as_in_the_peer() -> None:
    """CollateX's near matching may move a word before an earlier one of the same text; the peer's
    tables show it, and zooagg reproduces it (docs/text.md)."""
    assert align(["b", "b a", "a a a b"]) == [["", "", "a"], ["", "", "a"], ["", "a", "a"], ["b", "b", "b"]]
    # ... and two words of one text may land in one column, where only one of them shows
    assert align(["a a a a", "b", "b a b"]) == [["a", "", ""], ["a", "", ""], ["a", "", "a"], ["a", "b", "b"]]


# ---- text extractor and reducer -------------------------------------------------------------

def test_text_extractor() -> None:
    assert text_extractor([{"task": "T1", "value": "Calm and light"}]) == {"text": "Calm and light",
                                                                          "gold_standard": False}
    assert text_extractor([]) == {}
    assert text_extractor([{"task": "T1", "value": None}]) == {"text": None, "gold_standard": False}


@pytest.mark.parametrize(("value", "reason"), [
    ({"a": 1}, "must be a string, got dict"),
    (["a"], "must be a string, got list"),
    (True, "must be a string, got bool"),
    ("x" * 50_001, "50001 characters long"),
])
def test_text_extractor_rejects_bad_text(value: object, reason: str) -> None:
    with pytest.raises(ExtractError, match=reason):
        text_extractor([{"task": "T1", "value": value}])


def test_text_reducer_leaves_out_blank_texts() -> None:
    extracts = [{"text": "Calm airs", "gold_standard": False}, {"text": "  "}, {}, {"text": math.nan},
                {"text": "Calm air", "gold_standard": False}]
    result = text_reducer(extracts, user_ids=[1.0, 2.0, 3.0, 4.0, math.nan])
    assert result["aligned_text"] == [["Calm", "Calm"], ["airs", "air"]]
    assert result["number_views"] == 2
    assert result["consensus_score"] == 1.5
    assert result["consensus_text"] == "Calm airs"
    assert result["gold_standard"] == [False, False]
    assert result["user_ids"][0] == 1
    assert math.isnan(result["user_ids"][1])
    assert text_reducer([{}], user_ids=[1]) == {}


def test_text_reducer_rejects_absurdly_long_text() -> None:
    with pytest.raises(ReduceError, match="too long to align"):
        text_reducer([{"text": "w " * 2001}], user_ids=[1])


# ---- combo tasks ----------------------------------------------------------------------------

def test_combo_annotations_are_opened() -> None:
    dropdown = [{"select_label": "Month", "option": True, "value": 4, "label": "4 - April"}]
    annotations: list[dict[str, Any]] = [
        {"task": "T1", "value": [{"select_label": "Country", "value": "840"}]},
        {"task": "T5", "task_label": None, "value": [{"task": "T2", "value": "Persea borbonia"},
                                                     {"task": "T8", "value": dropdown}]},
    ]
    assert unpack_combo_annotations(annotations) == [
        annotations[0], {"task": "T2", "value": "Persea borbonia", "combo_task": "T5"},
        {"task": "T8", "value": dropdown, "combo_task": "T5"}]
    plain = [{"task": "T0", "value": [{"tool": 0, "task": "x", "x": 1}]}]
    assert unpack_combo_annotations(plain) is plain


# ---- pluck_and_split ------------------------------------------------------------------------

CLASSIFICATION = {"annotations": [], "subject": {"metadata": {"one": "alpha,beta,gamma", "two": "red,green,blue"}},
                  "metadata": {"three": "a_b_c", "four": "1_2_3"}}


@pytest.mark.parametrize(("path", "split", "expected"), [
    ("$.subject.metadata.one", ",", {"data": ["alpha", "beta", "gamma"]}),
    ("$.metadata.three", "_", {"data": ["a", "b", "c"]}),
    ("$.subject.metadata[*]", ",", {"data": ["alpha", "beta", "blue", "gamma", "green", "red"]}),
    ("$['metadata']['four']", "x", {"data": "1_2_3"}),
    ("$.metadata.missing", ",", {}),
])
def test_pluck_and_split(path: str, split: str, expected: dict[str, object]) -> None:
    assert pluck_and_split_extractor([], CLASSIFICATION, path=path, split_str=split) == expected


def test_jsonpath_subset() -> None:
    doc = {"a": [{"b": 1}, {"b": 2}], "c": {"b": 3}}
    assert find_all("$..b", doc) == [1, 2, 3]
    assert find_all("$.a[1].b", doc) == [2]
    assert find_all("$.a[-1].b", doc) == [2]
    with pytest.raises(ExtractError, match="cannot read"):
        find_all("$.a[?(@.b>1)]", doc)
    with pytest.raises(ExtractError, match="selects an object"):
        pluck_and_split_extractor([], doc, path="$.c")


# ---- gold-standard feedback -----------------------------------------------------------------

def test_feedback_and_difficulty() -> None:
    info = feedback_info([{"id": 1, "answer": "3", "success": True, "strategy": "singleAnswerQuestion"}])
    assert info == {"success": [True], "true_answer": ["3"], "strategy": "singleAnswerQuestion",
                    "agreement_score": 1.0}
    assert feedback_info([]) is None
    extracts = [{"feedback": {"success": [True, False]}}, {"feedback": {"success": [True, True]}}, {"x": 1}]
    assert subject_difficulty_reducer(extracts) == {"difficulty": [1.0, 0.5]}
    assert subject_difficulty_reducer([]) == {}


def test_user_skill_binary_matches_the_peer() -> None:
    extracts = [{"cat": 1, "feedback": {"success": [True]}}, {"dog": 1, "feedback": {"success": [False]}},
                {"dog": 1, "feedback": {"success": [True]}}, {"cat": 1, "feedback": {"success": [True, False]}}]
    relevant = [{"data": {"difficulty": d}} for d in ([0.3], [0.9], [0.5], [0.2, 0.7])]
    result = user_skill_reducer(extracts, relevant_reduction=relevant, count_threshold=1)
    assert result == {"classes": ["True", "False"], "confusion_simple": [[3, 2], [0, 0]],
                      "weighted_skill": {"True": 0.5555555555555556, "False": 0.0},
                      "skill": {"True": 0.6, "False": 0.0}, "count": {"True": 5, "False": 0},
                      "mean_skill": 0.5555555555555556, "level_up": False}
    with pytest.raises(ReduceError, match="4 extracts with feedback but 0 subject difficulties"):
        user_skill_reducer(extracts)


# ---- highlighter ----------------------------------------------------------------------------

def _highlight(start: int, text: str, label: str) -> dict[str, object]:
    return {"start": start, "end": start + len(text), "text": text,
            "labelInformation": {"label": label, "color": "#ff0"}}


def test_highlighter_extract_and_consensus() -> None:
    one = highlighter_extractor([{"task": "T0", "value": [_highlight(10, "Persea", "Genus"),
                                                          _highlight(0, "Found", "Verb")]}])
    assert one == {"start": [0, 10], "end": [5, 16], "text": ["Found", "Persea"], "label": ["Verb", "Genus"]}
    two = highlighter_extractor([{"task": "T0", "value": [_highlight(10, "Persea bor", "Genus")]}])
    three = highlighter_extractor([{"task": "T0", "value": []}])
    result = highlighter_reducer([one, two, three])
    assert result == {"spans_start": [10], "spans_end": [16], "spans_text": ["Persea"], "spans_label": ["Genus"],
                      "spans_votes": [2], "spans_max_votes": [2], "number_views": 3}
    loose = highlighter_reducer([one, two], min_fraction=0.5)
    assert loose["spans_text"] == ["Found", "Persea bor"]
    assert loose["spans_votes"] == [1, 1]
    assert loose["spans_max_votes"] == [1, 2]


def test_highlighter_rejects_bad_spans() -> None:
    with pytest.raises(ExtractError, match="start must be a whole number"):
        highlighter_extractor([{"task": "T0", "value": [{"start": "a", "text": "x"}]}])
    with pytest.raises(ExtractError, match="must be a list"):
        highlighter_extractor([{"task": "T0", "value": "x"}])
