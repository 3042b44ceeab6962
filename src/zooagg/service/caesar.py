"""Caesar-compatible stateless endpoints: the same URLs, JSON in and out as the peer's service.

`POST /extractors/<name>` takes one classification (annotations grouped by task, as Caesar
sends them, or a plain list) and returns the extract; `POST /reducers/<name>` takes a list of
`{"data", "user_id", "created_at"}` and returns the reduction; `POST /running_reducers/<name>`
takes `{"extracts": [...], "store": {...}}` (the new extracts and the `_store` of the previous
answer, which Caesar keeps) and returns the reduction with the new `_store`. Keyword parameters come in the
query string and are parsed by the component's typed parameters, so `?pairs=False` is False
and a bad value is a 422 naming the parameter (the peer turns `False` on and silently drops bad
numbers). The routes are made from the registry: a plugin's components are served too.
"""

from __future__ import annotations

import ast
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from .. import registry
from ..call import ExtractorCall, ReducerCall
from ..errors import ConfigError, ZooaggError
from ..exports.classifications import Classification
from ..exports.marks import normalise_annotation
from ..tasks.dropped import NOTING, take_dropped
from .errors import ServiceError
from .jsonio import JSONBytes, plain
from .schemas import errors

log = logging.getLogger(__name__)


class BodyError(ServiceError):
    """The request body is JSON but not the shape an endpoint takes (a 422)."""


def parse_query(component: registry.Component, query: Mapping[str, str]) -> dict[str, Any]:
    """Typed keyword arguments from a query string; a 422 (ServiceError) names a bad parameter."""
    known = component.all_params
    raw: dict[str, Any] = {}
    for key, value in query.items():
        param = known.get(key)
        if param is not None and param.type in (list, dict) and isinstance(value, str):
            raw[key] = _literal(value)
        else:
            raw[key] = value
    params: dict[str, Any] = {}
    for key, value in raw.items():  # one at a time, so the error names its parameter
        try:
            params.update(component.parse_params({key: value}))
        except ConfigError as exc:
            raise ServiceError(exc.message, exc.hint, location="query", parameter=key) from exc
    return params


def _literal(text: str) -> Any:
    """`[0, 1]` or `{'T0_tool0': ['question_extractor']}`: JSON, else a Python literal (never eval)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        pass
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return text  # the parameter's own parser reports it


def classification_from_caesar(body: Any) -> Classification:
    """A Classification from Caesar's JSON (annotations grouped by task, or a plain list)."""
    if not isinstance(body, dict):
        raise BodyError("the body must be a JSON object: one classification")
    grouped = body.get("annotations", [])
    annotations: list[Any] = []
    if isinstance(grouped, dict):
        for task, items in grouped.items():
            for item in items if isinstance(items, list) else [items]:
                if isinstance(item, dict) and "task" not in item:
                    item = {**item, "task": task}
                annotations.append(item)
    elif isinstance(grouped, list):
        annotations = grouped
    else:
        raise BodyError("annotations must be an object of task -> list of annotations, or a list")
    for item in annotations:
        if not isinstance(item, dict):
            raise BodyError(f"every annotation must be an object, got {orjson.dumps(item).decode()[:60]}")
    metadata: dict[str, Any] = body["metadata"] if isinstance(body.get("metadata"), dict) else {}
    subject: dict[str, Any] = body["subject"] if isinstance(body.get("subject"), dict) else {}
    subject_data = orjson.dumps({str(subject.get("id", "0")): subject.get("metadata") or {}})
    return Classification(
        classification_id=str(body.get("id", "")), user_name="", user_id=str(body.get("user_id") or ""),
        workflow_id=str(body.get("workflow_id", "")), workflow_version=str(body.get("workflow_version", "")),
        created_at=str(body.get("created_at", "")), subject_ids=str(subject.get("id", "")),
        annotations=[normalise_annotation(dict(a)) for a in annotations], metadata=metadata or {},
        gold_standard=bool(body.get("gold_standard", False)), subject_data_raw=subject_data)


def run_extractor(name: str, params: dict[str, Any], classification: Classification,
                  dropped: list[tuple[str, Any]] | None = None) -> Any:
    """One extract (a dict; a list for list-valued extractors and `recursive`), stamped. The
    marks the extractor could not use are added to `dropped` as (reason, mark): the answer
    has the peer's shape, with no place for them (the route reports them in headers)."""
    call = ExtractorCall.of(name, registry.get("extractor", name).name, params)
    with NOTING:
        try:
            return call(classification)
        finally:
            notes = take_dropped()
            if dropped is not None:
                dropped += notes


#: the headers a Caesar extractor answer reports dropped marks in (the body keeps the peer's shape)
DROPPED_COUNT = "X-Zooagg-Marks-Dropped"
DROPPED_REASONS = "X-Zooagg-Dropped-Reasons"


def _printable(text: str, limit: int) -> str:
    """`text` as a header or a log line carries it safely: printable ASCII (a task or tool name
    from the posted body may hold anything, line breaks too)."""
    return "".join(c if " " <= c <= "~" else "?" for c in text[:limit])


def dropped_headers(name: str, body: Any, dropped: list[tuple[str, Any]]) -> dict[str, str]:
    """The dropped-mark headers of one extractor answer (none when every mark was used), and a
    warning in the server's log naming the classification, so no mark goes without a word."""
    if not dropped:
        return {}
    cid = body.get("id", "") if isinstance(body, dict) else ""
    text = _printable("; ".join(sorted({why for why, _ in dropped})), 1000)
    log.warning("%s: classification %s: %d mark(s) dropped: %s", name, _printable(str(cid), 40), len(dropped), text)
    return {DROPPED_COUNT: str(len(dropped)), DROPPED_REASONS: text}


def posted_extras(items: list[dict[str, Any]]) -> Callable[[str], Any]:
    """The per-extract lists a reducer may want, from the posted items."""

    def extra(want: str) -> Any:
        if want == "classification_ids":
            ids = [item.get("classification_id") for item in items]
            return ids if all(i is not None for i in ids) else []
        key = {"user_ids": "user_id"}.get(want, want)  # created_at, relevant_reduction: as posted
        return [item.get(key) for item in items]

    return extra


def plain_value(value: Any) -> Any:
    """A value named in an error, as JSON can carry it (else its text)."""
    try:
        return plain(value)
    except (TypeError, orjson.JSONEncodeError):
        return str(value)[:200]


def _without_version(data: Any) -> Any:
    return {k: v for k, v in data.items() if k != "aggregation_version"} if isinstance(data, dict) else data


def run_reducer(name: str, params: dict[str, Any], body: Any) -> Any:
    if not isinstance(body, list) or not all(isinstance(i, dict) and isinstance(i.get("data"), dict | list)
                                             for i in body):
        raise BodyError('the body must be a JSON list of extracts: [{"data": {...}, "user_id": ..}, ...]')
    call = ReducerCall.named("reducer", name, params)
    return call([_without_version(item["data"]) for item in body], posted_extras(body))


RUNNING_SHAPE = '{"extracts": [{"data": {...}, "user_id": .., "relevant_reduction": ..}, ...], "store": {...}}'


def running_input(body: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The posted extracts and store; a missing or null store is an empty one (the first call)."""
    if not isinstance(body, dict) or "extracts" not in body:
        raise BodyError(f"the body must be a JSON object {RUNNING_SHAPE}")
    items = body["extracts"]
    if not isinstance(items, list) or not all(isinstance(i, dict) and isinstance(i.get("data"), dict)
                                              for i in items):
        raise BodyError('extracts must be a list of objects, each with its extract as "data": {...}')
    store = body.get("store")
    if store is None:
        return items, {}
    if not isinstance(store, dict):
        raise BodyError("store must be a JSON object: the _store of the previous answer, or {} to start")
    return items, store


def run_running_reducer(name: str, params: dict[str, Any], body: Any) -> Any:
    """The reduction so far and its `_store`, stamped like any reduction."""
    items, store = running_input(body)
    call = ReducerCall.named("running_reducer", name, params)
    return call([_without_version(item["data"]) for item in items], posted_extras(items), store)


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BodyError(f"the body is not valid JSON ({exc.msg})", status=400) from exc


Dropped = list[tuple[str, Any]]


def _run_classification(name: str, params: dict[str, Any], body: Any, dropped: Dropped) -> Any:
    return run_extractor(name, params, classification_from_caesar(body), dropped)


def _reducing(run: Callable[[str, dict[str, Any], Any], Any]) -> Callable[[str, dict[str, Any], Any, Dropped], Any]:
    """A reducer's runner as the routes call every runner (a reducer reads no marks to drop)."""
    return lambda name, params, body, dropped: run(name, params, body)


#: what each kind of route does with the posted JSON; an extractor adds the marks it could not
#: use to the list it is given (the route's headers report them)
RUNNERS: dict[registry.Kind, Callable[[str, dict[str, Any], Any, Dropped], Any]] = {
    "extractor": _run_classification, "reducer": _reducing(run_reducer),
    "running_reducer": _reducing(run_running_reducer)}
#: each kind's URL prefix, as the peer names them
PREFIXES: dict[registry.Kind, str] = {
    "extractor": "extractors", "reducer": "reducers", "running_reducer": "running_reducers"}


def _endpoint(kind: registry.Kind, name: str) -> Callable[[Request], Awaitable[Response]]:
    component = registry.get(kind, name)
    run = RUNNERS[kind]

    async def endpoint(request: Request) -> Response:
        if request.method == "GET":
            return JSONBytes(name)
        params = parse_query(component, request.query_params)
        body = await _json_body(request)
        dropped: Dropped = []
        try:
            result = await run_in_threadpool(run, name, params, body, dropped)
        except ServiceError:
            raise
        except ZooaggError as exc:  # the component says what is wrong with the posted data
            raise ServiceError(f"{name}: {exc.message}", exc.hint, extra={"value": plain_value(exc.where.value)}
                               if exc.where.value is not None else None) from exc
        except Exception as exc:  # the component met data it does not understand: say what, as a 422
            task = params.get("task", "all") if kind == "extractor" else None
            raise ServiceError(f"{name} failed ({type(exc).__name__}: {exc})",
                               hint="check the posted data against the component's input shape",
                               extra={"task": task} if task else None) from exc
        try:
            return JSONBytes(result, headers=dropped_headers(name, body, dropped))
        except (TypeError, orjson.JSONEncodeError) as exc:  # a value JSON cannot carry
            raise ServiceError(f"{name}: the answer cannot be written as JSON ({exc})",
                               hint="check the parameters and the posted data") from exc

    return endpoint


#: what a component answers: one extract or reduction (an object), or a list of them
ANSWER = {"type": ["object", "array"], "items": {"type": ["object", "array"]}}


def _query_schema(param: registry.Param) -> dict[str, Any]:
    """A parameter's OpenAPI schema, with the bounds registry.Param checks."""
    schema: dict[str, Any] = {"type": {bool: "boolean", int: "integer", float: "number", str: "string"}.get(
        param.type, "string")}
    if param.more_than is not None:
        schema["exclusiveMinimum"] = param.more_than
    if param.at_least is not None:
        schema["minimum"] = param.at_least
    if param.at_most is not None:
        schema["maximum"] = param.at_most
    if param.choices is not None and param.type in (str, int, float):
        schema["enum"] = list(param.choices)
    return schema


def _openapi(component: registry.Component) -> dict[str, Any]:
    parameters = [{
        "name": key, "in": "query", "required": False,
        "description": f"{param.help} (default {param.default!r})", "schema": _query_schema(param),
    } for key, param in component.all_params.items()]
    body: dict[str, Any] = {"type": "array", "items": {"type": "object"}}
    if component.kind == "extractor":
        body = {"type": "object"}
    elif component.kind == "running_reducer":
        body = {"type": "object", "required": ["extracts"],
                "properties": {"extracts": body, "store": {"type": "object"}}}
    answer: dict[str, Any] = {
        "description": f"The {component.kind.replace('_', ' ')}'s answer, stamped with aggregation_version",
        "content": {"application/json": {"schema": ANSWER}}}
    if component.kind == "extractor":
        answer["headers"] = {
            DROPPED_COUNT: {"description": "marks the extractor could not use (absent: none)",
                            "schema": {"type": "integer", "minimum": 1}},
            DROPPED_REASONS: {"description": "why, each distinct reason once, '; '-separated",
                              "schema": {"type": "string"}}}
    return {"parameters": parameters, "responses": {"200": answer},
            "requestBody": {"content": {"application/json": {"schema": body}}, "required": False}}


def router() -> APIRouter:
    """One GET+POST route per registered component of each kind, plus a did-you-mean 404."""
    api = APIRouter(tags=["caesar"])
    for kind, prefix in PREFIXES.items():  # weighting methods run over a whole workflow: no route
        for name, component in registry.components(kind).items():
            endpoint = _endpoint(kind, name)
            summary = component.doc.splitlines()[0] if component.doc else name
            api.add_api_route(f"/{prefix}/{name}", endpoint, methods=["POST"], name=f"{kind}:{name}",
                              operation_id=f"post_{kind}_{name}", summary=summary,
                              openapi_extra=_openapi(component), response_class=JSONBytes,
                              responses=errors(400, 413, 422))
            api.add_api_route(f"/{prefix}/{name}", endpoint, methods=["GET"], name=f"{kind}:{name}:name",
                              operation_id=f"get_{kind}_{name}", summary=f"The name {name!r}",
                              response_class=JSONBytes, openapi_extra={"responses": {"200": {
                                  "description": "The component's name", "content": {"application/json": {
                                      "schema": {"type": "string", "enum": [name]}}}}}})
        api.add_api_route(f"/{prefix}/{{name}}", _unknown(kind), methods=["GET", "POST"], include_in_schema=False)
    return api


def _unknown(kind: registry.Kind) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        name = request.path_params["name"]
        if kind == "extractor" and name.startswith("shape_extractor_"):
            return await _endpoint("extractor", name)(request)  # the config's per-shape names
        known = registry.components(kind)
        raise ServiceError(f"no {kind.replace('_', ' ')} named {name!r}", status=404, location="path",
                           hint=registry.did_you_mean(name, known) + "; GET /-/registry lists them all")

    return endpoint
