"""The exit statement PDF prints every name as written (a Unicode font is embedded), and
`statement pdf` takes the short case ids other commands take."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from statement_helpers import LAST_DAY

from itexit.cli import main
from itexit.domain.checklist import CaseKind, NewCase
from vaulthelpers import HR_PASS, HR_USER, populated

NAME = "Zoë Łukasiewicz 张伟"


def pdf_text(path: Path) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.skip("pdftotext is not installed (Debian package poppler-utils; `make test`)")
    return subprocess.run(
        [tool, "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_the_statement_prints_every_name_and_takes_a_short_case_id(
    tmp_path: Path, frozen_now: object, capsys: pytest.CaptureFixture[str]
) -> None:
    vault = populated(tmp_path / "vault.sqlite", credentials=0)
    case = vault.manager.cases.create(
        NewCase(name=NAME, kind=CaseKind.IT_EMPLOYEE, termination_date=LAST_DAY)
    )
    vault.close()
    passphrase = tmp_path / "hana.pp"
    passphrase.write_text(HR_PASS + "\n")
    base = ["--vault", str(vault.path), "--user", HR_USER, "--passphrase-file", str(passphrase)]
    assert main([*base, "statement", "property", case.id[:8], "add", "Ключи от двери"]) == 0
    out = tmp_path / "statement.pdf"
    assert main([*base, "statement", "pdf", case.id[:8], str(out)]) == 0, capsys.readouterr()
    text = pdf_text(out)
    assert NAME in text
    assert "Ключи от двери" in text
    assert "?" not in text.replace("?)", "")
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True).stdout
    assert "DejaVuSans" in fonts and "Droid" in fonts
    assert out.stat().st_size < 400_000
