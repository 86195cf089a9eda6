"""What `cred add` and `cred edit` share: the categories, the flags that say how a verifier
reaches the system, and a credential as the commands print it."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from itexit.domain.credentials import Category
from itexit.domain.errors import BadInput
from itexit.domain.verify import TlsMode

if TYPE_CHECKING:
    from itexit.domain.credentials import CredentialSummary

CATEGORIES = [category.value for category in Category]


def row_of(s: CredentialSummary) -> dict[str, Any]:
    return {
        "id": s.id,
        "system": s.system,
        "host": s.host,
        "port": s.port,
        "category": s.category.value,
        "status": s.status.value,
        "known_to_departing": s.known_to_departing,
        "rotation_due": s.rotation_due,
        "rotation_reason": s.rotation_reason,
        "recovery_tied": s.recovery_tied,
        "source": s.source.value,
        "verifier": s.verifier,
        "last_verified": s.last_verified.isoformat() if s.last_verified else None,
        "rotated_at": s.rotated_at.isoformat() if s.rotated_at else None,
        "locked_out_at": s.locked_out_at.isoformat() if s.locked_out_at else None,
        "retired_at": s.retired_at.isoformat() if s.retired_at else None,
        "changed_outside": s.changed_outside,
    }


def endpoint_options(args: argparse.Namespace) -> dict[str, str]:
    """The endpoint options a verifier needs: a private CA file, a pinned SSH host key."""
    options: dict[str, str] = {}
    if args.ca_file:
        path = Path(args.ca_file).expanduser().resolve()
        if not path.is_file():
            raise BadInput(f"No CA file at {args.ca_file}.")
        options["ca_file"] = str(path)
    if args.host_key:
        options["host_key"] = args.host_key.strip()
    return options


def from_url(args: argparse.Namespace) -> dict[str, Any]:
    """The check settings a server address in --url implies (postgresql://, imaps://, ssh://…),
    for the flags not given; {} for a web address. A server address that cannot be read is
    refused in one sentence before the passphrase is asked for."""
    from itexit.domain.server_url import read_server_url

    found = read_server_url(args.url or "")
    if found is None or (args.verifier not in (None, found.verifier)):
        return {}
    return {k: v for k, v in found.model_dump().items() if v not in (None, "")}


def add_endpoint_flags(p: argparse.ArgumentParser, default_tls: str | None) -> None:
    """What a verifier needs to reach the system, for `cred add` and `cred edit`."""
    p.add_argument(
        "--tls",
        default=default_tls,
        choices=[mode.value for mode in TlsMode],
        help="how the verifier connects (default: tls, or what a server --url says)",
    )
    p.add_argument(
        "--path", help="the HTTP page, PostgreSQL database or LDAP bind DN template to check"
    )
    p.add_argument("--ca-file", metavar="FILE", help="trust this CA (the practice's own)")
    p.add_argument(
        "--host-key", metavar="SHA256:…", help="the SSH server's pinned host key fingerprint"
    )
