"""zooagg.call: the one way a component is called (task pick, recursion, pluck, wants, stamp)."""

from __future__ import annotations

from typing import Any

import orjson

from zooagg import AGGREGATION_VERSION, registry
from zooagg.call import ExtractorCall, ReducerCall, by_task
from zooagg.exports.classifications import Classification


def _classification(annotations: list[dict[str, Any]], metadata: dict[str, Any] | None = None) -> Classification:
    return Classification("101", "alice", "7", "5", "1.2", "2024-01-01", "42", annotations, metadata or {},
                          subject_data_raw=orjson.dumps({"42": {"site": "north"}}))


def _extract(params: dict[str, Any], classification: Classification) -> ExtractorCall:
    component = registry.get("extractor", "question_extractor")
    return ExtractorCall.of("question_extractor", component.name, component.parse_params(params))


def test_an_extractor_call_picks_its_task_and_stamps() -> None:
    classification = _classification([{"task": "T0", "value": 1}, {"task": "T1", "value": 0}])
    call = _extract({"task": "T1"}, classification)
    assert call(classification) == {"0": 1, "aggregation_version": AGGREGATION_VERSION}
    assert _extract({"task": "T1", "no_version": True}, classification)(classification) == {"0": 1}


def test_sub_task_keys_go_with_their_task() -> None:
    classification = _classification([{"task": "T0.0.0", "value": 1}, {"task": "T1", "value": 0}])
    call = _extract({"task": "T0", "no_version": True}, classification)
    assert call.annotations(by_task(classification.annotations)) == [{"task": "T0.0.0", "value": 1}]


def test_recursive_extracts_get_numbered_subjects() -> None:
    classification = _classification([{"task": "T0", "value": 1}, {"task": "T0", "value": 0}])
    call = _extract({"task": "T0", "recursive": True, "recursive_subject_ids": True, "no_version": True},
                    classification)
    rows = call.rows(classification, call.annotations(by_task(classification.annotations)))
    assert rows == [("42_0", {"1": 1}), ("42_1", {"0": 1})]


def test_pluck_writes_feedback_in_its_registered_form() -> None:
    feedback = [{"strategy": "singleAnswerQuestion", "success": True, "answer": "0"},
                {"strategy": "singleAnswerQuestion", "success": False, "answer": "1"}]
    classification = _classification([{"task": "T0", "value": 1}], {"feedback": {"T0": feedback}})
    call = _extract({"task": "T0", "no_version": True,
                     "pluck": {"feedback": "metadata.feedback.T0", "site": "subject.metadata.site"}},
                    classification)
    assert call(classification) == {
        "1": 1, "feedback": {"success": [True, False], "true_answer": ["0", "1"],
                             "strategy": "singleAnswerQuestion", "agreement_score": 0.5},
        "pluck.site": "north"}


def test_a_reducer_call_gets_what_it_wants_and_nothing_else() -> None:
    call = ReducerCall.named("reducer", "question_reducer", {"pairs": False})
    assert call.wants == ("user_ids",)
    assert call.extras({"user_ids": [1, 2], "created_at": ["a", "b"]}) == {"user_ids": [1, 2]}
    result = call([{"a": 1}, {"a": 1}, {"b": 1}], {"user_ids": [1, 2, 3]})
    assert result == {"a": 2, "b": 1, "aggregation_version": AGGREGATION_VERSION}


def test_no_version_leaves_the_stamp_off_and_rows_are_a_list() -> None:
    call = ReducerCall.named("reducer", "question_reducer", {"no_version": True})
    assert call.stamp is False
    assert "no_version" not in call.params
    assert call.rows([{"a": 1}], lambda want: [None]) == [{"a": 1}]


def test_the_line_text_reducers_get_the_stamp_before_their_parameters() -> None:
    """The peer writes `aggregation_version` before `parameters` in these reductions (column
    order in the file); call.py puts it there, the reducers do not stamp themselves."""
    from zooagg.tasks.line_text import line_text_extractor
    from zooagg.tasks.line_text_reduce import poly_line_text_reducer

    extract = line_text_extractor([{"task": "T0", "value": [
        {"tool": 0, "frame": 0, "x1": 0, "y1": 0, "x2": 10, "y2": 0, "details": [{"value": "a"}]}]}], {"metadata": {}})
    assert "aggregation_version" not in poly_line_text_reducer([extract], user_ids=[1])
    for name in ("poly_line_text_reducer", "optics_line_text_reducer"):
        keys = list(ReducerCall.named("reducer", name)([extract], {"user_ids": [1]}))
        assert keys[-2:] == ["aggregation_version", "parameters"], name
    assert ReducerCall.named("reducer", "question_reducer", {"no_version": True}).version is None
    assert ReducerCall.named("reducer", "question_reducer").version == AGGREGATION_VERSION


def test_only_call_py_stamps_the_version() -> None:
    """Every stamp goes through call.py (issue 13): no other module writes the key."""
    import re
    from pathlib import Path

    import zooagg

    writes = re.compile(r"""\[["']aggregation_version["']\]\s*=|["']aggregation_version["']\s*:\s*AGGREGATION""")
    root = Path(zooagg.__file__).parent
    stampers = sorted(str(p.relative_to(root)) for p in root.rglob("*.py") if writes.search(p.read_text()))
    assert stampers == ["call.py", "service/app.py"]  # app.py: the server's version route names it, no result
    assert "data[" not in next(line for line in (root / "service/app.py").read_text().splitlines()
                               if "aggregation_version" in line)


def test_a_weighting_call_types_its_parameters_and_runs_the_method() -> None:
    """Subject 0: volunteers 0, 1, 2 answer label 0, 0, 1 -> majority posterior (2/3, 1/3);
    subject 1: volunteer 0 answers 1 -> (0, 1)."""
    import numpy as np
    import pytest

    from zooagg.call import WeightingCall
    from zooagg.errors import ConfigError
    from zooagg.tasks.weighting import Answers

    answers = Answers.of([0, 0, 0, 1], [0, 1, 2, 0], [0, 0, 1, 1], n_labels=2)
    vote = WeightingCall.named("majority_vote")
    assert vote.name == "majority_vote"
    assert not vote.seeded
    assert vote.params == {}
    assert np.allclose(vote(answers).posterior, [[2 / 3, 1 / 3], [0.0, 1.0]])
    ds = WeightingCall.named("dawid_skene", {"n_iter": "7"})
    assert ds.seeded
    assert ds.params == {"n_iter": 7}
    with pytest.raises(ConfigError, match="no parameter 'n_iters'"):
        WeightingCall.named("dawid_skene", {"n_iters": 7})


def test_only_call_py_calls_a_registered_components_function() -> None:
    """Issue 13: no copy of the call path outside call.py (weighting/run.py included)."""
    from pathlib import Path

    import zooagg

    root = Path(zooagg.__file__).parent
    callers = sorted(str(p.relative_to(root)) for p in root.rglob("*.py") if "component.func(" in p.read_text())
    assert callers == ["call.py"]
