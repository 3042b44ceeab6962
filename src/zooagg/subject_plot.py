"""`zooagg plot`: every volunteer's marks and the consensus shapes of a subject, as a PNG.

Marks come from drawing extracts (points, shapes, rectangles, polygons, freehand lines); the
consensus from the reductions of the same task (`<tool>_clusters_<param>`), or from the
reducer re-run on the spot when `--eps` / `--min-samples` are given, so that a team can
tune them by looking. The background is the subject image when it is on this machine
(`--image` path or template, or a local path in the subject export's `locations`); it is
never fetched from the network. Otherwise a blank canvas the size given in the subject's
metadata, or just large enough for the marks.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from .errors import InputError
from .tables.cells import parse_cell, unflatten

#: the parameters that make a shape, most specific first
SHAPES: list[tuple[str, frozenset[str]]] = [
    ("polygon", frozenset({"pathX", "pathY"})),
    ("line", frozenset({"x1", "y1", "x2", "y2"})),
    ("ellipse", frozenset({"x", "y", "rx", "ry", "angle"})),
    ("rotateRectangle", frozenset({"x", "y", "width", "height", "angle"})),
    ("rectangle", frozenset({"x", "y", "width", "height"})),
    ("triangle", frozenset({"x", "y", "r", "angle"})),
    ("circle", frozenset({"x", "y", "r"})),
    ("point", frozenset({"x", "y"})),
]
ORDER = {"polygon": ("pathX", "pathY"), "line": ("x1", "y1", "x2", "y2"), "point": ("x", "y")}


@dataclass
class Mark:
    tool: str
    shape: str
    params: tuple[Any, ...]
    consensus: bool = False


@dataclass
class Table:
    path: Path
    kind: str  # "extracts" or "reductions"
    rows: list[dict[str, str]] = field(default_factory=list)


def read_table(path: Path) -> Table:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    header = rows[0].keys() if rows else []
    kind = "reductions" if "reducer" in header else "extracts" if "extractor" in header else ""
    if not kind:
        raise InputError(f"{path} is neither extracts (no `extractor` column) nor reductions (no `reducer` column)",
                         hint="pass files written by `zooagg extract` or `zooagg reduce`")
    return Table(path, kind, rows)


def data_of(row: dict[str, str]) -> dict[str, Any]:
    return unflatten({k: parse_cell(v) for k, v in row.items() if k.startswith("data.") and v not in ("", None)})


def _shape_of(params: Iterable[str]) -> str | None:
    have = set(params)
    return next((name for name, needs in SHAPES if needs <= have), None)


def _columns(shape: str) -> tuple[str, ...]:
    return ORDER.get(shape) or tuple(sorted(dict(SHAPES)[shape], key=["x", "y", "width", "height", "r", "rx",
                                                                     "ry", "angle"].index))


def _frames(data: dict[str, Any]) -> list[dict[str, Any]]:
    frames = [v for k, v in data.items() if k.startswith("frame") and isinstance(v, dict)]
    return frames or [data]


def marks_of(data: dict[str, Any], consensus: bool) -> list[Mark]:
    """The marks (or, for reductions, the cluster shapes) in one row's data."""
    found: list[Mark] = []
    for frame in _frames(data):
        by_tool: dict[str, dict[str, Any]] = {}
        for key, value in frame.items():
            if consensus and "_clusters_" in key:
                tool, param = key.split("_clusters_", 1)
            elif not consensus and "_" in key:
                tool, param = key.rsplit("_", 1)
            else:
                continue
            if isinstance(value, list):
                by_tool.setdefault(tool, {})[param] = value
        for tool, params in sorted(by_tool.items()):
            if consensus and "pathX" not in params and isinstance((params.get("x") or [None])[0], list):
                params = {"pathX": params["x"], "pathY": params["y"]}  # polygon_reducer outlines
            shape = _shape_of(params)
            if shape is None:
                continue
            for values in zip(*(params[c] for c in _columns(shape)), strict=False):
                if None not in values:
                    found.append(Mark(tool, shape, values, consensus))
    return found


# ---- re-running a reducer ----------------------------------------------------------------------


def rerun(rows: list[dict[str, str]], reducer: str, shape: str | None, eps: float | None,
          min_samples: int | None) -> list[Mark]:
    """The consensus marks of `reducer` run on one subject's extract rows with these parameters."""
    from . import registry
    from .call import ReducerCall

    component = registry.get("reducer", reducer)
    raw: dict[str, Any] = {"eps": eps, "min_samples": min_samples, "no_version": True}
    if "shape" in component.params and shape:
        raw["shape"] = shape
    call = ReducerCall.of(component, component.parse_params(
        {k: v for k, v in raw.items() if v is not None and k in component.all_params}))
    marks: list[Mark] = []
    for task in sorted({r["task"] for r in rows}):
        mine = [r for r in rows if r["task"] == task]
        extras = {"user_ids": [r.get("user_id") for r in mine], "created_at": [r.get("created_at") for r in mine]}
        for reduction in call.rows([data_of(r) for r in mine], extras):
            marks += marks_of(reduction, consensus=True)
    return marks


def _default_reducer(extractor: str) -> str:
    """The reducer re-run for --eps / --min-samples when no reductions name one: the one
    `zooagg config` pairs with the extractor."""
    from . import registry

    return registry.default_reducers().get(extractor, "point_reducer_dbscan")


def reducer_for(extract_rows: list[dict[str, str]], reductions: list[Table]) -> tuple[str, str | None]:
    extractor = extract_rows[0]["extractor"]
    shape = extractor.removeprefix("shape_extractor_") if extractor.startswith("shape_extractor_") else None
    tasks = {r["task"] for r in extract_rows}
    named = [r["reducer"] for t in reductions for r in t.rows if r["task"] in tasks]
    base = "shape_extractor" if shape else extractor
    return (named[0] if named else _default_reducer(base)), shape


# ---- background --------------------------------------------------------------------------------


def local_image(subject: str, image: str | None, location: dict[str, Any] | None) -> Path | None:
    """The subject's image on this machine, or None (a URL is never fetched: one warning)."""
    candidates = [image.format(subject_id=subject) if "{" in image else image] if image else []
    candidates += [str(v) for v in (location or {}).values()]
    for candidate in candidates:
        if candidate.startswith(("http://", "https://")):
            click.echo(f"warning: subject {subject}: the image is at a URL ({candidate}); not fetched, "
                       "drawing on a blank canvas (pass --image with a local path)", err=True)
            return None
        path = Path(candidate.removeprefix("file://"))
        if path.is_file():
            return path
    return None


def subject_export(path: str | None) -> dict[str, dict[str, Any]]:
    if not path:
        return {}
    from .exports.subjects import read_subjects

    return {s["subject_id"]: s for s in read_subjects(path)}


def _size_from(metadata: dict[str, Any]) -> tuple[float, float] | None:
    lower = {str(k).lower().lstrip("#!"): v for k, v in (metadata or {}).items()}
    try:
        return float(lower["width"]), float(lower["height"])
    except (KeyError, TypeError, ValueError):
        return None


# ---- drawing -----------------------------------------------------------------------------------


def _outline(mark: Mark) -> list[tuple[float, float]]:
    if mark.shape == "polygon":
        return list(zip(mark.params[0], mark.params[1], strict=False))
    from .clustering.iou import geometry

    return list(geometry(mark.params, mark.shape).exterior.coords)


def extent(marks: list[Mark]) -> tuple[float, float]:
    xs: list[float] = [0.0]
    ys: list[float] = [0.0]
    for mark in marks:
        points = [(mark.params[0], mark.params[1]), (mark.params[2], mark.params[3])] if mark.shape == "line" \
            else [(mark.params[0], mark.params[1])] if mark.shape == "point" else _outline(mark)
        xs += [float(p[0]) for p in points]
        ys += [float(p[1]) for p in points]
    return max(xs) * 1.05 + 1, max(ys) * 1.05 + 1


def draw(axes: Any, mark: Mark, colour: str) -> Any:
    """One mark as a matplotlib artist: thin and see-through for volunteers, bold for consensus."""
    from matplotlib import patheffects
    from matplotlib.patches import Polygon

    style: dict[str, Any] = {"color": colour, "alpha": 0.55, "linewidth": 1.2}
    if mark.consensus:
        style = {"color": colour, "alpha": 1.0, "linewidth": 3.0, "linestyle": "--",
                 "path_effects": [patheffects.withStroke(linewidth=5.5, foreground="white")], "zorder": 5}
    if mark.shape == "point":
        if mark.consensus:
            return axes.plot([mark.params[0]], [mark.params[1]], marker="X", markersize=14, color=colour,
                             markeredgecolor="white", markeredgewidth=1.5, linestyle="none", zorder=6)[0]
        # volunteers' points on top of the consensus cross, so that both stay visible
        return axes.plot([mark.params[0]], [mark.params[1]], marker="o", markersize=4, color=colour,
                         markeredgecolor="white", markeredgewidth=0.5, linestyle="none", zorder=7)[0]
    if mark.shape == "line":
        x1, y1, x2, y2 = mark.params
        return axes.plot([x1, x2], [y1, y2], **style)[0]
    outline = _outline(mark)
    if len(outline) < 2:
        return None
    return axes.add_patch(Polygon(outline, closed=True, fill=False, **style))


def plot_subject(subject: str, marks: list[Mark], out: Path, *, title: str, image: Path | None = None,
                 size: tuple[float, float] | None = None) -> int:
    """Write the PNG and return the number of marks drawn (volunteers' and consensus)."""
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    figure = Figure(figsize=(10, 6.5), dpi=100, layout="constrained")
    axes = figure.add_subplot()
    width, height = size or extent(marks)
    if image is not None:
        from matplotlib import image as mpimg

        picture = mpimg.imread(str(image))
        height, width = picture.shape[0], picture.shape[1]
        axes.imshow(picture, extent=(0, width, height, 0), zorder=0)
    tools = sorted({m.tool for m in marks})
    colours = {t: f"C{i % 10}" for i, t in enumerate(tools)}
    drawn = sum(draw(axes, m, colours[m.tool]) is not None for m in marks)
    axes.set_xlim(0, width)
    axes.set_ylim(height, 0)  # image coordinates: y grows downwards
    axes.set_aspect("equal")
    handles = []
    for tool in tools:
        shape = next(m.shape for m in marks if m.tool == tool)
        count = sum(1 for m in marks if m.tool == tool and not m.consensus)
        handles.append(Line2D([], [], color=colours[tool], alpha=0.7, marker="o" if shape == "point" else None,
                              linestyle="none" if shape == "point" else "-",
                              label=f"{tool} ({shape}): {count} marks"))
    if any(m.consensus for m in marks):
        handles.append(Line2D([], [], color="0.2", linewidth=3, linestyle="--", marker="X",
                              label=f"consensus: {sum(m.consensus for m in marks)} shapes"))
    if handles:
        axes.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8,
                    title="volunteers (thin) / consensus (bold, dashed)", title_fontsize=8)
    axes.set_title(title, fontsize=10)
    figure.savefig(out, dpi=100)
    return drawn


# ---- the command -------------------------------------------------------------------------------


def _parameters_text(eps: float | None, min_samples: int | None) -> str:
    parts = [f"eps={eps:g}" if eps is not None else "", f"min_samples={min_samples}" if min_samples else ""]
    shown = ", ".join(p for p in parts if p)
    return f" — re-reduced with {shown}" if shown else ""


def plot_files(files: list[Path], subjects: list[str] | None, sample: int | None, out_dir: Path, *,
               subject_csv: str | None = None, image: str | None = None, eps: float | None = None,
               min_samples: int | None = None, seed: int = 0) -> list[tuple[Path, int]]:
    """Plot each chosen subject; returns (PNG path, marks drawn) per subject."""
    tables = [read_table(p) for p in files]
    extracts = [t for t in tables if t.kind == "extracts"]
    reductions = [t for t in tables if t.kind == "reductions"]
    if not extracts:
        raise InputError("no extracts file given", hint="pass the extracts CSV first, then the reductions CSV")
    known = sorted({r["subject_id"] for t in extracts for r in t.rows}, key=lambda s: (len(s), s))
    chosen = subjects or random.Random(seed).sample(known, min(sample or 1, len(known)))
    missing = [s for s in chosen if s not in known]
    if missing:
        raise InputError(f"subject {missing[0]} has no extracts in {', '.join(str(t.path) for t in extracts)}",
                         hint=f"pick one of {', '.join(known[:5])}{' …' if len(known) > 5 else ''}")
    from .exports.subjects import UNREADABLE

    info = subject_export(subject_csv)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for subject in chosen:
        marks: list[Mark] = []
        for table in extracts:
            rows = [r for r in table.rows if r["subject_id"] == subject]
            marks += [m for r in rows for m in marks_of(data_of(r), consensus=False)]
            if eps is not None or min_samples is not None:
                marks += rerun(rows, *reducer_for(rows, reductions), eps, min_samples)
        if eps is None and min_samples is None:
            marks += [m for t in reductions for r in t.rows if r["subject_id"] == subject
                      for m in marks_of(data_of(r), consensus=True)]
        record = info.get(subject, {})
        for column, (reason, text) in record.get(UNREADABLE, {}).items():
            click.echo(f"warning: {subject_csv}: subject {subject}: its {column} cannot be read ({reason}: "
                       f"{text[:60]!r}); plotted without it (fix the cell or download the subject export again)",
                       err=True)
        picture = local_image(subject, image, record.get("locations"))
        volunteers = len({r["classification_id"] for t in extracts for r in t.rows if r["subject_id"] == subject})
        title = f"subject {subject}: {volunteers} classifications{_parameters_text(eps, min_samples)}"
        path = out_dir / f"plot_{subject}.png"
        drawn = plot_subject(subject, marks, path, title=title, image=picture,
                             size=_size_from(record.get("metadata", {})))
        written.append((path, drawn))
    return written


@click.command("plot", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--subject", "subjects", multiple=True, help="the subject to plot (repeat for several)")
@click.option("--sample", type=click.IntRange(min=1), help="plot N subjects picked at random (seeded)")
@click.option("--seed", type=int, default=0, show_default=True, help="seed for --sample")
@click.option("--subjects", "subject_csv", type=click.Path(exists=True, dir_okay=False),
              help="subject export: image locations and metadata width/height")
@click.option("--image", help="local image path or template, e.g. images/{subject_id}.jpg")
@click.option("--eps", type=float, help="re-run the reducer with this eps (shown in the title)")
@click.option("--min-samples", type=click.IntRange(min=1), help="re-run the reducer with this min_samples")
@click.option("-o", "--output-dir", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=".",
              show_default=True, help="folder for the PNG files (plot_<subject_id>.png)")
def plot_command(files: tuple[Path, ...], subjects: tuple[str, ...], sample: int | None, seed: int,
                 subject_csv: str | None, image: str | None, eps: float | None, min_samples: int | None,
                 out_dir: Path) -> None:
    """Draw every volunteer's marks and the consensus shapes of a subject as a PNG.

    FILES: an extracts CSV (from a drawing extractor) and, optionally, the reductions CSV of
    the same task; several of each may be given. Choose --subject ID or --sample N.
    """
    if not subjects and not sample:
        raise click.UsageError("choose a subject with --subject ID, or --sample N")
    for path, drawn in plot_files(list(files), list(subjects) or None, sample, out_dir,
                                  subject_csv=subject_csv, image=image, eps=eps,
                                  min_samples=min_samples, seed=seed):
        click.echo(f"{path} ({drawn} marks)")
