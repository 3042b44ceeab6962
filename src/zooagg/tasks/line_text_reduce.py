"""`poly_line_text_reducer`: the lines of text of a subject, clustered, with consensus text.

Per frame, the transcribed lines (one per mark of every extract) are grouped in four steps,
each with the peer's parameters:

1. by slope: DBSCAN on the line angles (distance on the circle, `eps_slope` degrees); groups
   are taken from the steepest average angle down;
2. by column: the page is turned by minus the group's average angle, and lines whose turned
   x-ranges overlap (by more than `gutter_tol`) share a *gutter* (column); columns left to right;
3. by line: DBSCAN on each mark's mean turned y (`eps_line`); lines top to bottom; a mark never
   spans two lines;
4. by word: DBSCAN on the turned x of the dots (`eps_word`). With `dot_freq: line` the first and
   last dot clusters are the line's ends (a line whose dots make one cluster is dropped) and the
   transcriptions are aligned word by word with zooagg's aligner (text_align); with
   `dot_freq: word` every dot cluster is a word position, one entry per mark.

Each line gets the consensus (most common word per aligned position), its score (mean number of
volunteers agreeing), and `low_consensus`/`flagged` when the score is under
`low_consensus_threshold`. Plain numbers and numpy are used exactly as the peer orders its sums,
so positions and slopes come out bit for bit the same.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..clustering.wrappers import run_dbscan
from ..errors import ReduceError, Where
from ..registry import Param, count, distance, reducer
from .line_text_common import Mark, aligned_columns, frames_of, sorted_labels
from .text_align import consensus

POLY_PARAMS = {
    "eps_slope": distance(25.0, "degrees: lines closer in angle share a slope group"),
    "eps_line": distance(40.0, "pixels: marks closer across the text share a line"),
    "eps_word": distance(40.0, "pixels: dots closer along the line share a word position (or line end)"),
    "gutter_tol": Param(float, 0.0, "pixels two columns may overlap and stay two columns"),
    "min_word_count": count(1, "a word position needs this many transcriptions to be kept"),
    "dot_freq": Param(str, "line", "'line': dots at the ends of lines; 'word': dots between words",
                      ("line", "word")),
    "min_samples": count(1, "marks needed to make a cluster in every step (1 keeps every mark)"),
    "low_consensus_threshold": Param(float, 3, "lines with a lower consensus score are flagged"),
    "minimum_views": Param(int, 5, "passed on to the front end (no effect on the reduction)"),
    "process_by_line": Param(bool, False, "use only the first and last dot of each mark, text joined"),
}


def angle_distances(slopes: np.ndarray) -> np.ndarray:
    """Pairwise distances between angles in degrees, on the circle (at most 180)."""
    d = np.abs(slopes[:, None] - slopes[None, :])
    return np.where(d > 180, 360 - d, d)


def mean_angle(theta: np.ndarray) -> Any:
    """The mean of angles in [-180, 180], taken over 0..360 when they straddle +-180."""
    theta = np.array(theta, dtype=float)
    if theta.max() - theta.min() > 180:
        theta[theta < 0] += 360
    return theta.mean()


def gutters(ranges: list[tuple[float, float]], tol: float) -> np.ndarray:
    """A column label per x-range: overlapping ranges are merged into columns, numbered left to
    right; a range overlapping no merged column (possible with a positive tol) gets -1."""
    def overlap(a: Any, b: Any) -> bool:
        return bool((a[1] - tol) >= (b[0] + tol) and (b[1] - tol) >= (a[0] + tol))

    merged: list[tuple[float, float]] = []
    for start, end in ranges:
        hits = [m for m in merged if overlap(m, (start, end))]
        if hits:
            low = min([start, *[h[0] for h in hits]])
            high = max([end, *[h[1] for h in hits]])
            merged = [m for m in merged if m not in hits]
            merged.append((low, high))
            merged = list(dict.fromkeys(merged))
        else:
            merged.append((start, end))
    # the peer sorts starts and ends separately; for disjoint columns that is sorting them
    table = np.sort(np.array(merged, dtype=float).reshape(-1, 2), axis=0)
    labels = -np.ones(len(ranges), dtype=int)
    for number, column in enumerate(table):
        for i, r in enumerate(ranges):
            if overlap(column, r):
                labels[i] = number
    return labels


def _word_clusters(turned_x: np.ndarray, min_samples: int, eps: float) -> tuple[np.ndarray, list[int]]:
    labels = run_dbscan(turned_x.reshape(-1, 1), eps=eps, min_samples=min_samples)
    return labels, sorted_labels(labels, turned_x)


def _line_by_ends(marks: list[Mark], turned_x: np.ndarray, xy: np.ndarray, params: dict[str, Any]
                  ) -> tuple[list[float], list[float], list[list[str]]]:
    """dot_freq line: the mean position of the first and last dot clusters, and aligned words."""
    labels, order = _word_clusters(turned_x, 1, params["eps_word"])
    if len(order) < 2:
        return [], [], []
    xs, ys = [], []
    for label in (order[0], order[-1]):
        x, y = xy[labels == label].mean(axis=0)
        xs.append(float(x))
        ys.append(float(y))
    texts = [t for mark in marks for t in mark.text if isinstance(t, str) and t.strip() != ""]
    return xs, ys, aligned_columns(texts, params["min_word_count"])


def _line_by_words(marks: list[Mark], turned_x: np.ndarray, xy: np.ndarray, params: dict[str, Any]
                   ) -> tuple[list[float], list[float], list[list[str]]]:
    """dot_freq word: every dot cluster is a word position; one entry per mark."""
    labels, order = _word_clusters(turned_x, params["min_samples"], params["eps_word"])
    owner = np.array([m for m, mark in enumerate(marks) for _ in mark.x])
    words = [str(t) for mark in marks for t in mark.text]
    xs, ys, columns = [], [], []
    for label in order:
        members = labels == label
        column = [""] * len(marks)
        for i in np.flatnonzero(members):
            column[owner[i]] = words[i]
        x, y = xy[members].mean(axis=0)
        xs.append(float(x))
        ys.append(float(y))
        columns.append(column)
    return xs, ys, columns


def _lines_of_column(marks: list[Mark], turned: list[tuple[np.ndarray, np.ndarray]], info: dict[str, Any],
                     params: dict[str, Any]) -> list[dict[str, Any]]:
    heights = np.array([ty.mean() for _, ty in turned]).reshape(-1, 1)
    labels = run_dbscan(heights, eps=params["eps_line"], min_samples=params["min_samples"])
    lines = []
    for label in sorted_labels(labels, heights[:, 0]):
        members = [i for i in range(len(marks)) if labels[i] == label]
        chosen = [marks[i] for i in members]
        turned_x = np.hstack([turned[i][0] for i in members])
        xy = np.array([(x, y) for mark in chosen for x, y in zip(mark.x, mark.y, strict=True)], dtype=float)
        build = _line_by_ends if params["dot_freq"] == "line" else _line_by_words
        xs, ys, columns = build(chosen, turned_x, xy, params)
        if not xs:
            continue
        score, text = consensus(columns)
        lines.append({
            "clusters_x": xs, "clusters_y": ys, "clusters_text": columns, "number_views": len(members),
            "consensus_score": score, "consensus_text": text, **info,
            "gold_standard": [m.gold for m in chosen], "data_index": [m.data_index for m in chosen],
            "extract_index": [m.extract_index for m in chosen]})
    return lines


def _lines_of_slope_group(marks: list[Mark], average: Any, info: dict[str, Any],
                          params: dict[str, Any]) -> list[dict[str, Any]]:
    c = np.cos(np.deg2rad(-average))
    s = np.sin(np.deg2rad(-average))
    turned = [(np.array(m.x, dtype=float) * c - np.array(m.y, dtype=float) * s,
               np.array(m.y, dtype=float) * c + np.array(m.x, dtype=float) * s) for m in marks]
    columns = gutters([(min(tx), max(tx)) for tx, _ in turned], params["gutter_tol"])
    lines = []
    for column in sorted_labels(columns, np.array([tx.mean() for tx, _ in turned])):
        members = [i for i in range(len(marks)) if columns[i] == column]
        lines += _lines_of_column([marks[i] for i in members], [turned[i] for i in members],
                                  {**info, "gutter_label": int(column)}, params)
    return lines


def _lines_of_frame(marks: list[Mark], params: dict[str, Any]) -> list[dict[str, Any]]:
    if not marks:
        return []
    slopes = np.array([m.slope for m in marks], dtype=float)
    labels = run_dbscan(angle_distances(slopes), eps=params["eps_slope"], min_samples=params["min_samples"],
                        metric="precomputed")
    lines = []
    for label in sorted_labels(labels, slopes, average=mean_angle, descending=True):
        members = [i for i in range(len(marks)) if labels[i] == label]
        average = mean_angle(slopes[members])
        info = {"line_slope": float(average), "slope_label": int(label)}
        lines += _lines_of_slope_group([marks[i] for i in members], average, info, params)
    return lines


@reducer("poly_line_text_reducer", params=POLY_PARAMS, wants=("user_ids",), stamp_before="parameters")
def poly_line_text_reducer(extracts: list[dict[str, Any]], *, user_ids: list[Any], eps_slope: float = 25.0,
                           eps_line: float = 40.0, eps_word: float = 40.0, gutter_tol: float = 0.0,
                           min_word_count: int = 1, dot_freq: str = "line", min_samples: int = 1,
                           low_consensus_threshold: float = 3, minimum_views: int = 5,
                           process_by_line: bool = False) -> dict[str, Any]:
    """Lines of text per frame (slope, column, line, word clustering; aligned consensus text).

    Each line: `clusters_x`, `clusters_y` (its two ends, or every word position with
    `dot_freq: word`), `clusters_text` (one list per word position, one entry per transcription),
    `number_views`, `consensus_score`, `consensus_text`, `line_slope`, `slope_label`,
    `gutter_label`, `gold_standard`, `extract_index`, `user_ids`, `low_consensus`, `flagged`.
    Also `low_consensus_lines`, `transcribed_lines` and the parameters used.
    """
    if dot_freq not in ("line", "word"):
        raise ReduceError(f"dot_freq must be 'line' or 'word', got {dot_freq!r}", hint="fix dot_freq in the config")
    params = {"eps_slope": eps_slope, "eps_line": eps_line, "eps_word": eps_word, "gutter_tol": gutter_tol,
              "min_word_count": min_word_count, "dot_freq": dot_freq, "min_samples": min_samples}
    reduction: dict[str, Any] = {}
    low = total = 0
    for frame, marks in frames_of(extracts, process_by_line, need_dots_match=True).items():
        lines = _lines_of_frame(marks, params)
        for line in lines:
            line["user_ids"] = [_user(user_ids, i) for i in line.pop("data_index")]
            flagged = bool(line["consensus_score"] < low_consensus_threshold)
            line["low_consensus"] = line["flagged"] = flagged
            low += flagged
        total += len(lines)
        reduction[frame] = lines
    reduction.update({"low_consensus_lines": low, "transcribed_lines": total, "reducer": "poly_line_text_reducer",
                      "parameters": {**params, "low_consensus_threshold": low_consensus_threshold,
                                     "minimum_views": minimum_views, "process_by_line": process_by_line}})
    return reduction


def _user(user_ids: list[Any], index: int) -> Any:
    if index >= len(user_ids):
        raise ReduceError("an extract has no user id", hint="the reducer was given fewer user ids than extracts",
                          where=Where(value=index))
    return user_ids[index]
