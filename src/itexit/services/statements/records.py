"""An exit statement's row and sealed document: finding it by case, and the statement it shows."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from itexit.domain.errors import BadInput, NotFound
from itexit.domain.statements import (
    DATE_TEXT,
    Clause,
    ListedPassword,
    PrintedVersion,
    PropertyItem,
    Signing,
    Statement,
    StatementStatus,
    fill,
)
from itexit.services.context import VaultContext, plain_enum
from itexit.services.credentials import handover
from itexit.store.checklist import Case
from itexit.store.models import VaultMeta
from itexit.store.statements import ExitStatement

MAX_TEXT = 4000
MAX_ITEM = 120
SIGNED = "This statement was signed on {when}; it can no longer be changed."


def now() -> datetime:
    return datetime.now(UTC)


def clean(text: str, limit: int, what: str) -> str:
    value = text.strip()
    if len(value) > limit:
        raise BadInput(f"The {what} is longer than {limit} characters; shorten it.")
    return value


def find_item(doc: dict[str, Any], item_ref: str) -> dict[str, Any]:
    ref = item_ref.strip().lower()
    for item in doc["property"]:
        if item["id"] == item_ref or item["name"].lower() == ref:
            return item  # type: ignore[no-any-return]
    raise NotFound(f"There is no item {item_ref!r} on the property list.")


class StatementRecords:
    """Finding a case and its statement, and opening it into the statement shown."""

    def __init__(self, ctx: VaultContext) -> None:
        self.ctx = ctx

    # --- finding ------------------------------------------------------------------------------

    def _case(self, session: Session, ref: str) -> Case:
        ref = ref.strip()
        if not ref:
            raise BadInput("Name the case: its id or the departing person's name.")
        row = session.get(Case, ref)
        if row is not None:
            return row
        matches = list(session.scalars(select(Case).where(func.lower(Case.name) == ref.lower())))
        if not matches and len(ref) >= 6:  # the short ids other commands print and take
            matches = list(
                session.scalars(
                    select(Case).where(Case.id.startswith(ref.lower(), autoescape=True))
                )
            )
            if len(matches) > 1:
                raise BadInput(f"More than one case id starts with {ref!r}; give more of it.")
        if not matches:
            raise NotFound(f"There is no case {ref!r}.")
        if len(matches) > 1:
            raise BadInput(f"More than one case is named {ref!r}; give the case id instead.")
        return matches[0]

    def _statement(self, session: Session, case: Case) -> ExitStatement:
        row = session.scalars(select(ExitStatement).where(ExitStatement.case_id == case.id)).first()
        if row is None:
            raise NotFound(
                f"No exit statement has been prepared for {case.name} yet; prepare it first."
            )
        return row

    def _practice(self, session: Session) -> str:
        meta = session.scalars(select(VaultMeta)).first()
        return meta.practice_name if meta is not None else ""

    def _view(
        self, session: Session, row: ExitStatement, case: Case, doc: dict[str, Any]
    ) -> Statement:
        pending = handover.pending_entries(session, [p["id"] for p in doc["passwords"]])
        return self._model(row, case, doc, self._practice(session), pending)

    def _model(
        self, row: ExitStatement, case: Case, doc: dict[str, Any], practice: str, pending: set[str]
    ) -> Statement:
        frozen = doc.get("frozen")
        if frozen:
            values = frozen
        else:
            values = {
                "practice": practice,
                "person": doc["person"],
                "termination_date": case.termination_date.isoformat(),
            }
        termination = date.fromisoformat(values["termination_date"])
        fill_values = {
            "practice": values["practice"],
            "person": values["person"],
            "termination_date": termination.strftime(DATE_TEXT).lstrip("0"),
        }
        template = doc["template"]
        printed = doc.get("printed")
        signing = doc.get("signing")
        return Statement(
            id=row.id,
            case_id=case.id,
            case_name=case.name,
            termination_date=termination,
            practice=values["practice"],
            status=plain_enum(StatementStatus, row, "status"),
            person=values["person"],
            job_title=doc["job_title"],
            title=template["title"],
            intro=fill(template["intro"], fill_values),
            clauses=[
                Clause(key=c["key"], title=c["title"], text=fill(c["text"], fill_values))
                for c in template["clauses"]
            ],
            practice_text_title=template["practice_text_title"],
            practice_text=fill(doc["practice_text"], fill_values),
            personal_return=doc["personal_return"],
            template_version=template["version"],
            property_items=[PropertyItem.model_validate(item) for item in doc["property"]],
            passwords=[
                ListedPassword.model_validate({**p, "in_inventory": p["id"] not in pending})
                for p in doc["passwords"]
            ],
            printed=PrintedVersion.model_validate(printed) if printed else None,
            signing=Signing.model_validate(signing) if signing else None,
            version=row.version,
            updated_at=row.updated_at,
            updated_by=row.updated_by,
        )
