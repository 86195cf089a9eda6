"""HR exit statements: prepare, print, record the signing (hr scope).

Everything personal (the person's name and position, the property list, the practice's text,
the listed systems and the signing record) is sealed in the statement's `hr` document. Only the
status is plain, so anyone who may read cases sees that a statement exists and how far it got.
Listed passwords never enter the document: they are sealed to the hand-over inbox, which only a
`cred` key holder can open.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from itexit.domain.errors import BadInput, NotFound
from itexit.domain.models import Tile
from itexit.domain.reminders import Reminder, ReminderArea
from itexit.domain.roles import Permission, Scope
from itexit.domain.statements import (
    DATE_TEXT,
    Clause,
    LateReturn,
    ListedPassword,
    NewListedPassword,
    NewSigning,
    PrintedVersion,
    PrintResult,
    PropertyItem,
    PropertyState,
    SignedCopy,
    Signing,
    Statement,
    StatementEdit,
    StatementListing,
    StatementStatus,
    fill,
    load_template,
)
from itexit.services.blobs import read_blob, store_blob
from itexit.services.context import VaultContext, check_version, plain_enum
from itexit.services.credentials import handover
from itexit.services.states import check_statements, closed_cases
from itexit.store.checklist import Case
from itexit.store.models import VaultMeta
from itexit.store.statements import ExitStatement

MAX_TEXT = 4000
MAX_ITEM = 120
SIGNED = "This statement was signed on {when}; it can no longer be changed."


def _now() -> datetime:
    return datetime.now(UTC)


def _clean(text: str, limit: int, what: str) -> str:
    value = text.strip()
    if len(value) > limit:
        raise BadInput(f"The {what} is longer than {limit} characters; shorten it.")
    return value


class StatementService:
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

    # --- reading ------------------------------------------------------------------------------

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

    # --- preparing ----------------------------------------------------------------------------

    def prepare(self, case_ref: str) -> Statement:
        """Start the case's statement from the shipped template (or return the one there is)."""
        self.ctx.require(Permission.HR_WRITE)
        template = load_template()
        with self.ctx.transaction() as session:
            case = self._case(session, case_ref)
            existing = session.scalars(
                select(ExitStatement).where(ExitStatement.case_id == case.id)
            ).first()
            if existing is None:
                row = ExitStatement(
                    id=str(uuid.uuid4()),
                    case_id=case.id,
                    status=StatementStatus.DRAFTED.value,
                    version=1,
                )
                document: dict[str, Any] = {
                    "person": case.name,
                    "job_title": "",
                    "practice_text": template.practice_text.default,
                    "personal_return": "",
                    "template": {
                        "version": template.version,
                        "title": template.title,
                        "intro": template.intro,
                        "clauses": [c.model_dump() for c in template.clauses],
                        "practice_text_title": template.practice_text.title,
                    },
                    "property": [],
                    "passwords": [],
                    "printed": None,
                    "signing": None,
                }
                self.ctx.seal(row, document, Scope.HR)
                session.add(row)
                session.flush()
                self.ctx.record(
                    session,
                    "statement.prepare",
                    case.name,
                    statement_id=row.id,
                    template_version=template.version,
                )
        return self.get(case_ref)

    def _change(
        self,
        case_ref: str,
        expected_version: int | None,
        action: str,
        change: Any,
        **details: Any,
    ) -> Statement:
        """One edit of an unsigned statement: permission, version check, reseal, audit."""
        self.ctx.require(Permission.HR_WRITE)
        with self.ctx.transaction() as session:
            case = self._case(session, case_ref)
            row = self._statement(session, case)
            check_version(row, expected_version)
            doc = self.ctx.unseal(row)
            if row.status == StatementStatus.SIGNED.value:
                raise BadInput(SIGNED.format(when=doc["signing"]["signed_on"]))
            extra = change(session, row, doc) or {}
            self.ctx.seal(row, doc)
            session.flush()
            self.ctx.record(session, action, case.name, statement_id=row.id, **details, **extra)
            return self._view(session, row, case, doc)

    def edit(
        self, case_ref: str, edit: StatementEdit, expected_version: int | None = None
    ) -> Statement:
        """Change the person's details or the practice's text; a printed copy must be redone."""
        values = {
            "person": (edit.person, 200, "person's name"),
            "job_title": (edit.job_title, 200, "position"),
            "practice_text": (edit.practice_text, MAX_TEXT, "practice text"),
            "personal_return": (edit.personal_return, MAX_TEXT, "list of personal information"),
        }
        cleaned = {
            key: _clean(value, limit, what)
            for key, (value, limit, what) in values.items()
            if value is not None
        }
        if "person" in cleaned and not cleaned["person"]:
            raise BadInput("The statement needs the name of the person signing it.")

        def change(session: Session, row: ExitStatement, doc: dict[str, Any]) -> dict[str, Any]:
            changed = [key for key, value in cleaned.items() if doc.get(key) != value]
            doc.update(cleaned)
            if changed and row.status == StatementStatus.PRINTED.value:
                row.status = StatementStatus.DRAFTED.value
                doc["printed"] = None
            return {"fields": changed}

        return self._change(case_ref, expected_version, "statement.edit", change)

    def add_property(
        self, case_ref: str, name: str, returned: bool = False, expected_version: int | None = None
    ) -> Statement:
        item_name = _clean(name, MAX_ITEM, "item name")
        if not item_name:
            raise BadInput("Name the item, e.g. 'Laptop (Dell, asset 0142)'.")
        item_id = str(uuid.uuid4())

        def change(session: Session, row: ExitStatement, doc: dict[str, Any]) -> None:
            if any(item["name"].lower() == item_name.lower() for item in doc["property"]):
                raise BadInput(f"{item_name!r} is already on the property list.")
            doc["property"].append(
                {
                    "id": item_id,
                    "name": item_name,
                    "state": (PropertyState.RETURNED if returned else PropertyState.OUTSTANDING),
                    "returned_on": date.today().isoformat() if returned else None,
                }
            )

        return self._change(
            case_ref, expected_version, "statement.property_items.add", change, item_id=item_id
        )

    def set_property(
        self, case_ref: str, item_ref: str, returned: bool, expected_version: int | None = None
    ) -> Statement:
        """Mark one item returned (today) or outstanding; the item by id or name."""

        def change(session: Session, row: ExitStatement, doc: dict[str, Any]) -> dict[str, Any]:
            item = _find_item(doc, item_ref)
            item["state"] = PropertyState.RETURNED if returned else PropertyState.OUTSTANDING
            item["returned_on"] = date.today().isoformat() if returned else None
            return {"item_id": item["id"], "state": item["state"]}

        return self._change(case_ref, expected_version, "statement.property_items.mark", change)

    def return_after_signing(
        self, case_ref: str, item_ref: str, late: LateReturn, expected_version: int | None = None
    ) -> Statement:
        """Record an item handed back after the signing; the signed text stays as signed."""
        self.ctx.require(Permission.HR_WRITE)
        received_by = _clean(late.received_by, 200, "name of who received it")
        if late.returned_on > date.today():
            raise BadInput("The return date is in the future; give the day it was handed back.")
        with self.ctx.transaction() as session:
            case = self._case(session, case_ref)
            row = self._statement(session, case)
            check_version(row, expected_version)
            doc = self.ctx.unseal(row)
            if row.status != StatementStatus.SIGNED.value:
                raise BadInput(
                    "The statement is not signed yet: mark the item returned on the property "
                    "list itself."
                )
            item = _find_item(doc, item_ref)
            if item["state"] != PropertyState.OUTSTANDING:
                raise BadInput(f"{item['name']} is already marked returned.")
            signed_on = date.fromisoformat(doc["signing"]["signed_on"])
            if late.returned_on < signed_on:
                raise BadInput(
                    f"The statement was signed on {signed_on.strftime(DATE_TEXT)}; give a "
                    "return date on or after it."
                )
            item["state"] = PropertyState.RETURNED
            item["returned_on"] = late.returned_on.isoformat()
            item["received_by"] = received_by or self.ctx.actor.name
            item["after_signing"] = True
            self.ctx.seal(row, doc)
            session.flush()
            self.ctx.record(
                session,
                "statement.property_items.returned_after_signing",
                case.name,
                statement_id=row.id,
                item_id=item["id"],
                returned_on=item["returned_on"],
            )
            return self._view(session, row, case, doc)

    def remove_property(
        self, case_ref: str, item_ref: str, expected_version: int | None = None
    ) -> Statement:
        def change(session: Session, row: ExitStatement, doc: dict[str, Any]) -> dict[str, Any]:
            item = _find_item(doc, item_ref)
            doc["property"].remove(item)
            return {"item_id": item["id"]}

        return self._change(case_ref, expected_version, "statement.property_items.remove", change)

    def add_password(
        self, case_ref: str, new: NewListedPassword, expected_version: int | None = None
    ) -> Statement:
        """Seal a password the person lists to the inbox; the statement keeps only the system."""
        system = _clean(new.system, 200, "system name")
        username = _clean(new.username, 200, "user name")
        note = _clean(new.note, MAX_TEXT, "note")
        if not system:
            raise BadInput("Name the system the password opens.")
        if not new.secret.get_secret_value():
            raise BadInput(f"Type the password for {system}; it is sealed for the IT consultant.")

        def change(session: Session, row: ExitStatement, doc: dict[str, Any]) -> dict[str, Any]:
            entry_id = handover.seal_handover(
                self.ctx,
                session,
                row.id,
                system=system,
                username=username,
                secret=new.secret,
                note=note,
            )
            doc["passwords"].append(
                {
                    "id": entry_id,
                    "system": system,
                    "username": username,
                    "recorded_on": date.today().isoformat(),
                    "recorded_by": self.ctx.actor.name,
                }
            )
            return {"entry_id": entry_id}

        return self._change(case_ref, expected_version, "statement.password.add", change)

    # --- printing and signing -------------------------------------------------------------

    def print_pdf(self, case_ref: str, out: Path) -> PrintResult:
        """Write the statement as a PDF (0600, atomically) and mark it printed."""
        from itexit.io.statement_pdf import write_statement

        self.ctx.require(Permission.HR_READ)
        self.ctx.require(Permission.HR_WRITE)
        with self.ctx.transaction() as session:
            case = self._case(session, case_ref)
            row = self._statement(session, case)
            doc = self.ctx.unseal(row)
            statement = self._view(session, row, case, doc)
            sha256, pages = write_statement(statement, out)
            if row.status != StatementStatus.SIGNED.value:
                doc["printed"] = {
                    "printed_at": _now().isoformat(),
                    "printed_by": self.ctx.actor.name,
                    "pdf_sha256": sha256,
                    "text_sha256": statement.text_sha256(),
                    "rendered": {
                        "practice": statement.practice,
                        "person": statement.person,
                        "termination_date": (
                            statement.termination_date or date.today()
                        ).isoformat(),
                    },
                }
                row.status = StatementStatus.PRINTED.value
                self.ctx.seal(row, doc)
            session.flush()
            self.ctx.record(
                session, "statement.print", case.name, statement_id=row.id, pdf_sha256=sha256
            )
        return PrintResult(path=str(out), sha256=sha256, pages=pages)

    def record_signing(
        self, case_ref: str, signing: NewSigning, expected_version: int | None = None
    ) -> Statement:
        """Record who signed, when, the witness, and keep the scanned copy by SHA-256."""
        self.ctx.require(Permission.HR_WRITE)
        witness = _clean(signing.witness, 200, "witness's name")
        if not witness:
            raise BadInput("Name the witness who saw the statement signed.")
        if signing.signed_on > date.today():
            raise BadInput("The signing date is in the future; give the date it was signed.")
        with self.ctx.transaction() as session:
            case = self._case(session, case_ref)
            row = self._statement(session, case)
            check_version(row, expected_version)
            doc = self.ctx.unseal(row)
            if row.status == StatementStatus.SIGNED.value:
                raise BadInput(SIGNED.format(when=doc["signing"]["signed_on"]))
            printed = doc.get("printed")
            if row.status != StatementStatus.PRINTED.value or not printed:
                raise BadInput(
                    "Print the statement before recording its signing: the signed paper must "
                    "match a printed version."
                )
            printed_on = datetime.fromisoformat(printed["printed_at"]).astimezone().date()
            if signing.signed_on < printed_on:
                raise BadInput(
                    f"The statement was printed on {printed_on.strftime(DATE_TEXT)}; it cannot "
                    "have been signed before that. Give the date it was signed."
                )
            signatory = _clean(signing.signatory, 200, "signatory's name") or doc["person"]
            blob = store_blob(
                self.ctx, session, signing.copy_bytes, signing.copy_filename, Scope.HR
            )
            doc["signing"] = {
                "signed_on": signing.signed_on.isoformat(),
                "signatory": signatory,
                "witness": witness,
                "signed_copy": {
                    "blob_id": blob.id,
                    "sha256": blob.sha256,
                    "filename": blob.filename,
                    "size": blob.size,
                },
                "recorded_at": _now().isoformat(),
                "recorded_by": self.ctx.actor.name,
                "text_sha256": printed["text_sha256"],
            }
            doc["frozen"] = printed["rendered"]
            row.status = StatementStatus.SIGNED.value
            self.ctx.seal(row, doc)
            session.flush()
            self.ctx.record(
                session,
                "statement.sign",
                case.name,
                statement_id=row.id,
                signed_on=signing.signed_on.isoformat(),
                copy_sha256=blob.sha256,
                text_sha256=printed["text_sha256"],
            )
            return self._view(session, row, case, doc)

    def signed_copy(self, case_ref: str) -> tuple[SignedCopy, bytes]:
        """The scanned signed copy, checked against its SHA-256; reading it is audited."""
        self.ctx.require(Permission.HR_READ)
        statement = self.get(case_ref)
        if statement.signing is None:
            raise BadInput(f"The statement for {statement.case_name} has not been signed yet.")
        with self.ctx.transaction() as session:
            self.ctx.record(
                session,
                "statement.copy.read",
                statement.case_name,
                statement_id=statement.id,
                sha256=statement.signing.signed_copy.sha256,
            )
        _ref, data = read_blob(self.ctx, statement.signing.signed_copy.blob_id)
        return statement.signing.signed_copy, data


def _find_item(doc: dict[str, Any], item_ref: str) -> dict[str, Any]:
    ref = item_ref.strip().lower()
    for item in doc["property"]:
        if item["id"] == item_ref or item["name"].lower() == ref:
            return item  # type: ignore[no-any-return]
    raise NotFound(f"There is no item {item_ref!r} on the property list.")


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
