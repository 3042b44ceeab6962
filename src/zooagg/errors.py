"""One exception hierarchy. Every error names where it happened and says what to do."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Where:
    """Where a problem was found; every field is optional."""

    file: str | None = None
    row: str | None = None  # classification_id or subject_id
    column: str | None = None
    task: str | None = None
    value: object = None

    def describe(self) -> str:
        parts = []
        if self.file:
            parts.append(f"file {self.file}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column {self.column}")
        if self.task:
            parts.append(f"task {self.task}")
        if self.value is not None:
            text = repr(self.value)
            parts.append(f"value {text[:80] + '...' if len(text) > 80 else text}")
        return ", ".join(parts)


@dataclass
class ZooaggError(Exception):
    """Base class: a problem a user can fix. `str()` gives one line."""

    message: str
    hint: str = ""
    where: Where = field(default_factory=Where)

    exit_code = 2

    def __reduce__(self) -> tuple[type, tuple[str, str, Where]]:
        # picklable, so worker processes can hand bad rows back to the main process
        return (self.__class__, (self.message, self.hint, self.where))

    def __str__(self) -> str:
        place = self.where.describe()
        text = f"{place}: {self.message}" if place else self.message
        if self.hint:
            text += f" ({self.hint})"
        return text


class InputError(ZooaggError):
    """A whole input file is unusable (missing, empty, wrong export, missing column)."""


class RunFailed(ZooaggError):
    """Some workflows of a project run failed (each recorded in zooagg-run.json); the rest ran."""

    exit_code = 1


class ConfigError(ZooaggError):
    """A configuration file or parameter is wrong."""


class RowError(ZooaggError):
    """One row (classification or extract) is bad; it goes to the rejects file."""


class ExtractError(RowError):
    """An extractor could not handle one classification's annotation."""


class MarkDropped(ExtractError):
    """One drawing mark could not be used; the rest of its classification was extracted."""


class ReduceError(RowError):
    """A reducer could not handle one subject's extracts."""


#: import name -> the optional extra that installs it (pyproject.toml's
#: [project.optional-dependencies]; tests/test_extras.py checks the two agree).
EXTRA_OF_MODULE: dict[str, str] = {
    "fastapi": "server", "starlette": "server", "uvicorn": "server", "uvloop": "server",
    "httptools": "server", "sqlalchemy": "server", "alembic": "server", "argon2": "server",
    "jinja2": "server", "multipart": "server", "python_multipart": "server", "psycopg": "server",
    "dask": "dask", "distributed": "dask",
    "matplotlib": "plot",
    "panoptes_client": "panoptes",
}


class MissingExtraError(ZooaggError):
    """An optional dependency is not installed; says which extra brings it."""


def missing_extra(exc: ModuleNotFoundError) -> ZooaggError:
    """The one-line error for a module that is not installed: which extra installs it."""
    top = (exc.name or "").split(".")[0]
    extra = EXTRA_OF_MODULE.get(top)
    if extra is None:
        return MissingExtraError(
            f"the Python module {top or exc.name!r} is not installed",
            hint="reinstall zooagg with all its extras: pip install 'zooagg[all]'")
    return MissingExtraError(
        f"this needs zooagg's optional '{extra}' extra ({top} is not installed)",
        hint=f"pip install 'zooagg[{extra}]', or 'zooagg[all]' for every extra")


def one_line(exc: Exception) -> str:
    """An error as one line: ours say where and what to do; anything else is named a bug."""
    if isinstance(exc, ZooaggError):
        return str(exc)
    first = (str(exc).splitlines() or [""])[0]
    return f"{type(exc).__name__}: {first} (a bug in zooagg; please report it with this line)"


class ZooaggWarning(UserWarning):
    """Something a run did that a user should know about (the CLI prints these as `warning:`
    lines; the Python API raises them with `warnings.warn`, hidden with `quiet=True`)."""
