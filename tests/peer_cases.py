"""The peer's own component test cases, sent to a live `zooagg serve` and judged as the peer's test would.

`tests/data/peer/peer_cases.json` is recorded from panoptes_aggregation 5.3.1's package by
`scripts/record_peer_cases.py` (every test method of its extractor, reducer and running
reducer tests: the HTTP call it checks, or why no HTTP call can show it). `check` sends one
case to a server and returns `(passed, detail)`; the comparison is the one the peer's test
method makes (`compare`), with floats equal within 1e-5 as the peer's own slope checks:

- `dict`: equal after the case's rounding; `count`: the same items in any order (the peer's
  `assertCountEqual`); `list`: the same items as the peer's answer, in any order (`polygon_reducer_contours`: the
  contour outlines as shapes, `_contour_row_equal`); `text`: every expected key present
  and equal (`assertTextExtractor`); `points`: the same keys, values within the case's 2 pixels
  (`assertPoints`); `keys`: every expected key present (`test_keys`); `answers`: a 200 equal to
  what the peer's component returned (also used where the peer's own answer fails its test's
  check, and for list reductions, which the peer's tests check by keys only: `reference`); `error`: the call is refused with a 4xx naming the
  problem (the peer raises; its service answers 500).

Used by tests/service/test_peer_cases.py and tests/service/test_fem_peer_cases.py (the
comparison) and scripts/peer_cases.py (the report). Needs httpx only.
"""

from __future__ import annotations

import json
import math
import urllib.parse
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

CASES_FILE = Path(__file__).parent / "data" / "peer" / "peer_cases.json"
PREFIXES = {"extractor": "extractors", "reducer": "reducers", "running_reducer": "running_reducers"}
POINTS_ATOL = 2  # the peer's ReducerTestPoints default


def load_cases(path: Path = CASES_FILE) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads(path.read_text())["cases"]
    return cases


def without_version(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_version(v) for k, v in value.items() if k != "aggregation_version"}
    if isinstance(value, list):
        return [without_version(v) for v in value]
    return value


def close(got: Any, expected: Any, atol: float = 1e-5) -> bool:
    """Equal, floats within `atol` (the peer's own tolerance for line slopes, `assert_allclose`)."""
    if isinstance(expected, float) and isinstance(got, int | float) and not isinstance(got, bool):
        return math.isclose(got, expected, rel_tol=1e-7, abs_tol=atol)
    if isinstance(expected, int) and not isinstance(expected, bool) and isinstance(got, float):
        return math.isclose(got, expected, rel_tol=1e-7, abs_tol=atol)
    if isinstance(expected, dict):
        return isinstance(got, dict) and got.keys() == expected.keys() and \
            all(close(got[k], expected[k], atol) for k in expected)
    if isinstance(expected, list):
        return isinstance(got, list) and len(got) == len(expected) and \
            all(close(g, e, atol) for g, e in zip(got, expected, strict=True))
    return bool(got == expected)


def rounded(value: Any, digits: int | None) -> Any:
    if digits is None:
        return value
    if isinstance(value, dict):
        return {k: rounded(v, digits) for k, v in value.items()}
    if isinstance(value, list):
        return [rounded(v, digits) for v in value]
    return round(value, digits) if isinstance(value, float) else value


def _text_equal(got: Any, expected: dict[str, Any]) -> bool:
    """The peer's assertTextExtractor: every expected key (two levels) present and equal."""
    if not isinstance(got, dict):
        return False
    for key, value in expected.items():
        if key not in got:
            return False
        if isinstance(value, dict):
            if not isinstance(got[key], dict):
                return False
            for inner, want in value.items():
                if inner not in got[key] or not close(got[key][inner], want):
                    return False
    return True


def _points_equal(got: Any, expected: dict[str, Any]) -> bool:
    """The peer's assertPoints (values within 2) and test_keys (keys the same) together."""
    if not isinstance(got, dict) or got.keys() != expected.keys():
        return False
    for key, value in got.items():
        want = expected[key]
        if isinstance(value, dict) != isinstance(want, dict):
            return False
        pairs = [(value[k], want.get(k)) for k in value] if isinstance(value, dict) else [(value, want)]
        if isinstance(value, dict) and value.keys() != want.keys():
            return False
        if not all(close(g, w, POINTS_ATOL) for g, w in pairs):
            return False
    return True


def _keys_present(got: Any, expected: dict[str, Any]) -> bool:
    return isinstance(got, dict) and all(
        key in got and (not isinstance(value, dict) or (isinstance(got[key], dict) and value.keys() <= got[key].keys()))
        for key, value in expected.items())


def _same_items(got: Any, expected: list[Any], equal: Callable[[Any, Any], bool] = close) -> bool:
    """The same items in any order, each pair `equal` (the peer's list reductions come out in
    an order that changes from run to run: tools are walked in set order)."""
    if not isinstance(got, list) or len(got) != len(expected):
        return False
    left = list(expected)
    for item in got:
        match = next((i for i, want in enumerate(left) if equal(item, want)), None)
        if match is None:
            return False
        left.pop(match)
    return True


def _outline_gap(xs: list[float], ys: list[float], want_x: list[float], want_y: list[float]) -> float:
    import shapely

    return float(shapely.Polygon(list(zip(xs, ys, strict=True))).hausdorff_distance(
        shapely.Polygon(list(zip(want_x, want_y, strict=True)))))


def _contour_row_equal(got: Any, want: Any) -> bool:
    """One contours row: every value equal, the outlines as shapes (any start vertex, no
    float-noise duplicates) within 1e-9, or within one grid cell (√2 of the 100-point grid over
    the cluster's extent) where the peer rasterised a cluster of more than 9 polygons."""
    if not isinstance(got, dict) or got.keys() != want.keys():
        return False
    for frame, values in want.items():
        if not frame.startswith("frame"):
            if not close(got[frame], values):
                return False
            continue
        mine = got[frame]
        if not isinstance(mine, dict) or mine.keys() != values.keys():
            return False
        for key, value in values.items():
            if key.endswith(("_contours_x", "_contours_y")):
                continue
            if not close(mine[key], value):
                return False
        for key in [k for k in values if k.endswith("_contours_x")]:
            tool = key.removesuffix("_contours_x")
            xs, ys = values[key], values[f"{tool}_contours_y"]
            labels = values[f"{tool}_cluster_labels"]
            size = labels.count(values[f"{tool}_cluster_label_for_contours"])
            extent = max(max(max(x) for x in xs) - min(min(x) for x in xs), max(max(y) for y in ys) - min(min(y) for y in ys))
            tolerance = extent / 99 * 2 ** 0.5 if size > 9 else 1e-9
            if len(mine[key]) != len(xs) or not all(
                    _outline_gap(gx, gy, wx, wy) <= tolerance
                    for gx, gy, wx, wy in zip(mine[key], mine[f"{tool}_contours_y"], xs, ys, strict=True)):
                return False
    return True


def _same_contour_rows(got: Any, expected: list[Any]) -> bool:
    return _same_items(got, expected, _contour_row_equal)


def _count_equal(got: Any, expected: list[Any]) -> bool:
    if not isinstance(got, list):
        return False

    def key(item: Any) -> str:
        return json.dumps(item, sort_keys=True)

    return Counter(map(key, got)) == Counter(map(key, expected))


#: where zooagg answers differently on purpose: case id -> (why, the top-level keys of zooagg's
#: answer that replace the expected ones); docs/differences.md lists them
DIFFERENT: dict[str, tuple[str, dict[str, Any]]] = {}

CHECKS: dict[str, Callable[[Any, Any], bool]] = {
    "dict": close, "answers": close, "list": _same_items, "text": _text_equal, "points": _points_equal,
    "keys": _keys_present, "count": _count_equal, "contours": _same_contour_rows}


def reference(case: dict[str, Any]) -> tuple[str, Any]:
    """What the answer is held to: the test's expected value, unless the peer's own answer
    fails the test's check (its list reductions are checked by keys only, so their values are
    the peer's answer; a few expected values were made with older scikit-learn releases), or the
    case is `answers`: then the peer's own answer, strictly."""
    peer = case["peer_answer"].get("answer")
    if case["compare"] == "list":
        return ("contours" if case["name"] == "polygon_reducer_contours" else "list"), peer
    if case["compare"] == "answers":
        return "answers", peer
    if case["compare"] != "error" and "answer" in case["peer_answer"] and \
            not CHECKS[case["compare"]](rounded(peer, case.get("round")), rounded(case["expected"], case.get("round"))):
        return "answers", peer
    return case["compare"], case["expected"]


def judge(case: dict[str, Any], status: int, answer: Any) -> tuple[bool, str]:
    """Did the answer pass the case's own check? With a short reason when not."""
    if case["compare"] == "error":
        refused = 400 <= status < 500
        return refused, "" if refused else f"expected a 4xx refusal, got {status}: {json.dumps(answer)[:300]}"
    if status != 200:
        return False, f"HTTP {status}: {json.dumps(answer)[:400]}"
    compare, expected = reference(case)
    if case["id"] in DIFFERENT:
        expected = {**expected, **DIFFERENT[case["id"]][1]}
    got = rounded(without_version(answer), case.get("round"))
    if CHECKS[compare](got, rounded(expected, case.get("round"))):
        return True, ""
    whose = "the peer's answer" if compare == "answers" else "expected"
    return False, f"got {json.dumps(got)[:500]}; {whose} {json.dumps(expected)[:500]}"


def query(kwargs: dict[str, Any]) -> str:
    """The query string as the peer's tests send it: `urlencode`, dicts and lists as Python reprs."""
    return urllib.parse.urlencode(kwargs)


def send(client: httpx.Client, base_url: str, case: dict[str, Any]) -> tuple[int, Any]:
    url = f"{base_url}/{PREFIXES[case['kind']]}/{case['name']}"
    if case["kwargs"]:
        url += "?" + query(case["kwargs"])
    response = client.post(url, json=case["body"], timeout=120)
    try:
        return response.status_code, response.json()
    except ValueError:
        return response.status_code, response.text[:300]


def check(client: httpx.Client, base_url: str, case: dict[str, Any]) -> tuple[bool, str]:
    status, answer = send(client, base_url, case)
    return judge(case, status, answer)
