"""Text pasted into a form or given to the command line is stored without control characters.

A paste can carry terminal escapes (`ESC [ 2 J` clears the screen, `ESC ] 52` writes the
clipboard), carriage returns that move the cursor back over what was shown, NUL bytes and the
right-to-left override U+202E that makes a name read backwards. Every free-text field goes
through one cleaner (`domain.text.clean`, applied by every model): none of these is stored,
and the words around them are kept.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from textual import events
from textual.widgets import Input
from tui_steps import MANAGER, MANAGER_PASSPHRASE, settle, unlock

from itexit.app import ItexitApp
from itexit.screens.vendors import VendorsScreen
from itexit.screens.vendors.forms import VendorModal
from itexit.services.gateway import Gateway
from vaulthelpers import MANAGER as CLI_MANAGER
from vaulthelpers import MANAGER_PASS, new_vault

CONTROLS = ("\x1b", "\x00", "\r", "\u202e", "\x07")
PASTED_NAME = "Acme\x1b[2J\x00 \u202eDental\x1b]52;c;aGFja2Vk\x07 Supply"
PASTED_NOTES = "Ring\x1b[31m first\x00, then\u202e e-mail"


def assert_no_controls(text: str) -> None:
    assert not any(c in text for c in CONTROLS), repr(text)


async def test_a_pasted_name_and_notes_lose_their_control_characters(
    practice: Gateway,
) -> None:
    app = ItexitApp(practice.location, gateway=practice)
    async with app.run_test(size=(120, 36)) as pilot:
        await unlock(pilot, MANAGER, MANAGER_PASSPHRASE)
        await pilot.press("f6")
        await settle(pilot)
        assert isinstance(app.screen, VendorsScreen)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, VendorModal)
        for selector, text in (("#vendor-name", PASTED_NAME), ("#vendor-notes", PASTED_NOTES)):
            field = app.screen.query_one(selector, Input)
            field.focus()
            field.post_message(events.Paste(text))
            await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, VendorsScreen)
        session = app.session
        assert session is not None
        stored = session.vendors.get("Acme Dental Supply")
    assert stored.name == "Acme Dental Supply"
    assert stored.notes == "Ring first, then e-mail"
    assert_no_controls(stored.name + stored.notes)


def test_the_command_line_stores_no_control_characters(tmp_path: Path) -> None:
    vault = new_vault(tmp_path / "v.sqlite")
    vault.close()
    passphrase = tmp_path / "pp"
    passphrase.write_text(MANAGER_PASS + "\n")
    passphrase.chmod(0o600)
    notes = tmp_path / "notes.txt"
    notes.write_bytes(b"Ring\x1b[31m first\x00,\r\nthen\xe2\x80\xae e-mail\rlast")
    env = {**os.environ, "ITEXIT_KDF_PROFILE": "test", "ITEXIT_HOME": str(tmp_path)}

    unlock_as = ["--vault", str(tmp_path / "v.sqlite"), "--user", CLI_MANAGER, "--passphrase-file"]

    def itexit(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "itexit", *unlock_as, str(passphrase), *args],
            capture_output=True,
            text=True,
            env=env,
            stdin=subprocess.DEVNULL,
            timeout=120,
        )

    name = "Acme\x1b[2J\r \u202eDental\x1b]52;c;aGFja2Vk\x07 Supply"  # argv holds no NUL
    refused = itexit("vendor", "add", name, "--notes-file", str(notes))
    assert refused.returncode == 2
    assert refused.stderr == (
        "itexit: The notes cannot hold control characters (such as Esc or NUL): give plain text.\n"
    )
    assert json.loads(itexit("vendor", "list", "--json").stdout) == []  # nothing half-added
    notes.write_bytes(b"Ring first,\r\nthen\xe2\x80\xae e-mail\rlast")
    added = itexit("vendor", "add", name, "--notes-file", str(notes))
    assert added.returncode == 0, added.stderr
    assert_no_controls(added.stdout)
    shown = itexit("vendor", "show", "Acme Dental Supply", "--json")
    assert shown.returncode == 0, shown.stderr
    vendor = json.loads(shown.stdout)
    assert vendor["name"] == "Acme Dental Supply"
    # a multi-line field keeps its line breaks (CR LF and a lone CR become LF), nothing else
    assert vendor["notes"] == "Ring first,\nthen e-mail\nlast"
    assert_no_controls(vendor["name"] + vendor["notes"])
