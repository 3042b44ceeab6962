"""Caesar's running reducers, `POST /running_reducers/<name>`, over HTTP against a real server.

Expected values marked "observed from the peer" were produced by panoptes_aggregation 5.3.1's
running reducers through their request path (`{"extracts": [...], "store": {...}}` and the
query string) on the same input; only `aggregation_version` differs. Where zooagg answers
differently on purpose the test says so and why (docs/differences.md).
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from zooagg import registry

from .conftest import Server
from .test_caesar import stamped


def feedback(*found: bool) -> dict[str, Any]:
    return {"feedback": [{"success": f} for f in found]}


def columns(xs: list[float | None], widths: list[float]) -> dict[str, Any]:
    return {"frame0": {"T0_tool0_x": xs, "T0_tool0_width": widths}}


def difficulty(*values: float) -> dict[str, Any]:
    return {"data": {"difficulty": list(values)}}


THREE_VOLUNTEERS = [
    {"data": columns([100.0], [10.0]), "user_id": 1, "relevant_reduction": {"data": {"skill": 0.5}}},
    {"data": columns([101.0, 300.0], [11.0, 8.0]), "user_id": 2, "relevant_reduction": None},
    {"data": columns([99.5], [9.0]), "user_id": 3, "relevant_reduction": {"data": {"skill": 2.0}}},
]
THREE_STORE = {"data_by_tool": {"data": [[100.0, 10.0], [101.0, 11.0], [300.0, 8.0], [99.5, 9.0]],
                                "index": [0, 1, 1, 2]},
               "user_id": [1, 2, 3], "relevant_reduction": [{"data": {"skill": 0.5}}, None, {"data": {"skill": 2.0}}]}
ONE_CLUSTER = {"widths": [10.0], "counts": [3], "weighted_counts": [3.5], "user_ids": [[1, 2, 3]],
               "max_weighted_count": 3.5, "_store": THREE_STORE}

# (url, body, the peer's answer without aggregation_version): observed from the peer
CASES = [
    ("/running_reducers/tess_user_reducer",
     {"extracts": [{"data": feedback(True, False), "relevant_reduction": difficulty(0.5, 0.25)}], "store": {}},
     {"skill": 1.1037170234589986, "_store": {"seed": 0.75, "count": 2}}),
    ("/running_reducers/tess_user_reducer",
     {"extracts": [{"data": feedback(True), "relevant_reduction": difficulty(0.8)}],
      "store": {"seed": 0.75, "count": 2}},
     {"skill": 1.3574045963693142, "_store": {"seed": 2.35, "count": 3}}),
    ("/running_reducers/tess_user_reducer",  # no difficulty known: the transits weigh nothing
     {"extracts": [{"data": feedback(True, True), "relevant_reduction": None}], "store": {}},
     {"skill": 1.0, "_store": {"seed": 0, "count": 2}}),
    ("/running_reducers/tess_user_reducer",  # clipped to 3
     {"extracts": [{"data": feedback(True), "relevant_reduction": difficulty(1.0)}], "store": {"seed": 40, "count": 10}},
     {"skill": 3.0, "_store": {"seed": 42.0, "count": 11}}),
    ("/running_reducers/tess_user_reducer",
     {"extracts": [{"data": feedback(False), "relevant_reduction": difficulty(1.0)}],
      "store": {"seed": -20, "count": 10}},
     {"skill": 0.25604838021914955, "_store": {"seed": -21.0, "count": 11}}),
    ("/running_reducers/tess_user_reducer",  # one difficulty for every transit
     {"extracts": [{"data": feedback(True, False), "relevant_reduction": {"data": {"difficulty": 0.5}}}],
      "store": {}},
     {"skill": 1.0680014132225848, "_store": {"seed": 0.5, "count": 2}}),
    ("/running_reducers/tess_user_reducer",  # no transit seen yet: the floor
     {"extracts": [{"data": {"feedback": []}, "relevant_reduction": None}], "store": {}},
     {"skill": 0.05, "_store": {"seed": 0, "count": 0}}),
    ("/running_reducers/tess_gold_standard_reducer",
     {"extracts": [{"data": feedback(True, False)}], "store": {}},
     {"_store": {"number_of_successes": [1, 0], "count": 1}, "difficulty": [1.0, 0.0]}),
    ("/running_reducers/tess_gold_standard_reducer",
     {"extracts": [{"data": feedback(True, True)}], "store": {"number_of_successes": [1, 0], "count": 1}},
     {"_store": {"number_of_successes": [2, 1], "count": 2}, "difficulty": [1.0, 0.5]}),
    ("/running_reducers/tess_gold_standard_reducer",  # no feedback: the store comes back as it was
     {"extracts": [{"data": {"feedback": []}}], "store": {"number_of_successes": [2, 1], "count": 2}},
     {"_store": {"number_of_successes": [2, 1], "count": 2}, "difficulty": [1.0, 0.5]}),
    ("/running_reducers/tess_gold_standard_reducer",
     {"extracts": [{"data": {"feedback": []}}, {"data": feedback(False, True)}], "store": {}},
     {"_store": {"number_of_successes": [0, 1], "count": 1}, "difficulty": [0.0, 1.0]}),
    ("/running_reducers/tess_gold_standard_reducer", {"extracts": [], "store": {}}, {"_store": {}}),
    ("/running_reducers/tess_reducer_column", {"extracts": THREE_VOLUNTEERS, "store": {}},
     {"centers": [100.16666666666667], **ONE_CLUSTER}),
    ("/running_reducers/tess_reducer_column?x=left", {"extracts": THREE_VOLUNTEERS, "store": {}},
     {"centers": [105.16666666666667], **ONE_CLUSTER}),
    ("/running_reducers/tess_reducer_column?eps=20&min_samples=2", {"extracts": THREE_VOLUNTEERS, "store": {}},
     {"centers": [100.16666666666667], **ONE_CLUSTER}),
    ("/running_reducers/tess_reducer_column",  # fewer volunteers than min_samples: no clusters
     {"extracts": THREE_VOLUNTEERS[:2], "store": {}},
     {"max_weighted_count": None, "_store": {
         "data_by_tool": {"data": [[100.0, 10.0], [101.0, 11.0], [300.0, 8.0]], "index": [0, 1, 1]},
         "user_id": [1, 2], "relevant_reduction": [{"data": {"skill": 0.5}}, None]}}),
    ("/running_reducers/tess_reducer_column",  # volunteer 1 twice in the cluster: the mark nearer the core
     {"extracts": [{"data": columns([100.0, 104.0], [10.0, 10.0]), "user_id": 1, "relevant_reduction": None},
                   *({"data": columns([x], [10.0]), "user_id": u, "relevant_reduction": None}
                     for u, x in ((2, 102.0), (3, 101.0), (4, 103.0)))], "store": {}},
     {"centers": [101.5], "widths": [10.0], "counts": [4], "weighted_counts": [4.0], "user_ids": [[1, 2, 3, 4]],
      "max_weighted_count": 4.0, "_store": {
          "data_by_tool": {"data": [[100.0, 10.0], [104.0, 10.0], [102.0, 10.0], [101.0, 10.0], [103.0, 10.0]],
                           "index": [0, 0, 1, 2, 3]},
          "user_id": [1, 2, 3, 4], "relevant_reduction": [None, None, None, None]}}),
    ("/running_reducers/tess_reducer_column",  # a column without x is kept in the store, not clustered
     {"extracts": [{"data": columns([100.0, None], [10.0, 3.0]), "user_id": 1, "relevant_reduction": None},
                   {"data": columns([101.0], [10.0]), "user_id": 2, "relevant_reduction": None},
                   {"data": columns([102.0], [10.0]), "user_id": 3, "relevant_reduction": None}], "store": {}},
     {"centers": [101.0], "widths": [10.0], "counts": [3], "weighted_counts": [3.0], "user_ids": [[1, 2, 3]],
      "max_weighted_count": 3.0, "_store": {
          "data_by_tool": {"data": [[100.0, 10.0], [None, 3.0], [101.0, 10.0], [102.0, 10.0]], "index": [0, 0, 1, 2]},
          "user_id": [1, 2, 3], "relevant_reduction": [None, None, None]}}),
    ("/running_reducers/tess_reducer_column", {"extracts": [], "store": {}},
     {"max_weighted_count": None, "_store": {"data_by_tool": {"data": [], "index": []}, "user_id": [],
                                             "relevant_reduction": []}}),
]


@pytest.mark.parametrize(("url", "body", "expected"), CASES, ids=[f"{i}:{c[0].split('/')[-1]}" for i, c in enumerate(CASES)])
def test_same_answer_as_the_peer(shared_server: Server, url: str, body: Any, expected: Any) -> None:
    with shared_server.client() as client:
        response = client.post(url, json=body)
    assert response.status_code == 200, response.text
    assert within_ulps(response.json(), stamped(expected))


def within_ulps(got: Any, expected: Any, ulps: int = 4) -> bool:
    """Equal, floats to a few units in the last place: the peer's values were recorded on another
    machine, and pow's last digit differs between machines (the peer's 0.25604838021914955; numpy and
    glibc give ...966 on this one)."""
    if isinstance(expected, float) and isinstance(got, float):
        return abs(got - expected) <= ulps * math.ulp(expected)
    if isinstance(expected, dict) and isinstance(got, dict):
        return got.keys() == expected.keys() and all(within_ulps(got[k], v, ulps) for k, v in expected.items())
    if isinstance(expected, list) and isinstance(got, list):
        return len(got) == len(expected) and all(within_ulps(g, e, ulps) for g, e in zip(got, expected, strict=True))
    return bool(got == expected) and type(got) is type(expected)


def test_within_ulps_tells_values_apart() -> None:
    assert within_ulps({"skill": 0.25604838021914966}, {"skill": 0.25604838021914955})
    assert not within_ulps({"skill": 0.2560483802191}, {"skill": 0.25604838021914955})
    assert not within_ulps({"skill": 1}, {"skill": 1.0})
    assert not within_ulps([1.0, 2.0], [1.0])


def test_store_carried_across_calls(shared_server: Server) -> None:
    """Each answer's _store goes into the next call, as Caesar does; every answer is the peer's."""
    new_volunteer = {"data": columns([102.0, 301.0], [10.0, 8.0]), "user_id": 4,
                     "relevant_reduction": {"data": {"skill": 1.5}}}
    with shared_server.client() as client:
        first = client.post("/running_reducers/tess_reducer_column",
                            json={"extracts": THREE_VOLUNTEERS, "store": {}}).json()
        second = client.post("/running_reducers/tess_reducer_column",
                             json={"extracts": [new_volunteer], "store": first["_store"]}).json()
        gold: dict[str, Any] = {}
        for found in ((True, False), (True, True), (False, True)):
            gold = client.post("/running_reducers/tess_gold_standard_reducer",
                               json={"extracts": [{"data": feedback(*found)}], "store": gold.get("_store", {})}).json()
    # observed from the peer, the same three calls
    assert second == stamped({
        "centers": [100.625], "widths": [10.0], "counts": [4], "weighted_counts": [5.0], "user_ids": [[1, 2, 3, 4]],
        "max_weighted_count": 5.0, "_store": {
            "data_by_tool": {"data": [[100.0, 10.0], [101.0, 11.0], [300.0, 8.0], [99.5, 9.0], [102.0, 10.0],
                                      [301.0, 8.0]], "index": [0, 1, 1, 2, 3, 3]},
            "user_id": [1, 2, 3, 4],
            "relevant_reduction": [{"data": {"skill": 0.5}}, None, {"data": {"skill": 2.0}}, {"data": {"skill": 1.5}}]}})
    assert gold == stamped({"_store": {"number_of_successes": [2, 2], "count": 3},
                            "difficulty": [0.6666666666666666, 0.6666666666666666]})


def test_several_volunteers_in_one_call_keep_their_own_marks(shared_server: Server) -> None:
    # the peer gives every mark of this call to one volunteer (index 4 twice, user 6 lost):
    # it answers counts [4, 3], user_ids [[1, 2, 3, 4], [2, 4, 5]]
    store = {"data_by_tool": {"data": [[100.0, 10.0], [101.0, 11.0], [300.0, 8.0], [99.5, 9.0], [102.0, 10.0],
                                       [301.0, 8.0]], "index": [0, 1, 1, 2, 3, 3]},
             "user_id": [1, 2, 3, 4], "relevant_reduction": [None, None, None, None]}
    body = {"extracts": [{"data": columns([299.0], [9.0]), "user_id": 5, "relevant_reduction": None},
                         {"data": columns([298.0], [9.5]), "user_id": 6, "relevant_reduction": None}], "store": store}
    with shared_server.client() as client:
        answer = client.post("/running_reducers/tess_reducer_column", json=body).json()
    assert answer["counts"] == [4, 4]
    assert answer["user_ids"] == [[1, 2, 3, 4], [2, 4, 5, 6]]
    assert answer["_store"]["data_by_tool"]["index"][-2:] == [4, 5]


def test_every_extract_of_a_call_counts(shared_server: Server) -> None:
    # the peer counts only the first extract: {"seed": 1.8, "count": 1} and difficulty [1.0, 0.0]
    with shared_server.client() as client:
        user = client.post("/running_reducers/tess_user_reducer", json={"extracts": [
            {"data": feedback(True), "relevant_reduction": difficulty(0.9)},
            {"data": feedback(False), "relevant_reduction": difficulty(0.1)}], "store": {}}).json()
        gold = client.post("/running_reducers/tess_gold_standard_reducer", json={"extracts": [
            {"data": feedback(True, False)}, {"data": feedback(True, True)}], "store": {}}).json()
    assert user["_store"] == {"seed": pytest.approx(1.7), "count": 2}
    assert gold["difficulty"] == [1.0, 0.5]
    assert gold["_store"] == {"number_of_successes": [2, 1], "count": 2}


def test_missing_or_null_store_starts_empty(shared_server: Server) -> None:
    # the peer answers 500 for both (KeyError 'store'; None has no .get)
    body = {"extracts": [{"data": feedback(True), "relevant_reduction": None}]}
    with shared_server.client() as client:
        for sent in (body, {**body, "store": None}):
            response = client.post("/running_reducers/tess_user_reducer", json=sent)
            assert response.json() == stamped({"skill": 1.0, "_store": {"seed": 0, "count": 1}})


def test_no_version_false_means_false(shared_server: Server) -> None:
    # the peer leaves the stamp out for ?no_version=False (a non-empty string is true there)
    body = {"extracts": [{"data": feedback(True)}], "store": {}}
    with shared_server.client() as client:
        assert "aggregation_version" in client.post("/running_reducers/tess_gold_standard_reducer?no_version=False",
                                                    json=body).json()
        assert "aggregation_version" not in client.post("/running_reducers/tess_gold_standard_reducer?no_version=true",
                                                        json=body).json()


@pytest.mark.parametrize(("name", "body", "words"), [
    ("tess_user_reducer", [{"data": feedback(True)}], 'must be a JSON object {"extracts"'),
    ("tess_user_reducer", {"store": {}}, 'must be a JSON object {"extracts"'),
    ("tess_user_reducer", {"extracts": {"data": {}}, "store": {}}, "extracts must be a list"),
    ("tess_user_reducer", {"extracts": [{"feedback": []}], "store": {}}, '"data": {...}'),
    ("tess_user_reducer", {"extracts": [], "store": [1]}, "store must be a JSON object"),
    ("tess_user_reducer", {"extracts": [{"data": {}}], "store": {}}, "the extract has no feedback"),
    ("tess_user_reducer", {"extracts": [{"data": feedback(True), "relevant_reduction": None}],
                           "store": {"seed": "x", "count": 1}}, "store seed must be a number"),
    ("tess_user_reducer", {"extracts": [{"data": feedback(True, False, True),
                                         "relevant_reduction": difficulty(0.5, 0.5)}], "store": {}},
     "feedback lists 3 transits but the subject's difficulty has 2"),
    ("tess_gold_standard_reducer", {"extracts": [{"data": feedback(True, False, True)}],
                                    "store": {"number_of_successes": [1, 0], "count": 1}},
     "feedback lists 3 transits where earlier ones listed 2"),
    ("tess_gold_standard_reducer", {"extracts": [{"data": {"feedback": [{"success": "yes"}]}}], "store": {}},
     "success true or false"),
    ("tess_reducer_column", {"extracts": [], "store": {"data_by_tool": {"data": [[1.0, 2.0]], "index": [3]},
                                                        "user_id": [1], "relevant_reduction": [None]}},
     "one user_id per volunteer"),
    ("tess_reducer_column", {"extracts": [{"data": columns(["a"], [1.0]), "user_id": i}  # type: ignore[list-item]  # a bad x, on purpose
                                          for i in range(3)],
                             "store": {}}, "x and width must be numbers"),
    ("tess_reducer_column", {"extracts": [{"data": columns([1.0], [1.0]), "user_id": 1,
                                           "relevant_reduction": {"data": {}}}], "store": {}},
     "relevant_reduction must be null or {data: {skill: number}}"),
])
def test_malformed_body_is_a_422_saying_what(shared_server: Server, name: str, body: Any, words: str) -> None:
    # the peer answers an HTML 500 page for each of these (observed)
    with shared_server.client() as client:
        response = client.post(f"/running_reducers/{name}", json=body)
    assert response.status_code == 422, response.text
    assert words in response.json()["error"]
    assert response.json()["detail"][0]["loc"] == ["body"]


def test_bad_json_and_bad_parameters(shared_server: Server) -> None:
    with shared_server.client() as client:
        assert client.post("/running_reducers/tess_user_reducer", content=b"{nope").status_code == 400
        eps = client.post("/running_reducers/tess_reducer_column?eps=abc", json={"extracts": [], "store": {}})
        # the peer silently uses eps=5 here
        assert eps.status_code == 422
        assert eps.json()["parameter"] == "eps"
        unknown = client.post("/running_reducers/tess_reducer_column?min_sample=2", json={"extracts": [], "store": {}})
        assert unknown.status_code == 422
        assert "did you mean 'min_samples'?" in unknown.json()["hint"]


def test_get_returns_the_name_and_unknown_names_suggest(shared_server: Server) -> None:
    with shared_server.client() as client:
        for name in registry.components("running_reducer"):
            assert client.get(f"/running_reducers/{name}").json() == name
        missing = client.post("/running_reducers/tess_user_reducr", json={"extracts": [], "store": {}})
        assert missing.status_code == 404
        assert "did you mean 'tess_user_reducer'?" in missing.json()["hint"]
        listing = client.get("/-/registry").json()
        assert set(listing["running_reducers"]) == set(registry.components("running_reducer"))
        assert listing["running_reducers"]["tess_reducer_column"]["url"] == "/running_reducers/tess_reducer_column"
        assert "/running_reducers/tess_user_reducer" in client.get("/openapi.json").json()["paths"]


def test_running_question_reducer_adds_up(shared_server: Server) -> None:
    url = "/running_reducers/question_reducer?track_user_ids=true"
    with shared_server.client() as client:
        first = client.post(url, json={"extracts": [{"data": {"yes": 1}, "user_id": 1},
                                                    {"data": {"no": 1}, "user_id": 2}], "store": {}}).json()
        second = client.post(url, json={"extracts": [{"data": {"yes": 1}, "user_id": 3}],
                                         "store": first["_store"]}).json()
        once = client.post("/reducers/question_reducer?track_user_ids=true", json=[
            {"data": {"yes": 1}, "user_id": 1}, {"data": {"no": 1}, "user_id": 2}, {"data": {"yes": 1}, "user_id": 3}]
        ).json()
    assert second == stamped({"yes": 2, "user_ids_yes": [1, 3], "no": 1, "user_ids_no": [2],
                              "_store": {"yes": 2, "user_ids_yes": [1, 3], "no": 1, "user_ids_no": [2]}})
    assert {k: v for k, v in second.items() if k != "_store"} == once
