"""Task types inferred from a classification export, for when the workflow export is missing.

Panoptes writes each annotation of the classification export in a shape that depends on the
task type (its CSV formatter, `lib/formatter/csv/annotation_for_csv.rb`), so the shapes tell
the types back:

| annotation as exported | inferred type |
|---|---|
| `{task, task_label, value: "label"}` (label before value) | single question |
| `{task, task_label, value: ["a", "b"]}` | multiple question |
| `{task, task_label: null, value: ["label"]}` | shortcut |
| `{task, value: "free text", task_label}` (value before label) | text |
| `value: [{choice, answers, filters}]` | survey |
| `value: [{select_label, option, value, label}]` (or one such mapping) | dropdown |
| `value: [{task: ..., value: ...}, ...]` | combo (each sub-task inferred on its own) |
| `value: [{start, end, ...}]` | highlighter |
| `value: 0.4` or `"0.4"`, no task_label | slider |
| `value: [marks]` | drawing, each tool's shape from its marks' keys (below) |

A mark's keys give its tool: `toolType` (newer front end) is taken as written; else `x1,y1,x2,y2`
a line, `points`/`pathX` a polygon (a bezier or freehand line when the tool label says so), `r` a
circle, `rx,ry` an ellipse, `width,height` a rectangle (rotated with `angle`), `x` and `width`
a column, `x` alone a full-height line, `y` alone a full-width line, `x,y` a point. A mark with
only `x,y` of a tool whose other marks show a fuller shape is an unfinished shape: the fuller
shape wins. Tool sub-tasks (`details`) are inferred from their raw values: a number is a
single question, a list of numbers a multiple question, text a text task (a slider sub-task
is read as text too: its raw value cannot be told from a transcribed number).

FEM (classifier 2.0) writes each sub-task answer as an annotation of its own, `{task: "T0.1.0",
taskType, markIndex, value}` (`DrawingAnnotation.toSnapshot` in the front end; the exporter leaves
it raw), and the mark's `details` only names it (`[{task: "T0.1.0"}]`). Such an annotation is
sub-task 0 of tool 1 of drawing task T0, typed by its `taskType` (`dropdown-simple` is a
dropdown), never a task of its own. Which front ends classified (`metadata.classifier_version`)
is counted too, so the config carries FEM sub-task keys, classic ones, or both.

A value of `null` or `[]` says nothing and is not counted. When a task was a single question in
some versions and a multiple question in others (the answer shapes say so), it is configured
as multiple: the question extractor reads both.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import InputError, Where
from ..exports.classifications import ClassificationReader
from ..exports.versions import Version, VersionRange, format_version, parse_version
from .infer_evidence import Inferrer, TaskEvidence, ToolEvidence
from .workflow import Answer, DrawingTask, DropdownTask, SurveyTask, Task, Tool

# ---- from evidence to task models -----------------------------------------------------------

def _natural(key: str) -> tuple[Any, ...]:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", key))


def _detail_tasks(tool: ToolEvidence) -> list[Task]:
    if not tool.details:
        return []
    last = max(tool.details)
    out = []
    for position in range(last + 1):
        evidence = tool.details.get(position)
        kind = evidence.kind() if evidence else ""
        out.append(Task(key=f"{tool.index}.{position}", type=kind or "text"))
    return out


def task_model(evidence: TaskEvidence) -> Task:
    kind = evidence.kind()
    answers = [Answer(label) for label, _ in evidence.answers.most_common()]
    if kind == "drawing":
        tools = [Tool(i, t.shape(), t.label, _detail_tasks(t)) for i, t in sorted(evidence.tools.items())]
        return DrawingTask(key=evidence.key, type="drawing", text=evidence.label, tools=tools)
    if kind == "survey":
        return SurveyTask(key=evidence.key, type="survey", text=evidence.label,
                          choices={c: c for c in sorted(evidence.choices)},
                          questions={q: q for q in sorted(evidence.questions)})
    if kind == "dropdown":
        return DropdownTask(key=evidence.key, type="dropdown", text=evidence.label,
                            selects=[{"title": s} for s in evidence.selects])
    return Task(key=evidence.key, type=kind, text=evidence.label, answers=answers)


@dataclass
class Inference:
    """What the classifications of one workflow say about its tasks."""

    workflow_id: int
    file: str
    tasks: dict[str, Task]
    evidence: dict[str, TaskEvidence]
    versions: Counter[Version]
    rows: int
    combos: dict[str, list[str]]
    front_ends: Counter[str] = field(default_factory=Counter)  # "classic" / "fem" -> classifications

    @property
    def latest(self) -> str:
        return format_version(max(self.versions))

    @property
    def workflow_version(self) -> str | dict[str, str]:
        """What the config says: the one version present, or the range of those present."""
        if len(self.versions) == 1:
            return self.latest
        return {"min": format_version(min(self.versions)), "max": self.latest}

    def summary(self) -> list[str]:
        """One line per task: key, inferred type (and tools), how many annotations showed it."""
        lines = []
        for key in sorted(self.evidence, key=_natural):
            evidence = self.evidence[key]
            kind = evidence.kind() or "unknown (every value was empty)"
            detail = ""
            if evidence.kind() == "drawing":
                detail = " tools " + ", ".join(_describe_tool(t) for _, t in sorted(evidence.tools.items()))
            elif evidence.kind() == "combo":
                detail = " of " + ", ".join(evidence.children)
            lines.append(f"{key}: {kind}{detail} ({evidence.seen} annotations, {evidence.empty} empty)")
        return lines


def _describe_tool(tool: ToolEvidence) -> str:
    text = f"{tool.index}={tool.shape()}"
    if tool.details:
        text += f"+details[{','.join(d.type for d in _detail_tasks(tool))}]"
    others = {s: n for s, n in tool.shapes.items() if s not in ("point", tool.shape())}
    if others:  # e.g. a tool that was a rectangle in one version and a circle in another
        text += " (marks also looked like " + ", ".join(f"{s} x{n}" for s, n in sorted(others.items())) + ")"
    return text


def infer_workflow(path: str | Path, workflow_id: int, versions: VersionRange | None = None) -> Inference:
    """Read the workflow's classifications (streamed) and infer each task's type and tools."""
    reader = ClassificationReader(path, workflow_id, versions)
    inferrer = Inferrer()
    seen_versions: Counter[Version] = Counter()
    front_ends: Counter[str] = Counter()
    rows = 0
    for classification in reader:
        if isinstance(classification, Exception):
            continue  # a damaged row says nothing about the tasks; extract reports it
        rows += 1
        front_ends[front_end(classification.metadata)] += 1
        if classification.workflow_version:
            seen_versions[parse_version(classification.workflow_version)] += 1
        for annotation in classification.annotations:
            inferrer.add(annotation)
    if not rows:
        known = ", ".join(sorted(reader.stats.workflow_ids, key=_natural)) or "none"
        what = f"workflow {workflow_id}" + (f" v{versions.describe()}" if versions and (versions.min or versions.max)
                                            else "")
        raise InputError(f"no classifications of {what}", hint=f"workflow ids in this export: {known}",
                         where=Where(file=str(path), value=workflow_id))
    if not seen_versions:
        seen_versions[(0, 0)] = rows
    models = {}
    for key in sorted(inferrer.tasks, key=_natural):
        evidence = inferrer.tasks[key]
        kind = evidence.kind()
        if kind and kind != "combo":
            models[key] = task_model(evidence)
    combos = {k: e.children for k, e in inferrer.tasks.items() if e.kind() == "combo"}
    return Inference(workflow_id, str(path), models, inferrer.tasks, seen_versions, rows, combos, front_ends)


# ---- writing the configs ---------------------------------------------------------------------

def _header(inference: Inference) -> str:
    versions = ", ".join(format_version(v) for v in sorted(inference.versions))
    lines = [
        f"INFERRED by zooagg from the classification export {Path(inference.file).name}",
        f"(workflow {inference.workflow_id}, {inference.rows} classifications, versions {versions};",
        f"front ends: {_describe_front_ends(inference.front_ends)});",
        "there was no workflow export. Check the task types below before trusting the results:",
        *("  " + line for line in inference.summary()),
    ]
    if inference.combos:
        lines.append("Combo tasks are configured through their sub-tasks.")
    return "".join(f"# {line}\n" for line in lines)


def _describe_front_ends(front_ends: Counter[str]) -> str:
    names = {"classic": "classic (1.x)", "fem": "FEM (2.0)"}
    return ", ".join(f"{names[k]} {front_ends[k]}" for k in ("classic", "fem") if front_ends[k]) or "none"


def front_end(metadata: Any) -> str:
    """"fem" for a classification made on FEM (classifier_version 2 or later), else "classic"."""
    raw = metadata.get("classifier_version", "1.0") if isinstance(metadata, dict) else "1.0"
    major = str(raw).strip().lstrip("vV").split(".")[0]
    return "fem" if major.isdigit() and int(major) >= 2 else "classic"


def _write(data: Any, path: Path, header: str) -> None:
    from ..tables.atomic import atomic_open, commit

    handle, tmp = atomic_open(path)
    with handle:
        handle.write(header)
        yaml.dump(data, stream=handle, default_flow_style=False, indent=4, allow_unicode=False)
    commit(tmp, path)


def task_labels(inference: Inference) -> dict[str, Any]:
    """The task-labels file: question/instruction texts and answer, tool and dropdown option
    labels as seen (options as the workflow's Task_labels has them: `{value: label}`)."""
    labels: dict[str, Any] = {}
    for key, task in inference.tasks.items():
        if task.text:
            labels[f"{key}.instruction" if task.type == "drawing" else f"{key}.question"] = task.text
        for index, answer in enumerate(task.answers):
            labels[f"{key}.answers.{index}.label"] = answer.label
        if isinstance(task, DrawingTask):
            for tool in task.tools:
                if tool.label:
                    labels[f"{key}.tools.{tool.index}.label"] = tool.label
        evidence = inference.evidence.get(key)
        for select, options in sorted(evidence.options.items()) if evidence else ():
            for position, (value, label) in enumerate(sorted(options.items())):
                labels[f"{key}.selects.{select}.options.*.{position}.label"] = {value: label}
    return labels


def write_configs(inference: Inference, out: Path, extractor_keywords: dict[str, dict[str, Any]] | None = None,
                  reducer_keywords: dict[str, dict[str, Any]] | None = None
                  ) -> tuple[Path, list[Path], Path, list[str]]:
    """The three kinds of config files `zooagg config` writes, marked as inferred.

    Each starts with a comment saying so, and the extractor and reducer configs carry
    `inferred: true` (a key the loaders do not read, so the files stay drop-in).
    """
    from .config import extractor_config_for, reducer_configs_for
    from .fem import FRONT_ENDS

    front_ends = [k for k in FRONT_ENDS if inference.front_ends[k]] or FRONT_ENDS  # none counted: both
    extractor_config, warnings = extractor_config_for(inference.tasks, extractor_keywords, front_ends)
    header = _header(inference)
    wid, ver = inference.workflow_id, inference.latest
    extractor_path = out / f"Extractor_config_workflow_{wid}_V{ver}.yaml"
    _write({"extractor_config": extractor_config, "inferred": True, "workflow_id": wid,
            "workflow_version": inference.workflow_version}, extractor_path, header)
    reducer_paths = []
    for name, reducer_config in reducer_configs_for(extractor_config, reducer_keywords):
        path = out / f"Reducer_config_workflow_{wid}_V{ver}_{name}.yaml"
        _write({**reducer_config, "inferred": True}, path, header)
        reducer_paths.append(path)
    labels_path = out / f"Task_labels_workflow_{wid}_V{ver}.yaml"
    _write(task_labels(inference), labels_path, header)
    return extractor_path, reducer_paths, labels_path, warnings
