"""The report's pictures, drawn with matplotlib (no pyplot state) and returned as PNG bytes."""

from __future__ import annotations

import io
import math
from collections import Counter
from typing import Any

from .data import (
    AGREEMENT,
    MIN_CLASSIFICATIONS,
    DrawingTask,
    Mark,
    SliderTask,
    TaskVotes,
    WorkflowRun,
)

COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2")


def new_figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def png(figure: Any) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def _short(text: str, size: int = 28) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def per_subject_histogram(axes: Any, counts: Counter[str], title: str) -> None:
    values = list(counts.values())
    if not values:
        axes.text(0.5, 0.5, "no answers", ha="center", va="center", transform=axes.transAxes)
        return
    top = max(values)
    bins = range(1, top + 2) if top <= 40 else 40
    axes.hist(values, bins=bins, align="left" if top <= 40 else "mid", color=COLOURS[0], edgecolor="white")
    if top <= 40:  # whole counts: no 0.6, 0.8 ticks under a single bar
        axes.set_xticks(range(1, top + 1, math.ceil(top / 12)))
    axes.set_xlabel("classifications with an answer")
    axes.set_ylabel("subjects")
    axes.set_title(title, fontsize=10)


def votes_figure(task: TaskVotes, counts: Counter[str]) -> bytes:
    """Classifications per subject, top-answer share per subject, and votes per answer."""
    figure = new_figure(13, 3.4)
    left, middle, right = figure.subplots(1, 3)
    per_subject_histogram(left, counts, "Classifications per subject (with an answer)")
    shares = task.shares()
    if shares:
        middle.hist(shares, bins=[i / 20 for i in range(21)], color=COLOURS[2], edgecolor="white")
        middle.axvline(AGREEMENT, color=COLOURS[1], linestyle="--", linewidth=1)
        middle.text(AGREEMENT, middle.get_ylim()[1] * 0.95, f" {AGREEMENT:.0%}", color=COLOURS[1],
                    va="top", fontsize=9)
    middle.set_xlim(0, 1.02)
    middle.set_xlabel("share of the votes for the top answer")
    middle.set_ylabel("subjects")
    middle.set_title(agreement_title(task), fontsize=10)
    totals = task.answer_totals().most_common(15)
    if totals:
        labels = [_short(a) for a, _ in reversed(totals)]
        right.barh(labels, [n for _, n in reversed(totals)], color=COLOURS[0])
        right.tick_params(axis="y", labelsize=8)
    right.set_xlabel("votes")
    right.set_title("Votes per answer" + (" (top 15)" if len(task.answer_totals()) > 15 else ""), fontsize=10)
    return png(figure)


def agreement_title(task: TaskVotes) -> str:
    if task.agreement is None:
        return f"Agreement: no subject has {MIN_CLASSIFICATIONS}+ classifications"
    return (f"Agreement: {task.agreement:.0%} of {len(task.shares())} subjects above {AGREEMENT:.0%}\n"
            f"(subjects with {MIN_CLASSIFICATIONS}+ classifications)")


def slider_figure(task: SliderTask, counts: Counter[str]) -> bytes:
    """Classifications per subject, the subjects' mean values, and their spread."""
    figure = new_figure(13, 3.4)
    left, middle, right = figure.subplots(1, 3)
    per_subject_histogram(left, counts, "Classifications per subject (with an answer)")
    middle.hist([mean for _, mean, _, _ in task.subjects], bins=20, color=COLOURS[2], edgecolor="white")
    middle.set_xlabel("mean value")
    middle.set_ylabel("subjects")
    middle.set_title("Mean value per subject", fontsize=10)
    right.hist([max(var, 0.0) ** 0.5 for _, _, _, var in task.subjects], bins=20, color=COLOURS[0],
               edgecolor="white")
    right.set_xlabel("standard deviation of the values")
    right.set_title("Spread per subject (large: volunteers disagree)", fontsize=10)
    return png(figure)


def activity_figure(run: WorkflowRun) -> bytes:
    """Volunteers (bars) and classifications (line) per day."""
    days = sorted(d for d in run.per_day if d)
    figure = new_figure(13, 3.0)
    axes = figure.subplots()
    if not days:
        axes.text(0.5, 0.5, "no dates", ha="center", va="center", transform=axes.transAxes)
        return png(figure)
    from datetime import date

    dates = [date.fromisoformat(d) for d in days]
    axes.bar(dates, [len(run.volunteers_per_day[d]) for d in days], color=COLOURS[0], width=0.8,
             label="volunteers")
    axes.set_ylabel("volunteers", color=COLOURS[0])
    second = axes.twinx()
    second.plot(dates, [run.per_day[d] for d in days], color=COLOURS[1], marker="o", markersize=3,
                linewidth=1, label="classifications")
    second.set_ylabel("classifications", color=COLOURS[1])
    axes.set_title("Volunteers and classifications per day", fontsize=10)
    figure.autofmt_xdate()
    return png(figure)


class Layer:
    """The marks of one panel in one style, drawn as a few collections (fast to lay out)."""

    def __init__(self) -> None:
        self.patches: dict[str, list[Any]] = {}
        self.lines: dict[str, list[list[tuple[float, float]]]] = {}
        self.points: dict[str, list[tuple[float, float]]] = {}
        self.xs: list[float] = []
        self.ys: list[float] = []

    def add(self, mark: Mark, colour: str) -> None:
        from matplotlib.patches import Circle, Ellipse, Rectangle

        p = mark.params
        try:
            if mark.shape == "circle":
                x, y, r = float(p["x"]), float(p["y"]), float(p["r"])
                self.patches.setdefault(colour, []).append(Circle((x, y), r))
                self._cover([x - r, x + r], [y - r, y + r])
            elif mark.shape == "rectangle":
                x, y, w, h = float(p["x"]), float(p["y"]), float(p["width"]), float(p["height"])
                self.patches.setdefault(colour, []).append(Rectangle((x, y), w, h))
                self._cover([x, x + w], [y, y + h])
            elif mark.shape == "ellipse":
                x, y, rx, ry = float(p["x"]), float(p["y"]), float(p["rx"]), float(p["ry"])
                self.patches.setdefault(colour, []).append(
                    Ellipse((x, y), 2 * rx, 2 * ry, angle=-float(p.get("angle") or 0)))
                self._cover([x - rx, x + rx], [y - ry, y + ry])
            elif mark.shape in ("line", "path"):
                if mark.shape == "line":
                    xs, ys = [float(p["x1"]), float(p["x2"])], [float(p["y1"]), float(p["y2"])]
                else:
                    xs, ys = [float(v) for v in p["pathX"]], [float(v) for v in p["pathY"]]
                self.lines.setdefault(colour, []).append(list(zip(xs, ys, strict=False)))
                self._cover(xs, ys)
            else:
                x, y = float(p["x"]), float(p["y"])
                self.points.setdefault(colour, []).append((x, y))
                self._cover([x], [y])
        except (KeyError, TypeError, ValueError):
            pass  # a mark with a missing or non-numeric value is not drawn

    def _cover(self, xs: list[float], ys: list[float]) -> None:
        self.xs += xs
        self.ys += ys

    def draw(self, axes: Any, strong: bool) -> None:
        from matplotlib.collections import LineCollection, PatchCollection

        alpha, width = (0.95, 2.2) if strong else (0.35, 0.8)
        for colour, patches in self.patches.items():
            axes.add_collection(PatchCollection(patches, facecolor="none", edgecolor=colour, alpha=alpha,
                                                linewidth=width))
        for colour, lines in self.lines.items():
            axes.add_collection(LineCollection(lines, colors=colour, alpha=alpha, linewidths=width))
        for colour, points in self.points.items():
            x, y = zip(*points, strict=True)
            axes.scatter(x, y, s=80 if strong else 14, marker="X" if strong else "o", c=colour, alpha=alpha,
                         edgecolors="black" if strong else "none", linewidths=0.8)


def label_lines(axes: Any, clusters: list[Mark]) -> None:
    """A transcribed line's consensus text at its first point (clipped to the panel)."""
    for mark in clusters:
        text, xs, ys = mark.params.get("text"), mark.params.get("pathX"), mark.params.get("pathY")
        if text and isinstance(xs, list) and isinstance(ys, list) and xs and ys:
            try:
                x, y = float(xs[0]), float(ys[0])
            except (TypeError, ValueError):
                continue
            axes.annotate(_short(text), (x, y), xytext=(0, 4), textcoords="offset points", fontsize=8,
                          color="black", clip_on=True,
                          bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "alpha": 0.8, "linewidth": 0})


def drawing_grid(drawing: DrawingTask, count: int = 12) -> tuple[bytes, list[str]]:
    """Up to `count` subjects with the most classifications: every volunteer's marks (thin) and
    the consensus clusters (thick), on the subject's pixel coordinates (y down)."""
    chosen = sorted(drawing.marks, key=lambda s: (-sum(bool(m) for m in drawing.marks[s]), s))[:count]
    chosen = [s for s in chosen if any(drawing.marks[s])] or chosen
    columns = 4
    rows = max(1, math.ceil(len(chosen) / columns))
    from matplotlib.figure import Figure

    figure = Figure(figsize=(13, 3.2 * rows), dpi=100)
    figure.subplots_adjust(left=0.04, right=0.99, bottom=0.04, top=1 - 0.25 / rows, wspace=0.25, hspace=0.3)
    grid = figure.subplots(rows, columns, squeeze=False)
    for index, axes in enumerate(grid.flat):
        if index >= len(chosen):
            axes.axis("off")
            continue
        subject = chosen[index]
        thin, thick = Layer(), Layer()
        for marks in drawing.marks[subject]:
            for mark in marks:
                thin.add(mark, COLOURS[mark.tool % len(COLOURS)])
        for mark in drawing.clusters.get(subject, []):
            thick.add(mark, COLOURS[mark.tool % len(COLOURS)])
        thin.draw(axes, strong=False)
        thick.draw(axes, strong=True)
        label_lines(axes, drawing.clusters.get(subject, []))
        xs, ys = thin.xs + thick.xs, thin.ys + thick.ys
        if xs and ys:  # a square window around the marks, so every panel has the same shape
            half = 0.55 * max(max(xs) - min(xs), max(ys) - min(ys), 20)
            cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
            axes.set_xlim(cx - half, cx + half)
            axes.set_ylim(cy + half, cy - half)
        axes.set_aspect("equal", adjustable="box")
        axes.tick_params(labelsize=7)
        classified = len(drawing.marks[subject])
        clusters = len(drawing.clusters.get(subject, []))
        axes.set_title(f"subject {subject}: {classified} cl., {clusters} clusters", fontsize=8)
    return png(figure), chosen
