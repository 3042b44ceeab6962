"""The config step of a run: a workflow's extractor, reducer and task-label configs, from its
workflow export (`configure`) or from the classification export alone (`configure_inferred`),
with `-k` keywords sent to the extractor or reducer that takes them (`split_keywords`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import registry
from ..errors import ConfigError
from .console import QUIET, Console, Keywords

if TYPE_CHECKING:
    from ..exports.versions import VersionRange


def configure(workflow_csv: str, workflow_id: int, version: str | None, min_version: str | None,
              max_version: str | None, keywords: Keywords, out: Path, *, verbose: bool = False,
              console: Console = QUIET) -> tuple[Path, list[Path]]:
    """The extractor, reducer and task-label configs of a workflow export's version(s)."""
    from ..configure.config import (
        dump_yaml,
        extractor_config_for,
        reducer_configs_for,
        task_labels_for,
        tasks_of,
    )
    from ..exports.workflows import read_workflows, select_versions

    rows = read_workflows(workflow_csv)
    chosen, written = select_versions(rows, workflow_id, version, min_version, max_version, file=workflow_csv)
    tasks = tasks_of(chosen)
    extractor_keywords, reducer_keywords = split_keywords(tasks, keywords)
    extractor_config, warnings = extractor_config_for(tasks, extractor_keywords)
    for message in warnings:
        console.warn(message)
    if verbose and version is None and min_version is None and max_version is None:
        console.warn(f"no workflow version given, using the latest: {chosen.version_text}")
    ver = chosen.version_text
    config = {"workflow_id": workflow_id, "workflow_version": written, "extractor_config": extractor_config}
    extractor_path = out / f"Extractor_config_workflow_{workflow_id}_V{ver}.yaml"
    dump_yaml(config, extractor_path)
    console.say(f"Saving Extractor config to:\n{extractor_path}\n")
    reducer_paths = []
    for extractor_name, reducer_config in reducer_configs_for(extractor_config, reducer_keywords):
        path = out / f"Reducer_config_workflow_{workflow_id}_V{ver}_{extractor_name}.yaml"
        dump_yaml(reducer_config, path)
        reducer_paths.append(path)
        console.say(f"Saving Reducer config to:\n{path}\n")
    labels_path = out / f"Task_labels_workflow_{workflow_id}_V{ver}.yaml"
    dump_yaml(task_labels_for(chosen, extractor_config), labels_path)
    console.say(f"Saving task key look up table to:\n{labels_path}")
    return extractor_path, reducer_paths


def version_filter(version: str | None, min_version: str | None, max_version: str | None) -> VersionRange | None:
    """-v / --min_version / --max_version as a VersionRange over classification versions."""
    from ..exports.versions import VersionRange

    if version is None and min_version is None and max_version is None:
        return None
    if version is not None:
        return VersionRange.from_config(version)
    bounds = {k: v for k, v in (("min", min_version), ("max", max_version)) if v is not None}
    return VersionRange.from_config(bounds)


def configure_inferred(classification_csv: str, workflow_id: int, version: str | None,
                       min_version: str | None, max_version: str | None, keywords: Keywords, out: Path,
                       *, console: Console = QUIET) -> tuple[Path, list[Path]]:
    """Configs from a classification export alone: task types inferred from the annotations."""
    from ..configure.infer import infer_workflow, write_configs

    inference = infer_workflow(classification_csv, workflow_id,
                               version_filter(version, min_version, max_version))
    extractor_keywords, reducer_keywords = split_keywords(inference.tasks, keywords)
    console.say(f"Inferred from {inference.rows} classifications of workflow {workflow_id} "
                f"(no workflow export; check these):")
    for line in inference.summary():
        console.say(f"  {line}")
    console.say()
    extractor_path, reducer_paths, labels_path, warnings = write_configs(
        inference, out, extractor_keywords, reducer_keywords)
    for message in warnings:
        console.warn(message)
    console.say(f"Saving Extractor config to:\n{extractor_path}\n")
    for path in reducer_paths:
        console.say(f"Saving Reducer config to:\n{path}\n")
    console.say(f"Saving task key look up table to:\n{labels_path}")
    return extractor_path, reducer_paths


def split_keywords(tasks: dict[str, Any], keywords: Keywords) -> tuple[Keywords, Keywords]:
    """-k keywords go to the task's extractor or its reducer, whichever takes them."""
    type_to_extractor = registry.extractor_for_type()
    default_reducer = registry.default_reducers()
    extractor_kw: Keywords = {}
    reducer_kw: Keywords = {}
    for task_key, values in keywords.items():
        if task_key not in tasks:
            raise ConfigError(f"-k names task {task_key!r}, which the workflow does not have",
                              hint=registry.did_you_mean(task_key, list(tasks)))
        task = tasks[task_key]
        extractor_name = type_to_extractor.get(task.type, "")
        reducer_name = default_reducer.get(extractor_name, "")
        extractors = registry.components("extractor")
        reducers = registry.components("reducer")
        e_params = set(extractors[extractor_name].all_params) if extractor_name in extractors else set()
        r_params = set(reducers[reducer_name].all_params) if reducer_name in reducers else set()
        for key, value in values.items():
            # checked as the config that carries it will be (registry.Param: the one place)
            if key in e_params:
                extractors[extractor_name].parse_params({key: value})
            elif key in r_params:
                reducers[reducer_name].parse_params({key: value})
            if key in e_params or task.type == "drawing":
                extractor_kw.setdefault(task_key, {})[key] = value
            elif key in r_params:
                reducer_kw.setdefault(task_key, {})[key] = value
            else:
                raise ConfigError(f"-k: neither {extractor_name or 'the extractor'} nor "
                                  f"{reducer_name or 'the reducer'} of task {task_key} takes {key!r}",
                                  hint=registry.did_you_mean(key, sorted(e_params | r_params)))
    return extractor_kw, reducer_kw
