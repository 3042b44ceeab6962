"""The decorators that register a component: `@extractor`, `@reducer`, `@running_reducer`
(Caesar's store-based reducers, their own namespace), `@weighting` (volunteer-weighting
methods), `@plucked` (a pluck key's own form) and `@workflow_config` (a project recognised as a
whole). A task module (or a plugin) decorates a pure function with its typed `Param`s; the
function is registered in the store (store.py) when its module is imported."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import ConfigError
from .params import Param
from .store import _PLUCK_FORMS, _WORKFLOW_CONFIGS, _extractor_types, _register


def extractor(
    name: str,
    *,
    params: dict[str, Param] | None = None,
    task_types: tuple[str, ...] = (),
    default_reducer: str | None = None,
    aliases: tuple[str, ...] = (),
    wants: tuple[str, ...] = (),
    default_reducer_params: dict[str, Any] | None = None,
    consensus: str | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register an extractor: `func(annotations, classification, **params) -> dict | list`.

    `wants=("subject_data",)`: it reads `classification.subject_data` (the subject's metadata).

    `task_types`: the task types (and drawing tool types) `zooagg config` configures with this
    extractor; one extractor per type. `default_reducer`: the reducer config pairs with it.
    `consensus="marks"`: its extracts are drawn marks (per frame and tool) the report draws.
    """

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        for task_type in task_types:
            taken = _extractor_types().get(task_type)
            if taken is not None and taken != name:
                raise ConfigError(f"{func.__module__} gives task type {task_type!r} to {name}, but {taken} has it",
                                  hint="a task type has one default extractor")
        _register("extractor", name, func, params=params or {}, task_types=task_types,
                  default_reducer=default_reducer, aliases=aliases, wants=wants,
                  default_reducer_params=dict(default_reducer_params or {}), consensus=consensus)
        return func

    return decorate


def reducer(
    name: str,
    *,
    params: dict[str, Param] | None = None,
    wants: tuple[str, ...] = (),
    aliases: tuple[str, ...] = (),
    columnar: Callable[..., Any] | None = None,
    columnar_ok: Callable[[dict[str, Any]], bool] | None = None,
    vote_form: str | None = None,
    stamp_before: str | None = None,
    reads: tuple[str, ...] = (),
    consensus: str | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a reducer: `func(extracts, **params) -> dict | list` (one subject, one task).
    `stamp_before`: the result key the `aggregation_version` stamp goes in front of (call.py).
    `reads`: the extractors whose extracts it reduces too, besides those that name it their
    `default_reducer` (`reducers_for`). `consensus`: the summary form the consensus table and
    the report read its rows in (consensus/build.py `SUMMARIES`)."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        extra: dict[str, Any] = {"columnar": columnar, "vote_form": vote_form, "stamp_before": stamp_before,
                                 "reads": reads, "consensus": consensus}
        if columnar_ok is not None:
            extra["columnar_ok"] = columnar_ok
        _register("reducer", name, func, params=params or {}, wants=wants, aliases=aliases, **extra)
        return func

    return decorate


def running_reducer(
    name: str,
    *,
    params: dict[str, Param] | None = None,
    wants: tuple[str, ...] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a running (store-based) reducer: `func(extracts, store, **params) -> dict`.

    Caesar calls one with only the extracts that arrived since its last call and the `store`
    it kept from that call's answer; the answer is the reduction so far with the new store
    under `_store`. `wants` may ask for `user_ids` and `relevant_reduction` (one per extract).
    Its names are its own: a running and a plain reducer may share one.
    """

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        _register("running_reducer", name, func, params=params or {}, wants=wants)
        return func

    return decorate


def weighting(
    name: str,
    *,
    params: dict[str, Param] | None = None,
    binary: bool = False,
    seeded: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a volunteer-weighting method: `func(answers, **params) -> Weighted`
    (tasks/weighting.py): every volunteer's answers to one task over a whole workflow in, each
    subject's label probabilities and each volunteer's skill out. `binary`: the method takes
    yes/no tasks only (SWAP); `seeded`: it learns from gold subjects (wants "gold"), so scoring
    holds each gold subject out of its own seed. Its names are its own namespace."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        _register("weighting", name, func, params=params or {}, task_types=("binary",) if binary else (),
                  wants=("gold",) if seeded else ())
        return func

    return decorate


def plucked(key: str) -> Callable[[Callable[[Any], Any]], Callable[[Any], Any]]:
    """Register how an extractor's `pluck` writes `key`: under its own name (not `pluck.<key>`),
    as the function makes it from the plucked value (the function's None: nothing written)."""

    def decorate(func: Callable[[Any], Any]) -> Callable[[Any], Any]:
        _PLUCK_FORMS[key] = func
        return func

    return decorate


def workflow_config(
    func: Callable[[dict[str, Any]], dict[str, list[dict[str, Any]]] | None],
) -> Callable[[dict[str, Any]], dict[str, list[dict[str, Any]]] | None]:
    """Register `func(tasks) -> extractor config | None`: for a project whose workflows are
    recognised as a whole rather than task by task (`tasks`: the workflow's `tasks` JSON). The
    first that answers gives `zooagg config` its extractor config for that workflow."""
    _WORKFLOW_CONFIGS.append(func)
    return func
