"""Rotation campaign: 20 accounts on loopback servers (five each of PostgreSQL, MariaDB, OpenLDAP
and Linux over SSH), each changed by itexit itself, the new secret tested, the old one proven dead.

The servers are the test suite's own throwaway ones (``tests/servers``), started here; the SSH
accounts are real local accounts, so that part needs root (without it, those five are left out
and the line says so). Prints the wall time and how the work splits between connecting (and
logging in), setting the secret, and verifying (new works, old refused); the three are summed
over the systems, which run several at a time. Target: under 10 s for the 20.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent / "tests"), str(HERE.parent / "tests" / "changers")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-kind", type=int, default=5)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="itexit-bench-"))
    os.environ["ITEXIT_HOME"] = str(home)
    os.environ.setdefault("ITEXIT_KDF_PROFILE", "test")
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"

    from changer_systems import MAKERS, password

    from itexit.domain.changing import ChangeMethod
    from itexit.services.credentials.changing import ChangingService
    from servers.certs import TestCA
    from servers.linux import ShellSshServer
    from servers.mariadb import MariadbServer
    from servers.pglogin import PgLoginServer
    from servers.slapd import SlapdServer
    from vaulthelpers import new_vault

    print("Starting PostgreSQL, MariaDB, slapd and sshd on 127.0.0.1 …", flush=True)
    ca = TestCA.make(home / "ca")
    servers: dict[str, object] = {}
    try:
        servers["postgresql"] = PgLoginServer.start(ca)
        servers["mariadb"] = MariadbServer.start()
        servers["ldap"] = SlapdServer.start(ca)
        if os.geteuid() == 0:
            servers["ssh"] = ShellSshServer.start_shell()
        else:
            print("Not root: the five Linux accounts over SSH are left out.")
        vault = new_vault(home / "vault.sqlite")
        service = ChangingService(vault.manager.ctx)
        ids = []
        for kind, server in servers.items():
            for n in range(args.per_kind):
                account = MAKERS[kind](server, password(), n=n)
                cid = vault.manager.credentials.add(account.credential).id
                service.set_method(cid, ChangeMethod.SELF)
                ids.append(cid)

        started = time.perf_counter()
        report = service.campaign(connections=args.connections)
        wall = time.perf_counter() - started

        rows = report.done + report.needs_person
        connect = sum(r.connect_seconds for r in rows)
        setting = sum(r.set_seconds for r in rows)
        verify = sum(r.verify_seconds for r in rows)
        print(
            f"campaign over {len(ids)} systems, {args.connections} at a time: {wall:.2f} s wall "
            f"({len(report.done)} rotated and proven, {len(report.needs_person)} need a person)"
        )
        print(
            f"  summed over the systems: connecting and logging in {connect:.2f} s, "
            f"setting {setting:.2f} s, verifying new and old {verify:.2f} s"
        )
        for kind in servers:
            mine = [r for r in rows if r.system.lower().startswith(_label(kind))]
            if mine:
                print(
                    f"  {kind:<10} connect {sum(r.connect_seconds for r in mine):5.2f} s  "
                    f"set {sum(r.set_seconds for r in mine):5.2f} s  "
                    f"verify {sum(r.verify_seconds for r in mine):5.2f} s"
                )
        for r in report.needs_person:
            print(f"  needs a person: {r.sentence}")
        print(f"target < 10 s: {'met' if wall < 10 and not report.needs_person else 'NOT met'}")
        vault.close()
        return 0 if not report.needs_person else 1
    finally:
        for server in servers.values():
            server.stop()  # type: ignore[attr-defined]


def _label(kind: str) -> str:
    return {"postgresql": "postgresql", "mariadb": "mariadb", "ldap": "ldap", "ssh": "linux"}[kind]


if __name__ == "__main__":
    raise SystemExit(main())
