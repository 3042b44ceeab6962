"""Configuration: the extractor and reducer YAML files, read, checked and made from a workflow.

The files have the peer's layout, so a team's existing configs work unchanged:

    extractor_config: {question_extractor: [{task: T0}, {task: T1}]}
    workflow_id: 10
    workflow_version: '16.55'

    reducer_config: {question_reducer: {pairs: true}}
"""

from __future__ import annotations

import copy
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from .. import registry
from ..errors import ConfigError, InputError, Where
from ..exports.versions import VersionRange
from .fem import (
    FRONT_ENDS,
    SHAPE_REDUCER,
    TOOL_SHAPE,
    TOOL_TASK_TYPES,
    detail_keys,
    reducer_details,
)

if TYPE_CHECKING:  # imported where used: reading a reducer config needs neither
    from ..exports.workflows import WorkflowVersion
    from .workflow import Task

# ---- reading ------------------------------------------------------------------------------


def _load_yaml(path: Path) -> Any:
    if not path.exists():
        raise InputError("config file not found", hint="check the path", where=Where(file=str(path)))
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except yaml.YAMLError as exc:
        raise ConfigError(f"not valid YAML: {str(exc).splitlines()[0]}", hint="fix the file",
                          where=Where(file=str(path))) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at position {exc.start})",
                          hint="save the config as UTF-8", where=Where(file=str(path))) from exc
    except IsADirectoryError as exc:
        raise InputError("is a folder, not a config file", hint="give the YAML file",
                         where=Where(file=str(path))) from exc


@dataclass
class ExtractorEntry:
    name: str  # as written, e.g. shape_extractor_rectangle
    component: registry.Component
    params: dict[str, Any]

    @property
    def task(self) -> str:
        return str(self.params.get("task", "all"))


#: components of panoptes_aggregation 5.3.1; a config may name one zooagg does not have yet
PEER_EXTRACTORS = frozenset({
    "all_tasks_empty_extractor", "bezier_extractor", "dropdown_extractor", "i2a_extractor",
    "line_text_extractor", "nfn_extractor", "pluck_and_split_extractor", "point_extractor",
    "point_extractor_by_frame", "poly_line_text_extractor", "polygon_extractor", "question_extractor",
    "rectangle_extractor", "shape_extractor", "shortcut_extractor", "slider_extractor",
    "survey_extractor", "sw_extractor", "sw_graphic_extractor", "sw_variant_extractor", "text_extractor",
})


def _peer_only(name: str) -> bool:
    base = "shape_extractor" if name.startswith("shape_extractor_") else name
    return base in PEER_EXTRACTORS and base not in registry.components("extractor")


@dataclass
class ExtractorConfig:
    workflow_id: int
    versions: VersionRange
    entries: list[ExtractorEntry]
    path: Path
    #: extractor names the config gives that zooagg does not have yet (skipped, with a warning)
    skipped: list[str] = field(default_factory=list)


def load_extractor_config(path: str | Path) -> ExtractorConfig:
    path = Path(path)
    doc = _load_yaml(path)
    where = Where(file=str(path))
    if not isinstance(doc, dict) or "extractor_config" not in doc:
        hint = "this looks like a reducer config" if isinstance(doc, dict) and "reducer_config" in doc else \
            "make one with `zooagg config WORKFLOW_CSV WORKFLOW_ID`"
        raise ConfigError("not an extractor config (no extractor_config key)", hint=hint, where=where)
    if "workflow_id" not in doc:
        raise ConfigError("the extractor config has no workflow_id", hint="add workflow_id: <id>", where=where)
    try:
        workflow_id = int(doc["workflow_id"])
    except (TypeError, ValueError):
        raise ConfigError("workflow_id must be a whole number", hint="fix workflow_id", where=where) from None
    entries: list[ExtractorEntry] = []
    skipped: list[str] = []
    for name, keyword_list in (doc["extractor_config"] or {}).items():
        if _peer_only(name):
            skipped.append(name)
            continue
        component = registry.get("extractor", name, where)
        if isinstance(keyword_list, dict):
            keyword_list = [keyword_list]
        for keywords in keyword_list or [{}]:
            try:
                params = component.parse_params(keywords)
            except ConfigError as exc:
                exc.where = where
                raise
            entries.append(ExtractorEntry(name, component, params))
    try:
        versions = VersionRange.from_config(doc.get("workflow_version"))
    except ConfigError as exc:
        exc.where = where
        raise
    return ExtractorConfig(workflow_id, versions, entries, path, skipped)


@dataclass
class ReducerConfig:
    component: registry.Component
    params: dict[str, Any]
    path: Path

    @property
    def name(self) -> str:
        return self.component.name


def load_reducer_config(path: str | Path) -> ReducerConfig:
    path = Path(path)
    doc = _load_yaml(path)
    where = Where(file=str(path))
    if not isinstance(doc, dict) or "reducer_config" not in doc:
        hint = "this looks like an extractor config" if isinstance(doc, dict) and "extractor_config" in doc else \
            "make one with `zooagg config WORKFLOW_CSV WORKFLOW_ID`"
        raise ConfigError("not a reducer config (no reducer_config key)", hint=hint, where=where)
    reducers = doc["reducer_config"] or {}
    if len(reducers) != 1:
        raise ConfigError(f"a reducer config names exactly one reducer, this one names {len(reducers)}",
                          hint="split it into one file per reducer", where=where)
    (name, keywords), = reducers.items()
    component = registry.get("reducer", name, where)
    try:
        params = component.parse_params(keywords or {})
    except ConfigError as exc:
        exc.where = where
        raise
    return ReducerConfig(component, params, path)


# ---- making configs from a workflow -------------------------------------------------------

def _has_text_detail(tool_details: list[Task]) -> bool:
    return len(tool_details) == 1 and tool_details[0].type == "text"


def extractor_config_for(tasks: dict[str, Task], keywords: dict[str, dict[str, Any]] | None = None,
                         front_ends: Collection[str] = FRONT_ENDS
                         ) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
    """The default extractor config for a workflow's tasks, and warnings for what has none.
    `front_ends`: which front ends' sub-task keys to write (see `configure.fem`)."""
    from .workflow import ComboTask, DrawingTask

    keywords = keywords or {}
    whole = registry.workflow_config_for({key: task.raw for key, task in tasks.items()})
    if whole is not None:  # a project's own workflow shape (a plugin's `workflow_config`)
        return whole, []
    type_to_extractor = registry.extractor_for_type()
    config: dict[str, list[dict[str, Any]]] = {}
    warnings: list[str] = []
    for key, task in tasks.items():
        task_keywords = dict(keywords.get(key, {}))
        if isinstance(task, DrawingTask) and task.type in TOOL_TASK_TYPES:
            per_task: dict[str, dict[str, Any]] = {}
            base = {"task": key, "tools": [], **task_keywords}
            for tool in task.tools:
                if tool.type in ("polygon", "line") and _has_text_detail(tool.details):
                    name = "poly_line_text_extractor" if tool.type == "polygon" else "line_text_extractor"
                    entry = per_task.setdefault(name, base)
                    entry.pop("tools", None)
                    continue
                base["details"] = {}
                extractor_name = type_to_extractor.get(tool.type)
                if extractor_name is None:
                    warnings.append(f"task {key} tool {tool.index} ({tool.type}) has no extractor")
                    continue
                shape = None
                if extractor_name == "shape_extractor":
                    shape = TOOL_SHAPE.get(tool.type, tool.type)
                    extractor_name = f"shape_extractor_{shape}"
                entry = per_task.setdefault(extractor_name, copy.deepcopy(base))
                entry["tools"].append(tool.index)
                if shape is not None:
                    entry["shape"] = shape
                if tool.details:
                    names = [type_to_extractor.get(d.type) for d in tool.details]
                    entry["details"].update(detail_keys(key, tool.index, tool.type, names, front_ends))
            for name, entry in per_task.items():
                config.setdefault(name, []).append(entry)
        elif isinstance(task, ComboTask):
            continue  # a combo's inner tasks are tasks of the workflow too, each configured on its own
        elif task.type in type_to_extractor:
            config.setdefault(type_to_extractor[task.type], []).append({"task": key, **task_keywords})
        else:
            warnings.append(f"task {key} ({task.type or 'no type'}) has no extractor")
    for name in config:
        base_name = "shape_extractor" if name.startswith("shape_extractor_") else name
        if base_name not in registry.components("extractor"):
            warnings.append(f"{name} is not available in this version of zooagg yet; its tasks will be skipped")
    return config, warnings


def takes_details(reducer_name: str) -> bool:
    """polygon_reducer has no sub-task reducers: a polygon tool's details are extracted but not
    reduced (giving it `details` would stop the run)."""
    component = registry.components("reducer").get(reducer_name)
    return component is None or "details" in component.params


def reducer_configs_for(extractor_config: dict[str, list[dict[str, Any]]],
                        reducer_keywords: dict[str, dict[str, Any]] | None = None
                        ) -> list[tuple[str, dict[str, Any]]]:
    """One reducer config per extractor name (sorted, as the peer does)."""
    reducer_keywords = reducer_keywords or {}
    default_reducer = registry.default_reducers()
    out = []
    for name in sorted(extractor_config):
        base_name = "shape_extractor" if name.startswith("shape_extractor_") else name
        reducer_name = default_reducer.get(base_name)
        if reducer_name is None:
            continue
        component = registry.components("extractor").get(base_name)
        params: dict[str, Any] = dict(component.default_reducer_params) if component else {}
        for entry in extractor_config[name]:
            details = entry.get("details") or {}
            own = SHAPE_REDUCER.get(entry.get("shape", ""))
            reducer_name = own or reducer_name
            if details and takes_details(reducer_name):
                params["details"] = reducer_details(details, default_reducer)
            for key in ("dot_freq", "shape"):
                if key in entry and not (own and key == "shape"):  # a shape's own reducer takes no shape
                    params[key] = entry[key]
            params.update(reducer_keywords.get(entry.get("task", ""), {}))
        out.append((name, {"reducer_config": {reducer_name: params}}))
    return out


def task_labels_for(workflow: WorkflowVersion, extractor_config: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """The strings a team needs to read the outputs: task text and answer labels (no help text)."""
    tasks = {entry["task"] for entries in extractor_config.values() for entry in entries if "task" in entry}
    labels: dict[str, Any] = {
        key: value for key, value in workflow.strings.items()
        if any(key.startswith(task) for task in tasks) and "help" not in key
    }
    for entry in extractor_config.get("dropdown_extractor", []):
        task_id = entry["task"]
        for key in [k for k in labels if k.startswith(f"{task_id}.selects")]:
            parts = key.split(".")
            if len(parts) != 7:
                continue
            _, selects, select_index, options, star, option_index, _ = parts
            try:
                value = workflow.tasks[task_id][selects][int(select_index)][options][star][int(option_index)]["value"]
            except (KeyError, IndexError, ValueError, TypeError):
                continue
            labels[key] = {value: labels[key]}
    return labels


def dump_yaml(data: Any, path: Path) -> None:
    from ..tables.atomic import atomic_open, commit

    handle, tmp = atomic_open(path)
    with handle:
        yaml.dump(data, stream=handle, default_flow_style=False, indent=4, allow_unicode=False)
    commit(tmp, path)


def tasks_of(workflow: WorkflowVersion) -> dict[str, Task]:
    from .workflow import parse_tasks

    return parse_tasks(workflow.tasks, workflow.strings)
