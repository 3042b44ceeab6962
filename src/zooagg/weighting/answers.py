"""Every volunteer's answers per task, read from extract files, with the known truth.

A weighting problem is one task's answers over a whole workflow: question and shortcut tasks
(the answer; several answers of a multiple-answer question joined with `+`), survey tasks (the
species chosen, several joined with `+`, and each survey question per subject and species:
`T0.howmany`), dropdown tasks (each select: `T0.0`). Each volunteer counts once per subject
(their first classification, as `reduce -F first`). Rows of classifications marked
`gold_standard` or `expert` in the classification export are not volunteers' answers: they
are the truth, as is a truth file (`subject_id,task,label`).
"""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, RowError, Where
from ..tables import flatten, is_missing, parse_cell
from ..tasks.weighting import Answers

#: extractors whose answers can be weighted
WEIGHABLE = ("question_extractor", "shortcut_extractor", "survey_extractor", "dropdown_extractor")
NEEDED = ("classification_id", "user_name", "user_id", "task", "created_at", "subject_id", "extractor")
#: an item: (subject_id, survey species or "")
Item = tuple[str, str]


@dataclass
class TaskAnswers:
    """One task's answers in classification order, its codes' meanings and its truth."""

    task: str
    workflow_id: str = ""
    rows: list[tuple[str, str, Item, str, str, str]] = field(default_factory=list)  # created, cid, item, vol, name, label
    truth: dict[Item, str] = field(default_factory=dict)
    items: list[Item] = field(default_factory=list)
    volunteers: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    classification_ids: list[str] = field(default_factory=list)
    #: a survey's species task (its labels are species)
    survey: bool = False
    _codes: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def finish(self) -> TaskAnswers:
        """Order the answers, keep each volunteer's first per item, and code everything."""
        if self._codes is not None:
            return self
        self.rows.sort(key=lambda r: (r[0], r[1]))
        seen: set[tuple[Item, str]] = set()
        item_code: dict[Item, int] = {}
        vol_code: dict[str, int] = {}
        self.labels = sorted({r[5] for r in self.rows} | set(self.truth.values()))
        label_code = {label: i for i, label in enumerate(self.labels)}
        s, v, y = [], [], []
        for _, cid, item, vol, name, label in self.rows:
            if (item, vol) in seen:
                continue
            seen.add((item, vol))
            if item not in item_code:
                item_code[item] = len(self.items)
                self.items.append(item)
            if vol not in vol_code:
                vol_code[vol] = len(self.volunteers)
                self.volunteers.append(vol)
                self.names.append(name)
            s.append(item_code[item])
            v.append(vol_code[vol])
            y.append(label_code[label])
            self.classification_ids.append(cid)
        self._codes = (np.array(s, dtype=np.int64), np.array(v, dtype=np.int64), np.array(y, dtype=np.int64))
        return self

    def truth_codes(self, leave_out: Iterable[int] = ()) -> dict[int, int]:
        """Item code -> label code of the known truths (of items that have answers)."""
        left = set(leave_out)
        codes = {item: i for i, item in enumerate(self.items)}
        return {codes[item]: self.labels.index(label) for item, label in self.truth.items()
                if item in codes and codes[item] not in left}

    def answers(self, gold: dict[int, int] | None = None) -> Answers:
        s, v, y = self._codes or self.finish()._codes or (np.zeros(0, dtype=np.int64),) * 3
        return Answers.of(s, v, y, len(self.labels), gold, tuple(self.labels))


def _volunteer(user_id: Any, user_name: Any) -> str:
    text = "" if is_missing(user_id) else str(user_id).strip()
    if text.endswith(".0"):
        text = text[:-2]
    if text and text.lower() not in ("nan", "na"):
        return text
    return "" if is_missing(user_name) else str(user_name)


def volunteer_of(user_id: Any, user_name: Any) -> str:
    """Who answered, as weighting counts them: the user_id, else the (not-logged-in) name."""
    return _volunteer(user_id, user_name)


def vote_label(data: dict[str, Any]) -> str:
    """A question or shortcut extract's label (its answers joined with `+`; "" for none), as
    `collect` reads it from the extract file's data.* columns."""
    return "+".join(sorted(_chosen(flatten(data))))


def _chosen(row: dict[str, Any], prefix: str = "data.") -> list[str]:
    """The answer keys of a vote extract row: data.* columns holding a count above 0."""
    out = []
    for key, value in row.items():
        if not key.startswith(prefix) or key == "data.aggregation_version" or is_missing(value) or value == "":
            continue
        try:
            if float(value) > 0:
                out.append(key[len(prefix):])
        except (TypeError, ValueError):
            continue
    return out


def _survey_questions(row: dict[str, Any]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for key in _chosen(row):
        if key.startswith("answers_") and "." in key:
            question, answer = key[len("answers_"):].split(".", 1)
            out[question].append(answer)
    return out


def _dropdown(value: Any, where: Where) -> list[str]:
    parsed = parse_cell(value)
    if not isinstance(parsed, list):
        raise RowError("a dropdown extract's data.value must be a list of {option: count}", where=where,
                       hint="fix the row, or extract the export again with zooagg extract")
    return ["+".join(sorted(str(k) for k, n in (select or {}).items() if n)) if isinstance(select, dict) else ""
            for select in parsed]


def _table_rows(path: Path) -> Iterable[dict[str, Any]]:
    from ..frames import load_arrow

    table, name = load_arrow(path)
    missing = [c for c in NEEDED if c not in table.column_names]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}", where=Where(file=name, column=missing[0]),
                         hint="give an extract file written by `zooagg extract` or the peer")
    columns = {c: table.column(c).to_pylist() for c in table.column_names}
    for i in range(table.num_rows):
        yield {c: values[i] for c, values in columns.items()}


#: where a bad row goes (engine.rejects.Rejects.add: the rejects file, or raised with --strict)
Reject = Callable[[RowError], None]


def _raise(error: RowError) -> None:
    raise error


def read_extracts(paths: Iterable[Path], tasks: set[str] | None = None, reject: Reject = _raise
                  ) -> tuple[dict[str, TaskAnswers], Counter[str]]:
    """Every weighable task's answers in the extract files (not yet split off as truth), and
    what was skipped, counted by reason; a bad row goes to `reject`."""
    return collect(((str(path), row) for path in paths for row in _table_rows(path)), tasks, reject)


def collect(rows: Iterable[tuple[str, dict[str, Any]]], tasks: set[str] | None = None, reject: Reject = _raise
            ) -> tuple[dict[str, TaskAnswers], Counter[str]]:
    """Every weighable task's answers in extract rows (the extract file's columns, `data.*`
    flattened), each with the name of where it came from (for errors)."""
    found: dict[str, TaskAnswers] = {}
    skipped: Counter[str] = Counter()
    surveys: dict[tuple[str, str], dict[str, Any]] = {}
    for source, row in rows:
        extractor = str(row["extractor"])
        if extractor not in WEIGHABLE:
            skipped[f"{extractor}: not a question, shortcut, survey or dropdown task"] += 1
            continue
        task = str(row["task"])
        meta = (str(row["created_at"]), str(row["classification_id"]), str(row["subject_id"]),
                _volunteer(row["user_id"], row["user_name"]), str(row["user_name"] or ""),
                str(row.get("workflow_id") or ""))
        if not meta[3]:
            reject(RowError("no user_id and no user_name: the answer belongs to nobody",
                            hint="fix the row's user_name, or leave the row out",
                            where=Where(file=source, row=meta[1], column="user_name", task=task)))
            continue
        if extractor == "survey_extractor":
            _add_survey(surveys, found, task, meta, row)
            continue
        if extractor == "dropdown_extractor":
            where = Where(file=source, row=meta[1], column="data.value", task=task, value=row.get("data.value"))
            try:
                selects = _dropdown(row.get("data.value"), where)
            except RowError as error:
                reject(error)
                continue
            labels = [(f"{task}.{i}", label) for i, label in enumerate(selects)]
        else:
            labels = [(task, "+".join(sorted(_chosen(row))))]
        for key, label in labels:
            _add(found, key, meta, "", label, skipped)
    for (_, task), entry in surveys.items():
        _add(found, task, entry["meta"], "", "+".join(sorted(entry["choices"])), skipped)
        if task in found:
            found[task].survey = True
    if tasks:
        found = {k: v for k, v in found.items() if k in tasks or k.split(".")[0] in tasks}
    return found, skipped


def _add(found: dict[str, TaskAnswers], task: str, meta: tuple[str, ...], choice: str, label: str,
         skipped: Counter[str]) -> None:
    if not label:
        skipped["no answer given"] += 1
        return
    created, cid, subject, volunteer, name, workflow = meta
    entry = found.setdefault(task, TaskAnswers(task, workflow))
    entry.rows.append((created, cid, (subject, choice), volunteer, name, label))


def _add_survey(surveys: dict[tuple[str, str], dict[str, Any]], found: dict[str, TaskAnswers], task: str,
                meta: tuple[str, ...], row: dict[str, Any]) -> None:
    """A survey row is one species of one classification: the species go together per
    classification; each question's answers are an answer about (subject, species)."""
    entry = surveys.setdefault((meta[1], task), {"meta": meta, "choices": set()})
    choice = row.get("data.choice")
    if is_missing(choice) or choice == "":
        return
    entry["choices"].add(str(choice))
    for question, answers in _survey_questions(row).items():
        key = f"{task}.{question}"
        created, cid, subject, volunteer, name, workflow = meta
        found.setdefault(key, TaskAnswers(key, workflow)).rows.append(
            (created, cid, (subject, str(choice)), volunteer, name, "+".join(sorted(answers))))


# ---- the truth ------------------------------------------------------------------------------

def gold_classifications(export: Path) -> set[str]:
    """classification_ids of the rows marked gold_standard (true) or expert in an export."""
    from ..exports.csvio import decode, header_of, iter_batches

    header = header_of(export)
    if "classification_id" not in header:
        raise InputError("missing column classification_id", where=Where(file=str(export), column="classification_id"),
                         hint="give the project's classification export")
    flags = [c for c in ("gold_standard", "expert") if c in header]
    out: set[str] = set()
    for batch in iter_batches(export, columns=["classification_id", *flags]):
        ids = batch.column(0).to_pylist()
        marks = [batch.column(i + 1).to_pylist() for i in range(len(flags))]
        for row, cid in enumerate(ids):
            for flag, column in zip(flags, marks, strict=True):
                text = decode(column[row])[0].strip().lower()
                if (flag == "gold_standard" and text in ("true", "1", "t")) or \
                        (flag == "expert" and text not in ("", "na", "false", "null")):
                    out.add(decode(cid)[0].strip())
    return out


def split_gold(found: dict[str, TaskAnswers], gold_ids: set[str]) -> int:
    """Move the answers of gold/expert classifications out of the volunteers' answers into
    the truth (the most given answer per item, ties to the first); returns how many moved."""
    moved = 0
    for entry in found.values():
        kept, truths = [], defaultdict(list)
        for row in entry.rows:
            if row[1] in gold_ids:
                truths[row[2]].append(row[5])
                moved += 1
            else:
                kept.append(row)
        entry.rows = kept
        for item, labels in truths.items():
            entry.truth.setdefault(item, Counter(labels).most_common(1)[0][0])
    return moved


def read_truth(path: Path, found: dict[str, TaskAnswers]) -> int:
    """A truth file (`subject_id,task,label`, optional `choice`): each row is an item's true
    label. Returns how many rows were taken."""
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise InputError(f"cannot open the truth file ({exc.strerror})", where=Where(file=str(path)),
                         hint="give a CSV with columns subject_id,task,label") from exc
    taken = 0
    with handle:
        reader = csv.DictReader(handle)
        missing = [c for c in ("subject_id", "task", "label") if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(f"missing column(s) {', '.join(missing)}", where=Where(file=str(path), column=missing[0]),
                             hint="a truth file has columns subject_id,task,label (and choice for survey questions)")
        for line, row in enumerate(reader, start=2):
            task, label = row["task"].strip(), row["label"].strip()
            if task not in found:
                raise InputError(f"the truth names task {task!r}, which has no answers here",
                                 where=Where(file=str(path), row=f"{row['subject_id']} (line {line})", column="task",
                                             task=task, value=task),
                                 hint=f"tasks with answers: {', '.join(sorted(found)) or 'none'}")
            if not label:
                raise InputError("empty label", where=Where(file=str(path), row=f"{row['subject_id']} (line {line})",
                                                             column="label", task=task),
                                 hint="give each subject's true answer, or leave its row out")
            found[task].truth[(row["subject_id"].strip(), (row.get("choice") or "").strip())] = label
            taken += 1
    return taken
