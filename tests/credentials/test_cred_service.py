"""The inventory and rotation services on SQLite and PostgreSQL, against a stand-in server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from credfakes import FakeServer
from pydantic import SecretStr

from itexit.domain.credentials import (
    Category,
    CredentialEdit,
    CredentialStatus,
    NewCredential,
    PasswordPolicy,
    SecretStage,
)
from itexit.domain.errors import BadInput, NotFound, PermissionDenied, StaleEdit
from itexit.domain.rotation import IllegalTransition
from itexit.services.credentials.service import tiles
from vaulthelpers import (
    CONSULTANT,
    CONSULTANT_PASS,
    HR_PASS,
    HR_USER,
    VIEWER,
    VIEWER_PASS,
    Vault,
    new_vault,
)

S = CredentialStatus
OLD = "old-secret-Gary-knew"


@pytest.fixture
def vault(db_url: str) -> Iterator[Vault]:
    v = new_vault(db_url)
    yield v
    v.close()


@pytest.fixture
def server() -> FakeServer:
    return FakeServer(password=OLD)


def mail(name: str = "Mail admin", **kw: object) -> NewCredential:
    fields: dict[str, object] = {
        "system": name,
        "url": "imaps://mail.example.test:993/",
        "category": Category.EMAIL,
        "username": "admin",
        "secret": SecretStr(OLD),
        "known_to_departing": True,
        "verifier": "imap",
    }
    fields.update(kw)
    return NewCredential.model_validate(fields)


def setup(vault: Vault, server: FakeServer) -> str:
    vault.manager.credentials.verifiers = server.lookup
    return vault.manager.credentials.add(mail()).id


def audit_actions(vault: Vault) -> list[str]:
    return [r[0] for r in vault.rows("SELECT action FROM audit_events ORDER BY seq")]


# --- adding -------------------------------------------------------------------------------------


def test_add_takes_host_and_port_from_the_url(vault: Vault) -> None:
    s = vault.manager.credentials.add(mail())
    assert (s.host, s.port, s.status, s.rotation_due) == (
        "mail.example.test",
        993,
        S.UNVERIFIED,
        True,
    )
    detail = vault.manager.credentials.detail(s.id)
    assert detail.username == "admin" and detail.url.startswith("imaps://")


def test_add_many_is_all_or_nothing(vault: Vault) -> None:
    before = audit_actions(vault)
    items = [mail(f"System {i}") for i in range(5)] + [mail("  ")] + [mail("Last")]
    with pytest.raises(BadInput, match=r"Item 6"):
        vault.manager.credentials.add_many(items)
    assert vault.manager.credentials.list() == []
    assert audit_actions(vault) == before


def test_add_many_reports_progress_and_audits_in_batches(vault: Vault) -> None:
    seen: list[tuple[int, int]] = []
    items = [mail(f"System {i:04}", secret=SecretStr(f"pw-{i}")) for i in range(505)]
    added = vault.manager.credentials.add_many(items, on_progress=lambda d, t: seen.append((d, t)))
    assert len(added) == 505 and seen[-1] == (505, 505) and len(seen) == 505
    assert audit_actions(vault).count("cred.add_many") == 2
    assert vault.manager.credentials.reveal("System 0504") == "pw-504"
    assert [h.kind for h in vault.manager.credentials.history("System 0000")] == ["added"]


def test_recovery_channel_of_the_departing_person_makes_it_due(vault: Vault) -> None:
    s = vault.manager.credentials.add(
        mail("Bank", known_to_departing=False, recovery_phone="+1 555 0100")
    )
    assert s.recovery_tied and s.rotation_due
    assert "recovery channel" in s.rotation_reason


# --- verification and rotation ----------------------------------------------------------------


def test_full_rotation_verify_start_confirm_and_prove_the_old_one_dead(
    vault: Vault, server: FakeServer
) -> None:
    creds = vault.manager.credentials
    cid = setup(vault, server)
    assert creds.verify(cid).summary.status is S.VERIFIED

    started = creds.start_rotation(cid, policy=PasswordPolicy(length=24))
    new = started.secret.get_secret_value()
    assert len(new) == 24 and started.summary.status is S.ROTATION_PENDING
    assert creds.reveal(cid, "pending") == new  # committed before it was returned
    assert creds.reveal(cid) == OLD

    refused = creds.confirm_rotation(cid)  # not yet set on the server
    assert not refused.ok and refused.summary.status is S.ROTATION_PENDING

    server.password = new  # the person sets it on the system
    done = creds.confirm_rotation(cid)
    assert done.ok and done.summary.status is S.ROTATED
    assert creds.reveal(cid) == new and creds.reveal(cid, "previous") == OLD
    with pytest.raises(NotFound):
        creds.reveal(cid, "pending")

    proof = creds.verify(cid, old=True)
    assert proof.ok and proof.summary.status is S.LOCKED_OUT
    assert proof.summary.locked_out_at is not None
    kinds = [(h.kind, h.outcome) for h in creds.history(cid)]
    assert kinds == [
        ("added", "saved"),
        ("verify", "accepted"),
        ("rotate_start", "saved"),
        ("rotate_confirm", "rejected"),
        ("rotate_confirm", "accepted"),
        ("verify_old", "rejected"),
    ]
    assert campaign_left(vault) == 0


def campaign_left(vault: Vault) -> int:
    return vault.manager.credentials.campaign().left


def test_old_secret_still_working_is_not_a_lock_out(vault: Vault, server: FakeServer) -> None:
    creds = vault.manager.credentials
    cid = setup(vault, server)
    new = creds.start_rotation(cid).secret.get_secret_value()
    creds.confirm_rotation(cid, attest="logged in with the new one at the console")
    server.password = OLD  # the change never took
    result = creds.verify(cid, old=True)
    assert not result.ok and result.summary.status is S.ROTATED
    assert "STILL WORKS" in result.guidance
    server.password = new
    assert creds.verify(cid, old=True).summary.status is S.LOCKED_OUT


def test_unreachable_server_changes_nothing(vault: Vault, server: FakeServer) -> None:
    creds = vault.manager.credentials
    cid = setup(vault, server)
    server.down = True
    result = creds.verify(cid)
    assert result.outcome == "unreachable" and result.summary.status is S.UNVERIFIED
    assert result.summary.last_verified is None


def test_a_hanging_verifier_times_out_as_unreachable(vault: Vault) -> None:
    import threading

    release = threading.Event()

    class Hang(FakeServer):
        def check(self, endpoint, username, secret, timeout):  # type: ignore[no-untyped-def]
            release.wait(10)
            return super().check(endpoint, username, secret, timeout)

    hang = Hang(password=OLD)
    creds = vault.manager.credentials
    cid = setup(vault, hang)
    creds.timeout = 0.05
    try:
        result = creds.verify(cid)
    finally:
        release.set()
    assert result.outcome == "unreachable" and result.summary.status is S.UNVERIFIED


def test_second_rotation_refused_while_one_is_pending(vault: Vault, server: FakeServer) -> None:
    creds = vault.manager.credentials
    cid = setup(vault, server)
    first = creds.start_rotation(cid).secret.get_secret_value()
    with pytest.raises(IllegalTransition, match="already pending"):
        creds.start_rotation(cid)
    assert creds.reveal(cid, "pending") == first
    with pytest.raises(IllegalTransition, match="no pending secret"):
        creds.confirm_rotation(setup(vault, server) if False else creds.add(mail("Other")).id)


def test_same_secret_is_refused_and_hand_entered_secret_kept(
    vault: Vault, server: FakeServer
) -> None:
    creds = vault.manager.credentials
    cid = setup(vault, server)
    with pytest.raises(BadInput, match="same as the current"):
        creds.start_rotation(cid, secret=SecretStr(OLD))
    started = creds.start_rotation(cid, secret=SecretStr("vendor-chosen-Secret-9"))
    assert not started.generated and creds.reveal(cid, "pending") == "vendor-chosen-Secret-9"


@pytest.mark.parametrize(
    ("server_has", "kept", "status"),
    [
        ("pending", "pending", S.ROTATED),
        ("current", "current", S.VERIFIED),
        ("nothing", None, S.NEEDS_RECONCILE),
    ],
)
def test_reconcile_keeps_whichever_secret_works(
    vault: Vault, server: FakeServer, server_has: str, kept: str | None, status: S
) -> None:
    creds = vault.manager.credentials
    cid = setup(vault, server)
    pending = creds.start_rotation(cid).secret.get_secret_value()
    server.password = {"pending": pending, "current": OLD, "nothing": "someone-else-set-this"}[
        server_has
    ]
    result = creds.reconcile(cid)
    assert result.summary.status is status and result.ok is (kept is not None)
    if kept == "pending":
        assert creds.reveal(cid) == pending and creds.reveal(cid, "previous") == OLD
    elif kept == "current":
        assert creds.reveal(cid) == OLD
        with pytest.raises(NotFound):
            creds.reveal(cid, "pending")
    else:
        assert "Reset the password" in result.guidance
        assert creds.reveal(cid, "pending") == pending  # never lost
        with pytest.raises(IllegalTransition):
            creds.start_rotation(cid)
        server.password = pending
        assert creds.reconcile(cid).summary.status is S.ROTATED


def test_reconcile_falls_back_to_the_previous_secret(vault: Vault, server: FakeServer) -> None:
    creds = vault.manager.credentials
    cid = setup(vault, server)
    creds.start_rotation(cid)
    creds.confirm_rotation(cid, attest="the console took it")  # but it did not really
    result = creds.reconcile(cid)
    assert result.stage == "previous" and result.summary.status is S.VERIFIED
    assert creds.reveal(cid) == OLD


def test_reconcile_with_the_server_down_changes_nothing(vault: Vault, server: FakeServer) -> None:
    creds = vault.manager.credentials
    cid = setup(vault, server)
    creds.start_rotation(cid)
    server.down = True
    result = creds.reconcile(cid)
    assert not result.ok and result.summary.status is S.ROTATION_PENDING


def test_manual_verifier_needs_an_attestation(vault: Vault) -> None:
    creds = vault.manager.credentials
    cid = creds.add(mail("Fax portal", verifier="manual")).id
    with pytest.raises(BadInput, match="attest"):
        creds.verify(cid)
    with pytest.raises(BadInput, match="Say how"):
        creds.verify(cid, attest="   ")
    result = creds.verify(cid, attest="logged in at the portal", note="with Priya watching")
    assert result.summary.status is S.VERIFIED
    last = creds.history(cid)[-1]
    assert (last.actor, last.attested_how, last.note) == (
        "alice",
        "logged in at the portal",
        "with Priya watching",
    )
    creds.start_rotation(cid)
    creds.confirm_rotation(cid, attest="set and logged in")
    assert creds.verify(cid, old=True, attest="old one refused").summary.status is S.LOCKED_OUT
    result = creds.reconcile(cid, attest="tried all three", works=SecretStage.CURRENT)
    assert result.summary.status is S.VERIFIED


# --- edits, permissions, campaign and tiles ----------------------------------------------------


def test_edit_checks_the_version_and_a_corrected_secret_resets_to_unverified(
    vault: Vault, server: FakeServer
) -> None:
    creds = vault.manager.credentials
    cid = setup(vault, server)
    stale = creds.detail(cid).summary.version
    creds.verify(cid)
    with pytest.raises(StaleEdit, match="Changed by alice"):
        creds.update(cid, CredentialEdit(notes="x"), expected_version=stale)
    fresh = creds.detail(cid).summary.version
    s = creds.update(cid, CredentialEdit(secret=SecretStr("corrected")), expected_version=fresh)
    assert s.status is S.UNVERIFIED and creds.reveal(cid) == "corrected"
    creds.start_rotation(cid)
    with pytest.raises(IllegalTransition):
        creds.update(cid, CredentialEdit(secret=SecretStr("again")))


def test_roles(vault: Vault, server: FakeServer) -> None:
    from itexit.domain.roles import Role

    for name, role, pw in [
        (CONSULTANT, Role.CONSULTANT, CONSULTANT_PASS),
        (HR_USER, Role.HR, HR_PASS),
        (VIEWER, Role.VIEWER, VIEWER_PASS),
    ]:
        vault.manager.add_user(name, role, pw)
    cid = setup(vault, server)
    consultant = vault.unlock(CONSULTANT, CONSULTANT_PASS)
    consultant.credentials.verifiers = server.lookup
    assert consultant.credentials.verify(cid).ok
    hr = vault.unlock(HR_USER, HR_PASS)
    viewer = vault.unlock(VIEWER, VIEWER_PASS)
    for who in (hr, viewer):
        with pytest.raises(PermissionDenied):
            who.credentials.start_rotation(cid)
        with pytest.raises(PermissionDenied):
            who.credentials.copy(cid)
        assert not who.credentials.detail(cid).sealed
        assert who.credentials.detail(cid).username == ""
    assert [h.detail for h in viewer.credentials.history(cid)][-1] == ""


def test_campaign_orders_by_leverage_and_counts_what_is_left(vault: Vault) -> None:
    creds = vault.manager.credentials
    for name, category in [
        ("Bank", Category.BANKING),
        ("Laptop", Category.DEVICE),
        ("Registrar", Category.DOMAIN_REGISTRAR),
        ("Firewall", Category.FIREWALL),
        ("M365", Category.EMAIL),
        ("DNS", Category.DNS),
    ]:
        creds.add(mail(name, category=category, verifier="manual"))
    creds.add(mail("Not known", known_to_departing=False))
    campaign = creds.campaign()
    assert [i.summary.system for i in campaign.items] == [
        "Registrar",
        "DNS",
        "M365",
        "Firewall",
        "Bank",
        "Laptop",
    ]
    assert campaign.left == 6
    creds.verify("Registrar", attest="ok")
    creds.start_rotation("Registrar")
    creds.confirm_rotation("Registrar", attest="ok")
    creds.verify("Registrar", old=True, attest="refused")
    campaign = creds.campaign()
    assert campaign.left == 5 and campaign.items[-1].summary.system == "Registrar"


def test_tiles_count_to_rotate_rotated_and_locked_out(vault: Vault) -> None:
    from datetime import date

    creds = vault.manager.credentials
    for name in ("A", "B", "C"):
        creds.add(mail(name, verifier="manual"))
    creds.start_rotation("A")
    creds.confirm_rotation("A", attest="ok")
    creds.start_rotation("B")
    creds.confirm_rotation("B", attest="ok")
    creds.verify("B", old=True, attest="refused")
    counts = {t.key: t.count for t in tiles(vault.manager.ctx, date.today())}
    assert counts == {"credentials": 1, "credentials_rotated": 1, "credentials_locked_out": 1}


def test_the_dashboard_counts_what_its_ledger_derived_once(vault: Vault) -> None:
    """The dashboard's tiles answer from the exposures it derived, the same as on their own."""
    from datetime import date

    from itexit.domain.roles import Role
    from itexit.services.exposures.credentials import derived, still_to_rotate

    vault.manager.add_user(CONSULTANT, Role.CONSULTANT, CONSULTANT_PASS)
    creds = vault.manager.credentials
    creds.add(mail("A", verifier="manual"))
    creds.add(mail("B", verifier="manual", known_to_departing=False))
    creds.add(mail("C", verifier="manual", known_to_departing=False))
    creds.start_rotation("A")
    creds.confirm_rotation("A", attest="ok")
    vault.manager.remove_user(CONSULTANT)  # he could read every current secret until now
    ctx, today = vault.manager.ctx, date.today()
    alone = {t.key: t.count for t in tiles(ctx, today)}
    expected = still_to_rotate(ctx, today)
    assert alone["credentials"] == 3 and len(expected) == 3
    items = vault.manager.exposures.derive(today)
    with derived(ctx, today, items):
        assert still_to_rotate(ctx, today) == expected
        assert {t.key: t.count for t in tiles(ctx, today)} == alone
        # the shared answer is the one given, not a second derivation
        with derived(ctx, today, [e for e in items if "B" not in e.subject]):
            assert len(still_to_rotate(ctx, today)) == 2
    # outside the read, or for another day, it is derived afresh
    assert still_to_rotate(ctx, today) == expected
    with derived(ctx, today, []):
        assert still_to_rotate(ctx, date(2000, 1, 1)) != {}
    summary = vault.manager.dashboard(today)
    shown = {t.key: t.count for t in summary.tiles if t.key.startswith("credentials")}
    assert shown == alone
