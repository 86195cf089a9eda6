"""Reading statements: their status for anyone who reads cases, the whole text for HR."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from itexit.domain.roles import Permission, Scope
from itexit.domain.statements import (
    PropertyState,
    Statement,
    StatementListing,
    StatementStatus,
)
from itexit.services.context import plain_enum
from itexit.services.statements.records import StatementRecords
from itexit.store.checklist import Case
from itexit.store.statements import ExitStatement


class StatementReading(StatementRecords):
    """The list, one statement's status, and one statement in full."""

    def list(self) -> list[StatementListing]:
        """Every statement with its status; HR and managers also see signed date and property."""
        self.ctx.require(Permission.CASE_READ)
        detailed = self.ctx.can(Permission.HR_READ) and self.ctx.holds(Scope.HR)
        with self.ctx.reading() as session:
            rows = session.execute(
                select(ExitStatement, Case)
                .join(Case, Case.id == ExitStatement.case_id)
                .order_by(Case.termination_date.desc(), Case.name)
            ).all()
            return [self._listing(row, case, detailed) for row, case in rows]

    def _listing(self, row: ExitStatement, case: Case, detailed: bool) -> StatementListing:
        signed_on: date | None = None
        outstanding: int | None = None
        if detailed:
            doc = self.ctx.unseal(row)
            signing = doc.get("signing")
            signed_on = date.fromisoformat(signing["signed_on"]) if signing else None
            outstanding = sum(
                1 for item in doc["property"] if item["state"] == PropertyState.OUTSTANDING
            )
        return StatementListing(
            id=row.id,
            case_id=case.id,
            case_name=case.name,
            status=plain_enum(StatementStatus, row, "status"),
            updated_at=row.updated_at,
            signed_on=signed_on,
            outstanding=outstanding,
        )

    def status(self, case_ref: str) -> StatementListing | None:
        """Whether the case has a statement and how far it got; None when there is none."""
        self.ctx.require(Permission.CASE_READ)
        detailed = self.ctx.can(Permission.HR_READ) and self.ctx.holds(Scope.HR)
        with self.ctx.reading() as session:
            case = self._case(session, case_ref)
            row = session.scalars(
                select(ExitStatement).where(ExitStatement.case_id == case.id)
            ).first()
            return None if row is None else self._listing(row, case, detailed)

    def get(self, case_ref: str) -> Statement:
        """The whole statement (never a password); HR and managers only."""
        self.ctx.require(Permission.HR_READ)
        with self.ctx.reading() as session:
            case = self._case(session, case_ref)
            row = self._statement(session, case)
            return self._view(session, row, case, self.ctx.unseal(row))
