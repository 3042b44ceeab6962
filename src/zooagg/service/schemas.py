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
WITH_JSON = errors(400, 401, 403, 404, 409, 422)
#: the same for routes that read a body (400: it could not be parsed at all)
BODY_MEMBER = errors(400, 401, 422)
BODY_PROJECT = errors(400, 401, 403, 404, 422)
BODY_PLANNED = WITH_JSON


CSV: dict[int | str, dict[str, Any]] = {200: {"description": "The CSV file", "content": {"text/csv": {"schema": {"type": "string"}}}}}
