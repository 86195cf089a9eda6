"""The printed statement: opens, holds every clause and the lists, never a password."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest
from pydantic import SecretStr
from pypdf import PdfReader
from statement_helpers import DEPARTING, Practice

from itexit.domain.errors import BadInput
from itexit.domain.statements import NewListedPassword, StatementEdit, load_template
from itexit.io.statement_pdf import printable, write_atomically

SECRET = "Canary-Pdf-Secret-91x"


def pdf_text(path: Path) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    return re.sub(r"\s+", " ", text)


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", printable(text)).strip()


def test_the_pdf_contains_every_clause_and_both_lists(practice: Practice, tmp_path: Path) -> None:
    hr = practice.hr.statements
    hr.prepare(practice.case_id)
    hr.edit(
        practice.case_id,
        StatementEdit(
            job_title="IT administrator",
            practice_text="Final pay is handled under the separation policy — as agreed.",
            personal_return="Family photos on the front-desk PC",
        ),
    )
    hr.add_property(practice.case_id, "Laptop (asset 0142)", returned=True)
    hr.add_property(practice.case_id, "USB security token")
    hr.add_password(
        practice.case_id,
        NewListedPassword(system="Old NAS", username="gadmin", secret=SecretStr(SECRET)),
    )
    (tmp_path / "print").mkdir()
    out = tmp_path / "print" / "gary.pdf"
    result = hr.print_pdf(practice.case_id, out)
    statement = hr.get(practice.case_id)

    assert result.pages >= 1 and len(result.sha256) == 64
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert [p.name for p in out.parent.iterdir()] == ["gary.pdf"]  # no temporary file left
    text = pdf_text(out)
    assert "Harbour Family Practice" in text and DEPARTING in text and "IT administrator" in text
    template = load_template()
    assert len(statement.clauses) == len(template.clauses)
    for clause in statement.clauses:
        assert flat(clause.title) in text
        assert flat(clause.text) in text
    assert flat(statement.practice_text) in text
    assert "Laptop (asset 0142) Returned 23 Nov 2026" in text
    assert "USB security token OUTSTANDING" in text
    assert "Old NAS (user gadmin): recorded in the vault" in text
    assert "Family photos on the front-desk PC" in text
    assert "Signature: Gary Thistle" in text and "Witness (name and signature)" in text
    assert text.count("Date") >= 3
    assert SECRET not in text and SECRET.encode() not in out.read_bytes()


def test_writing_over_a_folder_or_into_a_missing_one_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(BadInput, match="does not exist"):
        write_atomically(folder / "missing" / "x.pdf", b"%PDF")
    with pytest.raises(BadInput, match="is a folder"):
        write_atomically(folder, b"%PDF")
    assert list(folder.iterdir()) == []
