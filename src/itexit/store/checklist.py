"""Cases and their tasks: the termination checklist, its history and evidence files."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from itexit.store.models import Base, Encrypted, Versioned, utcnow


class Case(Base, Encrypted):
    """A departing party. The name is listed everywhere; reason and notes are sealed (hr)."""

    __tablename__ = "cases"
    LABELS = ("name", "kind")
    BOUND = ("status",)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(24), nullable=False)
    termination_date: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="planning")
    templates: Mapped[str] = mapped_column(String(400), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    watch_days: Mapped[int | None] = mapped_column(Integer)
    """Days after the termination date that `itexit watch` keeps re-testing old secrets; None
    is the default (180)."""


class Task(Base, Versioned):
    """One step of a case; what it is and when, in plaintext. Evidence lives in task events."""

    __tablename__ = "tasks"
    __table_args__ = (UniqueConstraint("case_id", "number", name="uq_tasks_case_number"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True
    )
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    key: Mapped[str] = mapped_column(String(130), nullable=False, default="")
    template: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    guidance: Mapped[str] = mapped_column(Text, nullable=False, default="")
    reference: Mapped[str] = mapped_column(String(400), nullable=False, default="")
    phase: Mapped[str] = mapped_column(String(12), nullable=False)
    critical: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    offset_days: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    due: Mapped[date | None] = mapped_column(Date, index=True)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    assignee: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    status: Mapped[str] = mapped_column(String(8), nullable=False, default="open")
    completed_by: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class TaskDependency(Base):
    """`task_id` waits for `depends_on_id` (both of the same case)."""

    __tablename__ = "task_dependencies"

    task_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True
    )
    depends_on_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True
    )


class TaskEvent(Base, Encrypted):
    """One entry of a task's history; the note (evidence, reason) is sealed by the task's role."""

    __tablename__ = "task_events"
    LABELS = ("task_id", "action")

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    task_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("tasks.id", ondelete="CASCADE"), nullable=False, index=True
    )
    action: Mapped[str] = mapped_column(String(24), nullable=False)
    actor: Mapped[str] = mapped_column(String(80), nullable=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    blob_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("blobs.id", ondelete="RESTRICT")
    )


class Blob(Base, Encrypted):
    """An evidence file: name, SHA-256 and bytes all inside the AEAD document.

    `fingerprint` is a keyed hash (scope key) of the SHA-256, so the same file is stored once per
    scope without a plain hash on disk that anyone could match against a known file.
    """

    __tablename__ = "blobs"
    LABELS = ("fingerprint",)
    __table_args__ = (UniqueConstraint("scope", "fingerprint", name="uq_blobs_scope_fingerprint"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
