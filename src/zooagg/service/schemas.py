"""What the OpenAPI document says the routes answer: the one error shape every 4xx has
(errors.answer_of, app.validation_answer) and which statuses each kind of route can give, so
clients and fuzzers (tests/service/test_fuzz.py) can rely on it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class ErrorAnswer(BaseModel):
    """Every 4xx: `error` for people, `hint` what to do, `parameter` the field at fault,
    `detail` in FastAPI's own form; some add `errors` (field -> problem) or `rejected`."""

    model_config = ConfigDict(extra="allow")

    error: str
    hint: str | None = None
    parameter: str | None = None
    detail: list[dict[str, Any]]


WHY = {
    400: "The body could not be parsed (not valid JSON, broken form data).",
    401: "No token, or one that is unknown or revoked (or a wrong name or password).",
    403: "The token's member may not do this (not a member of the project, not an admin).",
    404: "No such project, token, subject, extractor or component.",
    409: "The project has no workflow yet, or its configuration kept changing.",
    413: "The body is bigger than the server takes (zooagg serve --max-upload, ZOOAGG_MAX_UPLOAD).",
    422: "The request is not one the server can take: the reason names the field.",
    429: "Too many failed sign-ins; wait and try again.",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these 4xx statuses, each with the error shape."""
    return {code: {"model": ErrorAnswer, "description": WHY[code]} for code in codes}


#: a signed-in member's route; a project's route; one that needs the project's workflow
MEMBER = errors(401, 422)
PROJECT = errors(401, 403, 404, 422)
PLANNED = errors(401, 403, 404, 409, 422)
WITH_JSON = errors(400, 401, 403, 404, 409, 413, 422)
#: the same for routes that read a body (400: it could not be parsed at all; 413: over max_upload)
BODY_MEMBER = errors(400, 401, 413, 422)
BODY_PROJECT = errors(400, 401, 403, 404, 413, 422)
BODY_PLANNED = WITH_JSON


CSV: dict[int | str, dict[str, Any]] = {200: {"description": "The CSV file", "content": {"text/csv": {"schema": {"type": "string"}}}}}


# ---- what the JSON routes answer when they succeed (documented; the routes write it themselves) ----

class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class ProjectItem(_Open):
    id: int
    title: str


class ParameterEntry(_Open):
    id: int
    task: str
    extractor: str
    extractor_params: dict[str, Any]
    reducer: str
    reducer_params: dict[str, Any]
    #: live SWAP's parameters on a yes/no question task where the team turned it on
    swap: dict[str, Any] | None = None


class ProjectSummary(_Open):
    """A project: its workflow, parameters, counts and downloads (after a change, with
    `recomputed`: what was extracted and reduced again)."""

    id: int
    title: str
    description: str
    filter: str
    workflow: dict[str, Any] | None
    parameters: list[ParameterEntry]
    counts: dict[str, int]
    last_received_at: str | None
    downloads: list[dict[str, str]]
    #: the CSV of the marks of stored classifications that could not be used (counts.marks_dropped)
    dropped_marks: str


class ParametersChanged(_Open):
    """The parameters now, what was recomputed; `swap_decisions` when live SWAP was turned on,
    changed (its history made anew: how many decisions it has) or off (0)."""

    parameters: list[ParameterEntry]
    recomputed: dict[str, Any]
    swap_decisions: int | None = None


class DroppedMark(_Open):
    """A drawing mark an extractor read but could not use: skipped, the rest of its
    classification stored and extracted (the offline rejects file's row, task and reason)."""

    classification_id: str
    task: str
    extractor: str
    reason: str


class Posted(_Open):
    """How many of the posted classifications were new, and which were stored already; the
    marks of the new ones that were dropped (the first 100 listed)."""

    stored: int
    duplicates: int
    duplicate_ids: list[str]
    marks_dropped: int
    dropped_marks: list[DroppedMark]


class Uploaded(_Open):
    rows_read: int
    rows_matched: int
    stored: int
    duplicates: int
    other_workflow: int
    other_version: int
    rejected: int
    rejects: list[dict[str, Any]]
    marks_dropped: int
    dropped_marks: list[DroppedMark]


class SubjectReductions(_Open):
    subject_id: str
    reductions: Any


class MemberAdded(_Open):
    project_id: int
    member: str


class TokenIssued(_Open):
    token: str
    member: str


class TokenItem(_Open):
    id: int
    label: str
    created_at: str
    revoked: bool
    current: bool


class MemberInfo(_Open):
    id: int
    name: str
    admin: bool


class VersionInfo(_Open):
    """`/-/version`: this zooagg, the aggregation_version its reductions carry, and the peer
    release it answers like."""

    zooagg: str
    aggregation_version: str
    compatible_with: str


class ComponentParam(_Open):
    type: str
    default: Any
    help: str
    choices: list[Any] | None = None


class RegistryComponent(_Open):
    """One component as `zooagg list` shows it; `url` its route (None for a weighting method)."""

    name: str
    summary: str
    doc: str
    task_types: list[str]
    default_reducer: str | None
    wants: list[str]
    params: dict[str, ComponentParam]
    wrapper_params: dict[str, ComponentParam]
    url: str | None


#: `/-/registry`: per kind ("extractors", "reducers", "running_reducers", "weightings") each component by name
RegistryListing = dict[str, dict[str, RegistryComponent]]


class WeightedTask(_Open):
    """A task the method weighed (how many answers, how many subjects with known truth), or
    `skipped` and why."""

    skipped: str | None = None
    answers: int | None = None
    truth_subjects: int | None = None


class WeightedSubject(_Open):
    """A subject (and survey choice): the method's label and probability beside the majority's;
    `label_text`/`majority_label_text` in the workflow's words when it has them."""

    subject_id: str
    workflow_id: str
    task: str
    choice: Any
    method: str
    label: Any
    probability: float
    majority_label: Any
    majority_share: float
    answers: int
    truth: Any


class VolunteerSkill(_Open):
    """A volunteer's skill on a task (method-specific extras, a `confusion` matrix as JSON text)."""

    volunteer: Any
    user_name: Any
    workflow_id: str
    task: str
    method: str
    answers: int
    skill: float | None


class SwapDecision(_Open):
    """One classification's SWAP step: the subject's P(yes) after it, status, retire or keep."""

    task: str
    subject_id: str
    classification_id: str
    volunteer: Any
    answer: Any
    probability: float
    status: str
    decision: str


class WeightingAnswer(_Open):
    """`GET /api/projects/{id}/weighting/{method}`: the parameters used, per task what was
    weighed or skipped, the subject and volunteer rows; `decisions` for `swap` only."""

    method: str
    parameters: dict[str, Any]
    tasks: dict[str, WeightedTask]
    subjects: list[WeightedSubject]
    volunteers: list[VolunteerSkill]
    decisions: list[SwapDecision] | None = None


class SwapStep(_Open):
    """One decision of live SWAP, kept as it was made: the classification, its subject and
    volunteer, the answer, the subject's P(yes) before and after it, status, retire or keep."""

    step: int
    task: str
    classification_id: str
    subject_id: str
    volunteer: str
    user_name: str
    answer: str
    probability_before: float
    probability: float
    status: str
    decision: str
    decided_at: str


class SwapHistory(_Open):
    """`GET .../weighting/swap/decisions`: the tasks' settings and the decisions after step
    `after`, in the order made; `next_after` to ask for the next page (None: that was all)."""

    settings: dict[str, dict[str, Any]]
    decisions: list[SwapStep]
    next_after: int | None


class SwapSubjectState(_Open):
    task: str
    subject_id: str
    probability: float
    status: str
    decision: str
    classifications: int
    truth: str | None


class SwapAgent(_Open):
    """A volunteer's SWAP agent: PL = P("yes" | yes), PD = P("no" | no), skill (PL + PD) / 2,
    the gold subjects learnt from (`training`) and the answers counted."""

    task: str
    volunteer: str
    user_name: str
    PL: float
    PD: float
    skill: float
    training: int
    answers: int


class SwapStatus(_Open):
    """`GET .../weighting/swap/live`: each subject's P(yes) and decision now, each volunteer's agent."""

    settings: dict[str, dict[str, Any]]
    subjects: list[SwapSubjectState]
    volunteers: list[SwapAgent]
