"""JSON API of live SWAP (docs/weighting.md): the decision history kept as classifications
arrived, as JSON (paged) and CSV, and each subject's and volunteer's state now. The team turns
SWAP on through the parameters route (`swap` of PATCH /api/projects/{id}/parameters/{entry})."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from .access import Caller, Id, project_of
from .downloads import csv_attachment
from .jsonio import JSONBytes
from .schemas import CSV, PROJECT, SwapHistory, SwapStatus
from .state import state_of
from .swap_settings import decisions, decisions_csv, status

router = APIRouter(prefix="/api/projects", tags=["projects"])
#: decisions per page at most
MOST = 100_000
Task = Annotated[str | None, Query(max_length=100, description="one task (default: every SWAP task)")]


@router.get("/{project_id}/weighting/swap/decisions",
            summary="Live SWAP's decision history, kept as each classification arrived (docs/weighting.md)",
            response_model=SwapHistory, responses=PROJECT)
def swap_decisions(project_id: Id, who: Caller, request: Request, task: Task = None,
                   after: Annotated[int, Query(ge=0, le=2**62, description="answer the steps after this one")] = 0,
                   limit: Annotated[int, Query(ge=1, le=MOST, description="at most this many steps")] = 10_000
                   ) -> Response:
    with state_of(request).store.read() as session:
        project_of(session, who, project_id)
        found = decisions(session, project_id, task, after, limit + 1)
        settings = status(session, project_id, task, states=False)["settings"]
    more = len(found) > limit
    found = found[:limit]
    return JSONBytes({"settings": settings, "decisions": found,
                      "next_after": found[-1]["step"] if more else None})


@router.get("/{project_id}/weighting/swap/decisions.csv", summary="Live SWAP's decision history (CSV)",
            responses={**CSV, **PROJECT})
def swap_decisions_csv(project_id: Id, who: Caller, request: Request, task: Task = None) -> Response:
    with state_of(request).store.read() as session:
        project_of(session, who, project_id)
        text = decisions_csv(session, project_id, task)
    return csv_attachment(text, f"swap_decisions_project_{project_id}.csv")


@router.get("/{project_id}/weighting/swap/live",
            summary="Live SWAP now: each subject's P(yes), status and decision, each volunteer's PL and PD",
            response_model=SwapStatus, responses=PROJECT)
def swap_status(project_id: Id, who: Caller, request: Request, task: Task = None) -> Response:
    with state_of(request).store.read() as session:
        project_of(session, who, project_id)
        return JSONBytes(status(session, project_id, task))
