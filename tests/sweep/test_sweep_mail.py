"""The sweep of a real Dovecot with ManageSieve: forwarding rules found, removed, read back."""

from __future__ import annotations

import json

import pytest
from sweephelpers import mail_admin, mailbox_credential, open_case

from itexit.domain.errors import CheckFailed
from itexit.domain.sweep import FindingKind, FindingStatus
from servers.sieveserver import SieveServer
from vaulthelpers import Vault

FRONTDESK = """require ["copy", "fileinto"];
# redirect "old-helpdesk@elsewhere.example";
if header :contains "subject" "invoice" {
  fileinto "Billing";
}
redirect :copy "gary.thistle@gmail.example";
"""
RECEPTION = 'redirect "billing@harbour.example";\n'
BILLING_MALFORMED = 'if header :contains "from" "bank" {\n  redirect "gary@harbour.example";\n'


@pytest.fixture
def mail(vault: Vault, sieve_server: SieveServer) -> dict[str, str]:
    tag = str(len(sieve_server.users))
    boxes = {n: f"{n}{tag}" for n in ("frontdesk", "reception", "billing")}
    sieve_server.add_users(*boxes.values())
    sieve_server.plant(boxes["frontdesk"], "rules", FRONTDESK)
    sieve_server.plant(boxes["reception"], "main", RECEPTION)
    sieve_server.plant(boxes["billing"], "bank", BILLING_MALFORMED)
    case = open_case(vault)
    mail_admin(vault, sieve_server, boxes["billing"])
    mailbox_credential(vault, sieve_server, boxes["frontdesk"])
    mailbox_credential(vault, sieve_server, boxes["reception"])
    vault.manager.sweep.set_identity(
        case, emails=["gary@harbour.example"], practice_domains=["harbour.example"]
    )
    return boxes


def test_forwarding_rules_are_found_and_nothing_else(
    vault: Vault, sieve_server: SieveServer, mail: dict[str, str]
) -> None:
    report = vault.manager.sweep.run()
    (host,) = report.hosts
    assert host.host == f"sieve://127.0.0.1:{sieve_server.port}" and host.reached
    found = {f.evidence["mailbox"]: f for f in host.findings}
    assert set(found) == {mail["frontdesk"], mail["billing"]}
    out = found[mail["frontdesk"]]
    assert out.kind is FindingKind.MAIL_FORWARD
    assert out.evidence["address"] == "gary.thistle@gmail.example"
    assert "gmail.example is not one of the practice's mail domains" in out.why
    assert "a copy" in out.why
    own = found[mail["billing"]]
    assert "the departing person's own address" in own.why
    # The malformed script is named in a sentence; the sweep went on.
    assert any(mail["billing"] in p and "not valid Sieve" in p for p in host.problems)
    assert sieve_server.admin_password not in json.dumps(report.model_dump(mode="json"))


def test_removing_a_redirect_is_proven_by_reading_the_active_script_back(
    vault: Vault, sieve_server: SieveServer, mail: dict[str, str]
) -> None:
    service = vault.manager.sweep
    service.run()
    item = next(f for f in service.findings() if f.evidence["mailbox"] == mail["frontdesk"])
    outcome = service.close(item.id)
    assert outcome.proven and outcome.finding.status is FindingStatus.CLOSED
    active = sieve_server.active_text(mail["frontdesk"])
    assert "gary.thistle@gmail.example" not in active
    assert 'fileinto "Billing";' in active and "# redirect" in active
    backup = sieve_server.base / "home" / mail["frontdesk"] / "sieve" / f"{outcome.backup}.sieve"
    assert backup.read_text() == FRONTDESK
    # A malformed script is not rewritten blind: one sentence, nothing changed.
    bad = next(f for f in service.findings() if f.evidence["mailbox"] == mail["billing"])
    with pytest.raises(CheckFailed, match="not valid Sieve"):
        service.close(bad.id)
    assert sieve_server.active_text(mail["billing"]) == BILLING_MALFORMED
    assert service.finding(bad.id).status is FindingStatus.OPEN
