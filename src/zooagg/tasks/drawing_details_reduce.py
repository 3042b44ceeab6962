"""Drawing sub-tasks ("details") reduced per cluster of marks.

Classic front end: `details: {T0_tool1: [question_reducer, ...]}` (one reducer per answer).
Every frame gets `T0_tool1_details` (all marks' answers, in point order) and, when the tool
has clusters, `T0_tool1_clusters_details`: per cluster, per answer, the reducer's result
over the cluster's marks (`"No reducer for this subtask type"` where the config says None).

Newer front end (FEM): `details: {T0_toolIndex1_subtask0: question_reducer}`. Every frame
gets `T0_toolIndex1_subtask0` (all marks' answers) and `T0_toolIndex1_subtask0_clusters`
(one result per cluster); the reduction gets `classifier_version`.

Sub-reducers are called with their default parameters and the volunteers' user_ids, as
the peer calls them. Where the peer stops with an error (a configured tool that no
volunteer used on the subject, marks with different numbers of answers) zooagg reduces
what is there: an empty list of clusters, answers reduced per answer index. A classic mark
whose answers are an empty list (the volunteer opened no sub-task) is left out of
`T0_tool1_details`, and then, its answers no longer lining up with the marks, the tool gets no
`T0_tool1_clusters_details` in that frame: the peer's answer for any metric, DBSCAN, HDBSCAN or
OPTICS (its own cases TestRectReducerOneEmptySubtasks, TestRectReducerEmptySubtasksClustersOfOne).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from ..call import ReducerCall
from ..clustering.wrappers import cluster_ids

NO_REDUCER = "No reducer for this subtask type"
FEM_KEY = re.compile(r"_subtask\d+$")
FEM_SUBTASK = re.compile(r"((.+)_tool(?:Index)?(\d+))_subtask(\d+)")  # (`use_v1_keys`: T0_tool1_subtask0)


def _version_of(extract: dict[str, Any]) -> tuple[int, ...]:
    raw = str(extract.pop("classifier_version", "1.0"))
    parts = [int(p) for p in raw.split(".") if p.isdigit()]
    return tuple(parts) or (1, 0)


def run_detail_reducer(name: Any, answers: list[Any], user_ids: list[Any]) -> Any:
    if not isinstance(name, str):
        return NO_REDUCER
    # default parameters and no version stamp, as the peer calls a sub-task's reducer
    call = ReducerCall.named("reducer", name, {"no_version": True})
    return call([dict(a) if isinstance(a, dict) else a for a in answers],
                {"user_ids": user_ids, "created_at": [None] * len(answers),
                 "classification_ids": list(range(len(answers)))})


def _collect(result: dict[str, Any], extracts: list[dict[str, Any]], keys: list[str],
             user_ids: list[Any]) -> dict[tuple[str, str], list[Any]]:
    """Concatenate each detail key's lists over the extracts into the result; return their users."""
    users: dict[tuple[str, str], list[Any]] = {}
    for extract, user in zip(extracts, user_ids, strict=False):
        for frame_key, frame in extract.items():
            if not isinstance(frame, dict) or frame_key not in result:
                continue
            for key in keys:
                result[frame_key].setdefault(key, [])
                if isinstance(frame.get(key), list):
                    result[frame_key][key] += frame[key]
                    users.setdefault((frame_key, key), []).extend([user] * len(frame[key]))
    return users


def _clusters(frame: dict[str, Any], tool: str) -> list[tuple[int, np.ndarray]]:
    labels = np.array(frame.get(f"{tool}_cluster_labels", []))
    return [(k, labels == k) for k in cluster_ids(labels)]


def _pick(values: list[Any], member: np.ndarray) -> list[Any]:
    return [v for v, keep in zip(values, member, strict=False) if keep]


def split_details(details: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(classic, FEM) sub-task keys of a details config: FEM keys end in `_subtask<n>`
    (`T0_toolIndex1_subtask0`), classic keys name a tool (`T0_tool1`). A config may hold both,
    as `config` writes where the workflow export cannot say which front end classified."""
    fem = {k: v for k, v in details.items() if FEM_KEY.search(k)}
    return {k: v for k, v in details.items() if k not in fem}, fem


def reduce_details(result: dict[str, Any], extracts: list[dict[str, Any]], details: dict[str, Any],
                   user_ids: list[Any]) -> None:
    """Add the per-cluster sub-task reductions to `result` (see the module docstring): classic
    keys over the classic extracts, FEM keys over the FEM ones, so a subject classified on
    both front ends loses neither's answers (the peer reduces no sub-task of such a subject)."""
    extracts = [dict(e) for e in extracts]
    versions = [_version_of(e) for e in extracts]
    classic, fem = split_details(details)
    fem = _as_reduced(fem, result)
    fem_at = [i for i, v in enumerate(versions) if v >= (2,)]
    classic_at = [i for i, v in enumerate(versions) if v < (2,)]
    if fem and fem_at and classic_at and _as_fem_answers(result, [extracts[i] for i in classic_at], fem):
        fem_at = list(range(len(extracts)))  # the classic marks were clustered with the FEM ones
        # (with `use_v1_keys` both front ends' marks are `T0_tool1`: its answers are reduced once, as FEM's)
        classic = {k: v for k, v in classic.items() if k not in {FEM_KEY.sub("", s) for s in fem}}
    if classic and classic_at:
        _classic(result, [extracts[i] for i in classic_at], classic, [user_ids[i] for i in classic_at])
    if fem and fem_at:
        _fem(result, [extracts[i] for i in fem_at], fem, [user_ids[i] for i in fem_at])
    if fem_at and not classic_at:
        result["classifier_version"] = ".".join(str(p) for p in max(versions))


def _as_reduced(fem: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    """The FEM sub-task keys of the config under the name their marks were reduced by: with
    `use_v1_keys` the extracts call FEM marks `T0_tool1` and their answers `T0_tool1_subtask0`,
    while `zooagg config` writes `T0_toolIndex1_subtask0`; either form of the key finds them."""
    out: dict[str, Any] = {}
    for key, name in fem.items():
        found = FEM_SUBTASK.fullmatch(key)
        if found is not None and found[1] != f"{found[2]}_tool{found[3]}":
            v1 = f"{found[2]}_tool{found[3]}"
            if any(isinstance(frame, dict) and f"{v1}_cluster_labels" in frame
                   and f"{found[1]}_cluster_labels" not in frame for frame in result.values()):
                key = f"{v1}_subtask{found[4]}"
        out[key] = name
    return out


def _as_fem_answers(result: dict[str, Any], classic: list[dict[str, Any]], fem: dict[str, Any]) -> bool:
    """Where the reducer clustered a subject's classic marks together with its FEM marks of
    the same tool (one cluster-label list under the FEM name, none under the classic one), give
    each classic extract the FEM sub-task lists its `T0_tool<i>_details` rows hold (answer n of
    a mark is sub-task n of its tool: both come from the same workflow tool), so the answers
    line up with the marks in extract order. True if any extract was given one."""
    changed = False
    for subtask in fem:
        found = FEM_SUBTASK.fullmatch(subtask)
        if found is None:
            continue
        named, task, tool, position = found.group(1), found.group(2), found.group(3), int(found.group(4))
        classic_key = f"{task}_tool{tool}"
        for frame_key, frame in result.items():
            if not isinstance(frame, dict) or f"{named}_cluster_labels" not in frame or \
                    (named != classic_key and f"{classic_key}_cluster_labels" in frame):
                continue  # not clustered together: each front end is reduced on its own
            for extract in classic:
                rows = extract.get(frame_key, {}).get(f"{classic_key}_details")
                if isinstance(rows, list):
                    extract[frame_key][subtask] = [row[position] if isinstance(row, list) and position < len(row)
                                                   else None for row in rows]
                    changed = True
    return changed


def _classic(result: dict[str, Any], extracts: list[dict[str, Any]], details: dict[str, Any],
             user_ids: list[Any]) -> None:
    keys = [f"{tool}_details" for tool in details]
    users = _collect(result, extracts, keys, user_ids)
    for frame_key, frame in result.items():
        for tool, names in details.items():
            answers = frame.get(f"{tool}_details", [])
            who = users.get((frame_key, f"{tool}_details"), [])
            names = names if isinstance(names, list) else [names]
            if any(row == [] for row in answers):
                frame[f"{tool}_details"] = [row for row in answers if row != []]
                continue
            for _, member in _clusters(frame, tool):
                rows, members = _pick(answers, member), _pick(who, member)
                width = max((len(r) for r in rows), default=0)
                reduced = []
                for i in range(width):
                    has = [j for j, r in enumerate(rows) if i < len(r)]
                    name = names[i] if i < len(names) else None
                    reduced.append(run_detail_reducer(name, [rows[j][i] for j in has], [members[j] for j in has]))
                frame.setdefault(f"{tool}_clusters_details", []).append(reduced)


def _fem(result: dict[str, Any], extracts: list[dict[str, Any]], details: dict[str, Any],
         user_ids: list[Any]) -> None:
    keys = list(details)
    users = _collect(result, extracts, keys, user_ids)
    for frame_key, frame in result.items():
        for subtask, name in details.items():
            tool = FEM_KEY.sub("", subtask)
            answers = frame.get(subtask, [])
            who = users.get((frame_key, subtask), [])
            name = name[0] if isinstance(name, list) and name else name
            clusters = []
            for _, member in _clusters(frame, tool):
                pairs = [(a, w) for a, w in zip(_pick(answers, member), _pick(who, member), strict=False)
                         if a is not None]  # None: a classic mark without this answer
                clusters.append(run_detail_reducer(name, [a for a, _ in pairs], [w for _, w in pairs]))
            frame[f"{subtask}_clusters"] = clusters
