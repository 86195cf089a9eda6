"""Drafting a statement: prepare it from the template, edit it, list property and passwords.

Listed passwords never enter the document: they are sealed to the hand-over inbox, which only a
`cred` key holder can open.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from itexit.domain.errors import BadInput
from itexit.domain.roles import Permission, Scope
from itexit.domain.statements import (
    NewListedPassword,
    PropertyState,
    Statement,
    StatementEdit,
    StatementStatus,
    load_template,
)
from itexit.services.context import check_version
from itexit.services.credentials import handover
from itexit.services.statements.reading import StatementReading
from itexit.services.statements.records import MAX_ITEM, MAX_TEXT, SIGNED, clean, find_item
from itexit.store.statements import ExitStatement


class StatementDrafting(StatementReading):
    """Every change to a statement before it is signed."""

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
            key: clean(value, limit, what)
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
        item_name = clean(name, MAX_ITEM, "item name")
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
            item = find_item(doc, item_ref)
            item["state"] = PropertyState.RETURNED if returned else PropertyState.OUTSTANDING
            item["returned_on"] = date.today().isoformat() if returned else None
            return {"item_id": item["id"], "state": item["state"]}

        return self._change(case_ref, expected_version, "statement.property_items.mark", change)

    def remove_property(
        self, case_ref: str, item_ref: str, expected_version: int | None = None
    ) -> Statement:
        def change(session: Session, row: ExitStatement, doc: dict[str, Any]) -> dict[str, Any]:
            item = find_item(doc, item_ref)
            doc["property"].remove(item)
            return {"item_id": item["id"]}

        return self._change(case_ref, expected_version, "statement.property_items.remove", change)

    def add_password(
        self, case_ref: str, new: NewListedPassword, expected_version: int | None = None
    ) -> Statement:
        """Seal a password the person lists to the inbox; the statement keeps only the system."""
        system = clean(new.system, 200, "system name")
        username = clean(new.username, 200, "user name")
        note = clean(new.note, MAX_TEXT, "note")
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
