"""The recovery kit as a page to print: plain text or PDF, written 0600 and never over a file.

The kit appears exactly as it is typed back (groups joined by dashes), in a fixed-width font
so that 0/O and 1/I cannot be confused on paper.
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from itexit.domain.errors import BadInput
from itexit.domain.recovery_kit import kit_lines
from itexit.io.statement_pdf import printable, unicode_pdf, write_atomically

TEXT_FONT = "dejavu"
"""The Unicode font `unicode_pdf` gives every PDF, so any practice name prints."""

INSTRUCTIONS = (
    "Print this page, sign and date it, and lock it away (a safe, or with your lawyer).",
    "Anyone holding it can open every record in the vault.",
    "It is shown once and never stored by itexit.",
    "To use it: on itexit's unlock screen press Ctrl+O (Forgot passphrase) and type it in,",
    "or run: itexit user passwd NAME --recovery-kit-file FILE",
)


def kit_document(practice: str, vault_id: str, kit: str) -> str:
    """The kit as a plain-text page."""
    return "\n".join(
        [
            f"itexit recovery kit — {practice}",
            f"Vault {vault_id}",
            "",
            f"    {kit}",
            "",
            *INSTRUCTIONS,
        ]
    )


def render_kit_pdf(practice: str, vault_id: str, kit: str) -> bytes:
    """The kit as a one-page PDF with room to sign and date it."""
    pdf = FPDF(format="A4")
    unicode_pdf(pdf)
    pdf.set_margins(20, 20, 20)
    pdf.set_title(printable(f"itexit recovery kit - {practice}"))
    pdf.set_author(printable(practice))
    pdf.add_page()
    pdf.set_font(TEXT_FONT, style="B", size=16)
    pdf.multi_cell(0, 8, printable(practice), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(TEXT_FONT, style="B", size=13)
    pdf.multi_cell(0, 7, "itexit recovery kit", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(TEXT_FONT, size=9)
    pdf.multi_cell(0, 5, printable(f"Vault {vault_id}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(8)
    pdf.set_font("courier", style="B", size=17)
    for line in kit_lines(kit):
        pdf.cell(0, 10, printable(line), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(8)
    pdf.set_font(TEXT_FONT, size=10.5)
    for sentence in INSTRUCTIONS:
        pdf.multi_cell(0, 5.5, printable(sentence), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(18)
    left = pdf.l_margin
    pdf.line(left, pdf.get_y(), left + 100, pdf.get_y())
    pdf.line(left + 115, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(1)
    pdf.set_font(TEXT_FONT, size=9)
    pdf.cell(115, 5, "Stored by (name and signature)")
    pdf.cell(0, 5, "Date", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def save_kit(path: Path, practice: str, vault_id: str, kit: str) -> Path:
    """Write the kit to `path` (a PDF when it ends in .pdf, else text), never over a file."""
    target = path.expanduser()
    if target.exists():
        raise BadInput(f"{target} already exists; choose a new file name.")
    if target.suffix.lower() == ".pdf":
        data = render_kit_pdf(practice, vault_id, kit)
    else:
        data = (kit_document(practice, vault_id, kit) + "\n").encode()
    write_atomically(target, data)
    return target
