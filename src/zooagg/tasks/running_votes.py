"""Running (store-based) forms of the vote reducers, for Caesar's `/running_reducers/<name>`.

Votes add up: the reduction of every classification so far is the reduction kept in the store
plus the reduction of the new extracts, so a running vote reducer sends Caesar only the new
extracts and never the whole history. Over any split of the extracts into calls the answer
is the plain reducer's answer over all of them (tests/test_running.py checks it). The peer has
no running vote reducers; these are zooagg's own.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..errors import ReduceError, Where
from ..registry import running_reducer
from .question import QUESTION_PARAMS, question_reducer
from .survey import survey_reducer

STORE_HINT = "send back the _store of the previous answer, or {} to start again"


def _same_kind(previous: Any, value: Any) -> bool:
    """Two vote counts, or two user_id lists."""
    if isinstance(previous, list):
        return isinstance(value, list)
    return isinstance(previous, int) and not isinstance(previous, bool) and isinstance(value, int)


def add_votes(so_far: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Counts add, `user_ids_<answer>` lists append; keys keep their first-seen order."""
    merged = dict(so_far)
    for key, value in new.items():
        previous = merged.get(key)
        if previous is None:
            merged[key] = value
        elif _same_kind(previous, value):
            merged[key] = previous + value
        else:
            raise ReduceError(f"the store's {key!r} cannot take the new votes", hint=STORE_HINT,
                              where=Where(value=previous))
    return merged


def _running_votes(extracts: list[dict[str, Any]], store: dict[str, Any], user_ids: list[Any] | None,
                   pairs: bool, track_user_ids: bool) -> dict[str, Any]:
    users = user_ids if user_ids is not None else [None] * len(extracts)
    new = question_reducer(extracts, user_ids=users, pairs=pairs, track_user_ids=track_user_ids)
    votes = add_votes(store, new)
    return {**votes, "_store": dict(votes)}


@running_reducer("question_reducer", params=QUESTION_PARAMS, wants=("user_ids",))
def question_reducer_running(extracts: list[dict[str, Any]], store: dict[str, Any], *,
                             user_ids: list[Any] | None = None, pairs: bool = False,
                             track_user_ids: bool = False) -> dict[str, Any]:
    """question_reducer's votes over every classification so far; the store is those votes.

    Keep `pairs` and `track_user_ids` the same from call to call: the store holds the keys
    they made.
    """
    return _running_votes(extracts, store, user_ids, pairs, track_user_ids)


@running_reducer("shortcut_reducer", params=QUESTION_PARAMS, wants=("user_ids",))
def shortcut_reducer_running(extracts: list[dict[str, Any]], store: dict[str, Any], *,
                             user_ids: list[Any] | None = None, pairs: bool = False,
                             track_user_ids: bool = False) -> dict[str, Any]:
    """shortcut_reducer's votes over every classification so far; the store is those votes."""
    return _running_votes(extracts, store, user_ids, pairs, track_user_ids)


def _survey_store(store: dict[str, Any]) -> tuple[int, list[dict[str, Any]]]:
    total, rows = store.get("total_vote_count", 0), store.get("choices", [])
    if not isinstance(total, int) or isinstance(total, bool) or not isinstance(rows, list) \
            or not all(isinstance(r, dict) and isinstance(r.get("choice_count"), int) for r in rows):
        raise ReduceError("the store must be {total_vote_count: n, choices: [survey_reducer rows]}",
                          hint=STORE_HINT, where=Where(value=store))
    return total, rows


def add_choice(so_far: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """One choice's row: choice_count adds, each answer's votes add."""
    merged = dict(so_far)
    for key, value in new.items():
        if key in ("choice", "total_vote_count"):
            continue
        if key == "choice_count":
            merged[key] = merged[key] + value
        else:
            votes = Counter(merged.get(key) or {})
            votes.update(value)
            merged[key] = dict(votes)
    return merged


@running_reducer("survey_reducer", wants=("classification_ids",))
def survey_reducer_running(extracts: list[dict[str, Any]], store: dict[str, Any], *,
                           classification_ids: list[Any] | None = None) -> dict[str, Any]:
    """survey_reducer's rows over every classification so far, one per choice, under `choices`.

    The store keeps `total_vote_count` (classifications so far) and the rows. Send each
    classification's extracts in one call, as Caesar does: a classification split over two
    calls is counted twice in total_vote_count.
    """
    total, rows = _survey_store(store)
    new = survey_reducer(extracts, classification_ids=classification_ids or []) if extracts else []
    total += new[0]["total_vote_count"] if new else 0
    by_choice = {row["choice"]: row for row in rows}
    for row in new:
        previous = by_choice.get(row["choice"])
        by_choice[row["choice"]] = add_choice(previous, row) if previous else row
    choices = [{**row, "total_vote_count": total} for row in by_choice.values()]
    return {"choices": choices, "_store": {"total_vote_count": total, "choices": choices}}
