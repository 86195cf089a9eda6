"""The exit statements' dashboard tile and reminders."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from itexit.domain.models import Tile
from itexit.domain.reminders import Reminder, ReminderArea
from itexit.domain.statements import (
    StatementStatus,
)
from itexit.services.context import VaultContext
from itexit.services.states import check_statements, closed_cases
from itexit.store.checklist import Case
from itexit.store.statements import ExitStatement


def tiles(ctx: VaultContext, today: date) -> list[Tile]:
    """The exit-statement tile: how many prepared statements still wait for a signature.

    Only reads; the hand-over inbox key is published in the unlock's transaction.
    """
    with ctx.reading() as session:
        rows = session.execute(
            select(ExitStatement.status, Case.status).join(Case, Case.id == ExitStatement.case_id)
        ).all()
    if not rows:
        return []
    unsigned = sum(1 for status, _case in rows if status != StatementStatus.SIGNED.value)
    return [
        Tile(
            key="statements",
            title="Exit statements to sign",
            count=unsigned,
            caption=f"of {len(rows)} prepared",
            severity="warn" if unsigned else "ok",
            screen="checklist",
        )
    ]


def reminders(ctx: VaultContext, today: date) -> list[Reminder]:
    """A prepared statement still unsigned on or after the last day is due."""
    with ctx.reading() as session:
        closed = closed_cases(ctx, session)
        found = session.execute(
            select(ExitStatement, Case.name, Case.termination_date)
            .join(Case, ExitStatement.case_id == Case.id)
            .order_by(Case.termination_date)
        ).all()
        check_statements(ctx, (statement for statement, _, _ in found))
        rows = [
            (statement.case_id, name, termination, "closed" if statement.case_id in closed else "")
            for statement, name, termination in found
            if statement.status != StatementStatus.SIGNED.value
        ]
    return [
        Reminder(
            area=ReminderArea.CHECKLIST,
            title=f"Exit statement for {name} not signed yet",
            due=termination,
            overdue=termination < today,
            ref=case_id,
            detail="itexit statement pdf CASE OUT.pdf, then statement record",
        )
        for case_id, name, termination, case_status in rows
        if case_status != "closed" and termination <= today
    ]
