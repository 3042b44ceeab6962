"""TESS (Planet Hunters TESS): transit columns weighted by volunteer skill, live through Caesar.

Three pieces feed each other. `tess_gold_standard_reducer` runs per gold-standard subject: the
`difficulty` of each known transit is the fraction of volunteers who found it.
`tess_user_reducer` runs per volunteer: each transit they found adds twice its difficulty to a
`seed`, each they missed takes it away, and `skill = (1 + log10(count)) ** (seed / count)`
clipped to [0.05, 3]. `tess_reducer_column` runs per subject: the columns volunteers drew are
clustered by DBSCAN on (centre, width), never joining two marks of one volunteer, and each
cluster's `weighted_counts` sums its volunteers' skills.

Caesar calls the running forms with only the newest extracts and the `store` it kept from the
previous answer; the answer carries the new store under `_store`. The peer's running forms
count only the first extract of a call and, when one call brings several, give every new mark
to one volunteer; here every extract counts and keeps its own volunteer (docs/differences.md).
With one extract per call, as Caesar sends them, the answers are the peer's.
"""

from __future__ import annotations

from typing import Any, TypeGuard

import numpy as np

from ..clustering.wrappers import dbscan_core_labels
from ..errors import ReduceError, Where
from ..registry import Param, count, distance, reducer, running_reducer
from .drawing_reduce import natural, tool_of_key

SKILL_FLOOR = 0.05
SKILL_CEILING = 3.0

COLUMN_PARAMS = {
    "x": Param(str, "center", "whether a column's x is its centre or its left edge", ("center", "left")),
    "eps": distance(5.0, "DBSCAN: the largest (centre, width) distance between two neighbours"),
    "min_samples": count(3, "DBSCAN: neighbours a core mark needs (itself included); "
                                  "fewer volunteers than this give no clusters"),
    "algorithm": Param(str, "auto", "accepted for the peer's configs; the neighbours are exact either way",
                       ("auto", "ball_tree", "kd_tree", "brute")),
    "leaf_size": count(30, "accepted for the peer's configs; does not change the result"),
    "p": Param(float, None, "accepted for the peer's configs; the distance is always euclidean"),
}


def _bad(message: str, value: Any, hint: str) -> ReduceError:
    return ReduceError(message, hint=hint, where=Where(value=value))


# ---- gold standard: difficulty per transit ---------------------------------------------------

def successes_of(extract: dict[str, Any]) -> list[int]:
    """1 or 0 per gold-standard transit of one classification's `feedback` (empty: none)."""
    if "feedback" not in extract:
        raise _bad("the extract has no feedback", extract, "pluck the classification's "
                   "metadata.feedback into the extract as `feedback`: a list of {success: ...}")
    feedback = extract["feedback"] or []
    if not isinstance(feedback, list):
        raise _bad("feedback must be a list of {success: ...}", feedback, "fix the extractor's pluck")
    found: list[int] = []
    for item in feedback:
        success = item.get("success") if isinstance(item, dict) else None
        if not isinstance(success, bool | int) or success not in (0, 1):
            raise _bad("each feedback item needs success true or false", item, "fix the extractor's pluck")
        found.append(int(success))
    return found


def _add(total: list[Any], more: list[int]) -> list[Any]:
    if len(total) != len(more):
        raise _bad(f"feedback lists {len(more)} transits where earlier ones listed {len(total)}", more,
                   "the subject's gold standard changed between classifications")
    return [a + b for a, b in zip(total, more, strict=True)]


@reducer("tess_gold_standard_reducer")
def tess_gold_standard_reducer(extracts: list[dict[str, Any]]) -> dict[str, Any]:
    """`difficulty`: per gold-standard transit, the fraction of volunteers who found it.

    Extracts without feedback are left out; with none left the reduction is empty.
    """
    found = [s for s in (successes_of(e) for e in extracts) if s]
    if not found:
        return {}
    total = found[0]
    for more in found[1:]:
        total = _add(total, more)
    return {"difficulty": [n / len(found) for n in total]}


@running_reducer("tess_gold_standard_reducer")
def tess_gold_standard_running(extracts: list[dict[str, Any]], store: dict[str, Any]) -> dict[str, Any]:
    """tess_gold_standard_reducer's `difficulty` over every classification so far.

    The store keeps `number_of_successes` per transit and `count` (classifications with
    feedback); it is returned as it came when no new extract has feedback.
    """
    count = _count(store, "count")
    total: list[Any] | None = store.get("number_of_successes")
    if total is not None and not (isinstance(total, list) and all(_is_number(n) for n in total)):
        raise _bad("store number_of_successes must be a list of numbers", total, "send back the last _store")
    out: dict[str, Any] = {"_store": store}
    for found in (s for s in (successes_of(e) for e in extracts) if s):
        total = found if total is None else _add(total, found)
        count += 1
        out["_store"] = {"number_of_successes": total, "count": count}
    if count > 0:
        if total is None:
            raise _bad("the store has a count but no number_of_successes", store, "send back the last _store")
        out["difficulty"] = [n / count for n in total]
    return out


# ---- volunteer skill ---------------------------------------------------------------------------

def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _count(store: dict[str, Any], key: str) -> int:
    value = store.get(key, 0)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _bad(f"store {key} must be a whole number >= 0", value, "send back the last _store")
    return value


def difficulty_of(relevant: Any) -> Any:
    """The subject's `difficulty` from Caesar's relevant reduction; 0 when it has none."""
    data = relevant.get("data") if isinstance(relevant, dict) else None
    difficulty = data.get("difficulty", 0) if isinstance(data, dict) else 0
    if _is_number(difficulty) or (isinstance(difficulty, list) and all(_is_number(d) for d in difficulty)):
        return difficulty
    raise _bad("relevant_reduction data.difficulty must be a number or a list of numbers", difficulty,
               "relevant_reduction should be the subject's tess_gold_standard_reducer result")


def seed_of(found: list[int], difficulty: Any) -> Any:
    """+2 x difficulty per transit found, -1 x difficulty per transit missed."""
    weights = np.where(np.asarray(found, dtype=bool), 2, -1)
    try:
        return (weights * np.asarray(difficulty)).sum().item()
    except ValueError as exc:
        raise _bad(f"feedback lists {len(found)} transits but the subject's difficulty has "
                   f"{np.size(difficulty)}", difficulty, "the subject's gold standard changed") from exc


def skill_of(seed: float, count: int) -> float:
    """`(1 + log10(count)) ** (seed / count)`, clipped to [0.05, 3]; 0.05 before any transit."""
    if count == 0:
        return SKILL_FLOOR
    skill = float(np.power(1.0 + np.log10(count), seed / count))
    return min(SKILL_CEILING, max(SKILL_FLOOR, skill))


@running_reducer("tess_user_reducer", wants=("relevant_reduction",))
def tess_user_reducer(extracts: list[dict[str, Any]], store: dict[str, Any], *,
                      relevant_reduction: list[Any] | None = None) -> dict[str, Any]:
    """A volunteer's `skill` from their gold-standard feedback, weighted by subject difficulty.

    Each extract carries `feedback` (plucked from the classification's metadata) and, as
    `relevant_reduction`, its subject's tess_gold_standard_reducer result. The store keeps the
    running `seed` and `count` (transits seen).
    """
    seed = store.get("seed", 0)
    if not _is_number(seed):
        raise _bad("store seed must be a number", seed, "send back the last _store")
    count = _count(store, "count")
    relevant = relevant_reduction if relevant_reduction is not None else [None] * len(extracts)
    for extract, subject in zip(extracts, relevant, strict=True):
        found = successes_of(extract)
        seed = seed + seed_of(found, difficulty_of(subject))
        count += len(found)
    return {"skill": skill_of(seed, count), "_store": {"seed": seed, "count": count}}


# ---- columns -----------------------------------------------------------------------------------

def columns_of(extracts: list[dict[str, Any]], first_index: int = 0) -> dict[str, list[Any]]:
    """Every column drawn, `[x, width]`, with the index of the extract (volunteer) it came from.

    Columns of every frame and tool are pooled, as the peer pools them; frames and tools are
    taken in natural order (the peer's order follows string hashing and changes per process).
    """
    frames = sorted({k for e in extracts for k in e if k.startswith("frame")}, key=natural)
    data: list[list[Any]] = []
    index: list[int] = []
    for frame in frames:
        marks = [e.get(frame) for e in extracts]
        for mark in marks:
            if mark is not None and not isinstance(mark, dict):
                raise _bad(f"{frame} must be an object of <tool>_x and <tool>_width lists", mark,
                           "post shape_extractor column extracts")
        tools = sorted({tool_of_key(k) for m in marks if m for k in m}, key=natural)
        for tool in tools:
            for number, mark in enumerate(marks):
                xs, widths = (mark or {}).get(f"{tool}_x"), (mark or {}).get(f"{tool}_width")
                if xs is None or widths is None:
                    continue
                if not isinstance(xs, list) or not isinstance(widths, list):
                    raise _bad(f"{frame}.{tool}_x and _width must be lists", [xs, widths],
                               "post shape_extractor column extracts")
                for row in zip(xs, widths, strict=False):
                    data.append(list(row))
                    index.append(first_index + number)
    return {"data": data, "index": index}


def _distances(loc: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Euclidean on (x, width); infinite between two marks of one volunteer, unless identical."""
    difference = loc[:, None, :] - loc[None, :, :]
    distances = np.sqrt(np.square(difference).sum(axis=2))
    same = index[:, None] == index[None, :]
    return np.where(same & (distances != 0), np.inf, distances)


def _one_per_volunteer(loc: np.ndarray, index: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """For a volunteer with several marks in a cluster, the one nearest the cluster's core centre."""
    rows = []
    for volunteer in np.unique(index):
        own = loc[index == volunteer]
        rows.append(own[np.sqrt(np.square(own - centre).sum(axis=1)).argmin()])
    return np.vstack(rows)


def cluster_columns(columns: dict[str, list[Any]], user_ids: list[Any], skills: list[float], *,
                    x: str = "center", eps: float = 5.0, min_samples: int = 3) -> dict[str, Any]:
    """Clusters of columns: centres, widths, volunteers, and their summed skill."""
    kept = [i for i, row in enumerate(columns["data"]) if None not in row]
    try:
        loc = np.array([columns["data"][i] for i in kept], dtype=np.float64).reshape(len(kept), 2)
    except (TypeError, ValueError) as exc:
        raise _bad("column x and width must be numbers", columns["data"], "post shape_extractor column extracts") \
            from exc
    index = np.array([columns["index"][i] for i in kept], dtype=int)
    if x == "left":
        loc[:, 0] += 0.5 * loc[:, 1]
    out: dict[str, Any] = {}
    if len(np.unique(index)) >= min_samples:
        distances = _distances(loc, index)
        # the matrix is dense already (inf between one volunteer's own marks), at any size
        labels, core = dbscan_core_labels(distances, eps, min_samples)
        for label in sorted(set(labels.tolist()) - {-1}):
            member = labels == label
            k_loc, k_index = loc[member], index[member]
            if len(np.unique(k_index)) < len(k_index):
                k_loc = _one_per_volunteer(k_loc, k_index, loc[member & core].mean(axis=0))
                k_index = np.unique(k_index)
            centre = k_loc.mean(axis=0)
            out.setdefault("centers", []).append(float(centre[0]))
            out.setdefault("widths", []).append(float(centre[1]))
            out.setdefault("counts", []).append(len(k_index))
            out.setdefault("weighted_counts", []).append(float(sum(skills[j] for j in k_index)))
            out.setdefault("user_ids", []).append([user_ids[j] for j in k_index])
    out["max_weighted_count"] = max(out["weighted_counts"]) if "weighted_counts" in out else None
    return out


def skill_from(relevant: Any) -> float:
    """A volunteer's skill from their tess_user_reducer result; 1 when there is none."""
    if not relevant:
        return 1.0
    data = relevant.get("data") if isinstance(relevant, dict) else None
    skill = data.get("skill") if isinstance(data, dict) else None
    if not _is_number(skill):
        raise _bad("relevant_reduction must be null or {data: {skill: number}}", relevant,
                   "relevant_reduction should be the volunteer's tess_user_reducer result")
    return float(skill)


@reducer("tess_reducer_column", params=COLUMN_PARAMS, wants=("user_ids", "relevant_reduction"))
def tess_reducer_column(extracts: list[dict[str, Any]], *, user_ids: list[Any] | None = None,
                        relevant_reduction: list[Any] | None = None, x: str = "center", eps: float = 5.0,
                        min_samples: int = 3, algorithm: str = "auto", leaf_size: int = 30,
                        p: float | None = None) -> dict[str, Any]:
    """Transit columns clustered by DBSCAN, each counted by its volunteers' summed skill.

    Input: shape_extractor extracts with shape column. Output: `centers`, `widths`, `counts`,
    `user_ids` and `weighted_counts` per cluster, and `max_weighted_count`. A volunteer's skill
    is their tess_user_reducer result, which Caesar sends as `relevant_reduction`; 1 without it.
    """
    users = user_ids if user_ids is not None else [None] * len(extracts)
    relevant = relevant_reduction if relevant_reduction is not None else [None] * len(extracts)
    return cluster_columns(columns_of(extracts), users, [skill_from(r) for r in relevant],
                           x=x, eps=eps, min_samples=min_samples)


def _column_store(store: dict[str, Any]) -> tuple[dict[str, list[Any]], list[Any], list[Any]]:
    columns = store.get("data_by_tool", {"data": [], "index": []})
    users, relevant = store.get("user_id", []), store.get("relevant_reduction", [])
    shaped = (isinstance(columns, dict) and isinstance(columns.get("data"), list)
              and isinstance(columns.get("index"), list) and len(columns["data"]) == len(columns["index"])
              and all(isinstance(r, list) and len(r) == 2 for r in columns["data"])
              and isinstance(users, list) and isinstance(relevant, list) and len(users) == len(relevant))
    if not shaped or not all(isinstance(i, int) and 0 <= i < len(users) for i in columns["index"]):
        raise _bad("store must be {data_by_tool: {data: [[x, width], ...], index: [...]}, user_id: [...], "
                   "relevant_reduction: [...]} with one user_id per volunteer indexed", store,
                   "send back the last _store, or {} to start again")
    return {"data": list(columns["data"]), "index": list(columns["index"])}, list(users), list(relevant)


@running_reducer("tess_reducer_column", params=COLUMN_PARAMS, wants=("user_ids", "relevant_reduction"))
def tess_reducer_column_running(extracts: list[dict[str, Any]], store: dict[str, Any], *,
                                user_ids: list[Any] | None = None, relevant_reduction: list[Any] | None = None,
                                x: str = "center", eps: float = 5.0, min_samples: int = 3,
                                algorithm: str = "auto", leaf_size: int = 30,
                                p: float | None = None) -> dict[str, Any]:
    """tess_reducer_column over every column drawn so far, kept in the store.

    The store keeps the columns (`data_by_tool`: `data` [x, width] rows and the `index` of
    their volunteer), one `user_id` and one `relevant_reduction` per volunteer.
    """
    columns, users, relevant = _column_store(store)
    new = columns_of(extracts, first_index=len(users))
    columns["data"] += new["data"]
    columns["index"] += new["index"]
    users += user_ids if user_ids is not None else [None] * len(extracts)
    relevant += relevant_reduction if relevant_reduction is not None else [None] * len(extracts)
    out = cluster_columns(columns, users, [skill_from(r) for r in relevant], x=x, eps=eps, min_samples=min_samples)
    out["_store"] = {"data_by_tool": columns, "user_id": users, "relevant_reduction": relevant}
    return out
