"""The server's errors, in the one hierarchy (zooagg.errors): each is a request the server
cannot take, with the HTTP status it is answered with. app.py has the one handler that turns
any ZooaggError into its JSON answer (`answer_of`); a route raises, it never builds an error
answer by hand, and never answers 500."""

from __future__ import annotations

import re
from typing import Any

from ..errors import RowError, Where, ZooaggError

#: the largest id a path or token can name: the store's ids are 32-bit integers on PostgreSQL
MAX_ID = 2**31 - 1
#: a NUL character, raw or as a JSON escape (not one escaped itself, `\\u0000`)
NUL = re.compile(rb"\x00|(?<!\\)(?:\\\\)*\\u0000")
NUL_TEXT = "a NUL character (\\u0000), which the store cannot keep"


class ServiceError(ZooaggError):
    """A request the server cannot take. `status` is its answer (a 4xx); `location` is where
    in the request the problem is (body, path, query, auth), `parameter` which field."""

    status = 422

    def __init__(self, message: str, hint: str = "", where: Where | None = None, *, status: int | None = None,
                 location: str = "body", parameter: str | None = None,
                 extra: dict[str, Any] | None = None) -> None:
        super().__init__(message, hint, where or Where())
        if status is not None:
            self.status = status
        self.location = location
        self.parameter = parameter
        self.extra = extra

    def __reduce__(self) -> Any:
        return (_rebuild, (type(self), self.message, self.hint, self.where, self.status, self.location,
                           self.parameter, self.extra))


def _rebuild(cls: type[ServiceError], message: str, hint: str, where: Where, status: int, location: str,
             parameter: str | None, extra: dict[str, Any] | None) -> ServiceError:
    error = ServiceError.__new__(cls)
    ServiceError.__init__(error, message, hint, where, status=status, location=location, parameter=parameter,
                          extra=extra)
    return error


class AuthError(ServiceError):
    """401 (who are you?), 403 (not yours), 404 (no such project) or 429 (too many sign-ins)."""

    def __init__(self, status: int, message: str, hint: str = "") -> None:
        super().__init__(message, hint, status=status, location="auth")


class StalePlan(ServiceError):
    """The project's configuration changed while the request was being prepared: try again."""

    status = 409

    def __init__(self, message: str = "the project's configuration changed while the request was prepared",
                 hint: str = "send the request again", where: Where | None = None) -> None:
        super().__init__(message, hint, where)


class FieldErrors(ServiceError):
    """Validation failed; `errors` maps each field to what is wrong with it (a 422)."""

    def __init__(self, errors: dict[str, str]) -> None:
        first = next(iter(errors), None)
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()), parameter=first,
                         extra={"errors": errors})
        self.errors = errors

    def __reduce__(self) -> Any:
        return (FieldErrors, (self.errors,))


class Rejected(ServiceError):
    """A classification that cannot be taken: nothing of it is stored."""

    def __init__(self, error: RowError) -> None:
        super().__init__(error.message, error.hint, error.where, parameter=error.where.column)
        self.error = error

    def __reduce__(self) -> Any:
        return (Rejected, (self.error,))

    def as_json(self, index: int | None = None) -> dict[str, Any]:
        where = self.error.where
        out: dict[str, Any] = {"error": self.error.message, "hint": self.error.hint,
                               "classification_id": where.row, "column": where.column, "task": where.task}
        if where.value is not None:
            out["value"] = str(where.value)[:80]
        if index is not None:
            out["index"] = index
        return {k: v for k, v in out.items() if v not in (None, "")}


class RejectedPost(ServiceError):
    """Some classifications of a post cannot be taken (`problems`: Rejected.as_json of each):
    nothing of the post is stored."""

    def __init__(self, problems: list[dict[str, Any]]) -> None:
        first = problems[0]
        message = f"classification {first.get('classification_id', '?')}: {first['error']}"
        if len(problems) > 1:
            message += f" (and {len(problems) - 1} more)"
        super().__init__(message + "; nothing was stored", first.get("hint", ""), parameter=first.get("column"),
                         extra={"rejected": problems[:100]})
        self.problems = problems

    def __reduce__(self) -> Any:
        return (RejectedPost, (self.problems,))


def answer_of(exc: ZooaggError) -> tuple[int, dict[str, Any]]:
    """The status and JSON body any ZooaggError is answered with: `error` for people, `hint`,
    the `parameter` at fault, and `detail` in FastAPI's own form."""
    if isinstance(exc, ServiceError):
        status, location, parameter, extra = exc.status, exc.location, exc.parameter, exc.extra
    else:  # a problem with what was sent (a file, a parameter): the request's fault
        status, location, parameter, extra = 422, "body", exc.where.column, None
        if exc.where.value is not None:
            extra = {"value": str(exc.where.value)[:200]}
    return status, error_body(exc.message, hint=exc.hint, parameter=parameter, where=location, extra=extra)


def error_body(message: str, *, hint: str = "", parameter: str | None = None, where: str = "query",
               extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """One error shape for every 4xx: `error` for people, `detail` in FastAPI's own form."""
    body: dict[str, Any] = {"error": message}
    if hint:
        body["hint"] = hint
    if parameter is not None:
        body["parameter"] = parameter
    body["detail"] = [{"loc": [where, parameter] if parameter else [where], "msg": message, "type": "value_error"}]
    if extra:
        body.update(extra)
    return body


def refuse_nul(fields: dict[str, str]) -> dict[str, str]:
    """FieldErrors' entries for the fields whose text has a NUL character."""
    return {name: f"has {NUL_TEXT}" for name, text in fields.items() if "\x00" in text}
