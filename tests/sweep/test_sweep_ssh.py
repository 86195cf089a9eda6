"""The sweep of SSH hosts against real sshd servers on 127.0.0.1 with planted leftovers.

Planted on host A: the departing person's key, a key nobody has claimed and a colleague's
recorded key, a sudo rule and a cron job naming the person; on host B only the person's key.
Accounts, groups and processes belong to the machine, so the person's account, their
membership of ``adm`` and their open session show on both hosts.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import paramiko
import pytest
from sweephelpers import TERMINATED, open_case, ssh_admin

from itexit.domain.errors import CheckFailed
from itexit.domain.sweep import FindingKind, FindingStatus, Severity
from itexit.services.sweep import SweepService, known_key
from itexit.sweep.ssh import key_accepted
from servers.silent import SilentServer
from servers.sweephosts import Accounts, KeyPair, SweepSshd
from vaulthelpers import Vault

K = FindingKind


def person_login(host: SweepSshd, key: KeyPair) -> paramiko.SSHClient:
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect(
        host.host,
        host.port,
        host.accounts.person,
        pkey=paramiko.Ed25519Key.from_private_key(io.StringIO(key.private_pem.decode())),
        look_for_keys=False,
        allow_agent=False,
        timeout=10,
    )
    return client


@pytest.fixture
def planted(
    vault: Vault, ssh_host: SweepSshd, second_host: SweepSshd, sweep_accounts: Accounts
) -> Iterator[dict[str, object]]:
    acc = sweep_accounts
    unknown, colleague = KeyPair.make("who@where"), KeyPair.make("dora@desk")
    ssh_host.plant_keys(acc.person, acc.person_key.public_line)
    ssh_host.plant_keys(acc.admin, unknown.public_line, colleague.public_line)
    ssh_host.plant_sudo(acc.person)
    ssh_host.plant_cron(acc.person)
    second_host.plant_keys(
        acc.person, "# the laptop", f'from="10.0.0.0/8" {acc.person_key.public_line}'
    )
    case = open_case(vault)
    ssh_admin(vault, ssh_host, "File server")
    ssh_admin(vault, second_host, "Backup server")
    vault.manager.sweep.set_identity(
        case,
        accounts=[acc.person],
        keys=[known_key(acc.person_key.public_line, "laptop")],
        trusted_keys=[known_key(colleague.public_line, "Dora")],
        since=TERMINATED,
    )
    session = person_login(ssh_host, acc.person_key)
    channel = session.get_transport().open_session()  # type: ignore[union-attr]
    channel.exec_command("sleep 300")
    try:
        yield {"case": case, "unknown": unknown, "colleague": colleague, "session": session}
    finally:
        session.close()


def kinds(findings: list) -> list[str]:  # type: ignore[type-arg]
    return sorted(f.kind.value for f in findings)


def test_the_sweep_finds_every_planted_leftover_and_nothing_else(
    vault: Vault, planted: dict[str, object], ssh_host: SweepSshd, second_host: SweepSshd
) -> None:
    acc = ssh_host.accounts
    report = vault.manager.sweep.run()
    by_host = {h.host: h for h in report.hosts}
    a = by_host[f"ssh://127.0.0.1:{ssh_host.port}"]
    b = by_host[f"ssh://127.0.0.1:{second_host.port}"]
    assert a.reached and b.reached and not a.problems and not b.problems
    assert kinds(a.findings) == sorted(
        ["account", "admin_role", "cron", "session", "ssh_key", "ssh_key", "sudoers"]
    )
    assert kinds(b.findings) == sorted(["account", "admin_role", "session", "ssh_key"])
    keys = {f.evidence["fingerprint"]: f for f in a.findings if f.kind is K.SSH_KEY}
    person = keys[acc.person_key.fingerprint]
    assert person.severity is Severity.ALERT and person.evidence["account"] == acc.person
    assert "laptop" in person.subject
    unknown = keys[planted["unknown"].fingerprint]  # type: ignore[attr-defined]
    assert unknown.evidence["account"] == acc.admin and "Nobody has said" in unknown.why
    # The file was written after the termination date: raised as an alert, saying so.
    assert unknown.severity is Severity.ALERT and "changed after" in unknown.why
    everything = json.dumps([f.model_dump(mode="json") for f in report.findings])
    assert planted["colleague"].fingerprint not in everything  # type: ignore[attr-defined]
    assert acc.admin_password not in everything
    session = next(f for f in a.findings if f.kind is K.SESSION)
    assert session.evidence["account"] == acc.person and session.evidence["pid"].isdigit()
    # The second host's key carries an option and a comment line: found all the same.
    assert [f.evidence["fingerprint"] for f in b.findings if f.kind is K.SSH_KEY] == [
        acc.person_key.fingerprint
    ]
    # Each use of an admin credential is in the audit log.
    used = vault.rows("SELECT target FROM audit_events WHERE action = 'sweep.use_credential'")
    assert sorted(r[0] for r in used) == ["Backup server", "File server"]
    # Sweeping again finds the same findings (nothing doubled).
    again = vault.manager.sweep.run()
    assert len(again.findings) == len(report.findings)
    assert len(vault.manager.sweep.findings(status=FindingStatus.OPEN)) == len(report.findings)


def test_closing_each_finding_is_proven_by_a_recheck(
    vault: Vault, planted: dict[str, object], ssh_host: SweepSshd
) -> None:
    acc = ssh_host.accounts
    service = vault.manager.sweep
    service.run(hosts=["File server"])
    found = {
        (f.kind, f.evidence.get("fingerprint", "")): f
        for f in service.findings(status=FindingStatus.OPEN)
        if f.host.endswith(f":{ssh_host.port}")
    }
    target = service._target_for(next(iter(found.values())), "test")
    person_pub = acc.person_key.public_line
    assert key_accepted(target, acc.person, person_pub, 10) is True

    key = service.close(found[(K.SSH_KEY, acc.person_key.fingerprint)].id)
    assert key.proven and key.finding.status is FindingStatus.CLOSED
    assert "no longer accepts it" in key.done
    keys_file = ssh_host.base / "keys" / acc.person
    assert acc.person_key.fingerprint not in keys_file.read_text()
    assert acc.person_key.public_line in Path(key.backup).read_text()
    assert key_accepted(target, acc.person, person_pub, 10) is False
    with pytest.raises(paramiko.AuthenticationException):
        person_login(ssh_host, acc.person_key).close()

    sudo = service.close(found[(K.SUDOERS, "")].id)
    assert sudo.proven
    sudoers = (ssh_host.base / "sudoers.d" / "90-it").read_text()
    assert acc.person not in sudoers and "the IT person's rights" in sudoers
    assert oct((ssh_host.base / "sudoers.d" / "90-it").stat().st_mode & 0o777) == "0o440"

    for kind in (K.CRON, K.SESSION, K.ADMIN_ROLE, K.ACCOUNT):
        outcome = service.close(found[(kind, "")].id)
        assert outcome.proven, (kind, outcome.done)
    unknown = found[(K.SSH_KEY, planted["unknown"].fingerprint)]  # type: ignore[attr-defined]
    assert service.close(unknown.id).proven
    # The colleague's key was never touched.
    assert planted["colleague"].fingerprint in [  # type: ignore[attr-defined]
        known_key(line).fingerprint
        for line in (ssh_host.base / "keys" / acc.admin).read_text().splitlines()
        if line.strip()
    ]
    # A fresh sweep of the host finds nothing left, and every finding stays closed.
    fresh = service.run(hosts=["File server"])
    assert fresh.findings == []
    states = {f.status for f in service.findings() if f.host.endswith(f":{ssh_host.port}")}
    assert states == {FindingStatus.CLOSED}
    closes = vault.rows("SELECT details FROM audit_events WHERE action = 'sweep.close'")
    assert len(closes) == 7 and all(json.loads(r[0])["proven"] for r in closes)


def test_a_finding_put_back_after_closing_opens_again(
    vault: Vault, planted: dict[str, object], ssh_host: SweepSshd
) -> None:
    service = vault.manager.sweep
    service.run(hosts=["File server"])
    cron = next(f for f in service.findings() if f.kind is K.CRON)
    assert service.close(cron.id).proven
    assert service.recheck_closed() == []  # still gone
    ssh_host.plant_cron(ssh_host.accounts.person)
    (back,) = service.recheck_closed()
    assert back.id == cron.id and back.status is FindingStatus.OPEN
    assert service.recheck(cron.id).status is FindingStatus.OPEN


def test_hostile_hosts_get_a_sentence_and_never_stop_the_sweep(
    vault: Vault,
    ssh_host: SweepSshd,
    second_host: SweepSshd,
    sweep_accounts: Accounts,
    silent_server: SilentServer,
) -> None:
    acc = sweep_accounts
    case = open_case(vault)
    # A giant authorized_keys (3 MB of keys and junk) for the admin account on host A.
    junk = KeyPair.make("junk")
    with (ssh_host.base / "keys" / acc.admin).open("w") as handle:
        for n in range(20_000):
            handle.write(junk.public_line + "\n" if n % 3 else "not a key " + "x" * 200 + "\n")
    ssh_host.plant_keys(acc.person, acc.person_key.public_line)
    second_host.plant_keys(acc.person, acc.person_key.public_line)
    ssh_admin(vault, ssh_host, "File server")
    ssh_admin(vault, second_host, "Backup server")
    # A host that accepts the connection and never says a word.
    hang = SweepSshd.__new__(SweepSshd)
    hang.host, hang.port, hang.accounts = silent_server.host, silent_server.port, acc
    hang.host_key_fingerprint, hang.base = "SHA256:" + "A" * 43, Path("/nonexistent")
    ssh_admin(vault, hang, "Old server")
    vault.manager.sweep.set_identity(
        case, accounts=[acc.person], keys=[known_key(acc.person_key.public_line)]
    )
    service = SweepService(vault.manager.ctx, timeout=6)
    report = service.run()
    by_system = {h.system: h for h in report.hosts}
    hung = by_system["Old server"]
    assert not hung.reached and hung.problems and "skipped" in hung.problems[0]
    big = by_system["File server"]
    assert big.reached
    assert any("MB; only its first 1 MB was read" in p for p in big.problems)
    assert any("are not public keys and were skipped" in p for p in big.problems)
    # The junk key (unclaimed) is one finding however often it repeats; the person's key found.
    prints = [f.evidence["fingerprint"] for f in big.findings if f.kind is K.SSH_KEY]
    assert acc.person_key.fingerprint in prints
    assert prints.count(junk.fingerprint) == 1
    assert by_system["Backup server"].reached
    assert any(f.kind is K.SSH_KEY for f in by_system["Backup server"].findings)
    assert acc.admin_password not in json.dumps(report.model_dump(mode="json"))


def test_a_wrong_host_key_or_password_is_refused_with_a_sentence(
    vault: Vault, ssh_host: SweepSshd, sweep_accounts: Accounts
) -> None:
    case = open_case(vault)
    ssh_host.host_key_fingerprint = "SHA256:" + "B" * 43
    ssh_admin(vault, ssh_host, "Impostor")
    vault.manager.sweep.set_identity(case, accounts=[sweep_accounts.person])
    report = vault.manager.sweep.run()
    (host,) = report.hosts
    assert not host.reached and "may be an impostor, so nothing was sent" in host.problems[0]
    log = (ssh_host.base / "sshd.log").read_text()
    assert "Accepted password" not in log and "Failed password" not in log
    cred = vault.manager.credentials.list()[0]
    vault.manager.credentials.set_sweep_admin(cred.id, False)
    with pytest.raises(Exception, match="No admin account is marked"):
        vault.manager.sweep.run()


def test_closing_needs_the_host_to_still_be_marked(
    vault: Vault, planted: dict[str, object], ssh_host: SweepSshd
) -> None:
    service = vault.manager.sweep
    service.run(hosts=["File server"])
    item = next(f for f in service.findings() if f.kind is K.CRON)
    (ssh_host.base / "spool" / "cron" / "crontabs" / ssh_host.accounts.person).unlink()
    with pytest.raises(CheckFailed, match=r"no longer holds that line|could not be read"):
        service.close(item.id)


def test_a_file_cannot_forge_the_sections_of_the_reading(
    vault: Vault, ssh_host: SweepSshd, sweep_accounts: Accounts
) -> None:
    acc = sweep_accounts
    case = open_case(vault)
    # Lines shaped like the reading's markers, hoping to end the file early, hide the key
    # after them, and claim the person's account is locked.
    ssh_host.plant_keys(
        acc.person,
        "@@0123456789abcdef END",
        "@@ END",
        f"@@0123456789abcdef SHADOW {acc.person} {acc.person}:!locked:1:0:99999:7:::",
        acc.person_key.public_line,
    )
    ssh_admin(vault, ssh_host, "File server")
    vault.manager.sweep.set_identity(
        case, accounts=[acc.person], keys=[known_key(acc.person_key.public_line)]
    )
    (host,) = vault.manager.sweep.run().hosts
    kinds = sorted(f.kind.value for f in host.findings)
    assert kinds == ["account", "admin_role", "ssh_key"]
    assert any("3 lines" in p and "are not public keys" in p for p in host.problems)
