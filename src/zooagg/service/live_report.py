"""The offline report (`zooagg report`) of a live project, from its stored reductions.

The server keeps extracts in its store, not extract files, so the page shows everything the
reductions hold (agreement stated honestly, votes, sliders, text with its score, the consensus
table's files) and says that volunteers' marks are not drawn here.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import InputError
from .consensus import consensus_csv, labels_of
from .downloads import reduction_csv
from .models import Extract, Workflow
from .plan import Plan


def report_html(session: Session, plan: Plan) -> str:
    """The project's report as one self-contained HTML page (needs the `plot` extra)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise InputError("the report needs matplotlib", hint="pip install 'zooagg[plot]'") from None
    from ..configure.config import dump_yaml
    from ..report.data import load_run
    from ..report.page import render

    folder = Path(tempfile.mkdtemp(prefix="zooagg-report-"))
    try:
        workflow = session.scalar(select(Workflow).where(Workflow.project_id == plan.project_id))
        for extractor in plan.extractor_names:
            reduction_csv(session, plan, extractor, folder)
        consensus_csv(session, plan, folder)
        version = workflow.version if workflow is not None else "0"
        dump_yaml(labels_of(workflow, plan), folder / f"Task_labels_workflow_{plan.workflow_id}_V{version}.yaml")
        run = load_run(folder)
        _activity(session, plan, run)
        run.workflow_id = str(plan.workflow_id)
        run.folder = Path(f"live project {plan.project_id}")
        run.notes.append("A live project's report: the volunteers' drawn marks are not shown (the server "
                         "keeps its extracts in its store, not as files); the numbers come from the current "
                         "reductions and extracts.")
        return render(run)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _activity(session: Session, plan: Plan, run: Any) -> None:
    """Classifications per subject and task (those with an answer), and per day, from the store."""
    from collections import Counter

    from ..report.data import count_classifications

    seen: set[str] = set()
    found = session.execute(select(Extract.task, Extract.subject_id, Extract.classification_id, Extract.user_name,
                                   Extract.created_at, Extract.data).where(Extract.project_id == plan.project_id))
    for task, subject, classification, user, created, data in found:
        if data:  # an extract with no answer: the task was not shown
            run.per_subject.setdefault(task, Counter())[subject] += 1
        if classification not in seen:
            seen.add(classification)
            run.per_day[created[:10]] += 1
            run.volunteers_per_day[created[:10]].add(user)
    run.activity_source = "the classifications the server received"
    for votes in run.votes:
        count_classifications(votes, run.per_subject.get(votes.task, Counter()))
