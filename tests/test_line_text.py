"""Lines of text: line_text_extractor, poly_line_text_extractor and the two line-text reducers."""

from __future__ import annotations

from typing import Any

import pytest

from zooagg import registry
from zooagg.errors import ExtractError, ReduceError
from zooagg.tasks.dropped import take_dropped
from zooagg.tasks.line_text import fitted_slope, line_text_extractor, poly_line_text_extractor
from zooagg.tasks.line_text_optics import optics_line_text_reducer, strip_tags
from zooagg.tasks.line_text_reduce import gutters, poly_line_text_reducer


def line(x1: float, y1: float, x2: float, y2: float, text: Any, frame: int = 0) -> dict[str, Any]:
    return {"tool": 0, "frame": frame, "x1": x1, "y1": y1, "x2": x2, "y2": y2, "details": [{"value": text}]}


def extract_of(*marks: dict[str, Any]) -> dict[str, Any]:
    return line_text_extractor([{"task": "T0", "value": list(marks)}], {"metadata": {}})


def test_line_extract_layout() -> None:
    out = extract_of(line(10, 100, 110, 100, "the cat sat"), line(10, 200, 10, 100, "up"))
    assert out == {"frame0": {
        "points": {"x": [[10, 110], [10, 10]], "y": [[100, 100], [200, 100]]},
        "text": [["the cat sat"], ["up"]], "slope": [0.0, -90.0], "gold_standard": False}}


def test_line_extract_fem_text_answers() -> None:
    annotations = [
        {"task": "T0", "taskType": "transcription",
         "value": [{"toolIndex": 0, "tool": 0, "frame": 0, "x1": 0, "y1": 0, "x2": 10, "y2": 10,
                    "details": [{"task": "T0.0.0"}]}]},
        {"task": "T0.0.0", "taskType": "text", "markIndex": 0, "value": "hello"},
    ]
    out = line_text_extractor(annotations, {"metadata": {"classifier_version": "2.0"}})
    assert out["frame0"]["text"] == [["hello"]]
    assert out["frame0"]["slope"] == [45.0]


def test_line_extract_empty() -> None:
    assert line_text_extractor([], None) == {}
    assert extract_of() == {}


@pytest.mark.parametrize(("mark", "reason"), [
    (line(1, 2, 3, float("nan"), "a"), "not a finite number"),
    (line(1, 2, 3, 4, 17), "must be a string, got int"),
    (line(1, 2, 3, 4, ["a"]), "must be a string, got list"),
])
def test_line_extract_broken_marks_reject_the_classification(mark: dict[str, Any], reason: str) -> None:
    with pytest.raises(ExtractError, match=reason):
        extract_of(mark)


@pytest.mark.parametrize(("mark", "reason"), [
    ({"tool": 0, "frame": 0, "x1": 1, "y1": 2, "y2": 3, "details": [{"value": "a"}]},
     "line 1 of task T0 has no x2: mark dropped, the rest of the classification kept"),
    ({"tool": 0, "frame": 0, "x1": 1, "y1": 2, "x2": 3, "y2": 4, "details": []},
     "line 1 of task T0 has no text answer (no text sub-task answer in its details): mark dropped, "
     "the rest of the classification kept"),
    (["not", "a", "mark"], "mark 1 of task T0 is not an object: mark dropped, the rest of the classification kept"),
])
def test_line_extract_incomplete_marks_are_dropped_and_noted(mark: Any, reason: str) -> None:
    take_dropped()
    out = extract_of(line(0, 0, 10, 0, "kept"), mark, line(0, 50, 10, 50, "also kept"))
    assert out["frame0"]["text"] == [["kept"], ["also kept"]]
    assert take_dropped() == [(reason, mark)]


def test_fem_line_without_its_text_annotation_is_dropped_and_noted() -> None:
    take_dropped()
    annotations = [
        {"task": "T0", "taskType": "transcription",
         "value": [{"toolIndex": 0, "frame": 0, "x1": 0, "y1": 0, "x2": 10, "y2": 0, "details": [{"task": "T0.0.0"}]},
                   {"toolIndex": 0, "frame": 0, "x1": 0, "y1": 9, "x2": 10, "y2": 9, "details": [{"task": "T0.0.0"}]}]},
        {"task": "T0.0.0", "taskType": "text", "markIndex": 0, "value": "hello"},
    ]
    out = line_text_extractor(annotations, {"metadata": {"classifier_version": "2.0"}})
    assert out["frame0"]["text"] == [["hello"]]
    [(why, _)] = take_dropped()
    assert why == ("line 1 of task T0 has no text answer (no T0.0.0 annotation with markIndex 1): "
                   "mark dropped, the rest of the classification kept")


def poly(points: list[tuple[float, float]], text: str) -> dict[str, Any]:
    return {"tool": 0, "frame": 0, "points": [{"x": x, "y": y} for x, y in points], "details": [{"value": text}]}


def test_poly_extract_dot_freq() -> None:
    marks = [poly([(0, 0), (100, 0)], "one line"), poly([(0, 50), (50, 50), (100, 50)], "two words")]
    by_line = poly_line_text_extractor([{"task": "T0", "value": marks}], None)
    assert by_line["frame0"]["text"] == [["one line"]]
    by_word = poly_line_text_extractor([{"task": "T0", "value": marks}], None, dot_freq="word")
    assert by_word["frame0"]["text"] == [["two", "words"]]
    assert by_word["frame0"]["points"]["x"] == [[0, 50, 100]]


def test_poly_marks_that_do_not_fit_dot_freq_are_noted() -> None:
    take_dropped()
    marks = [poly([(0, 0), (100, 0)], "one line"), poly([(0, 50), (50, 50), (100, 50)], "two words"),
             {"tool": 0, "frame": 0, "details": [{"value": "no dots"}]}]
    poly_line_text_extractor([{"task": "T0", "value": marks}], None)
    assert [why for why, _ in take_dropped()] == [
        "polygon 1 of task T0 has 3 dots where dot_freq 'line' needs 2: mark dropped, the rest of the "
        "classification kept",
        "polygon 2 of task T0 has no points: mark dropped, the rest of the classification kept"]
    poly_line_text_extractor([{"task": "T0", "value": marks[:2]}], None, dot_freq="word")
    assert [why for why, _ in take_dropped()] == [
        "polygon 0 of task T0 has 2 dots where dot_freq 'word' needs 3: mark dropped, the rest of the "
        "classification kept"]


def test_fitted_slope_vertical_and_point() -> None:
    assert fitted_slope([0, 10, 20], [0, 10, 20]) == pytest.approx(45.0)
    assert fitted_slope([5, 5], [0, 10]) == pytest.approx(90.0)
    assert fitted_slope([5, 5], [5, 5]) == 0.0


def three_volunteers() -> list[dict[str, Any]]:
    return [extract_of(line(100, 200, 400, 202, "the quick brown fox")),
            extract_of(line(102, 198, 398, 201, "the quick brown fox")),
            extract_of(line(99, 203, 401, 199, "the quack brown fax"))]


def test_three_volunteers_one_line_majority_text() -> None:
    out = poly_line_text_reducer(three_volunteers(), user_ids=[1, 2, 3])
    [only] = out["frame0"]
    assert only["consensus_text"] == "the quick brown fox"
    assert only["number_views"] == 3
    assert only["clusters_text"] == [["the", "the", "the"], ["quick", "quick", "quack"],
                                     ["brown", "brown", "brown"], ["fox", "fox", "fax"]]
    assert only["consensus_score"] == pytest.approx((3 + 2 + 3 + 2) / 4)
    assert only["clusters_x"] == [pytest.approx(100.333, abs=1e-3), pytest.approx(399.667, abs=1e-3)]
    assert only["user_ids"] == [1, 2, 3]
    assert only["extract_index"] == [0, 0, 0]
    assert only["low_consensus"] is True  # 2.5 < 3
    assert out["transcribed_lines"] == 1
    assert out["low_consensus_lines"] == 1
    assert out["parameters"]["eps_line"] == 40.0


def test_lines_far_apart_stay_apart_top_to_bottom() -> None:
    extracts = [extract_of(line(0, 300, 200, 300, "lower"), line(0, 100, 200, 100, "upper")),
                extract_of(line(0, 101, 200, 99, "upper"))]
    out = poly_line_text_reducer(extracts, user_ids=[7, 8], low_consensus_threshold=2)
    assert [x["consensus_text"] for x in out["frame0"]] == ["upper", "lower"]
    assert out["frame0"][0]["extract_index"] == [1, 0]
    assert out["low_consensus_lines"] == 1


def test_columns_left_to_right() -> None:
    assert gutters([(0, 100), (50, 150), (300, 400)], 0).tolist() == [0, 0, 1]
    assert gutters([(300, 400), (0, 100)], 0).tolist() == [1, 0]


def test_reducer_empty_and_bad() -> None:
    assert poly_line_text_reducer([{}, {}], user_ids=[1, 2])["transcribed_lines"] == 0
    bad = {"frame0": {"points": {"x": [[1, None]], "y": [[1, 2]]}, "text": [["a"]], "slope": [0.0]}}
    with pytest.raises(ReduceError, match="not a finite number"):
        poly_line_text_reducer([bad], user_ids=[1])
    missing = {"frame0": {"text": [["a"]], "slope": [0.0]}}
    with pytest.raises(ReduceError, match=r"no list at points\.x"):
        poly_line_text_reducer([missing], user_ids=[1])
    wrong_text = {"frame0": {"points": {"x": [[1, 2]], "y": [[1, 2]]}, "text": [[5]], "slope": [0.0]}}
    with pytest.raises(ReduceError, match="must be a list of strings"):
        poly_line_text_reducer([wrong_text], user_ids=[1])


def test_optics_three_volunteers() -> None:
    out = optics_line_text_reducer(three_volunteers(), user_ids=[1, 2, 3])
    [only] = out["frame0"]
    assert only["consensus_text"] == "the quick brown fox"
    assert only["number_views"] == 3
    assert only["clusters_x"] == [100.0, 400.0]  # medians
    assert out["parameters"]["min_samples"] == "auto"
    assert out["transcribed_lines"] == 1


def test_optics_too_few_volunteers_lines_of_one() -> None:
    out = optics_line_text_reducer([extract_of(line(0, 0, 100, 0, "a  b"))], user_ids=[5])
    [only] = out["frame0"]
    assert only["clusters_text"] == [["a"], ["b"]]
    assert only["consensus_text"] == "a b"
    assert only["flagged"] is True
    assert out["low_consensus_lines"] == 1


def test_strip_tags() -> None:
    assert strip_tags("a [unclear]b[/unclear]  c") == "a b c"


def test_registered_with_peer_parameters() -> None:
    names = registry.components("reducer")
    assert set(names["poly_line_text_reducer"].params) >= {
        "eps_slope", "eps_line", "eps_word", "gutter_tol", "min_word_count", "dot_freq", "min_samples",
        "low_consensus_threshold", "minimum_views"}
    assert set(names["optics_line_text_reducer"].params) >= {
        "min_samples", "xi", "angle_eps", "gutter_eps", "low_consensus_threshold", "minimum_views"}
    assert "dot_freq" in registry.components("extractor")["poly_line_text_extractor"].params
