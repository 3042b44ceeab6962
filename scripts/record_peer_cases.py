"""Record panoptes_aggregation's own component test cases as JSON, for scripts/peer_cases.py.

    .peer-venv/bin/python scripts/record_peer_cases.py [OUT.json]

Runs under the peer's Python (it imports the installed `panoptes_aggregation` 5.3.1 and its
`tests` package; stdlib otherwise). Every test module under `extractor_tests`,
`reducer_tests` and `running_reducer_tests` is imported; each test class its case factories
made (`ExtractorTest`, `ReducerTest`, ...) has its inputs read from the closures of its test
methods, and each test method becomes one case:

- `http`: the call the method checks, as Caesar would send it to a route (the body and query
  string of the peer's own `test_request`), the expected answer and how the method compares
  (`dict`, `text`, `points`, `keys`, `count`, `list`, or `error` for a call that must be
  refused);
- `n/a`, with the reason: a method that checks something no HTTP call can show (an internal
  helper such as `process_data` or `_original`, in-process Python types, a warning raised
  in-process), or the offline twin of a request the `http` case already sends.

`peer_answer` is what the peer's component itself returns for the `http` call, run offline
here (its request path needs flask, which the peer's offline install does not have), so a
report can tell a lax peer assertion from a real difference.

Default output: tests/data/peer/peer_cases.json.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import json
import math
import pkgutil
import sys
import unittest
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "peer" / "peer_cases.json"
FOLDERS = ("extractor_tests", "reducer_tests", "running_reducer_tests")

OFFLINE_TWIN = "the offline twin of the request case: the same call without HTTP"
INTERNAL = "tests an internal helper of the peer ({}), not a component a route calls"
TYPES = "checks in-process Python types; a JSON answer over HTTP holds only built-in types"


def _names() -> dict[int, tuple[str, str]]:
    """id(function) -> (route kind, route name) from the peer's three registries."""
    from panoptes_aggregation import extractors, reducers, running_reducers

    names: dict[int, tuple[str, str]] = {}
    for kind, table in (("extractor", extractors.extractors), ("reducer", reducers.reducers),
                        ("running_reducer", running_reducers.running_reducers)):
        for name, function in table.items():
            names.setdefault(id(function), (kind, name))
    return names


def _closure(cls: type) -> dict[str, Any]:
    """The factory's arguments, read from the closures of the class's methods."""
    found: dict[str, Any] = {}
    for method in _own_methods(cls):
        code, cells = method.__code__, method.__closure__ or ()
        for name, cell in zip(code.co_freevars, cells, strict=True):
            try:
                found[name] = cell.cell_contents
            except ValueError:  # an empty cell
                continue
    return found


def _plain(value: Any) -> Any:
    """JSON-ready: numpy scalars and arrays to Python, tuples to lists, NaN kept as a marker."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist"):
        return _plain(value.tolist())
    if isinstance(value, float) and math.isnan(value):
        return {"__float__": "nan"}
    return value


def _without_version(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_version(v) for k, v in value.items() if k != "aggregation_version"}
    if isinstance(value, list):
        return [_without_version(v) for v in value]
    return value


def _peer_answer(call: Any) -> Any:
    try:
        return {"answer": _plain(_without_version(call()))}
    except Exception as exc:  # noqa: BLE001 - the peer's own failure is a fact to record
        return {"error": f"{type(exc).__name__}: {exc}"}


def _extractor_cases(base: dict[str, Any], args: dict[str, Any], route: tuple[str, str]) -> list[dict[str, Any]]:
    from panoptes_aggregation.extractors.utilities import annotation_by_task

    function, kwargs = args["function"], copy.deepcopy(args.get("kwargs", {}))
    body = annotation_by_task(copy.deepcopy(args["classification"]))
    text = "TextExtractorTest" in base["factory"]
    if "BadKeyword" in base["factory"]:
        return [{**base, "method": "test_bad_keyword", "status": "http", "kind": route[0], "name": route[1],
                 "kwargs": {"dot_freq": "bad_keyword"}, "body": _plain(body), "compare": "error",
                 "expected": None, "peer_answer": _peer_answer(lambda: function(body, dot_freq="bad_keyword"))}]
    compare = "text" if text else {"assertCountEqual": "count"}.get(args.get("test_type", ""), "dict")
    blank_kwargs = {**kwargs, "task": "ST"}
    blank = {"annotations": {"ST": []}}
    common = {"status": "http", "kind": route[0], "name": route[1], "round": args.get("round")}
    return [
        {**base, **common, "method": "test_request", "kwargs": _plain(kwargs), "body": _plain(body),
         "compare": compare, "expected": _plain(_without_version(args["expected"])),
         "peer_answer": _peer_answer(lambda: function(copy.deepcopy(body), **kwargs))},
        {**base, **common, "method": "test_blank", "kwargs": _plain(blank_kwargs), "body": blank,
         "compare": "dict" if text else compare,
         "expected": _plain(_without_version(args.get("blank_extract", {}))),
         "peer_answer": _peer_answer(lambda: function(copy.deepcopy(blank), **blank_kwargs))},
        {**base, "method": "test_extract", "status": "n/a", "reason": OFFLINE_TWIN},
        {**base, "method": "test_extract_data_types", "status": "n/a", "reason": TYPES},
    ]


def _reducer_body(extracted: list[Any], network: dict[str, Any], running: bool) -> Any:
    items = []
    for index, data in enumerate(extracted):
        item = {"data": copy.deepcopy(data)}
        for key, values in network.items():
            if not (running and key == "store"):
                item[key] = values[index]
        items.append(item)
    if running:
        return {"extracts": items, "store": copy.deepcopy(network.get("store", {}))}
    return items


def _reducer_cases(base: dict[str, Any], args: dict[str, Any], route: tuple[str, str]) -> list[dict[str, Any]]:
    from panoptes_aggregation.append_version import append_version

    reducer, factory = args["reducer"], base["factory"]
    running = route[0] == "running_reducer"
    kwargs = {**args.get("kwargs", {}), **args.get("pkwargs", {})}
    network = copy.deepcopy(args.get("network_kwargs", {}))
    extracted = copy.deepcopy(args["extracted"])
    if args.get("add_version", True) and not running:
        append_version(extracted)
    expected = _plain(_without_version(args["reduced"]))
    compare = "points" if factory == "ReducerTestPoints" else ("list" if isinstance(expected, list) else "dict")

    def peer() -> Any:
        return reducer(copy.deepcopy(extracted), **kwargs, **copy.deepcopy(network))

    common = {"status": "http", "kind": route[0], "name": route[1], "kwargs": _plain(kwargs),
              "body": _plain(_reducer_body(extracted, network, running)), "round": args.get("round"),
              "expected": expected, "peer_answer": _peer_answer(peer)}
    request = "test_request" if factory in ("ReducerTestNoProcessing", "RunningReducerTestNoProcessing") \
        else "test_reducer_request"
    cases = [{**base, **common, "method": request, "compare": compare},
             {**base, "method": "test_reducer", "status": "n/a", "reason": OFFLINE_TWIN}]
    if factory == "ReducerTestPoints":
        cases.append({**base, **common, "method": "test_keys", "compare": "keys"})
    if factory in ("ReducerTest", "ReducerTestPoints"):
        cases += [{**base, "method": "test_process_data", "status": "n/a",
                   "reason": INTERNAL.format("process_data")},
                  {**base, "method": "test_original_reducer", "status": "n/a",
                   "reason": INTERNAL.format("the reducer's `_original`, after process_data")}]
    if factory != "RunningReducerTestNoProcessing":
        cases.append({**base, "method": "test_reducer_data_types", "status": "n/a", "reason": TYPES})
    return cases


#: hand-written test classes (no factory): each method as an HTTP call that must be refused or
#: answered, or n/a with the reason. Module-level inputs are named by variable.
CUSTOM: dict[str, dict[str, Any]] = {
    "test_shape_extractor.ShapeExtractorBadKeywords.test_no_keyword": {
        "kind": "extractor", "name": "shape_extractor", "input": "classification", "kwargs": {},
        "compare": "error"},
    "test_shape_extractor.ShapeExtractorBadKeywords.test_bad_keyword": {
        "kind": "extractor", "name": "shape_extractor", "input": "classification",
        "kwargs": {"shape": "bad_shape"}, "compare": "error"},
    "test_shape_extractor.ShapeExtractorBadKeywords.test_missing_frame": {
        "kind": "extractor", "name": "shape_extractor", "input": "data_subject_classification",
        "kwargs": {"shape": "column"}, "compare": "answers"},
    "test_shape_reducer_keywords.ShapeReducerDBSCANBadKeywords.test_bad_metric_keyword_dbscan": {
        "kind": "reducer", "name": "shape_reducer_dbscan", "kwargs": {"metric_type": "bad", "shape": "circle"},
        "compare": "error"},
    "test_shape_reducer_keywords.ShapeReducerDBSCANBadKeywords.test_bad_metric_keyword_hdbscan": {
        "kind": "reducer", "name": "shape_reducer_hdbscan", "kwargs": {"metric_type": "bad", "shape": "circle"},
        "compare": "error"},
    "test_shape_reducer_keywords.ShapeReducerDBSCANBadKeywords.test_bad_metric_keyword_optics": {
        "kind": "reducer", "name": "shape_reducer_optics", "kwargs": {"metric_type": "bad", "shape": "circle"},
        "compare": "error"},
    "test_polygon_reducer.TestException.testexception": {
        "kind": "reducer", "name": "polygon_reducer", "input": "extracted_data",
        "kwargs": {"average_type": "incorrect"}, "compare": "error"},
}
for _algorithm in ("dbscan", "hdbscan", "optics"):
    CUSTOM[f"test_shape_reducer_keywords.ShapeReducerDBSCANBadKeywords.test_no_keyword_{_algorithm}"] = {
        "kind": "reducer", "name": f"shape_reducer_{_algorithm}", "kwargs": {}, "compare": "error"}
    CUSTOM[f"test_shape_reducer_keywords.ShapeReducerDBSCANBadKeywords.test_bad_keyword_{_algorithm}"] = {
        "kind": "reducer", "name": f"shape_reducer_{_algorithm}", "kwargs": {"shape": "bad_shape"},
        "compare": "error"}
#: hand-written methods with no HTTP form
CUSTOM_NA = {
    "test_point_extractor.PointExtractorDeprecation.test_deprecation":
        "expects a DeprecationWarning raised in-process for FEM point marks; zooagg reads FEM marks "
        "(docs/fem.md), so there is no warning to send",
    "test_point_extractor_by_frame.PointExtractorByFrameDeprecation.test_deprecation":
        "expects a DeprecationWarning raised in-process for FEM point marks; zooagg reads FEM marks "
        "(docs/fem.md), so there is no warning to send",
    "test_polygon_extractor.TestException.testexception_tool": INTERNAL.format("polygon_extractor `_original`"),
    "test_polygon_extractor.TestException.testexception_format": INTERNAL.format("polygon_extractor `_original`"),
}
HELPER_MODULES = {"test_polygon_reducer_utils": "polygon_reducer_utils", "test_process_kwargs": "process_kwargs",
                  "test_shape_metric": "shape_metric", "test_shape_metric_IoU": "shape_metric_IoU",
                  "test_shape_normalization": "shape_process_data normalisation"}


def _custom_case(base: dict[str, Any], module: Any, spec: dict[str, Any]) -> dict[str, Any]:
    from panoptes_aggregation import extractors, reducers
    from panoptes_aggregation.extractors.utilities import annotation_by_task

    kwargs = spec["kwargs"]
    if spec["kind"] == "extractor":
        body = annotation_by_task(copy.deepcopy(getattr(module, spec["input"])))
        function = extractors.extractors[spec["name"]]
        answer = _peer_answer(lambda: function(copy.deepcopy(body), **kwargs))
    else:
        body = [{"data": d} for d in copy.deepcopy(getattr(module, spec["input"]))] if "input" in spec else []
        function = reducers.reducers[spec["name"]]
        answer = _peer_answer(lambda: function([i["data"] for i in body], **kwargs, user_id=[]))
    return {**base, "status": "http", "kind": spec["kind"], "name": spec["name"], "kwargs": kwargs,
            "body": _plain(body), "compare": spec["compare"], "expected": answer.get("answer"),
            "round": None, "peer_answer": answer}


def _module_cases(folder: str, module_name: str) -> list[dict[str, Any]]:
    module = importlib.import_module(f"panoptes_aggregation.tests.{folder}.{module_name}")
    names = _names()
    cases: list[dict[str, Any]] = []
    for class_name, cls in sorted(vars(module).items()):
        if not (isinstance(cls, type) and issubclass(cls, unittest.TestCase)) or cls is unittest.TestCase:
            continue
        factory = cls.__module__.endswith("base_test_class")
        base = {"module": f"{folder}.{module_name}", "test": class_name}
        methods = sorted(m for m in dir(cls) if m.startswith("test"))
        if not factory:
            for method in methods:
                key = f"{module_name}.{class_name}.{method}"
                where = {**base, "factory": None, "method": method}
                if key in CUSTOM:
                    cases.append(_custom_case(where, module, CUSTOM[key]))
                elif module_name in HELPER_MODULES:
                    cases.append({**where, "status": "n/a", "reason": INTERNAL.format(HELPER_MODULES[module_name])})
                else:
                    cases.append({**where, "status": "n/a", "reason": CUSTOM_NA.get(key, "no HTTP form recorded")})
            continue
        args = _closure(cls)
        base["factory"] = _factory_name(cls)
        function = args.get("function") or args.get("reducer")
        route = names.get(id(function))
        if route is None:
            reason = f"{getattr(function, '__name__', function)} is not routed by the peer's service"
            cases += [{**base, "method": m, "status": "n/a", "reason": reason} for m in methods]
        elif "function" in args:
            cases += _extractor_cases(base, args, route)
        else:
            cases += _reducer_cases(base, args, route)
    return cases


def _factory_name(cls: type) -> str:
    """The base_test_class factory that made `cls` (its methods' qualified names say)."""
    return next(_own_methods(cls)).__qualname__.split(".<locals>")[0]


def _own_methods(cls: type) -> Any:
    """The functions the class itself defines, unwrapped from `skipIf`."""
    for value in vars(cls).values():
        if inspect.isfunction(value):
            yield inspect.unwrap(value)


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    import panoptes_aggregation
    from panoptes_aggregation import tests

    cases = []
    for folder in FOLDERS:
        package = importlib.import_module(f"{tests.__name__}.{folder}")
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
            if info.name.startswith("test_"):
                cases += _module_cases(folder, info.name)
    for case in cases:
        case["id"] = f"{case['module']}::{case['test']}::{case['method']}"
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = ",\n".join(json.dumps(case, allow_nan=False, sort_keys=True) for case in cases)  # a case a line
    out.write_text(f'{{"peer_version": "{panoptes_aggregation.__version__}", "cases": [\n{lines}\n]}}\n')
    http = sum(c["status"] == "http" for c in cases)
    print(f"{len(cases)} cases ({http} over HTTP, {len(cases) - http} n/a) -> {out}")


if __name__ == "__main__":
    main()
