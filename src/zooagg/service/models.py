"""The store's tables (SQLAlchemy 2). The Alembic migrations in `migrations/` create them;
`tests/service/test_store.py` checks the two agree."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, Any: JSON}  # noqa: RUF012 (SQLAlchemy reads it)


def _now() -> datetime:
    return datetime.now().astimezone()


class Member(Base):
    __tablename__ = "members"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class Token(Base):
    """An API token `zooagg_<id>_<secret>`: only an argon2 hash of the secret is kept."""

    __tablename__ = "tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    secret_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Project(Base):
    __tablename__ = "projects"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    #: which repeat classifications of a volunteer count: first, last or all (as `reduce -F`)
    filter_how: Mapped[str] = mapped_column(String(10), default="first")
    #: bumped whenever the workflow or a parameter changes (cached plans are keyed by it)
    config_rev: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class ProjectMember(Base):
    __tablename__ = "project_members"
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)


class Workflow(Base):
    """The workflow version a project aggregates (one per project)."""

    __tablename__ = "workflows"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), unique=True)
    workflow_id: Mapped[int] = mapped_column(BigInteger)
    version: Mapped[str] = mapped_column(String(40))  # the tasks' version, e.g. 16.55
    #: which classifications count, as an extractor config's workflow_version: "16.55", "16", {min, max}
    versions: Mapped[Any] = mapped_column(JSON)
    display_name: Mapped[str] = mapped_column(String(300), default="")
    tasks: Mapped[dict[str, Any]] = mapped_column(JSON)
    strings: Mapped[dict[str, Any]] = mapped_column(JSON)
    notes: Mapped[list[Any]] = mapped_column(JSON, default=list)


class TaskParameters(Base):
    """One extractor config entry of a project and the reducer that reduces its extracts."""

    __tablename__ = "task_parameters"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    task: Mapped[str] = mapped_column(String(100))
    extractor: Mapped[str] = mapped_column(String(100))  # as written in a config: shape_extractor_rectangle
    extractor_params: Mapped[dict[str, Any]] = mapped_column(JSON)
    reducer: Mapped[str] = mapped_column(String(100))
    reducer_params: Mapped[dict[str, Any]] = mapped_column(JSON)


class StoredClassification(Base):
    __tablename__ = "classifications"
    __table_args__ = (UniqueConstraint("project_id", "classification_id", name="uq_classification"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    classification_id: Mapped[str] = mapped_column(String(40))
    subject_ids: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[str] = mapped_column(String(40))
    #: the export row as received (every column, JSON columns parsed): re-extracted when parameters change
    row: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class Extract(Base):
    __tablename__ = "extracts"
    __table_args__ = (Index("ix_extract_group", "project_id", "extractor", "task", "subject_id"),
                      #: live ingest reads every extract of the subjects it touched in one query
                      Index("ix_extract_subject", "project_id", "subject_id"))
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    classification_pk: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("classifications.id", ondelete="CASCADE"), index=True)
    extractor: Mapped[str] = mapped_column(String(100))
    task: Mapped[str] = mapped_column(String(100))
    subject_id: Mapped[str] = mapped_column(String(200))
    classification_id: Mapped[str] = mapped_column(String(40))
    #: classification_id as a number, for ordering ties on created_at as an export's row order does
    classification_number: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    user_name: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer)  # the entry, then the row within a list extract
    data: Mapped[Any] = mapped_column(JSON)


class ExtractColumn(Base):
    """Where each flattened extract column first appears, in export order (see columns.py)."""

    __tablename__ = "extract_columns"
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    extractor: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(400), primary_key=True)
    first_number: Mapped[int] = mapped_column(BigInteger)
    first_id: Mapped[str] = mapped_column(String(40))
    first_position: Mapped[int] = mapped_column(Integer)
    first_index: Mapped[int] = mapped_column(Integer)


class Reduction(Base):
    __tablename__ = "reductions"
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    extractor: Mapped[str] = mapped_column(String(100), primary_key=True)
    task: Mapped[str] = mapped_column(String(100), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    reducer: Mapped[str] = mapped_column(String(100))
    #: the reduction rows (one for most reducers, one per choice for survey_reducer), stamped
    rows: Mapped[list[Any]] = mapped_column(JSON)
    #: set when the reducer failed on this subject: the reason (rows is then empty)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: the extract column order it was computed with (columns.ColumnOrder.signature)
    signature: Mapped[str] = mapped_column(String(40), default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


# ---- live SWAP (swap_live.py): the team's settings per task, the state, the decision history ----

class SwapSetting(Base):
    """SWAP turned on for a project's yes/no task, with the team's parameters (tasks.swap.SWAP_PARAMS)."""

    __tablename__ = "swap_settings"
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    task: Mapped[str] = mapped_column(String(100), primary_key=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class SwapSubject(Base):
    """A subject's SWAP state now: P(yes), status, how many classifications counted, its truth."""

    __tablename__ = "swap_subjects"
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    task: Mapped[str] = mapped_column(String(100), primary_key=True)
    subject_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    probability: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20))
    classifications: Mapped[int] = mapped_column(Integer)
    #: the answer of its gold_standard/expert classification, if it has one
    truth: Mapped[str | None] = mapped_column(Text, nullable=True)


class SwapVolunteer(Base):
    """A volunteer's SWAP agent now: PL = P("yes" | yes), PD = P("no" | no) and their counts."""

    __tablename__ = "swap_volunteers"
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True)
    task: Mapped[str] = mapped_column(String(100), primary_key=True)
    volunteer: Mapped[str] = mapped_column(String(200), primary_key=True)
    user_name: Mapped[str] = mapped_column(String(200))
    pl: Mapped[float] = mapped_column(Float)
    pd: Mapped[float] = mapped_column(Float)
    nl: Mapped[float] = mapped_column(Float)
    nd: Mapped[float] = mapped_column(Float)
    training: Mapped[int] = mapped_column(Integer)
    answers: Mapped[int] = mapped_column(Integer)


class SwapStep(Base):
    """One classification's SWAP decision, in the order they were made (`id`)."""

    __tablename__ = "swap_decisions"
    __table_args__ = (UniqueConstraint("project_id", "task", "classification_id", name="uq_swap_decision"),
                      Index("ix_swap_decision_subject", "project_id", "task", "subject_id"))
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    task: Mapped[str] = mapped_column(String(100))
    classification_id: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[str] = mapped_column(String(200))
    volunteer: Mapped[str] = mapped_column(String(200))
    user_name: Mapped[str] = mapped_column(String(200))
    answer: Mapped[str] = mapped_column(Text)
    probability_before: Mapped[float] = mapped_column(Float)
    probability: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20))
    decision: Mapped[str] = mapped_column(String(10))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class DroppedMark(Base):
    """A mark of a stored classification that its extractor read but could not use (the
    offline rejects file's row), kept so that a project counts and lists them later."""

    __tablename__ = "dropped_marks"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    classification_pk: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("classifications.id", ondelete="CASCADE"))
    classification_id: Mapped[str] = mapped_column(String(40))
    task: Mapped[str] = mapped_column(String(100))
    extractor: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
