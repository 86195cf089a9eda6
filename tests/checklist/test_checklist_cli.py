"""`itexit case`, `task` and `template` in-process: output, JSON, exit codes, one-line errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from itexit.cli import main
from itexit.cli.checklist import STAGES
from itexit.domain.checklist import CaseStatus
from vaulthelpers import MANAGER, MANAGER_PASS, new_vault

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def itexit(tmp_path: Path, capsys: pytest.CaptureFixture[str], frozen_now: object) -> Run:
    path = tmp_path / "vault.sqlite"
    new_vault(path).close()
    pp = tmp_path / "pp"
    pp.write_text(MANAGER_PASS + "\n")
    pp.chmod(0o600)

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--vault", str(path), "--user", MANAGER, "--passphrase-file", str(pp), *args])
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def _new(run: Run, *extra: str) -> tuple[int, str, str]:
    return run(
        "case", "new", "--name", "Gary Thistle", "--kind", "it-employee",
        "--termination-date", "2026-11-20", *extra,
    )  # fmt: skip


def test_case_new_list_show_json(itexit: Run) -> None:
    code, out, _ = _new(itexit, "--template", "it-person", "--template", "replacement-onboarding")
    assert code == 0 and "21 tasks" in out
    code, out, _ = itexit("case", "list", "--json")
    [row] = json.loads(out)
    assert row["name"] == "Gary Thistle" and row["kind"] == "it-employee"
    assert row["critical_overdue"] > 0
    code, out, _ = itexit("case", "show", "gary thistle", "--json")
    shown = json.loads(out)
    task = shown["tasks"][0]
    assert {"id", "title", "phase", "critical", "due", "status", "assignee"} <= set(task)
    assert task["number"] == 1 and task["due"] == "2026-10-30"
    code, out, _ = itexit("case", "show", "Gary Thistle")
    assert "Before the termination" in out and "OVERDUE" in out


def test_task_done_na_assign_and_gating(itexit: Run, tmp_path: Path) -> None:
    _new(itexit)
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF scan")
    code, out, _ = itexit(
        "task", "done", "Gary Thistle", "3", "--evidence", "ok", "--attach", str(scan)
    )
    assert code == 0 and "#3" in out and "done" in out
    code, _, err = itexit("task", "done", "Gary Thistle", "10")
    assert code == 1 and "waits for the critical task #8" in err
    assert err.count("\n") == 1
    code, _, err = itexit("task", "na", "Gary Thistle", "2", "--reason", " ")
    assert code == 2 and "needs a reason" in err
    code, out, _ = itexit("task", "na", "Gary Thistle", "#2", "--reason", "policy exists")
    assert code == 0 and "not applicable" in out
    code, out, err = itexit("task", "assign", "Gary Thistle", "5", "hr")
    assert code == 0 and "given to an HR officer" in out, err
    code, _, err = itexit("task", "assign", "Gary Thistle", "5", "nobody")
    assert code == 2 and "no active user" in err


def test_case_close_is_refused_naming_the_critical_task(itexit: Run) -> None:
    _new(itexit, "--template", "replacement-onboarding")
    code, _, err = itexit("case", "close", "Gary Thistle")
    assert code == 1 and "critical task #1" in err and "still open" in err
    for number in ("1", "4"):
        assert itexit("task", "na", "Gary Thistle", number, "--reason", "done elsewhere")[0] == 0
    # the tasks are settled, but the exit statement is not signed: an exposure, named
    code, _, err = itexit("case", "close", "Gary Thistle")
    assert code == 1 and "exposure" in err and "Exit statement" in err
    code, out, _ = itexit("exposure", "list", "--case", "Gary Thistle", "--json")
    exposures = json.loads(out)
    assert exposures and all(e["person"] == "Gary Thistle" for e in exposures)
    for item in exposures:
        code, _, err = itexit(
            "exposure", "accept", item["id"], "--reason", "signed on paper only",
            "--until", "2027-01-31",
        )  # fmt: skip
        assert code == 0, err
    code, out, _ = itexit("case", "close", "Gary Thistle")
    assert code == 0 and "closed" in out


def test_case_status_moves_between_stages_and_checks_closing(itexit: Run) -> None:
    _new(itexit, "--template", "replacement-onboarding")
    code, out, _ = itexit("case", "status", "Gary Thistle", "monitoring")
    assert code == 0 and "is monitoring" in out
    code, out, _ = itexit("case", "list", "--json")
    assert json.loads(out)[0]["status"] == "monitoring"
    code, _, err = itexit("case", "status", "Gary Thistle", "closed")
    assert code == 1 and "critical task #1" in err
    with pytest.raises(SystemExit):
        itexit("case", "status", "Gary Thistle", "finished")
    assert set(STAGES) == {status.value for status in CaseStatus}


def test_unknown_case_and_bad_date(itexit: Run) -> None:
    code, _, err = itexit("case", "show", "Nobody")
    assert code == 2 and "no case 'Nobody'" in err
    with pytest.raises(SystemExit) as exc:
        itexit("case", "new", "--name", "X", "--kind", "clinician", "--termination-date", "1/2/26")
    assert exc.value.code == 2


def test_template_list_and_validate(itexit: Run, tmp_path: Path) -> None:
    code, out, _ = itexit("template", "list", "--json")
    ids = {row["id"] for row in json.loads(out)}
    assert ids == {"it-person", "clinician-deprovisioning", "replacement-onboarding"}
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[template]\nid = "ours"\ntitle = "Our steps"\nkinds = ["it_vendor"]\nsource = "us"\n'
        '\n[[tasks]]\nkey = "a"\ntitle = "Badge returned"\nphase = "someday"\n'
        'offset_days = 0\nrole = "hr"\nguidance = "Collect the door badge."\nreference = "ours"\n'
    )
    code, _, err = itexit("template", "validate", str(bad))
    assert code == 2
    assert f"{bad}:5: template.source:" in err
    assert f"{bad}:10: tasks[1].phase:" in err
    good = tmp_path / "good.toml"
    good.write_text(bad.read_text().replace('"someday"', '"after"').replace('"us"', '"our policy"'))
    code, out, _ = itexit("template", "validate", str(good))
    assert code == 0 and "valid template 'ours' with 1 task." in out
