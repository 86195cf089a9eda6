"""The formats other tools write, each from the layout its tool documents (or its own test file),
counted and compared field by field without itexit's parser; and bad input in one sentence."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest
from exports import CANARY

from itexit.io.importers import ImportFileError, ImportKind, parse

FIXTURES = Path(__file__).parent / "fixtures" / "keepassxc"
URL = "https://portal.greenway.example"


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def by_name(kind: ImportKind, data: bytes) -> dict[str, tuple[str, str, str]]:
    parsed = parse(kind, data)
    return {e.system: (e.username, e.secret.get_secret_value(), e.url) for e in parsed.entries}


CSV_FORMATS = {
    ImportKind.CHROME_CSV: (
        "name,url,username,password,note\n"
        f"portal.greenway.example,{URL},office,{CANARY}-c1,front desk\n",
        ("name", "username", "password", "url"),
    ),
    ImportKind.FIREFOX_CSV: (
        '"url","username","password","httpRealm","formActionOrigin","guid","timeCreated",'
        '"timeLastUsed","timePasswordChanged"\n'
        f'"{URL}","office","{CANARY}-f1",,"{URL}","{{a1b2}}","1700000000000",'
        '"1700000000000","1700000000000"\n',
        ("url", "username", "password", "url"),
    ),
    ImportKind.SAFARI_CSV: (
        "Title,URL,Username,Password,Notes,OTPAuth\n"
        f"Portal,{URL},office,{CANARY}-s1,,otpauth://totp/p?secret=JBSWY3DPEHPK3PXP\n",
        ("Title", "Username", "Password", "URL"),
    ),
    ImportKind.DASHLANE_CSV: (
        "username,username2,username3,title,password,note,url,category,otpSecret\n"
        f"office,,,Portal,{CANARY}-d1,,{URL},Vendors,\n",
        ("title", "username", "password", "url"),
    ),
    ImportKind.NORDPASS_CSV: (
        "name,url,additional_urls,username,password,note,cardholdername,cardnumber,cvc,pin,"
        "expirydate,zipcode,folder,full_name,phone_number,email,address1,address2,city,"
        "country,state,type,custom_fields\n"
        f'Portal,{URL},"[""https://alt.greenway.example""]",office,{CANARY}-n1,,,,,,,,'
        "Vendors,,,,,,,,,password,\n"
        "Alarm,,,,,code 4455,,,,,,,,,,,,,,,,note,\n",
        ("name", "username", "password", "url"),
    ),
    ImportKind.ROBOFORM_CSV: (
        "Name,Url,MatchUrl,Login,Pwd,Note,Folder,RfFieldsV2\n"
        f"Portal,{URL},{URL},office,{CANARY}-r1,,/Vendors,\n",
        ("Name", "Login", "Pwd", "Url"),
    ),
    ImportKind.SECRET_SERVER_CSV: (
        "Secret Name,Folder Path,Template,Server,Username,Password,Notes\n"
        f"DC01 admin,\\Servers\\Windows,Windows Account,dc01.greenway.local,administrator,"
        f"{CANARY}-t1,\n",
        ("Secret Name", "Username", "Password", None),
    ),
}


@pytest.mark.parametrize("kind", list(CSV_FORMATS))
def test_named_csv_formats_match_their_rows(kind: ImportKind) -> None:
    text, (name, user, password, url) = CSV_FORMATS[kind]
    ours = parse(kind, text.encode())
    theirs = [r for r in csv_rows(text) if r.get("type", "password") == "password" and r[password]]
    assert len(ours.entries) == len(theirs) == 1
    entry, row = ours.entries[0], theirs[0]
    system = row[name] if kind is not ImportKind.FIREFOX_CSV else "portal.greenway.example"
    assert (entry.system, entry.username, entry.secret.get_secret_value()) == (
        system,
        row[user],
        row[password],
    )
    if url is not None:
        assert entry.url == row[url]


def test_nordpass_keeps_additional_addresses_and_lists_its_note() -> None:
    parsed = parse(ImportKind.NORDPASS_CSV, CSV_FORMATS[ImportKind.NORDPASS_CSV][0].encode())
    assert "https://alt.greenway.example" in parsed.entries[0].notes
    assert [r.label for r in parsed.remarks] == ["Alarm"]


def test_secret_server_takes_the_server_and_folder() -> None:
    entry = parse(
        ImportKind.SECRET_SERVER_CSV, CSV_FORMATS[ImportKind.SECRET_SERVER_CSV][0].encode()
    ).entries[0]
    assert (entry.host, entry.folder, entry.category.value) == (
        "dc01.greenway.local",
        "Servers/Windows",
        "server",
    )


KEEPER_CSV = (
    f"Vendors,Portal,office,{CANARY}-k1,{URL},front desk,,PIN,4455,"
    "TFC:Keeper,otpauth://totp/p?secret=JBSWY3DPEHPK3PXP\n"
    f",Router,admin,{CANARY}-k2,http://192.168.1.1,,Shared IT\n"
)


def test_keeper_csv_without_a_header_row() -> None:
    parsed = parse(ImportKind.KEEPER_CSV, KEEPER_CSV.encode())
    theirs = list(csv.reader(io.StringIO(KEEPER_CSV)))
    assert [
        (e.folder, e.system, e.username, e.secret.get_secret_value(), e.url) for e in parsed.entries
    ] == [(r[0] or r[6], r[1], r[2], r[3], r[4]) for r in theirs]
    assert "PIN: 4455" in parsed.entries[0].notes
    assert parsed.entries[0].totp.get_secret_value().startswith("otpauth://")


KEEPER_JSON = {
    "shared_folders": [{"path": "Shared IT"}],
    "records": [
        {
            "title": "Portal",
            "login": "office",
            "password": f"{CANARY}-kj1",
            "login_url": URL,
            "notes": "",
            "$type": "login",
            "uid": "abc",
            "custom_fields": {
                "$oneTimeCode": "otpauth://totp/p?secret=JBSWY3DPEHPK3PXP",
                "PIN": "4455",
            },
            "folders": [{"folder": "Vendors"}],
        },
        {"title": "Alarm", "notes": "code 1234", "$type": "encryptedNotes", "uid": "n1"},
    ],
}

PROTON = {
    "version": "1.21.2",
    "userId": "u",
    "encrypted": False,
    "vaults": {
        "v1": {
            "name": "Practice",
            "items": [
                {
                    "itemId": "i1",
                    "state": 1,
                    "data": {
                        "metadata": {"name": "Portal", "note": ""},
                        "type": "login",
                        "content": {
                            "itemEmail": "",
                            "itemUsername": "office",
                            "password": f"{CANARY}-p1",
                            "urls": [URL, "https://alt.greenway.example"],
                            "totpUri": "otpauth://totp/p?secret=JBSWY3DPEHPK3PXP",
                        },
                        "extraFields": [],
                    },
                },
                {
                    "itemId": "i2",
                    "state": 2,
                    "data": {
                        "metadata": {"name": "Old", "note": ""},
                        "type": "login",
                        "content": {"itemUsername": "x", "password": f"{CANARY}-p2", "urls": []},
                    },
                },
                {
                    "itemId": "i3",
                    "state": 1,
                    "data": {
                        "metadata": {"name": "Alarm", "note": "code 9999"},
                        "type": "note",
                        "content": {},
                    },
                },
            ],
        }
    },
}

ENPASS = {
    "folders": [{"uuid": "f1", "title": "Vendors"}],
    "items": [
        {
            "title": "Portal",
            "category": "login",
            "note": "",
            "archived": 0,
            "trashed": 0,
            "folders": ["f1"],
            "fields": [
                {"label": "Username", "type": "username", "value": "office", "deleted": 0},
                {"label": "Password", "type": "password", "value": f"{CANARY}-e1", "deleted": 0},
                {"label": "Website", "type": "url", "value": URL, "deleted": 0},
                {
                    "label": "One-time code",
                    "type": "totp",
                    "value": "JBSWY3DPEHPK3PXP",
                    "deleted": 0,
                },
            ],
        },
        {"title": "Alarm", "category": "note", "note": "code 1", "fields": []},
    ],
}


@pytest.mark.parametrize(
    ("kind", "document", "skipped"),
    [
        (ImportKind.KEEPER_JSON, KEEPER_JSON, 1),
        (ImportKind.PROTON_PASS, PROTON, 2),
        (ImportKind.ENPASS_JSON, ENPASS, 1),
    ],
)
def test_json_formats(kind: ImportKind, document: dict[str, object], skipped: int) -> None:
    parsed = parse(kind, json.dumps(document).encode())
    assert by_name(kind, json.dumps(document).encode()) == {
        "Portal": ("office", parsed.entries[0].secret.get_secret_value(), URL)
    }
    assert parsed.entries[0].secret.get_secret_value().startswith(CANARY)
    assert parsed.entries[0].totp.get_secret_value()
    assert len(parsed.skipped) == skipped
    assert [r.label for r in parsed.remarks] == ["Alarm"]


def test_a_proton_pass_zip_is_read() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("Proton Pass/data.json", json.dumps(PROTON))
    assert "Portal" in by_name(ImportKind.PROTON_PASS, buffer.getvalue())


def test_a_1pux_from_keepassxc_tests_matches_its_export_data() -> None:
    data = (FIXTURES / "1PasswordExport.1pux").read_bytes()
    parsed = parse(ImportKind.ONEPASSWORD_1PUX, data)
    with zipfile.ZipFile(FIXTURES / "1PasswordExport.1pux") as archive:
        document = json.loads(archive.read("export.data"))
    items = [i for a in document["accounts"] for v in a["vaults"] for i in v["items"]]
    assert parsed.rows == len(items)
    assert len(parsed.entries) + len(parsed.skipped) == len(items)
    logins = [i for i in items if i["categoryUuid"] == "001" and i["state"] == "active"]
    login = next(e for e in parsed.entries if e.system == logins[0]["overview"]["title"])
    fields = {f["designation"]: f["value"] for f in logins[0]["details"]["loginFields"]}
    assert (login.username, login.secret.get_secret_value()) == (
        fields["username"],
        fields["password"],
    )
    urls = [u["url"] for u in logins[0]["overview"]["urls"]]
    assert login.url == urls[0] and all(u in login.notes for u in urls[1:])
    assert any("archived" in s.reason for s in parsed.skipped)


def test_a_1pux_given_as_another_format_is_recognised() -> None:
    data = (FIXTURES / "1PasswordExport.1pux").read_bytes()
    with pytest.raises(ImportFileError, match="1password-1pux"):
        parse(ImportKind.ONEPASSWORD_CSV, data)


ONEPIF = "\n".join(
    [
        json.dumps(
            {
                "typeName": "webforms.WebForm",
                "title": "Portal",
                "location": URL,
                "secureContents": {
                    "fields": [
                        {"designation": "username", "value": "office"},
                        {"designation": "password", "value": f"{CANARY}-1pif"},
                    ],
                    "URLs": [{"url": URL}],
                },
            }
        ),
        "***5642bee8-a5ff-11dc-8314-0800200c9a66***",
        json.dumps(
            {
                "typeName": "securenotes.SecureNote",
                "title": "Alarm",
                "secureContents": {"notesPlain": "code 2"},
            }
        ),
        "***5642bee8-a5ff-11dc-8314-0800200c9a66***",
        json.dumps(
            {
                "typeName": "webforms.WebForm",
                "title": "Gone",
                "trashed": True,
                "secureContents": {"fields": [{"designation": "password", "value": "x"}]},
            }
        ),
        "***5642bee8-a5ff-11dc-8314-0800200c9a66***",
    ]
)


def test_a_1pif_export() -> None:
    parsed = parse(ImportKind.ONEPASSWORD_1PIF, ONEPIF.encode())
    assert by_name(ImportKind.ONEPASSWORD_1PIF, ONEPIF.encode()) == {
        "Portal": ("office", f"{CANARY}-1pif", URL)
    }
    assert parsed.rows == 3 and [r.label for r in parsed.remarks] == ["Alarm"]


# --- Bitwarden -------------------------------------------------------------------------------


def test_bitwarden_keeps_every_address_of_a_login() -> None:
    data = (FIXTURES / "bitwarden_export.json").read_bytes()
    document = json.loads(data)
    login = next(i for i in document["items"] if i["type"] == 1)
    entry = parse(ImportKind.BITWARDEN_JSON, data).entries[0]
    uris = [u["uri"] for u in login["login"]["uris"]]
    assert entry.url == uris[0]
    assert all(uri in entry.notes for uri in uris[1:])


def test_bitwarden_secure_notes_are_listed_for_review() -> None:
    data = (FIXTURES / "bitwarden_export.json").read_bytes()
    parsed = parse(ImportKind.BITWARDEN_JSON, data)
    assert [r.label for r in parsed.remarks] == ["My Secure Note"]
    assert "review it" in parsed.remarks[0].reason


def test_bitwarden_csv_keeps_every_address() -> None:
    text = (
        "folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,"
        "login_password,login_totp\n"
        f',,login,Mail,,,0,"https://a.example,https://b.example",me,{CANARY},\n'
    )
    entry = parse(ImportKind.BITWARDEN_CSV, text.encode()).entries[0]
    assert entry.url == "https://a.example" and "https://b.example" in entry.notes


def test_a_passkey_only_login_is_named_as_such() -> None:
    document = {
        "encrypted": False,
        "items": [
            {
                "type": 1,
                "name": "Bank",
                "login": {
                    "username": "office",
                    "password": None,
                    "uris": [],
                    "fido2Credentials": [{"credentialId": "x", "rpId": "bank.example"}],
                },
            }
        ],
    }
    parsed = parse(ImportKind.BITWARDEN_JSON, json.dumps(document).encode())
    assert "passkey" in parsed.skipped[0].reason


def test_a_number_of_100000_digits_is_refused_in_a_sentence() -> None:
    data = b'{"encrypted": false, "items": [{"type": ' + b"9" * 100_000 + b"}]}"
    with pytest.raises(ImportFileError, match="thousands of digits"):
        parse(ImportKind.BITWARDEN_JSON, data)


def test_a_csv_cell_over_128_kib_is_named_for_what_it_is() -> None:
    text = "name,url,username,password,note\n" + f'Portal,{URL},me,{CANARY},"{"x" * 140_000}"\n'
    with pytest.raises(ImportFileError, match="longer than 131,072 characters") as refused:
        parse(ImportKind.CHROME_CSV, text.encode())
    assert "quoting" not in str(refused.value)
