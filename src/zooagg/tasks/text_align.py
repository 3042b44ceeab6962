"""Word alignment of several transcriptions of one text, and the consensus read from it.

The peer aligns with CollateX (GPLv3, last release 2023). zooagg has its own aligner, written
to give the same alignment tables on the same input, with rapidfuzz (MIT, actively kept) for
the one string-similarity measure it needs. The method, in CollateX's terms:

1. Tokens are split on white space only (so `<unclear>` tags stay whole); a `$` is its own token.
2. The first transcription is a chain of vertices in a *variant graph*. Each further one is
   aligned to the graph by a Needleman-Wunsch pass over (its tokens x the graph's ranks), where
   a cell scores +1 when the token equals a token already at that rank and -1 otherwise; the
   best path's matches join existing vertices, every other token becomes a new vertex.
3. A vertex's *rank* is its longest distance from the start. Near matching then lets a vertex
   that has room (no successor one rank on) slide right to the rank of the most similar
   vertex (rapidfuzz's indel ratio, the same number as python-Levenshtein's `ratio`).
4. Each rank is one column of the alignment table: a word (or '') per transcription.

`consensus` reads the most common word of every column: the consensus text, and the consensus
score = the mean number of transcriptions that agree with it per column.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from rapidfuzz.distance import Indel

_TOKEN = re.compile(r"[^\s$]+|[$]")


def tokenize(text: str) -> list[str]:
    """Words split on white space; `$` is a word of its own."""
    return _TOKEN.findall(text)


class _Graph:
    """A variant graph: vertex 0 is the start, 1 the end; edges and near edges keep insertion order."""

    def __init__(self) -> None:
        self.labels: list[str] = ["start", "end"]
        self.tokens: list[dict[int, str]] = [{}, {}]
        self.succ: list[dict[int, None]] = [{}, {}]
        self.pred: list[dict[int, None]] = [{}, {}]
        self.near_pred: list[dict[int, None]] = [{}, {}]

    def add_vertex(self, witness: int, token: str) -> int:
        self.labels.append(token)
        self.tokens.append({witness: token})
        self.succ.append({})
        self.pred.append({})
        self.near_pred.append({})
        return len(self.labels) - 1

    def connect(self, source: int, target: int) -> None:
        self.succ[source][target] = None
        self.pred[target][source] = None

    def topological(self) -> list[int]:
        """Kahn's order, generation by generation, children in edge order."""
        indegree = [len(p) for p in self.pred]
        order: list[int] = []
        generation = [v for v in range(len(self.labels)) if indegree[v] == 0]
        while generation:
            order += generation
            following = []
            for vertex in generation:
                for child in self.succ[vertex]:
                    indegree[child] -= 1
                    if indegree[child] == 0:
                        following.append(child)
            generation = following
        return order


class _Ranking:
    """Rank of every vertex: longest path from the start, then near-edge moves."""

    def __init__(self, graph: _Graph) -> None:
        self.of: dict[int, int] = {}
        self.at: dict[int, list[int]] = {}
        order = graph.topological()
        for vertex in order:
            rank = max((self.of[p] for p in graph.pred[vertex]), default=-1) + 1
            self.of[vertex] = rank
            self.at.setdefault(rank, []).append(vertex)
        for vertex in reversed(order):
            for source in graph.near_pred[vertex]:
                old, new = self.of[vertex], self.of[source]
                self.of[vertex] = new
                self.at[old].remove(vertex)
                self.at[new].append(vertex)


_MATCH, _MISMATCH, _GAP = 1, 2, 3
_DIAGONAL, _LEFT, _UP = 0, 1, 2


def _align_witness(graph: _Graph, witness: int, words: Sequence[str]) -> dict[int, int]:
    """Token index -> vertex, for the tokens of `witness` that join existing vertices.

    The Needleman-Wunsch table is filled row by row with plain lists (the hot loop of the text
    reducer): a cell takes the diagonal, else the left cell if strictly better, else the upper
    cell if strictly better than both."""
    ranking = _Ranking(graph)
    width = ranking.of[1]  # ranks 0 .. end-1
    matches: dict[tuple[int, int], int] = {}
    by_word: dict[str, list[int]] = {}
    for vertex in range(2, len(graph.labels)):
        for token in graph.tokens[vertex].values():
            by_word.setdefault(token, []).append(vertex)
    hit_rows = [[False] * width for _ in words]
    for row, word in enumerate(words):
        for vertex in by_word.get(word, ()):
            column = ranking.of[vertex] - 1
            matches[(row, column)] = vertex
            hit_rows[row][column] = True
    height = len(words) + 1
    no_hits = [False] * width
    score = [list(range(0, -width, -1))]
    kind = [[0] + [_GAP] * (width - 1)]
    step = [[_DIAGONAL] + [_LEFT] * (width - 1)]
    for y in range(1, height):
        above = score[y - 1]
        hits = hit_rows[y - 1]
        above_hits = hit_rows[y - 2] if y >= 2 else no_hits
        current = [-y] * width
        kinds = [_GAP] * width
        steps = [_UP] * width
        for x in range(1, width):
            hit = hits[x - 1]
            best = above[x - 1] + 1 if hit else above[x - 1] - 1
            made, came = (_MATCH if hit else _MISMATCH), _DIAGONAL
            left = current[x - 1] - 1
            if left > best:
                best, made, came = left, _GAP, _LEFT
            if above_hits[x - 1]:
                upper = above[x] + 1 if hit else above[x] - 1
                if upper > best:
                    best, made, came = upper, (_MATCH if hit else _MISMATCH), _UP
            elif above[x] - 1 > best:
                best, made, came = above[x] - 1, _GAP, _UP
            current[x], kinds[x], steps[x] = best, made, came
        score.append(current)
        kind.append(kinds)
        step.append(steps)
    aligned: dict[int, int] = {}
    used: set[int] = set()
    y, x = height - 1, width - 1
    while y or x:
        if kind[y][x] == _MATCH:
            vertex = matches[(y - 1, x - 1)]
            if vertex not in used:
                aligned[y - 1] = vertex
                used.add(vertex)
        came = step[y][x]
        if came == _DIAGONAL:
            y, x = y - 1, x - 1
        elif came == _LEFT:
            x -= 1
        else:
            y -= 1
    return aligned


def _merge(graph: _Graph, witness: int, words: Sequence[str], aligned: dict[int, int]) -> None:
    last = 0
    for index, word in enumerate(words):
        vertex = aligned.get(index)
        if vertex is None:
            vertex = graph.add_vertex(witness, word)
        else:
            graph.tokens[vertex].setdefault(witness, word)
        graph.connect(last, vertex)
        last = vertex
    graph.connect(last, 1)


def _near_match(graph: _Graph) -> _Ranking:
    """Slide vertices with room to their right onto the rank of their most similar vertex."""
    ranking = _Ranking(graph)
    for vertex in reversed(graph.topological()):
        for source in list(graph.pred[vertex]):
            low, high = ranking.of[source], ranking.of[vertex]
            if high - low <= 1 or any(ranking.of[t] - low == 1 for t in graph.succ[source]):
                continue
            candidates = [v for rank in range(low, high) for v in ranking.at.get(rank, []) if v != source]
            if not candidates:
                continue
            ratios = [Indel.normalized_similarity(graph.labels[source], graph.labels[c]) for c in candidates]
            winner = candidates[ratios.index(max(ratios))]
            graph.near_pred[source][winner] = None
            ranking = _Ranking(graph)
    return ranking


def align(texts: Sequence[str]) -> list[list[str]]:
    """The alignment table: one list per column, one word (or '') per text in `texts`."""
    words = [tokenize(text) for text in texts]
    if not texts:
        return []
    graph = _Graph()
    _merge(graph, 0, words[0], {})
    for witness in range(1, len(texts)):
        _merge(graph, witness, words[witness], _align_witness(graph, witness, words[witness]))
    ranking = _near_match(graph)
    columns: list[list[str]] = []
    for rank in sorted(ranking.at):
        cell: dict[int, str] = {}
        for vertex in ranking.at[rank]:
            if vertex > 1:
                cell.update(graph.tokens[vertex])
        if ranking.at[rank] and any(v > 1 for v in ranking.at[rank]):
            columns.append([cell.get(w, "") for w in range(len(texts))])
    return columns


def consensus(columns: Sequence[Sequence[str]]) -> tuple[float, str]:
    """(consensus score, consensus text): per column the most common non-empty word (first seen
    wins a tie); the score is the mean count of that word over the columns that have one."""
    winners = [Counter(w for w in column if w != "").most_common(1) for column in columns]
    found = [w[0] for w in winners if w]
    if not found:
        return 0.0, ""
    return sum(count for _, count in found) / len(found), " ".join(word for word, _ in found)
