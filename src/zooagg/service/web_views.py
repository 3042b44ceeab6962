"""What the project and parameter pages show, as plain data for the templates.

The project page: the task texts, the consensus table's first rows and, per task, the honest
agreement (only over subjects with two or more classifications, ties and the rest counted), as
the offline report states it. The parameter page: each parameter as the form field its type
asks for (a checkbox, a number, a choice), and the reducers a task may use.
"""

from __future__ import annotations

from typing import Any

from .. import registry
from ..consensus import ConsensusTable

AGREEMENT = 0.8  # as the offline report: a subject agrees when its top answer has more of the votes
MIN_CLASSIFICATIONS = 2
PREVIEW_ROWS = 20


def task_texts(labels: dict[str, Any], tasks: list[str]) -> list[dict[str, str]]:
    """Each task's question or instruction, in task order."""
    out = []
    for task in tasks:
        text = labels.get(f"{task}.question") or labels.get(f"{task}.instruction") or ""
        out.append({"task": task, "text": str(text)})
    return out


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def agreement_rows(table: ConsensusTable) -> list[dict[str, Any]]:
    """Per vote task (a column `<task>_agreement`): subjects counted, agreement, ties, fewer."""
    out = []
    for column in table.columns:
        if not column.endswith("_agreement"):
            continue
        task = column.removesuffix("_agreement")
        answered = [r for r in table.rows if _number(r.get(f"{task}_votes")) > 0]
        counted = [r for r in answered if _number(r.get("classifications")) >= MIN_CLASSIFICATIONS]
        agreeing = sum(1 for r in counted if _number(r.get(column)) > AGREEMENT)
        out.append({"task": task, "counted": len(counted), "fewer": len(answered) - len(counted),
                    "ties": sum(1 for r in counted if r.get(f"{task}_tie") is True),
                    "agreement": f"{agreeing / len(counted):.0%}" if counted else "n/a"})
    return out


def unclustered_rows(table: ConsensusTable) -> list[dict[str, Any]]:
    """Per drawing task: subjects with marks but no consensus mark (eps likely too small)."""
    out = []
    for column in table.columns:
        if column.endswith("_marks_without_consensus"):
            flagged = sum(1 for r in table.rows if r.get(column) is True)
            out.append({"task": column.removesuffix("_marks_without_consensus"), "subjects": flagged})
    return out


def preview(table: ConsensusTable) -> dict[str, Any]:
    return {"columns": table.columns, "rows": [["" if v is None else v for v in record]
                                               for record in table.records()[:PREVIEW_ROWS]],
            "total": len(table.rows)}


# ---- the parameter form ------------------------------------------------------------------------

def input_kind(param: registry.Param) -> str:
    """checkbox, number (whole or decimal), select, or text (lists and mappings as JSON)."""
    if param.choices:
        return "select"
    if param.type is bool:
        return "checkbox"
    if param.type is int:
        return "integer"
    if param.type is float:
        return "decimal"
    return "text"


def reducer_choices(extractor: str, current: str) -> list[str]:
    """The reducers the form offers for a task: those that reduce its extractor's extracts
    (`registry.reducers_for`; the API accepts any registered reducer), the current one always
    among them."""
    base = "shape_extractor" if extractor.startswith("shape_extractor_") else extractor
    return sorted({*registry.reducers_for(base), current})
