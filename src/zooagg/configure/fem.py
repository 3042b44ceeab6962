"""What `config` writes for the newer front end (FEM, classifier 2.0).

A workflow export does not say which front end classified a version: both read the same
`tasks`. FEM names a mark's sub-task answers `T0_toolIndex<i>_subtask<n>` (one extractor each)
where the classic front end has `T0_tool<i>` (a list, one per answer), so a config that is to
lose neither front end's answers carries both (`front_ends=("classic", "fem")`, the default);
`config --from-classifications` knows the front ends from the classifications and writes only
the keys they need. Tools only one front end draws get only that front end's keys.

The FEM tool and task types below come from the front-end-monorepo sources
(`packages/lib-classifier/src/plugins/drawingTools/models/tools/`, `tasks/dataVisAnnotation/`,
`tasks/experimental/textFromSubject/`).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

FRONT_ENDS = ("classic", "fem")

#: tools only FEM draws, and only the classic front end (no FEM mark model)
FEM_ONLY_TOOLS = frozenset({"temporalPoint", "temporalRotateRectangle", "graph2dRangeX", "transcriptionLine"})
CLASSIC_ONLY_TOOLS = frozenset({"column", "fan", "triangle", "bezier", "fullWidthLine", "fullHeightLine"})

#: the shape a tool's marks are extracted and reduced as, where it is not the tool's own name
TOOL_SHAPE = {"graph2dRangeX": "column"}
#: the reducer for a shape extractor's shape, where `shape_reducer_dbscan` is not it
SHAPE_REDUCER = {"temporalPoint": "temporal_point_reducer_dbscan"}
#: drawing-like task types whose tools are configured one by one
TOOL_TASK_TYPES = ("drawing", "dataVisAnnotation")


def tool_front_ends(tool_type: str, front_ends: Collection[str]) -> set[str]:
    """The front ends whose keys a tool of this type needs, of those asked for."""
    wanted = set(front_ends)
    if tool_type in FEM_ONLY_TOOLS:
        return wanted & {"fem"}
    if tool_type in CLASSIC_ONLY_TOOLS:
        return wanted & {"classic"}
    return wanted


def detail_keys(task_key: str, tool_index: int, tool_type: str, names: list[str | None],
                front_ends: Collection[str]) -> dict[str, Any]:
    """A tool's entries of an extractor config's `details`: the classic list under
    `T0_tool<i>`, and/or one FEM key per sub-task (`T0_toolIndex<i>_subtask<n>`; a sub-task
    type without an extractor gets no FEM key, where the classic list holds None)."""
    fronts = tool_front_ends(tool_type, front_ends)
    out: dict[str, Any] = {}
    if "classic" in fronts:
        out[f"{task_key}_tool{tool_index}"] = list(names)
    if "fem" in fronts:
        for position, name in enumerate(names):
            if name is not None:
                out[f"{task_key}_toolIndex{tool_index}_subtask{position}"] = name
    return out


def reducer_details(details: dict[str, Any], reducer_of: dict[str, str]) -> dict[str, Any]:
    """The reducer config's `details` for an extractor config's: a list per classic key, one
    name per FEM key."""
    out: dict[str, Any] = {}
    for key, names in details.items():
        if isinstance(names, list):
            out[key] = [reducer_of.get(n) if n else None for n in names]
        else:
            out[key] = reducer_of.get(names) if names else None
    return out
