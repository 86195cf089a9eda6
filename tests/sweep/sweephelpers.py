"""Helpers for the sweep tests: a case for the departing person, admin credentials."""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import SecretStr

from itexit.domain.checklist import CaseKind, NewCase
from itexit.domain.credentials import Category, NewCredential
from servers.sieveserver import SieveServer
from servers.sweephosts import SweepSshd
from vaulthelpers import Vault

TERMINATED = date.today() - timedelta(days=3)


def open_case(vault: Vault, name: str = "Gary Thistle") -> str:
    case = vault.manager.cases.create(
        NewCase(name=name, kind=CaseKind.IT_EMPLOYEE, termination_date=TERMINATED)
    )
    return case.id


def ssh_admin(vault: Vault, host: SweepSshd, system: str, **options: str) -> str:
    """Record the host's admin account in the inventory, marked for the sweep (``options``
    are added to the endpoint options the host names)."""
    summary = vault.manager.credentials.add(
        NewCredential(
            system=system,
            host=host.host,
            port=host.port,
            category=Category.SERVER,
            username=host.accounts.admin,
            secret=SecretStr(host.accounts.admin_password),
            verifier="ssh",
            endpoint_options={**host.options(), **options},
            sweep_admin=True,
        )
    )
    return summary.id


def mail_admin(vault: Vault, server: SieveServer, *mailboxes: str) -> str:
    """The mail server's master account in the inventory, marked for the sweep."""
    summary = vault.manager.credentials.add(
        NewCredential(
            system="Practice mail (admin)",
            host=server.host,
            port=server.imap_port,
            category=Category.EMAIL,
            username=server.admin,
            secret=SecretStr(server.admin_password),
            verifier="imap",
            tls="starttls",
            endpoint_options={
                "ca_file": server.ca_file,
                "sieve_port": str(server.port),
                "mailboxes": " ".join(mailboxes),
            },
            sweep_admin=True,
        )
    )
    return summary.id


def mailbox_credential(vault: Vault, server: SieveServer, user: str) -> str:
    """A mailbox of the practice, as the inventory records it (the sweep reads its rules)."""
    summary = vault.manager.credentials.add(
        NewCredential(
            system=f"Mailbox {user}",
            host=server.host,
            port=server.imap_port,
            category=Category.EMAIL,
            username=user,
            secret=SecretStr(server.users[user]),
            verifier="imap",
            tls="starttls",
            endpoint_options={"ca_file": server.ca_file},
        )
    )
    return summary.id
