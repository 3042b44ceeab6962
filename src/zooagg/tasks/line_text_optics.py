"""`optics_line_text_reducer`: whole lines of text clustered with OPTICS, then put in reading order.

Per frame every transcribed line is one point; two lines are as far apart as the distances
between their start points and their end points plus the edit distance of their texts
(`[...]` tags removed, spaces collapsed); two lines by the same volunteer are infinitely far
apart. OPTICS (`xi`, `min_samples`: `auto` picks 2 for up to 6 volunteers, 3 up to 10, 4 up
to 15, 5 up to 20, then a quarter of them) groups them; when a volunteer still has two lines
in a group, only the one with the smallest core distance stays. A group gives the median ends,
the aligned texts and their consensus; a line in no group is a line of its own (consensus
score 1, always flagged). Lines are then ordered: angle groups (DBSCAN, `angle_eps`) nearest
to horizontal first, columns (DBSCAN on the turned start x, `gutter_eps`) left to right, then
top to bottom; `line_slope` becomes the angle group's mean.

As in the peer: `max_eps` is reported but not used (OPTICS runs with an unbounded radius),
and a frame with too few volunteers to cluster counts one line (and one low-consensus line)
however many it has, while lines in no group are not counted at all.
"""

from __future__ import annotations

import math
import re
import warnings
from collections import Counter
from typing import Any

import numpy as np
from rapidfuzz.distance import Levenshtein

from ..clustering.shapes import angle_distance, mean_angle
from ..clustering.wrappers import run_dbscan
from ..errors import ReduceError, Where
from ..registry import Param, reducer
from .line_text_common import aligned_columns
from .text_align import consensus

OPTICS_PARAMS = {
    "min_samples": Param(object, "auto", "lines needed to make a cluster (at least 2), or 'auto'"),
    "max_eps": Param(float, None, "reported only: the peer never passes it to OPTICS"),
    "xi": Param(float, 0.15, "OPTICS: minimum steepness of a cluster boundary", at_least=0, at_most=1),
    "angle_eps": Param(float, 30.0, "degrees: lines closer in angle are ordered together"),
    "gutter_eps": Param(float, 300.0, "pixels: lines starting closer across share a column"),
    "low_consensus_threshold": Param(float, 3.0, "lines with a lower consensus score are flagged"),
    "minimum_views": Param(int, 5, "passed on to the front end (no effect on the reduction)"),
    "min_line_length": Param(float, 0.0, "shorter lines are left out"),
}

_TAG = re.compile(r"[\[].*?[\]]")


def strip_tags(text: str) -> str:
    return " ".join(_TAG.sub("", text).split())


def auto_min_samples(volunteers: int) -> int:
    for limit, samples in ((6, 2), (10, 3), (15, 4), (20, 5)):
        if volunteers <= limit:
            return samples
    return int(0.25 * volunteers)


def _lines(extracts: list[dict[str, Any]], min_length: float) -> dict[str, list[dict[str, Any]]]:
    """Per frame, every line long enough: ends, text, gold flag, its volunteer and extract index."""
    frames: dict[str, list[dict[str, Any]]] = {}
    for user, extract in enumerate(extracts):
        for frame, value in extract.items():
            if not str(frame).startswith("frame"):
                continue
            lines = frames.setdefault(frame, [])
            points = value.get("points") if isinstance(value, dict) else None
            if not isinstance(points, dict) or not all(isinstance(value.get(k), list) for k in ("text",)):
                raise ReduceError(f"{frame} of an extract has no points or text", where=Where(value=value),
                                  hint="the extracts should come from line_text_extractor")
            for x, y, text in zip(points.get("x") or [], points.get("y") or [], value["text"], strict=False):
                if not (isinstance(x, list) and isinstance(y, list) and x and y and all(
                        isinstance(v, int | float) and not isinstance(v, bool) for v in x + y)):
                    raise ReduceError("a line has missing or non-numeric coordinates", where=Where(value=[x, y]),
                                      hint="the extracts should come from line_text_extractor")
                if not isinstance(text, list) or not text or not isinstance(text[0], str):
                    raise ReduceError(f"a line's text must be a list holding a string, got {text!r}",
                                      where=Where(value=text), hint="check the extracts of this subject")
                if math.sqrt((x[-1] - x[0]) ** 2 + (y[-1] - y[0]) ** 2) > min_length:
                    lines.append({"x": [x[0], x[-1]], "y": [y[0], y[-1]], "text": text[0],
                                  "gold": bool(value.get("gold_standard", False)), "user": user})
    for lines in frames.values():  # the peer numbers a volunteer's lines in a run of the same volunteer
        previous, n = None, -1
        for line in lines:
            n = n + 1 if line["user"] == previous else 0
            previous = line["user"]
            line["extract_index"] = n
    return frames


def _distances(lines: list[dict[str, Any]]) -> np.ndarray:
    n = len(lines)
    out = np.zeros((n, n))
    texts = [strip_tags(line["text"]) for line in lines]
    for i in range(n):
        for j in range(i + 1, n):
            a, b = lines[i], lines[j]
            if a["user"] == b["user"]:
                d = math.inf
            else:
                ends = [math.sqrt((a["x"][k] - b["x"][k]) * (a["x"][k] - b["x"][k])
                                  + (a["y"][k] - b["y"][k]) * (a["y"][k] - b["y"][k])) for k in (0, 1)]
                d = (ends[0] + ends[1]) + Levenshtein.distance(texts[i], texts[j])
            out[i, j] = out[j, i] = d
    return out


def _optics_labels(lines: list[dict[str, Any]], min_samples: int, xi: float) -> np.ndarray:
    from sklearn.cluster import OPTICS

    table = _distances(lines)

    def lookup(a: np.ndarray, b: np.ndarray) -> float:
        return float(table[int(a[0]), int(b[0])])

    rows = np.array([[i, line["user"]] for i, line in enumerate(lines)])
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=RuntimeWarning)
        fitted = OPTICS(metric=lookup, min_samples=min_samples, xi=xi).fit(rows)
    return _one_line_per_volunteer(fitted.labels_, fitted.core_distances_, rows[:, 1])


def _one_line_per_volunteer(labels: np.ndarray, core: np.ndarray, users: np.ndarray) -> np.ndarray:
    clean = labels.copy()
    for label in np.unique(labels):
        if label < 0:
            continue
        members = np.flatnonzero(labels == label)
        for user, count in Counter(users[members].tolist()).most_common():
            if count < 2:
                break
            mine = members[users[members] == user]
            keep = mine[core[mine].argmin()]
            clean[mine[mine != keep]] = -1
    return clean


def _alone(line: dict[str, Any], user_ids: list[Any]) -> dict[str, Any]:
    slope = float(np.rad2deg(np.arctan2(line["y"][-1] - line["y"][0], line["x"][-1] - line["x"][0])) % 360)
    words = line["text"].split()
    return {"clusters_x": line["x"], "clusters_y": line["y"], "clusters_text": [[w] for w in words],
            "number_views": 1, "line_slope": slope, "consensus_score": 1.0, "consensus_text": " ".join(words),
            "user_ids": [user_ids[line["user"]]], "extract_index": [line["extract_index"]],
            "gold_standard": [line["gold"]], "low_consensus": True, "flagged": True}


def _grouped(members: list[dict[str, Any]], user_ids: list[Any], threshold: float) -> dict[str, Any]:
    xm = np.median([m["x"] for m in members], axis=0)
    ym = np.median([m["y"] for m in members], axis=0)
    slope = np.rad2deg(np.arctan2(ym[-1] - ym[0], xm[-1] - xm[0]))
    said = [m for m in members if m["text"].strip() != ""]
    columns = aligned_columns([m["text"] for m in said])
    score, text = consensus(columns)
    low = bool(score < threshold)
    return {"clusters_x": xm.tolist(), "clusters_y": ym.tolist(), "clusters_text": columns,
            "number_views": len(members), "line_slope": float(slope), "consensus_score": score,
            "consensus_text": text, "user_ids": [user_ids[m["user"]] for m in said],
            "extract_index": [m["extract_index"] for m in members], "gold_standard": [m["gold"] for m in said],
            "low_consensus": low, "flagged": low}


def reading_order(lines: list[dict[str, Any]], angle_eps: float, gutter_eps: float) -> list[dict[str, Any]]:
    """Angle groups nearest horizontal first, then columns left to right, then top to bottom."""
    if not lines:
        return lines
    start = np.array([[line["clusters_x"][0], line["clusters_y"][0]] for line in lines])
    end = np.array([[line["clusters_x"][1], line["clusters_y"][1]] for line in lines])
    slopes = np.array([line["line_slope"] for line in lines])
    table = np.array([[angle_distance(a, b) for b in slopes] for a in slopes])
    labels = run_dbscan(table, eps=angle_eps, min_samples=1, metric="precomputed")
    groups = []
    for label in np.unique(labels):
        mean = mean_angle(slopes[labels == label])
        mean = mean - 360 if mean > 180 else mean
        groups.append([label, mean, angle_distance(mean, 0)])
    table_groups = np.array(groups)
    ordered: list[dict[str, Any]] = []
    for slope_label, (label, mean, _) in enumerate(table_groups[table_groups[:, 2].argsort()]):
        chosen = np.flatnonzero(labels == label)
        middle = ((end[chosen] + start[chosen]) / 2).mean(axis=0)
        c, s = np.cos(np.deg2rad(-mean)), np.sin(np.deg2rad(-mean))
        turned = np.dot(start[chosen] - middle, np.array([[c, s], [-s, c]])) + middle
        columns = run_dbscan(turned[:, 0].reshape(-1, 1), eps=gutter_eps, min_samples=1)
        places = np.array([[k, turned[columns == k, 0].mean()] for k in np.unique(columns)])
        for gutter_label, (column, _) in enumerate(places[places[:, 1].argsort()]):
            inside = np.flatnonzero(columns == column)
            for i in inside[turned[inside, 1].argsort()]:
                line = lines[chosen[i]]
                line.update({"line_slope": float(mean), "slope_label": slope_label, "gutter_label": gutter_label})
                ordered.append(line)
    return ordered


def _min_samples(raw: Any) -> Any:
    if raw == "auto":
        return raw
    try:
        return int(raw)
    except (TypeError, ValueError):
        return "auto"  # as the peer: a value that is not a whole number means auto


@reducer("optics_line_text_reducer", params=OPTICS_PARAMS, wants=("user_ids",), stamp_before="parameters",
         reads=("line_text_extractor", "poly_line_text_extractor"))
def optics_line_text_reducer(extracts: list[dict[str, Any]], *, user_ids: list[Any], min_samples: Any = "auto",
                             max_eps: float | None = None, xi: float = 0.15, angle_eps: float = 30.0,
                             gutter_eps: float = 300.0, low_consensus_threshold: float = 3.0,
                             minimum_views: int = 5, min_line_length: float = 0.0) -> dict[str, Any]:
    """Whole lines of text per frame, clustered with OPTICS, consensus text per line, in reading order.

    Each line has the keys of `poly_line_text_reducer`'s lines (`user_ids` and `gold_standard`
    only for the non-blank transcriptions); also `low_consensus_lines` and `transcribed_lines`.
    """
    min_samples = _min_samples(min_samples)
    reduction: dict[str, Any] = {}
    low = total = 0
    for frame, lines in _lines(extracts, min_line_length).items():
        volunteers = len({line["user"] for line in lines})
        needed = auto_min_samples(volunteers) if min_samples == "auto" else max(2, min_samples)
        found: list[dict[str, Any]] = []
        if volunteers >= needed:
            labels = _optics_labels(lines, needed, xi)
            for label in np.unique(labels):
                members = [line for line, k in zip(lines, labels, strict=True) if k == label]
                if label == -1:
                    found += [_alone(line, user_ids) for line in members]
                    continue
                found.append(_grouped(members, user_ids, low_consensus_threshold))
                low += found[-1]["low_consensus"]
                total += 1
        else:
            found = [_alone(line, user_ids) for line in lines]
            if found:
                low += 1
                total += 1
        reduction[frame] = reading_order(found, angle_eps, gutter_eps)
        reduction.update({"low_consensus_lines": low, "transcribed_lines": total,
                          "reducer": "optics_line_text_reducer"})
    reduction["parameters"] = {"min_samples": min_samples, "max_eps": max_eps, "xi": xi, "angle_eps": angle_eps,
                               "gutter_eps": gutter_eps, "low_consensus_threshold": low_consensus_threshold,
                               "minimum_views": minimum_views, "min_line_length": min_line_length}
    return reduction
