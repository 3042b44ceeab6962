"""The columnar forms of the vote reducers, over one prepared part (engine/votes.py).

question_reducer and shortcut_reducer count, per subject and task, the classifications that
gave each answer key; survey_reducer counts, per subject, task and choice, the classifications
and the votes for each answer; slider_reducer takes the mean, median and variance of the
values (engine/slider_form.py). Each form also says in which order its reducer function would
put the keys of any one reduction (`row_order`): the output's column order depends on it.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..tables.kinds import ColumnKind
from .partition import bool_array, int_array
from .slider_form import slider_votes
from .votes import (
    NA,
    VERSION,
    NotColumnar,
    NumberColumn,
    Part,
    VotePart,
    distinct,
    every_group,
    first_places,
    first_seen_of,
    kept_by_filter,
    not_missing,
    stable_order,
    unique_firsts,
)

#: the survey reduction's own columns, in the order its dicts have them
SURVEY_FRONT = ("data.choice", "data.total_vote_count", "data.choice_count")
#: sums of survey answer values stay exact in float64 below this
_EXACT = float(2 ** 50)


def reduce_votes(table: pa.Table, kinds: dict[str, ColumnKind], numeric_subjects: bool | None, tasks: list[str],
                 form: str, how: str, version: str | None) -> VotePart:
    """Every subject x task reduction of one part (`version`: the aggregation_version stamp)."""
    part = Part(table, kinds, numeric_subjects)
    rows = part.ordered()
    task_index = {task: i for i, task in enumerate(tasks)}
    task_codes_local, task_dict = part.codes("task")
    task_codes = np.array([task_index[t] for t in task_dict.to_pylist()], dtype=np.int64)[task_codes_local]
    first = int(rows[0])
    out = VotePart(part.subjects, part.keys, np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64),
                   extracts=part.n)
    row_tasks = task_codes[rows]
    out.first_seen = first_seen_of(part, rows, row_tasks, tasks)
    out.first_row = (part.keys[part.subject_rank[first]], part.columns["created_at"][first].as_py(),
                     int(part.file_rows[first]), part.columns["workflow_id"][first].as_py())
    group = part.subject_rank[rows] * len(tasks) + row_tasks
    kept = kept_by_filter(part, rows, group, how)
    out.dropped = int(len(kept) - kept.sum())
    rows, group = rows[kept], group[kept]
    if version is not None:
        out.constants[VERSION] = version
    FORMS[form](part, out, rows, group, len(tasks), version is not None)
    return out


# ---- question and shortcut: votes per answer key ---------------------------------------------

def _answer_keys(data_names: list[str]) -> dict[str, list[str]]:
    """Top-level data keys (aggregation_version excluded) and their columns, as un-flattening
    makes them: `data.a.b` counts as key `a`."""
    keys: dict[str, list[str]] = {}
    for name in data_names:
        key = name[len("data."):].split(".")[0]
        if key != "aggregation_version":
            keys.setdefault(key, []).append(name)
    return keys


def _presence_votes(part: Part, out: VotePart, rows: np.ndarray, group: np.ndarray, ntasks: int,
                    versioned: bool) -> None:
    nout = every_group(out, len(part.subjects), ntasks)
    kept = np.zeros(part.n, dtype=bool)  # per file row: kept by the filter, and its group
    kept[rows] = True
    row_group = np.zeros(part.n, dtype=np.int64)
    row_group[rows] = group
    keys = _answer_keys(part.data_names)
    presence: dict[str, np.ndarray] = {}  # per key, per file row
    for key, names in keys.items():
        present = not_missing(part.columns[names[0]])
        for name in names[1:]:
            present |= not_missing(part.columns[name])
        presence[key] = present
        counts = np.bincount(row_group[present & kept], minlength=nout)
        out.numbers[f"data.{key}"] = NumberColumn(counts > 0, counts.astype(np.int64))
    key_list = list(keys)

    def row_order(row: int) -> list[str]:
        """The keys of one reduction dict, in its order: by first vote, then column."""
        mine = rows[group == row]
        firsts = []
        for index, key in enumerate(key_list):
            hits = np.flatnonzero(presence[key][mine])
            if len(hits):
                firsts.append((int(hits[0]), index, f"data.{key}"))
        return [name for *_, name in sorted(firsts)] + ([VERSION] if versioned else [])

    first_places(out, row_order)


# ---- survey: per choice, its count and the votes for each answer ------------------------------

def _survey_columns(part: Part) -> list[tuple[str, str, str]]:
    """(column, question, answer) of each answer column; NotColumnar for any other data shape."""
    if "data.choice" not in part.columns:
        raise NotColumnar("no survey choices")
    choices = part.codes("data.choice")[1]  # before its kind, which then comes from these
    choice = part.kind("data.choice")
    if choice.gaps or choice.ints or choice.floats or choice.bools:
        raise NotColumnar("survey choices missing or not text")
    if pc.any(pc.match_substring_regex(choices, r"[\[{]")).as_py():
        raise NotColumnar("survey choices that read as lists or mappings")
    answers = []
    for name in part.data_names:
        if name in ("data.choice", VERSION):
            continue
        kind = part.kind(name)
        pieces = name.split(".")
        if len(pieces) != 3 or pieces[1] in ("choice", "aggregation_version"):
            raise NotColumnar(f"survey column {name} is not data.<question>.<answer>")
        if not kind.present:
            continue
        if not kind.floats:
            raise NotColumnar(f"survey column {name} is not numeric")
        answers.append((name, pieces[1], pieces[2]))
    return answers


def _answer_values(part: Part, name: str) -> tuple[np.ndarray, np.ndarray, bool]:
    """(the file rows with a value, their values, typed as int) of one answer column."""
    sparse = part.sparse(name)
    kind = part.kind(name)
    mask = np.asarray(pc.invert(pc.is_in(sparse.dictionary, value_set=NA)))
    numbers = np.zeros(len(mask))
    try:
        numbers[mask] = np.asarray(pc.cast(pc.filter(sparse.dictionary, bool_array(mask)), pa.float64()))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise NotColumnar(f"survey column {name} is not numeric") from exc
    if not np.all(np.isfinite(numbers)) or not np.all(numbers == np.round(numbers)) or \
            np.abs(numbers).max(initial=0) * max(part.n, 1) >= _EXACT:
        raise NotColumnar(f"survey column {name} holds values that are not small whole numbers")
    filled = mask[sparse.codes]
    return sparse.positions[filled], numbers[sparse.codes[filled]], bool(kind.ints and not kind.gaps)


def _survey_votes(part: Part, out: VotePart, rows: np.ndarray, group: np.ndarray, ntasks: int,
                  versioned: bool) -> None:
    answers = _survey_columns(part)
    choice_codes, choice_dict = part.codes("data.choice")
    nchoices = len(choice_dict)
    combos, firsts, inverse = unique_firsts(group * nchoices + choice_codes[rows])
    combo_group = combos // nchoices
    order = stable_order(combo_group * len(rows) + firsts)  # output rows: by subject-task, then first vote
    place = np.empty(len(order), dtype=np.int64)
    place[order] = np.arange(len(order))
    out_row = place[inverse]
    nout = len(order)
    out.row_subject = combo_group[order] // ntasks
    out.row_task = combo_group[order] % ntasks
    out.row_seq = firsts[order]
    out.texts["data.choice"] = choice_dict.take(int_array(combos[order] % nchoices))
    pairs = distinct(group * (int(part.classification_codes.max(initial=0)) + 1) +
                      part.classification_codes[rows])
    totals = np.bincount(pairs // (int(part.classification_codes.max(initial=0)) + 1),
                         minlength=len(part.subjects) * ntasks)
    everywhere = np.ones(nout, dtype=bool)
    out.numbers["data.total_vote_count"] = NumberColumn(everywhere, totals[combo_group[order]].astype(np.int64))
    out.numbers["data.choice_count"] = NumberColumn(everywhere, np.bincount(out_row, minlength=nout))
    slot = np.full(part.n, -1, dtype=np.int64)  # per file row: its output row (-1: not kept)
    slot[rows] = out_row
    presence: dict[str, np.ndarray] = {}  # per answer, per file row: a kept vote
    for name, _, _ in answers:
        # answers are sparse: count the votes where they are, not over every row
        positions, values, ints = _answer_values(part, name)
        targets = slot[positions]
        voted = targets >= 0
        presence[name] = np.zeros(part.n, dtype=bool)
        presence[name][positions[voted]] = True
        counts = np.bincount(targets[voted], minlength=nout)
        sums = np.bincount(targets[voted], weights=values[voted], minlength=nout)  # exact: _EXACT
        out.numbers[name] = NumberColumn(counts > 0, np.rint(sums).astype(np.int64), floats=not ints)

    def row_order(row: int) -> list[str]:
        """Scalars first, then each question's answers in the order the Counters met them."""
        questions: dict[str, dict[str, None]] = {}
        for file_row in rows[out_row == row].tolist():
            for name, question, _ in answers:
                if presence[name][file_row]:
                    questions.setdefault(question, {}).setdefault(name, None)
        nested = [name for names in questions.values() for name in names]
        return [*SURVEY_FRONT, *([VERSION] if versioned else []), *nested]

    first_places(out, row_order)


#: the reduction of each vote form (the `vote_form` a reducer registers)
FORMS = {"presence": _presence_votes, "survey": _survey_votes, "slider": slider_votes}
