"""Hand-written exports in each product's documented format, and KeePassXC run for real.

Every secret here is a canary string (CANARY prefix) so tests can scan files, messages and the
database for it. The header rows are the exact first rows each product writes.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

CANARY = "Canary-7f3a"

BITWARDEN_CSV = (
    "folder,favorite,type,name,notes,fields,reprompt,login_uri,login_username,login_password,"
    "login_totp\n"
    'Email,1,login,Practice Webmail,"Admin mailbox\nsecond line",,0,'
    f"https://mail.greenway.example,gary@greenway.example,{CANARY}-bw1,"
    "otpauth://totp/Webmail?secret=JBSWY3DPEHPK3PXP\n"
    ",,note,Alarm code,The code is in the safe,,0,,,,\n"
    f"Network,,login,Front desk router,,PIN: 4455,0,http://192.168.1.1:8443,admin,{CANARY}-bw2,\n"
    ",,login,,,,0,,,,\n"
    f"Network,,login,Front desk router,,PIN: 4455,0,http://192.168.1.1:8443,admin,{CANARY}-bw2,\n"
    f",,login,Athena EHR,,,0,https://athena.example,dr.gary,{CANARY}-bw3,\n"
)
"""Rows: 2 webmail (2 lines), 3 note, 4 router, 5 empty, 6 duplicate of 4, 7 EHR."""

BITWARDEN_ORG_CSV = (
    "collections,type,name,notes,fields,reprompt,login_uri,login_username,login_password,"
    "login_totp\n"
    f"Banking,login,Payroll portal,,,0,https://payroll.example,office,{CANARY}-org1,\n"
)

BITWARDEN_JSON = f"""{{
  "encrypted": false,
  "folders": [
    {{"id": "f-1", "name": "Email"}},
    {{"id": "f-2", "name": "Backups"}}
  ],
  "items": [
    {{
      "id": "i-1", "organizationId": null, "folderId": "f-1", "type": 1, "reprompt": 0,
      "name": "Practice Webmail", "notes": "Admin mailbox", "favorite": false,
      "fields": [{{"name": "Recovery PIN", "value": "{CANARY}-pin", "type": 1}}],
      "login": {{
        "uris": [{{"match": null, "uri": "https://mail.greenway.example"}}],
        "username": "gary@greenway.example", "password": "{CANARY}-bj1",
        "totp": "JBSWY3DPEHPK3PXP"
      }},
      "collectionIds": null
    }},
    {{
      "id": "i-2", "organizationId": null, "folderId": null, "type": 2, "reprompt": 0,
      "name": "Wi-Fi for guests", "notes": "on the fridge", "favorite": false,
      "secureNote": {{"type": 0}}, "collectionIds": null
    }},
    {{
      "id": "i-3", "organizationId": null, "folderId": null, "type": 3, "reprompt": 0,
      "name": "Practice Visa", "notes": null, "favorite": false,
      "card": {{"cardholderName": "Greenway", "brand": "Visa", "number": "4111111111111111"}},
      "collectionIds": null
    }},
    {{
      "id": "i-4", "organizationId": null, "folderId": "f-2", "type": 1, "reprompt": 0,
      "name": "Offsite backup", "notes": null, "favorite": false,
      "login": {{"uris": [], "username": "backup", "password": "{CANARY}-bj2", "totp": null}},
      "collectionIds": null
    }}
  ]
}}
"""

BITWARDEN_JSON_ENCRYPTED = """{
  "encrypted": true,
  "passwordProtected": true,
  "salt": "c2FsdHNhbHQ=",
  "kdfType": 0,
  "kdfIterations": 600000,
  "encKeyValidation_DO_NOT_EDIT": "2.abc|def|ghi",
  "data": "2.xyz|uvw|rst"
}
"""

KEEPASSXC_CSV = (
    '"Group","Title","Username","Password","URL","Notes","TOTP","Icon",'
    '"Last Modified","Created"\r\n'
    f'"Root/Email","Webmail","gary","{CANARY}-kc1","https://mail.greenway.example",'
    '"line one\r\nline two","otpauth://totp/x?secret=JBSWY3DPEHPK3PXP","0",'
    '"2026-11-01T10:00:00Z","2026-10-01T10:00:00Z"\r\n'
    f'"Root/Network/Firewalls","Fortigate","admin","{CANARY}-kc2","https://10.0.0.1:4443",'
    '"","","0","2026-11-01T10:00:00Z","2026-10-01T10:00:00Z"\r\n'
    f'"Root/Recycle Bin","Old NAS","admin","{CANARY}-kc3","","","","0",'
    '"2026-11-01T10:00:00Z","2026-10-01T10:00:00Z"\r\n'
)

KEEPASS1_CSV = (
    '"Account","Login Name","Password","Web Site","Comments"\n'
    f'"Bank portal","office","{CANARY}-k1","https://bank.example","quarterly"\n'
)

LASTPASS_CSV = (
    "url,username,password,totp,extra,name,grouping,fav\n"
    f"https://registrar.example,gary,{CANARY}-lp1,,renews in May,Domain registrar,Web\\Domains,0\n"
    'http://sn,,,,"NoteType:Server\nHostname:files",Server note,Servers,0\n'
    f"https://voip.example,frontdesk,{CANARY}-lp2,JBSWY3DPEHPK3PXP,,Phones,Phone system,1\n"
)

ONEPASSWORD_CSV = (
    "Title,Url,Username,Password,OTPAuth,Favorite,Archived,Tags,Notes\n"
    f"DNS host,https://dns.example,gary,{CANARY}-op1,,false,false,Network,\n"
    f"Old laptop,,admin,{CANARY}-op2,,false,true,Devices,\n"
    f'Copier,https://copier.local,admin,{CANARY}-op3,,false,false,Devices,"toner, paper"\n'
)

GENERIC_CSV = (
    "Service;Login;Secret;Where;Port;Kind\n"
    f"File server;administrator;{CANARY}-g1;files.greenway.local;22;server\n"
    f"Printer;admin;{CANARY}-g2;printer.local;notaport;device\n"
).replace(";", ",")

KEEPASS_XML = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<KeePassFile>
  <Meta>
    <Generator>KeePassXC</Generator>
    <RecycleBinEnabled>True</RecycleBinEnabled>
    <RecycleBinUUID>cmVjeWNsZWJpbi11dWlkMQ==</RecycleBinUUID>
  </Meta>
  <Root>
    <Group>
      <UUID>cm9vdC1ncm91cC11dWlkMQ==</UUID>
      <Name>Passwords</Name>
      <Entry>
        <UUID>ZW50cnktMDAwMDAwMDAwMQ==</UUID>
        <String><Key>Title</Key><Value>Domain controller</Value></String>
        <String><Key>UserName</Key><Value>GREENWAY\\administrator</Value></String>
        <String><Key>Password</Key><Value ProtectInMemory="True">{CANARY}-x1</Value></String>
        <String><Key>URL</Key><Value>rdp://dc01.greenway.local:3389</Value></String>
        <String><Key>Notes</Key><Value>Main server</Value></String>
        <String><Key>otp</Key><Value>otpauth://totp/dc?secret=JBSWY3DPEHPK3PXP</Value></String>
        <String><Key>Recovery email</Key><Value>gary@personal.example</Value></String>
        <History>
          <Entry>
            <UUID>ZW50cnktMDAwMDAwMDAwMQ==</UUID>
            <String><Key>Title</Key><Value>Domain controller</Value></String>
            <String><Key>Password</Key><Value ProtectInMemory="True">{CANARY}-old</Value></String>
          </Entry>
        </History>
      </Entry>
      <Group>
        <UUID>d2lmaS1ncm91cC11dWlkMDE=</UUID>
        <Name>Wi-Fi</Name>
        <Entry>
          <UUID>ZW50cnktMDAwMDAwMDAwMg==</UUID>
          <String><Key>Title</Key><Value>Staff network</Value></String>
          <String><Key>UserName</Key><Value></Value></String>
          <String><Key>Password</Key><Value ProtectInMemory="True">{CANARY}-x2</Value></String>
          <String><Key>URL</Key><Value></Value></String>
          <String><Key>Notes</Key><Value></Value></String>
        </Entry>
        <Entry>
          <UUID>ZW50cnktMDAwMDAwMDAwMw==</UUID>
          <String><Key>Title</Key><Value>Guest network</Value></String>
          <String><Key>Password</Key><Value></Value></String>
        </Entry>
      </Group>
      <Group>
        <UUID>cmVjeWNsZWJpbi11dWlkMQ==</UUID>
        <Name>Recycle Bin</Name>
        <Entry>
          <UUID>ZW50cnktMDAwMDAwMDAwNA==</UUID>
          <String><Key>Title</Key><Value>Old router</Value></String>
          <String><Key>Password</Key><Value ProtectInMemory="True">{CANARY}-x3</Value></String>
        </Entry>
      </Group>
    </Group>
  </Root>
</KeePassFile>
"""
"""Entries: 1 domain controller, 2 staff Wi-Fi, 3 guest Wi-Fi (no password), 4 in the bin."""


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_bytes(text.encode("utf-8"))
    return path


# --- KeePassXC, for real ------------------------------------------------------------------------


def keepassxc_cli() -> str:
    found = shutil.which("keepassxc-cli")
    if found is None:
        pytest.skip("keepassxc-cli is not installed (Debian package keepassxc; `make test`)")
    return found


def kpcli(*args: str, stdin: str = "") -> str:
    result = subprocess.run(
        [keepassxc_cli(), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(f"keepassxc-cli {args[0]} failed: {result.stderr.strip()}")
    return result.stdout


def kdbx_from_xml(
    tmp_path: Path, xml: str, password: str | None, keyfile: Path | None = None
) -> Path:
    """A database made by `keepassxc-cli import` of an XML export (KDBX 3.1 in KeePassXC 2.7)."""
    source = write(tmp_path, "source.xml", xml)
    target = tmp_path / "made-by-keepassxc.kdbx"
    args = ["import", "-q"]
    stdin = ""
    if password is not None:
        args.append("-p")
        stdin = f"{password}\n{password}\n"
    if keyfile is not None:
        args += ["--set-key-file", str(keyfile)]
    kpcli(*args, str(source), str(target), stdin=stdin)
    source.unlink()
    return target
