"""The Caesar-compatible stateless endpoints, over HTTP against a real server.

Expected values marked "observed from the peer" were produced by panoptes_aggregation 5.3.1's
own route functions on the same input (only `aggregation_version` differs: the peer writes
5.3.1, zooagg its own stamp).
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter

from zooagg import AGGREGATION_VERSION, __version__, registry
from zooagg.service.caesar import PREFIXES
from zooagg.service.schemas import RegistryListing, VersionInfo

from .conftest import Server

QUESTIONS = {"annotations": {"T0": [{"task": "T0", "value": "Yes"}],
                             "T1": [{"task": "T1", "value": ["Red", "Blue"]}]}, "metadata": {}}
POINTS = {"annotations": {"T2": [{"task": "T2", "value": [
    {"x": 1.5, "y": 2, "tool": 0, "frame": 0, "details": []},
    {"x": 3, "y": 4, "tool": 1, "frame": 0, "details": []}]}]}, "metadata": {}}
SURVEY = {"annotations": {"T3": [{"task": "T3", "value": [
    {"choice": "ZBR", "answers": {"HWMN": "2", "WHTBHVRSDS": ["MVNG"]}, "filters": {}}]}]}, "metadata": {}}
RECTANGLE = {"annotations": {"T2": [{"task": "T2", "value": [
    {"x": 1, "y": 2, "width": 3, "height": 4, "tool": 2, "frame": 0, "details": []}]}]}, "metadata": {}}
VOTES = [{"data": {"yes": 1}, "user_id": 1}, {"data": {"no": 1}, "user_id": 2},
         {"data": {"yes": 1}, "user_id": None}]
TWO_ANSWERS = [{"data": {"red": 1, "blue": 1}, "user_id": 1}, {"data": {"red": 1}, "user_id": 2}]
POINT_EXTRACTS = [{"data": {"frame0": {"T2_tool0_x": [1.0 + i * 0.1], "T2_tool0_y": [2.0]}}, "user_id": i}
                  for i in range(4)]


def stamped(value: Any) -> Any:
    """The peer's answer with zooagg's version stamp in place of the peer's."""
    if isinstance(value, list):
        return [stamped(v) for v in value]
    return {**value, "aggregation_version": AGGREGATION_VERSION}


# (url, body, the peer's answer without aggregation_version): observed from the peer
EXTRACTOR_CASES = [
    ("/extractors/question_extractor?task=T1", QUESTIONS, {"red": 1, "blue": 1}),
    ("/extractors/question_extractor?task=T0", QUESTIONS, {"yes": 1}),
    ("/extractors/question_extractor", QUESTIONS, {"yes": 1}),
    ("/extractors/point_extractor_by_frame?task=T2&tools=[0,1]", POINTS,
     {"frame0": {"T2_tool0_x": [1.5], "T2_tool0_y": [2], "T2_tool1_x": [3], "T2_tool1_y": [4]}}),
    ("/extractors/survey_extractor?task=T3", SURVEY,
     [{"choice": "zbr", "answers_hwmn": {"2": 1}, "answers_whtbhvrsds": {"mvng": 1}}]),
    ("/extractors/shape_extractor?task=T2&shape=rectangle&tools=[2]", RECTANGLE,
     {"frame0": {"T2_tool2_x": [1], "T2_tool2_y": [2], "T2_tool2_width": [3], "T2_tool2_height": [4]}}),
    ("/extractors/slider_extractor?task=T4", {"annotations": {"T4": [{"task": "T4", "value": "0.7"}]},
                                               "metadata": {}}, {"slider_value": "0.7"}),
    ("/extractors/dropdown_extractor?task=T5", {"annotations": {"T5": [{"task": "T5", "value": [
        {"value": "abc", "option": True}]}]}, "metadata": {}}, {"value": [{"abc": 1}]}),
]

REDUCER_CASES = [
    ("/reducers/question_reducer", VOTES, {"yes": 2, "no": 1}),
    ("/reducers/question_reducer?pairs=True", TWO_ANSWERS, {"blue+red": 1, "red": 1}),
    ("/reducers/question_reducer?track_user_ids=True", VOTES,
     {"yes": 2, "user_ids_yes": [1, None], "no": 1, "user_ids_no": [2]}),
    ("/reducers/question_consensus_reducer", VOTES,
     {"most_likely": "yes", "num_votes": 2, "agreement": 0.6666666666666666}),
    ("/reducers/point_reducer_dbscan?eps=5&min_samples=3", POINT_EXTRACTS, {"frame0": {
        "T2_tool0_points_x": [1.0, 1.1, 1.2, 1.3], "T2_tool0_points_y": [2.0, 2.0, 2.0, 2.0],
        "T2_tool0_cluster_labels": [0, 0, 0, 0], "T2_tool0_clusters_count": [4],
        "T2_tool0_clusters_x": [1.15], "T2_tool0_clusters_y": [2.0],
        "T2_tool0_clusters_var_x": [0.016666666666666666], "T2_tool0_clusters_var_y": [0.0],
        "T2_tool0_clusters_var_x_y": [0.0]}}),
    ("/reducers/slider_reducer", [{"data": {"slider_value": 1}, "user_id": 1}, {"data": {"slider_value": 2}, "user_id": 2}],
     {"slider_mean": 1.5, "slider_median": 1.5, "slider_var": 0.25}),
]


@pytest.mark.parametrize(("url", "body", "expected"), EXTRACTOR_CASES + REDUCER_CASES,
                         ids=[c[0] for c in EXTRACTOR_CASES + REDUCER_CASES])
def test_same_answer_as_the_peer(shared_server: Server, url: str, body: Any, expected: Any) -> None:
    with shared_server.client() as client:
        response = client.post(url, json=body)
    assert response.status_code == 200, response.text
    assert response.json() == stamped(expected)


def test_pairs_false_means_false(shared_server: Server) -> None:
    # the peer answers {"blue+red": 1, "red": 1} here (observed): bool("False") is True there
    with shared_server.client() as client:
        response = client.post("/reducers/question_reducer?pairs=False", json=TWO_ANSWERS)
    assert response.json() == stamped({"red": 2, "blue": 1})


def test_annotations_as_a_plain_list(shared_server: Server) -> None:
    # the peer answers 500 ('list' object has no attribute 'items'), observed
    body = {"annotations": [{"task": "T0", "value": "Yes"}], "metadata": {}}
    with shared_server.client() as client:
        response = client.post("/extractors/question_extractor?task=T0", json=body)
    assert response.status_code == 200
    assert response.json() == stamped({"yes": 1})


def test_dropped_marks_are_counted_in_headers_the_body_keeps_the_peers_shape(shared_server: Server) -> None:
    """A mark with a hostile tool type and none of the keys is dropped: the answer is the peer's
    shape (the good rectangle alone); the headers count it and say why, in printable ASCII."""
    body = {"id": 7, "annotations": {"T2": [{"task": "T2", "value": [
        {"x": 1, "y": 2, "width": 3, "height": 4, "tool": 2, "frame": 0, "details": []},
        {"toolType": "rectangle\r\nSet-Cookie: x=1 \u00e9", "x_center": 5, "toolIndex": 2, "frame": 0},
    ]}]}, "metadata": {}}
    with shared_server.client() as client:
        response = client.post("/extractors/shape_extractor?task=T2&shape=rectangle&tools=[2]", json=body)
        clean = client.post("/extractors/shape_extractor?task=T2&shape=rectangle&tools=[2]", json=RECTANGLE)
    assert response.status_code == 200
    assert response.json() == stamped(
        {"frame0": {"T2_tool2_x": [1], "T2_tool2_y": [2], "T2_tool2_width": [3], "T2_tool2_height": [4]}})
    assert response.headers["x-zooagg-marks-dropped"] == "1"
    reason = response.headers["x-zooagg-dropped-reasons"]
    assert reason == ("mark 1 (tool 2) of task T2 (a rectangle??Set-Cookie: x=1 ? mark) has no x, y, width, "
                      "height: mark dropped, the rest of the classification kept")
    assert "set-cookie" not in response.headers
    assert "x-zooagg-marks-dropped" not in clean.headers


def test_survey_reducer_counts_classifications_when_it_knows_them(shared_server: Server) -> None:
    extracts = [{"data": {"choice": "zbr", "answers_hwmn": {"2": 1}}, "user_id": 1, "classification_id": 1},
                {"data": {"choice": "lphnt", "answers_hwmn": {"1": 1}}, "user_id": 1, "classification_id": 1},
                {"data": {"choice": "zbr", "answers_hwmn": {"1": 1}}, "user_id": 2, "classification_id": 2}]
    with shared_server.client() as client:
        response = client.post("/reducers/survey_reducer", json=extracts)
    # the peer says total_vote_count 3 (choices); zooagg counts classifications (docs/differences.md)
    assert response.json() == stamped([
        {"choice": "zbr", "total_vote_count": 2, "choice_count": 2, "answers_hwmn": {"2": 1, "1": 1}},
        {"choice": "lphnt", "total_vote_count": 2, "choice_count": 1, "answers_hwmn": {"1": 1}}])


@pytest.mark.parametrize("kind", list(PREFIXES))  # weighting methods have no Caesar route
def test_get_returns_the_name(shared_server: Server, kind: registry.Kind) -> None:
    with shared_server.client() as client:
        for name in registry.components(kind):
            response = client.get(f"/{kind}s/{name}")
            assert response.status_code == 200
            assert response.json() == name


@pytest.mark.parametrize(("url", "parameter", "words"), [
    ("/reducers/question_reducer?pairs=maybe", "pairs", "must be bool"),
    ("/reducers/point_reducer_dbscan?eps=abc", "eps", "must be float"),
    ("/reducers/point_reducer_dbscan?min_samples=2.5", "min_samples", "must be int"),
    ("/reducers/question_reducer?pair=true", "pair", "did you mean 'pairs'?"),
    ("/extractors/point_extractor_by_frame?tools=[0,", "tools", "must be list"),
])
def test_bad_parameter_is_a_422_naming_it(shared_server: Server, url: str, parameter: str, words: str) -> None:
    with shared_server.client() as client:
        response = client.post(url, json=VOTES if "reducers" in url else QUESTIONS)
    assert response.status_code == 422
    body = response.json()
    assert body["parameter"] == parameter
    assert words in body["error"] + " " + body.get("hint", "")


def test_bad_bodies(shared_server: Server) -> None:
    with shared_server.client() as client:
        assert client.post("/reducers/question_reducer", content=b"{nope").status_code == 400
        wrong = client.post("/reducers/question_reducer", json={"data": {}})
        assert wrong.status_code == 422
        assert "list of extracts" in wrong.json()["error"]
        odd = client.post("/extractors/question_extractor", json={"annotations": "Yes"})
        assert odd.status_code == 422
        assert "annotations" in odd.json()["error"]


def test_unknown_component_suggests_the_name(shared_server: Server) -> None:
    with shared_server.client() as client:
        response = client.post("/reducers/question_reducr", json=VOTES)
        assert response.status_code == 404
        assert "did you mean 'question_reducer'?" in response.json()["hint"]
        assert client.post("/running_reducers/question_reducr", json={}).status_code == 404


def test_shape_extractor_per_shape_name(shared_server: Server) -> None:
    with shared_server.client() as client:
        response = client.post("/extractors/shape_extractor_rectangle?task=T2&shape=rectangle", json=RECTANGLE)
    assert response.status_code == 200
    assert response.json()["frame0"]["T2_tool2_width"] == [3]


def test_meta_endpoints(shared_server: Server) -> None:
    with shared_server.client() as client:
        assert client.get("/-/version").json()["zooagg"] == __version__
        listing = client.get("/-/registry").json()
        # the answers are what /openapi.json says they are
        VersionInfo.model_validate_json(client.get("/-/version").content, strict=True)
        TypeAdapter(RegistryListing).validate_json(client.get("/-/registry").content, strict=True)
        assert set(listing["reducers"]) == set(registry.components("reducer"))
        assert listing["reducers"]["question_reducer"]["params"]["pairs"]["type"] == "bool"
        assert client.get("/").json()["status"] == "ok"
        spec = client.get("/openapi.json").json()
        assert "/reducers/question_reducer" in spec["paths"]
        for path in ("/-/version", "/-/registry", "/api/projects/{project_id}/weighting/{method}"):
            assert spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"], path
        params = spec["paths"]["/reducers/question_reducer"]["post"]["parameters"]
        assert "pairs" in {p["name"] for p in params}
        assert client.get("/docs").status_code == 200
        assert "Content-Security-Policy" in client.get("/-/version").headers
