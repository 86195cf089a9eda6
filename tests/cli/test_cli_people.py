"""People from the command line: `init` named by ITEXIT_USER, users' full names and e-mails."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from itexit.cli import main

FIRST = "correct horse battery staple 42"
SECOND = "second manager strong passphrase 77"


def itexit(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def vault(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Path:
    """A vault made by `init` with the first manager named only in the environment."""
    path = tmp_path / "v.sqlite"
    pp = tmp_path / "pp"
    pp.write_text(FIRST + "\n")
    monkeypatch.setenv("ITEXIT_VAULT", str(path))
    monkeypatch.setenv("ITEXIT_USER", "ann")
    monkeypatch.setenv("ITEXIT_PASSPHRASE_FILE", str(pp))
    kit = tmp_path / "kit.txt"
    code, out, err = itexit(
        capsys, "init", "--practice", "Lakeside Clinic", "--recovery-kit", str(kit)
    )
    assert code == 0, err
    assert "ann is its first manager" in out
    return path


def test_init_takes_the_first_manager_from_itexit_user(
    vault: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = itexit(capsys, "user", "list", "--json")
    assert code == 0, err
    assert [(r["name"], r["role"]) for r in json.loads(out)] == [("ann", "manager")]


def test_init_without_any_user_says_how_to_name_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pp = tmp_path / "pp"
    pp.write_text(FIRST + "\n")
    vault = tmp_path / "none.sqlite"
    code, _, err = itexit(
        capsys, "--vault", str(vault), "--passphrase-file", str(pp), "init", "--practice", "X"
    )
    assert code == 2 and "ITEXIT_USER" in err and err.count("\n") == 1
    # nothing was created: a second try with a user works
    monkeypatch.setenv("ITEXIT_USER", "ann")
    code, _, err = itexit(
        capsys, "--vault", str(vault), "--passphrase-file", str(pp), "init", "--practice", "X"
    )
    assert code == 0, err


def test_user_add_and_edit_full_name_and_email(
    vault: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    new = tmp_path / "new"
    new.write_text(SECOND + "\n")
    code, out, err = itexit(
        capsys,
        "user",
        "add",
        "bo",
        "--role",
        "consultant",
        "--full-name",
        "  Bo   Müller ",
        "--email",
        "bo@lakeside.example",
        "--new-passphrase-file",
        str(new),
    )
    assert code == 0, err
    rows = {r["name"]: r for r in json.loads(itexit(capsys, "user", "list", "--json")[1])}
    assert rows["bo"]["full_name"] == "Bo Müller" and rows["bo"]["email"] == "bo@lakeside.example"
    assert rows["ann"]["full_name"] == "" and rows["ann"]["email"] == ""
    code, out, _ = itexit(capsys, "user", "list")
    assert "Bo Müller <bo@lakeside.example>" in out

    code, out, err = itexit(capsys, "user", "edit", "ann", "--full-name", "Ann Lee")
    assert code == 0 and "Ann Lee" in out, err
    code, out, err = itexit(capsys, "user", "edit", "bo", "--email", "")
    assert code == 0 and "no e-mail address" in out, err
    rows = {r["name"]: r for r in json.loads(itexit(capsys, "user", "list", "--json")[1])}
    assert rows["ann"]["full_name"] == "Ann Lee" and rows["bo"]["email"] == ""
    assert rows["bo"]["full_name"] == "Bo Müller"  # left as it was

    code, out, err = itexit(capsys, "audit", "verify", "--json")
    assert code == 0, err


@pytest.mark.parametrize(
    ("flags", "words"),
    [
        (("--email", "not-an-address"), "is not an e-mail address"),
        (("--full-name", "Ann\x1b[2JLee"), "control characters"),
        (("--full-name", "A" * 121), "at most 120"),
        ((), "Say what to change"),
    ],
)
def test_bad_details_are_refused_in_one_sentence_and_nothing_changes(
    vault: Path, capsys: pytest.CaptureFixture[str], flags: tuple[str, ...], words: str
) -> None:
    code, _, err = itexit(capsys, "user", "edit", "ann", *flags)
    assert code == 2 and words in err and err.count("\n") == 1 and "Traceback" not in err
    row = json.loads(itexit(capsys, "user", "list", "--json")[1])[0]
    assert row["full_name"] == "" and row["email"] == ""


def test_a_bad_email_on_add_fails_before_anything_is_asked(
    vault: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    new = tmp_path / "new"
    new.write_text(SECOND + "\n")
    code, _, err = itexit(
        capsys,
        "user",
        "add",
        "cy",
        "--role",
        "hr",
        "--email",
        "cy at home",
        "--new-passphrase-file",
        str(new),
    )
    assert code == 2 and "is not an e-mail address" in err
    names = [r["name"] for r in json.loads(itexit(capsys, "user", "list", "--json")[1])]
    assert names == ["ann"]


def test_only_a_manager_edits_people(
    vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    new = tmp_path / "new"
    new.write_text(SECOND + "\n")
    assert (
        itexit(capsys, "user", "add", "vic", "--role", "viewer", "--new-passphrase-file", str(new))[
            0
        ]
        == 0
    )
    monkeypatch.setenv("ITEXIT_USER", "vic")
    monkeypatch.setenv("ITEXIT_PASSPHRASE_FILE", str(new))
    code, _, err = itexit(capsys, "user", "edit", "ann", "--full-name", "Someone Else")
    assert code == 3 and err.count("\n") == 1
