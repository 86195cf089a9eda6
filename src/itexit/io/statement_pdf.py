"""The exit statement as a printable PDF: every clause, the property list, signature lines.

Listed passwords appear by system only; the PDF says the passwords themselves were recorded in
the vault. The file is written atomically (a private temporary file, then a rename) with mode
0600, because it names a person and the practice's systems.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from importlib import resources
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from itexit.domain.errors import BadInput
from itexit.domain.statements import DATE_TEXT, PropertyState, Statement
from itexit.domain.text import clean

_FONT = "dejavu"
_FALLBACK_FONT = "droid-fallback"
FONTS = resources.files("itexit.data").joinpath("fonts")
"""DejaVu Sans (Latin, Greek, Cyrillic…) and Droid Sans Fallback (Chinese, Japanese, Korean),
both licensed for redistribution (licences beside them); only the glyphs used are embedded."""


def printable(text: str) -> str:
    """Text as the PDF prints it: every name as written; only control characters are dropped
    (whole escape sequences and bidirectional overrides first, `domain.text.clean`)."""
    text = clean(text, multiline=True)
    return "".join(c for c in text if c in "\n\t" or (c.isprintable() or c == "\u00a0"))


def unicode_pdf(pdf: FPDF) -> None:
    """Give a PDF the shipped Unicode fonts: every PDF itexit writes prints every name."""
    with resources.as_file(FONTS) as folder:
        regular = folder / "DejaVuSans.ttf"
        pdf.add_font(_FONT, style="", fname=regular)
        pdf.add_font(_FONT, style="B", fname=folder / "DejaVuSans-Bold.ttf")
        pdf.add_font(_FONT, style="I", fname=regular)  # no oblique shipped: upright instead
        pdf.add_font(_FALLBACK_FONT, style="", fname=folder / "DroidSansFallback.ttf")
    pdf.set_fallback_fonts([_FALLBACK_FONT], exact_match=False)


class _StatementPdf(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(format="A4")
        unicode_pdf(self)
        self._footer_text = footer_text
        self.set_margins(20, 18, 20)
        self.set_auto_page_break(auto=True, margin=20)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(_FONT, size=8)
        self.set_text_color(110)
        self.cell(0, 5, printable(self._footer_text), align="L")
        self.set_x(-40)
        self.cell(20, 5, f"Page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(0)


def _paragraph(pdf: FPDF, text: str, size: float = 10.5, style: str = "") -> None:
    pdf.set_font(_FONT, style=style, size=size)
    pdf.multi_cell(0, 5.2, printable(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(3)
    pdf.set_font(_FONT, style="B", size=11.5)
    pdf.multi_cell(0, 6, printable(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(0.5)


def _signature_block(pdf: FPDF, label: str, name: str) -> None:
    if pdf.get_y() > pdf.h - 55:
        pdf.add_page()
    pdf.ln(12)
    left = pdf.l_margin
    pdf.set_draw_color(0)
    pdf.line(left, pdf.get_y(), left + 100, pdf.get_y())
    pdf.line(left + 115, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(1)
    pdf.set_font(_FONT, size=9)
    pdf.cell(115, 5, printable(f"{label}: {name}" if name else label))
    pdf.cell(0, 5, "Date", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def render_statement(statement: Statement) -> tuple[bytes, int]:
    """The statement as PDF bytes, and how many pages it has."""
    footer = (
        f"{statement.practice} - exit statement {statement.id[:8]} "
        f"- text version {statement.template_version}"
    )
    pdf = _StatementPdf(footer)
    pdf.set_title(printable(f"{statement.title} - {statement.person}"))
    pdf.set_author(printable(statement.practice))
    pdf.add_page()

    pdf.set_font(_FONT, style="B", size=16)
    pdf.multi_cell(0, 8, printable(statement.practice), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(_FONT, style="B", size=13)
    pdf.multi_cell(0, 7, printable(statement.title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    details = [
        ("Name", statement.person),
        ("Position", statement.job_title or "-"),
        (
            "Last day",
            statement.termination_date.strftime(DATE_TEXT) if statement.termination_date else "-",
        ),
        ("Case", statement.case_name),
    ]
    for label, value in details:
        pdf.set_font(_FONT, style="B", size=10)
        pdf.cell(28, 5.5, printable(label))
        pdf.set_font(_FONT, size=10)
        pdf.multi_cell(0, 5.5, printable(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if statement.intro:
        pdf.ln(2)
        _paragraph(pdf, statement.intro)

    for number, clause in enumerate(statement.clauses, start=1):
        _heading(pdf, f"{number}. {clause.title}")
        _paragraph(pdf, clause.text)
        if clause.key == "property":
            _property_table(pdf, statement)
        elif clause.key == "passwords":
            _password_list(pdf, statement)
        elif clause.key == "personal_information" and statement.personal_return.strip():
            pdf.ln(1)
            _paragraph(pdf, "To be returned: " + statement.personal_return.strip(), size=10)

    if statement.practice_text.strip():
        _heading(pdf, f"{len(statement.clauses) + 1}. {statement.practice_text_title}")
        _paragraph(pdf, statement.practice_text.strip())

    pdf.ln(4)
    _paragraph(
        pdf,
        "I have read this statement, I understand it, and I sign it of my own free will.",
        size=10,
        style="I",
    )
    _signature_block(pdf, "Signature", statement.person)
    _signature_block(pdf, "Witness (name and signature)", "")
    _signature_block(pdf, f"For {statement.practice}", "")
    return bytes(pdf.output()), pdf.pages_count


def _property_table(pdf: FPDF, statement: Statement) -> None:
    pdf.ln(1.5)
    if not statement.property_items:
        _paragraph(pdf, "No practice property was listed.", size=10, style="I")
        return
    pdf.set_font(_FONT, style="B", size=9.5)
    pdf.set_fill_color(235)
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.cell(width - 60, 6, "Item", border=1, fill=True)
    pdf.cell(
        60, 6, "Returned / outstanding", border=1, fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    pdf.set_font(_FONT, size=9.5)
    for item in statement.property_items:
        if item.signed_state is PropertyState.RETURNED:  # a later return leaves the text
            state = "Returned"
            if item.returned_on:
                state += f" {item.returned_on.strftime('%d %b %Y')}"
        else:
            state = "OUTSTANDING"
        pdf.cell(width - 60, 6, printable(item.name)[:90], border=1)
        pdf.cell(60, 6, state, border=1, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _password_list(pdf: FPDF, statement: Statement) -> None:
    pdf.ln(1.5)
    if not statement.passwords:
        _paragraph(pdf, "No undocumented passwords were listed.", size=10, style="I")
        return
    for listed in statement.passwords:
        who = f" (user {listed.username})" if listed.username else ""
        _paragraph(
            pdf,
            f"- {listed.system}{who}: recorded in the vault on "
            f"{listed.recorded_on.strftime('%d %b %Y')}",
            size=10,
        )
    _paragraph(
        pdf,
        "The passwords are not printed on this statement: they are kept encrypted in the "
        "practice's password vault, to be verified and changed.",
        size=9,
        style="I",
    )


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a 0600 temporary file in the same folder, then rename."""
    target = path.expanduser()
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise BadInput(f"The folder {folder} does not exist; choose another place for the PDF.")
    if target.is_dir():
        raise BadInput(f"{target} is a folder; give a file name such as exit-statement.pdf.")
    fd, temp_name = tempfile.mkstemp(prefix=".itexit-", suffix=".pdf.tmp", dir=folder)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise BadInput(f"Cannot write {target}: {exc.strerror}.") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise


def write_statement(statement: Statement, path: Path) -> tuple[str, int]:
    """Render and write the statement; its SHA-256 and page count."""
    data, pages = render_statement(statement)
    write_atomically(path, data)
    return hashlib.sha256(data).hexdigest(), pages
