"""Fuzzed CSV input never crashes a reader and never half-imports."""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from itexit.domain.errors import BadInput
from itexit.io.importers import ImportFileError, ImportKind, parse, parse_mapping
from vaulthelpers import Vault, populated

HEADERS = {
    ImportKind.BITWARDEN_CSV: [
        "folder",
        "favorite",
        "type",
        "name",
        "notes",
        "fields",
        "reprompt",
        "login_uri",
        "login_username",
        "login_password",
        "login_totp",
    ],
    ImportKind.KEEPASS_CSV: ["Group", "Title", "Username", "Password", "URL", "Notes", "TOTP"],
    ImportKind.LASTPASS_CSV: [
        "url",
        "username",
        "password",
        "totp",
        "extra",
        "name",
        "grouping",
        "fav",
    ],
    ImportKind.ONEPASSWORD_CSV: ["Title", "Url", "Username", "Password", "OTPAuth", "Notes"],
}
CSV_KINDS = [*HEADERS, ImportKind.CSV]
MAPPING = parse_mapping("system=Title,secret=Password,url=URL,port=Port")

cells = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30
) | st.sampled_from(
    ["", "login", "note", "http://sn", "https://h.example:99", "h.example:0", "Root/Email", "0"]
)


@st.composite
def csv_files(draw: st.DrawFn, kind: ImportKind) -> bytes:
    header = HEADERS.get(kind, ["Title", "Password", "URL", "Port"])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow(header)
    for _ in range(draw(st.integers(0, 6))):
        width = draw(st.sampled_from([len(header), len(header), len(header) - 1, len(header) + 1]))
        writer.writerow([draw(cells) for _ in range(width)])
    text = out.getvalue()
    if draw(st.booleans()):  # a stray quote, comma, NUL or newline somewhere
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(['"', ",", "\x00", "\n", "\r"])) + text[at:]
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1"]))
    return text.encode(encoding, errors="replace")


@pytest.mark.parametrize("kind", CSV_KINDS, ids=str)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_structured_csv_never_crashes_a_reader(kind: ImportKind, data: st.DataObject) -> None:
    blob = data.draw(csv_files(kind))
    try:
        parsed = parse(kind, blob, mapping=MAPPING)
    except ImportFileError:
        return
    assert len(parsed.entries) + len(parsed.skipped) == parsed.rows
    for entry in parsed.entries:
        assert entry.system and entry.secret.get_secret_value()


@pytest.mark.parametrize("kind", [*CSV_KINDS, ImportKind.BITWARDEN_JSON, ImportKind.KEEPASS_XML])
@settings(max_examples=100, deadline=None)
@given(blob=st.binary(max_size=400))
def test_arbitrary_bytes_never_crash_a_reader(kind: ImportKind, blob: bytes) -> None:
    with contextlib.suppress(ImportFileError):
        parse(kind, blob, mapping=MAPPING)


@pytest.fixture
def vault(tmp_path: Path) -> Iterator[Vault]:
    opened = populated(tmp_path / "fuzz.sqlite", credentials=0)
    try:
        yield opened
    finally:
        opened.close()


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_a_fuzzed_import_adds_all_of_it_or_nothing(
    vault: Vault, tmp_path: Path, data: st.DataObject
) -> None:
    kind = data.draw(st.sampled_from(list(HEADERS)))
    path = tmp_path / "fuzzed.csv"
    path.write_bytes(data.draw(csv_files(kind)))
    before = vault.scalar("SELECT count(*) FROM credentials")
    try:
        preview = vault.manager.imports.preview(kind, path)
        report = vault.manager.imports.commit(preview)
    except BadInput:
        assert vault.scalar("SELECT count(*) FROM credentials") == before
        return
    assert report.imported == preview.to_import
    assert vault.scalar("SELECT count(*) FROM credentials") == before + report.imported
