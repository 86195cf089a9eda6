"""Printing and signing: the PDF, the signing record with its scanned copy, late returns."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from itexit.domain.errors import BadInput
from itexit.domain.roles import Permission, Scope
from itexit.domain.statements import (
    DATE_TEXT,
    LateReturn,
    NewSigning,
    PrintResult,
    PropertyState,
    SignedCopy,
    Statement,
    StatementStatus,
)
from itexit.services.blobs import read_blob, store_blob
from itexit.services.context import check_version
from itexit.services.statements.drafting import StatementDrafting
from itexit.services.statements.records import SIGNED, clean, find_item, now


class StatementSigning(StatementDrafting):
    """Printing, signing, and what happens to a statement after it is signed."""

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
                    "printed_at": now().isoformat(),
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
        witness = clean(signing.witness, 200, "witness's name")
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
            signatory = clean(signing.signatory, 200, "signatory's name") or doc["person"]
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
                "recorded_at": now().isoformat(),
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

    def return_after_signing(
        self, case_ref: str, item_ref: str, late: LateReturn, expected_version: int | None = None
    ) -> Statement:
        """Record an item handed back after the signing; the signed text stays as signed."""
        self.ctx.require(Permission.HR_WRITE)
        received_by = clean(late.received_by, 200, "name of who received it")
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
            item = find_item(doc, item_ref)
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
