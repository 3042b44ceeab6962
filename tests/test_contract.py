"""Contract tests, parametrised over the registry: every component gets the same checks."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import RunCli

from zooagg import registry
from zooagg.exports.classifications import Classification
from zooagg.exports.marks import normalise_annotation

EXTRACTORS = registry.components("extractor")
REDUCERS = registry.components("reducer")
RUNNING = registry.components("running_reducer")
WEIGHTINGS = registry.components("weighting")


def _mark(**fields: Any) -> dict[str, Any]:
    return {"tool": 0, "frame": 0, "details": [], **fields}


#: a typical annotation list for each extractor (and the parameters it is configured with)
TYPICAL_ANNOTATIONS: dict[str, tuple[list[dict[str, Any]], dict[str, Any]]] = {
    "question_extractor": ([{"task": "T0", "value": "Yes"}], {}),
    "shortcut_extractor": ([{"task": "T0", "value": ["Nothing here"]}], {}),
    "survey_extractor": ([{"task": "T0", "value": [
        {"choice": "LION", "answers": {"HOWMANY": "2", "DOING": ["EATING"]}, "filters": {}}]}], {}),
    "dropdown_extractor": ([{"task": "T0", "value": [{"value": "red", "option": True}]}], {}),
    "slider_extractor": ([{"task": "T0", "value": "0.5"}], {}),
    "all_tasks_empty_extractor": ([{"task": "T0", "value": None}], {}),
    "point_extractor": ([{"task": "T0", "value": [_mark(x=1.5, y=2.5)]}], {}),
    "point_extractor_by_frame": ([{"task": "T0", "value": [_mark(x=1.5, y=2.5)]}], {}),
    "rectangle_extractor": ([{"task": "T0", "value": [_mark(x=1.0, y=2.0, width=3.0, height=4.0)]}], {}),
    "shape_extractor": ([{"task": "T0", "value": [_mark(x=1.0, y=2.0, width=3.0, height=4.0)]}],
                        {"shape": "rectangle"}),
    # a second typical input for one extractor is keyed "<extractor>:<variant>"
    "shape_extractor:temporalPoint": ([{"task": "T0", "value": [_mark(x=1.0, y=2.0, displayTime=0.5)]}],
                                      {"shape": "temporalPoint"}),
    "shape_extractor:column": ([{"task": "T0", "value": [_mark(x=1.0, width=3.0)]}], {"shape": "column"}),
    "polygon_extractor": ([{"task": "T0", "value": [
        _mark(points=[{"x": 0, "y": 0}, {"x": 4, "y": 0}, {"x": 4, "y": 3}])]}], {}),
    "text_extractor": ([{"task": "T0", "value": "The quick brown fox"}], {}),
    "poly_line_text_extractor": ([{"task": "T0", "value": [{"tool": 0, "frame": 0, "points": [
        {"x": 10, "y": 100}, {"x": 110, "y": 101}, {"x": 210, "y": 102}], "details": [{"value": "the cat sat"}]}]}],
        {}),
    "line_text_extractor": ([{"task": "T0", "value": [{"tool": 0, "frame": 0, "x1": 10, "y1": 100, "x2": 210,
                                                        "y2": 102, "details": [{"value": "the cat sat"}]}]}], {}),
    "pluck_and_split_extractor": ([{"task": "T0", "value": "Yes"}], {"path": "$.annotations[0].value"}),
    "highlighter_extractor": ([{"task": "T0", "value": [
        {"start": 0, "end": 5, "text": "Hello", "labelInformation": {"label": "Person", "color": "#ff0"}}]}], {}),
    "bezier_extractor": ([{"task": "T0", "value": [
        _mark(points=[{"x": 0, "y": 0}, {"x": 2, "y": 2}, {"x": 4, "y": 0}])]}], {}),
    # project plugins (zooagg.projects)
    "sw_extractor": ([{"task": "T0", "value": [{"type": "text", "text": "the <sl>cat</sl> sat<br>",
                                                 "startPoint": {"x": 10, "y": 100}, "endPoint": {"x": 210, "y": 102}}]}],
                     {}),
    "sw_graphic_extractor": ([{"task": "T0", "value": [
        {"type": "graphic", "tag": "<graphic>seal</graphic>", "x": 1, "y": 2, "width": 3, "height": 4}]}], {}),
    "sw_variant_extractor": ([{"task": "T0", "value": [{"type": "text", "text": "ye", "variants": ["ye"]}]}], {}),
    "nfn_extractor": ([{"task": "T0", "value": [{"value": 1976, "option": True}]}], {"workflow": "herbarium", "year": "T0"}),
    "i2a_extractor": ([{"task": "T0", "value": [_mark(x=541.77, width=80.36)]}], {}),
}

#: the classification an extractor that reads more than the annotations is given (else None)
TYPICAL_CLASSIFICATIONS: dict[str, Classification] = {
    name: Classification(
        classification_id="1", user_name="ada", user_id="7", workflow_id="1", workflow_version="1.1",
        created_at="2019-05-22 10:28:13 UTC", subject_ids="9", annotations=[],
        metadata={"utc_offset": "21600", "subject_dimensions": [{"naturalWidth": 1152}]},
        subject_data_raw=json.dumps({"9": {"RA": "121.6", "Dec": "17.4", "#Published_Redshift": "0.109",
                                           "SVG_filename": "1237.svg", "URL": "http://sdss"}}).encode())
    for name in ("nfn_extractor", "i2a_extractor")
}

#: for each reducer: the extractor whose output it reduces, and its own parameters
REDUCER_INPUT: dict[str, tuple[str, dict[str, Any]]] = {
    "question_reducer": ("question_extractor", {}),
    "question_consensus_reducer": ("question_extractor", {}),
    "shortcut_reducer": ("shortcut_extractor", {}),
    "survey_reducer": ("survey_extractor", {}),
    "dropdown_reducer": ("dropdown_extractor", {}),
    "slider_reducer": ("slider_extractor", {}),
    "first_n_true_reducer": ("all_tasks_empty_extractor", {"n": 1}),
    "first_n_false_reducer": ("all_tasks_empty_extractor", {"n": 1}),
    "point_reducer": ("point_extractor", {}),
    "point_reducer_dbscan": ("point_extractor_by_frame", {}),
    "point_reducer_hdbscan": ("point_extractor_by_frame", {}),
    "rectangle_reducer": ("rectangle_extractor", {}),
    "shape_reducer_dbscan": ("shape_extractor", {"shape": "rectangle"}),
    "shape_reducer_hdbscan": ("shape_extractor", {"shape": "rectangle"}),
    "shape_reducer_optics": ("shape_extractor", {"shape": "rectangle"}),
    "temporal_point_reducer_dbscan": ("shape_extractor:temporalPoint", {}),
    "temporal_point_reducer_hdbscan": ("shape_extractor:temporalPoint", {}),
    "polygon_reducer": ("polygon_extractor", {}),
    "polygon_reducer_contours": ("polygon_extractor", {}),
    "text_reducer": ("text_extractor", {}),
    "poly_line_text_reducer": ("line_text_extractor", {}),
    "optics_line_text_reducer": ("line_text_extractor", {}),
    "highlighter_reducer": ("highlighter_extractor", {}),
    # gold-standard feedback comes from the classification's metadata (Caesar), not an extractor
    "subject_difficulty_reducer": ("extract:feedback", {}),
    "user_skill_reducer": ("extract:feedback", {}),
    "tess_gold_standard_reducer": ("extract:tess_feedback", {}),
    "tess_reducer_column": ("shape_extractor:column", {"min_samples": 1}),
    "sw_variant_reducer": ("sw_variant_extractor", {}),
    # SWAP's volunteer agent learns from a yes/no extract that carries the gold answer
    "swap_skill": ("extract:gold", {}),
}

#: typical extracts given as they are, for reducers whose input no extractor here makes
LITERAL_EXTRACTS: dict[str, dict[str, Any]] = {
    "extract:feedback": {
        "yes": 1,
        "feedback": {"success": [True], "true_answer": ["yes"], "strategy": "singleAnswerQuestion",
                     "agreement_score": 1.0},
        "relevant_reduction": {"data": {"difficulty": [0.75]}},
    },
    # TESS feedback as Caesar's pluck field extractor gives it
    "extract:tess_feedback": {"feedback": [{"success": True}, {"success": False}]},
    "extract:gold": {"yes": 1, "gold": "yes"},
}

#: for each running reducer: the plain reducer input it shares (its key in REDUCER_INPUT)
RUNNING_INPUT: dict[str, str] = {
    "question_reducer": "question_reducer",
    "shortcut_reducer": "shortcut_reducer",
    "survey_reducer": "survey_reducer",
    "tess_gold_standard_reducer": "tess_gold_standard_reducer",
    "tess_reducer_column": "tess_reducer_column",
    "tess_user_reducer": "tess_gold_standard_reducer",  # the volunteer's feedback
    "swap": "question_reducer",
    "swap_skill": "swap_skill",
}


def _wants(component: registry.Component, n: int) -> dict[str, list[Any]]:
    values: dict[str, list[Any]] = {"user_ids": [7] * n, "created_at": ["2024-01-01 00:00:00 UTC"] * n,
              "classification_ids": list(range(1, n + 1)), "relevant_reduction": [None] * n}
    return {want: values[want] for want in component.wants}


def _is_extract(result: Any) -> bool:
    if isinstance(result, dict):
        return True
    return isinstance(result, list) and all(isinstance(item, dict) for item in result)


def _typical_extract(reducer_name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    if reducer_name not in REDUCER_INPUT:
        pytest.fail(f"no typical input for reducer {reducer_name}: add it to REDUCER_INPUT in {__file__}")
    extractor_name, reducer_params = REDUCER_INPUT[reducer_name]
    if extractor_name in LITERAL_EXTRACTS:
        return json.loads(json.dumps(LITERAL_EXTRACTS[extractor_name])), reducer_params
    annotations, params = TYPICAL_ANNOTATIONS[extractor_name]
    annotations = [normalise_annotation(json.loads(json.dumps(a))) for a in annotations]
    name = extractor_name.split(":")[0]
    extract = EXTRACTORS[name].func(annotations, TYPICAL_CLASSIFICATIONS.get(name), **params)
    first = extract[0] if isinstance(extract, list) else extract
    assert first, f"{extractor_name} gave an empty extract for its typical annotation"
    return first, reducer_params


@pytest.mark.parametrize("name", sorted(EXTRACTORS))
def test_extractor_on_empty_annotations(name: str) -> None:
    component = EXTRACTORS[name]
    _, params = TYPICAL_ANNOTATIONS.get(name, ([], {}))
    result = component.func([], None, **params)
    assert _is_extract(result), f"{name} returned {result!r}"


def test_every_extractor_has_a_typical_annotation() -> None:
    missing = set(EXTRACTORS) - {key.split(":")[0] for key in TYPICAL_ANNOTATIONS}
    assert not missing, f"add typical annotations for {sorted(missing)} to TYPICAL_ANNOTATIONS"


@pytest.mark.parametrize("key", sorted(TYPICAL_ANNOTATIONS))
def test_extractor_on_typical_annotation(key: str) -> None:
    name = key.split(":")[0]
    if name not in EXTRACTORS:  # written ahead of its registration (work in progress)
        pytest.skip(f"{name} is in TYPICAL_ANNOTATIONS but not registered")
    annotations, params = TYPICAL_ANNOTATIONS[key]
    result = EXTRACTORS[name].func([normalise_annotation(json.loads(json.dumps(a))) for a in annotations],
                                   TYPICAL_CLASSIFICATIONS.get(name), **params)
    assert _is_extract(result), f"{name} returned {result!r}"
    assert result, f"{name} returned {result!r}"
    json.dumps(result)  # extracts must be plain JSON data (they go to CSV, Parquet and HTTP)


@pytest.mark.parametrize("name", sorted(REDUCERS))
def test_reducer_on_no_extracts(name: str) -> None:
    component = REDUCERS[name]
    _, params = REDUCER_INPUT.get(name, ("", {}))
    result = component.func([], **params, **_wants(component, 0))
    assert _is_extract(result), f"{name} returned {result!r}"


@pytest.mark.parametrize("name", sorted(REDUCERS))
def test_reducer_on_one_typical_extract(name: str) -> None:
    component = REDUCERS[name]
    extract, params = _typical_extract(name)
    result = component.func([extract], **params, **_wants(component, 1))
    assert _is_extract(result), f"{name} returned {result!r}"
    assert result, f"{name} returned {result!r}"
    json.dumps(result, default=float)


def test_known_reductions_of_one_extract() -> None:
    """The contract's inputs give real answers, not just the right type."""
    extract, _ = _typical_extract("question_reducer")
    assert REDUCERS["question_reducer"].func([extract], user_ids=[7]) == {"yes": 1}
    assert REDUCERS["question_consensus_reducer"].func([extract]) == {
        "most_likely": "yes", "num_votes": 1, "agreement": 1.0}
    survey, _ = _typical_extract("survey_reducer")
    assert REDUCERS["survey_reducer"].func([survey], classification_ids=[1]) == [{
        "choice": "lion", "total_vote_count": 1, "choice_count": 1,
        "answers_howmany": {"2": 1}, "answers_doing": {"eating": 1}}]
    slider, _ = _typical_extract("slider_reducer")
    assert REDUCERS["slider_reducer"].func([slider]) == {
        "slider_mean": 0.5, "slider_median": 0.5, "slider_var": 0.0}


def _running_input(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    if name not in RUNNING_INPUT:
        pytest.fail(f"no typical input for running reducer {name}: add it to RUNNING_INPUT in {__file__}")
    return _typical_extract(RUNNING_INPUT[name])


@pytest.mark.parametrize("name", sorted(RUNNING))
def test_running_reducer_on_no_extracts_and_an_empty_store(name: str) -> None:
    component = RUNNING[name]
    _, params = _running_input(name)
    result = component.func([], {}, **params, **_wants(component, 0))
    assert isinstance(result, dict), f"{name} returned {result!r}"
    assert isinstance(result["_store"], dict), f"{name} returned {result!r}"


@pytest.mark.parametrize("name", sorted(RUNNING))
def test_running_reducer_store_round_trips(name: str) -> None:
    """One extract, then another with the first answer's store: the store is plain JSON and
    the second answer counts both."""
    component = RUNNING[name]
    extract, params = _running_input(name)
    first = component.func([extract], {}, **params, **_wants(component, 1))
    store = json.loads(json.dumps(first["_store"]))
    second = component.func([json.loads(json.dumps(extract))], store, **params, **_wants(component, 1))
    assert second, f"{name} did not take the second extract in"
    assert second["_store"] != first["_store"], f"{name} did not take the second extract in"
    json.dumps(second)


def test_running_vote_reducers_answer_as_the_plain_reducer() -> None:
    extract, _ = _typical_extract("question_reducer")
    plain = REDUCERS["question_reducer"].func([extract, extract], user_ids=[7, 8])
    first = RUNNING["question_reducer"].func([extract], {}, user_ids=[7])
    second = RUNNING["question_reducer"].func([extract], first["_store"], user_ids=[8])
    assert {k: v for k, v in second.items() if k != "_store"} == plain == {"yes": 2}


@pytest.mark.parametrize(("kind", "name"), [("extractor", n) for n in sorted(EXTRACTORS)]
                         + [("reducer", n) for n in sorted(REDUCERS)]
                         + [("running_reducer", n) for n in sorted(RUNNING)]
                         + [("weighting", n) for n in sorted(WEIGHTINGS)])
def test_component_is_documented(kind: str, name: str) -> None:
    component = registry.components(kind)[name]  # type: ignore[arg-type]
    assert component.doc.strip(), f"{kind} {name} has no docstring"
    assert len(component.doc.splitlines()[0]) >= 10
    for param_name, param in component.all_params.items():
        assert param.help.strip(), f"{kind} {name}: parameter {param_name} has no help text"


@pytest.mark.parametrize(("kind", "name"), [("extractor", n) for n in sorted(EXTRACTORS)]
                         + [("reducer", n) for n in sorted(REDUCERS)]
                         + [("running_reducer", n) for n in sorted(RUNNING)]
                         + [("weighting", n) for n in sorted(WEIGHTINGS)])
def test_defaults_parse_as_their_own_parameters(kind: str, name: str) -> None:
    component = registry.components(kind)[name]  # type: ignore[arg-type]
    defaults = {k: v for k, v in component.defaults().items() if v is not None}
    assert component.parse_params(defaults) == defaults


def test_list_shows_every_registered_name(run_cli: RunCli) -> None:
    result = run_cli(["list"])
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    shown = {line.strip().split(":")[0] for line in lines if line.startswith("  ") and not line.startswith("    ")}
    assert shown == set(EXTRACTORS) | set(REDUCERS) | set(RUNNING) | set(WEIGHTINGS)
    assert "extractors:" in lines
    assert "reducers:" in lines
    assert "running reducers:" in lines
    assert "weightings:" in lines
    assert "      pairs (bool, default False): count each combination of answers (joined with +) " \
           "instead of each answer" in lines


def test_list_json_matches_registry(run_cli: RunCli) -> None:
    result = run_cli(["list", "--json"])
    assert result.code == 0, result.err
    listing = json.loads(result.out)
    assert [item["name"] for item in listing["extractors"]] == sorted(EXTRACTORS)
    assert [item["name"] for item in listing["reducers"]] == sorted(REDUCERS)
    assert [item["name"] for item in listing["running_reducers"]] == sorted(RUNNING)
    assert [item["name"] for item in listing["weightings"]] == sorted(WEIGHTINGS)
    question = next(item for item in listing["reducers"] if item["name"] == "question_reducer")
    assert question["params"]["pairs"]["default"] is False
    assert question["params"]["pairs"]["type"] == "bool"
