"""One self-contained HTML page per workflow: inline CSS, plots as base64 PNG, no scripts,
no links to fetch, so it opens offline and can be mailed as one file. Every string that came
from an export is escaped."""

from __future__ import annotations

import base64
from collections import Counter
from datetime import UTC, datetime
from html import escape

from .. import __version__
from . import plots
from .data import AGREEMENT, MIN_CLASSIFICATIONS, DrawingTask, SliderTask, TaskVotes, WorkflowRun
from .texts import text_section, text_table
from .weights import weighting_section

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2em auto;
       max-width: 1320px; color: #222; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; }
.meta { color: #666; } .warn { background: #fff4d6; border-left: 4px solid #e0a800; padding: 0.6em 1em; }
table { border-collapse: collapse; font-size: 0.9em; margin: 0.8em 0; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; height: auto; display: block; margin: 0.5em 0; }
.question { font-style: italic; color: #444; white-space: pre-wrap; }
.low { color: #b00020; font-weight: 600; }
"""


def _img(data: bytes, alt: str) -> str:
    encoded = base64.b64encode(data).decode("ascii")
    return f'<img alt="{escape(alt)}" src="data:image/png;base64,{encoded}">'


def _summary(run: WorkflowRun) -> str:
    rows = [
        ("Classifications", f"{run.classifications:,}"),
        ("Volunteers", f"{run.volunteers:,}"),
        ("Subjects", f"{run.subjects:,}"),
        ("Tasks", ", ".join(sorted(run.per_subject)) or "none"),
    ]
    if run.versions:
        rows.insert(0, ("Workflow versions", run.versions))
    body = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    agreement = "".join(
        f"<tr><td>{escape(t.title)}</td><td>{escape(t.reducer)}</td><td class='num'>{len(t.shares()):,}</td>"
        f"<td class='num'>{_percent(t.agreement)}</td><td class='num'>{t.ties():,}</td>"
        f"<td class='num'>{t.fewer():,}</td></tr>" for t in run.votes)
    table = (f"<table><tr><th>task</th><th>reducer</th><th>subjects with {MIN_CLASSIFICATIONS}+ classifications"
             f"</th><th>agreement (top answer &gt; {AGREEMENT:.0%})</th><th>ties</th>"
             f"<th>subjects with fewer classifications (not in the agreement)</th></tr>{agreement}</table>"
             ) if agreement else ""
    return f"<table>{body}</table>{table}"


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _least_table(task: TaskVotes) -> str:
    rows = []
    for subject in task.least_agreement():
        answer, share = subject.top
        answers = ", ".join(f"{a}: {n}" for a, n in subject.votes.most_common(6))
        css = " class='num low'" if share <= AGREEMENT else " class='num'"
        tie = "<td class='low'>tie</td>" if subject.tied else "<td></td>"
        rows.append(f"<tr><td>{escape(subject.subject)}</td><td class='num'>{subject.classifications}</td>"
                    f"<td class='num'>{subject.total}</td><td>{escape(answer)}</td><td{css}>{share:.0%}</td>"
                    f"{tie}<td>{escape(answers)}</td></tr>")
    fewer = (f"<p class='meta'>{task.fewer():,} subject(s) with fewer than {MIN_CLASSIFICATIONS} classifications "
             "are left out: one classification always agrees with itself.</p>") if task.fewer() else ""
    if not rows:
        return f"<p>No subject has votes from {MIN_CLASSIFICATIONS} or more classifications.</p>{fewer}"
    return ("<table><tr><th>subject</th><th>classifications</th><th>votes</th><th>top answer</th><th>its share</th>"
            f"<th>tie?</th><th>votes per answer</th></tr>{''.join(rows)}</table>{fewer}")


def _vote_section(run: WorkflowRun, task: TaskVotes) -> str:
    text = run.task_text(task.task, task.select)
    counts = run.per_subject.get(task.task)
    if counts is None:
        counts = Counter({s.subject: s.voters or s.total for s in task.subjects})
    figure = plots.votes_figure(task, counts)
    return (f"<h2>Task {escape(task.title)} <small class='meta'>({escape(task.reducer)}, "
            f"{escape(task.file)})</small></h2>"
            + (f"<p class='question'>{escape(text)}</p>" if text else "")
            + _img(figure, f"task {task.title}: classifications per subject, agreement and votes per answer")
            + "<h3>Least agreement first: the subjects to look at</h3>" + _least_table(task))


def _slider_section(run: WorkflowRun, task: SliderTask) -> str:
    text = run.task_text(task.task)
    counts = run.per_subject.get(task.task, Counter())
    rows = "".join(f"<tr><td>{escape(subject)}</td><td class='num'>{mean:.4g}</td><td class='num'>{median:.4g}</td>"
                   f"<td class='num'>{max(var, 0.0) ** 0.5:.4g}</td></tr>"
                   for subject, mean, median, var in task.widest())
    return (f"<h2>Task {escape(task.task)} <small class='meta'>(slider_reducer, {escape(task.file)})</small></h2>"
            + (f"<p class='question'>{escape(text)}</p>" if text else "")
            + _img(plots.slider_figure(task, counts), f"task {task.task}: classifications, mean and spread per subject")
            + "<h3>Widest spread first: the subjects to look at</h3>"
            + "<table><tr><th>subject</th><th>mean</th><th>median</th><th>standard deviation</th></tr>"
            + rows + "</table>")


def _drawing_section(run: WorkflowRun, index: int) -> str:
    drawing = run.drawings[index]
    text = run.task_text(drawing.task)
    counts = run.per_subject.get(drawing.task, Counter())
    parts = [f"<h2>Task {escape(drawing.task)} <small class='meta'>(drawing: {escape(drawing.extractor)})"
             "</small></h2>"]
    if text:
        parts.append(f"<p class='question'>{escape(text)}</p>")
    figure = plots.new_figure(6, 3.2)
    plots.per_subject_histogram(figure.subplots(), counts, "Classifications per subject (with an answer)")
    parts.append(_img(plots.png(figure), f"task {drawing.task}: classifications per subject"))
    if not any(any(m) for m in drawing.marks.values()):
        parts.append("<p>No marks were drawn for this task.</p>")
        return "".join(parts)
    grid, _ = plots.drawing_grid(drawing)
    note = (f"thick marks: the consensus from {escape(drawing.reduction)}" if drawing.reduction and drawing.clusters
            else "no reduction of this task was found, so only the volunteers' marks are shown")
    parts.append(f"<p class='meta'>The subjects with the most classifications; thin marks: each "
                 f"volunteer's, colour by tool; {note}. Coordinates are the subject's pixels.</p>")
    parts.append(_img(grid, f"task {drawing.task}: marks on the most classified subjects"))
    if drawing.reduction:
        parts.append(_eps_hint(drawing))
    if drawing.texts:
        parts.append("<h3>Transcribed lines, lowest consensus score first</h3>"
                     + text_table(sorted(drawing.texts, key=lambda t: (t.score, t.subject))[:15], "line"))
    return "".join(parts)


def _eps_hint(drawing: DrawingTask) -> str:
    """Subjects two or more volunteers marked with no consensus mark: eps is likely too small."""
    marked = sum(1 for marks in drawing.marks.values() if sum(bool(m) for m in marks) >= MIN_CLASSIFICATIONS)
    missing = drawing.unclustered()
    if not missing:
        return (f"<p class='meta'>Every subject marked in {MIN_CLASSIFICATIONS}+ classifications has a consensus "
                "mark.</p>") if marked else ""
    eps = drawing.parameters.get("eps")
    setting = f"eps = {escape(str(eps))}" if eps is not None else "this reducer"
    shown = ", ".join(escape(s) for s in missing[:10]) + (", …" if len(missing) > 10 else "")
    return (f"<p class='warn'>{len(missing):,} of {marked:,} subjects marked in {MIN_CLASSIFICATIONS}+ "
            f"classifications have <b>no consensus mark</b> ({shown}): with {setting}, the marks of one "
            "object are likely further apart than eps, so eps is likely too small for this task (or "
            "min_samples too big). Look at them with <code>zooagg plot</code> and set the reducer's "
            "parameters with <code>-k</code>.</p>")


def _files_section(run: WorkflowRun) -> str:
    if not run.files:
        return ""
    items = "".join(f"<li>{escape(name)}: {rows:,} rows</li>" for name, rows in run.files)
    return f"<h2>Results written</h2><p>In {escape(str(run.folder))}:</p><ul>{items}</ul>"


def render(run: WorkflowRun) -> str:
    title = f"Workflow {run.workflow_id}"
    sections = [_summary(run)]
    if run.inferred:
        sections.insert(0, "<p class='warn'>The configuration of this run was <b>inferred</b> from the "
                           "classification export (there was no workflow export): check the task types "
                           "in the config files.</p>")
    sections.append(f"<h2>Volunteers per day</h2><p class='meta'>From {escape(run.activity_source)}.</p>")
    sections.append(_img(plots.activity_figure(run), "volunteers and classifications per day"))
    sections.extend(_vote_section(run, task) for task in run.votes)
    sections.extend(_slider_section(run, task) for task in run.sliders)
    sections.extend(text_section(task, run.task_text(task.task)) for task in run.texts)
    sections.extend(_drawing_section(run, i) for i in range(len(run.drawings)))
    sections.append(weighting_section(run.folder))
    sections.append(_files_section(run))
    if run.other:
        items = "".join(f"<li>{escape(name)}: {rows:,} rows</li>" for name, rows in run.other)
        sections.append(f"<h2>Other results</h2><p>Not plotted in this version:</p><ul>{items}</ul>")
    for note in run.notes:
        sections.append(f"<p class='warn'>{escape(note)}</p>")
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width, initial-scale=1'><title>{escape(title)}</title>"
            f"<style>{STYLE}</style></head><body><h1>{escape(title)}</h1>"
            f"<p class='meta'>Results in {escape(str(run.folder))}; made by zooagg {escape(__version__)} on "
            f"{stamp}.</p>{''.join(sections)}</body></html>\n")
