"""Sweeping 10 SSH hosts on loopback: itexit's sweep against parallel-ssh running the same reads.

Ten real ``sshd`` servers are started on 127.0.0.1 (the test suite's planted hosts, so this
needs root: the admin and the departing person are real Linux accounts, created and removed
here), each with the person's key, an unclaimed key, a sudo rule and a cron job. Then, for
``--runs`` rounds:

    itexit   SweepService.run(): one login per host (password, host key pinned), the read
             script, parsing, fingerprints, and the findings recorded in a SQLite vault
    pssh     parallel-ssh -I -h HOSTS -p 10 'sh -s' < the same read script (key login)

The script prints both medians side by side and their ratio (itexit / pssh).

Needs: root, openssh-server, and parallel-ssh (Debian ``pssh``: ``apt-get install pssh``).

    python bench/sweep_vs_pssh.py [--hosts 10] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "tests" / "sweep")]

from pydantic import SecretStr  # noqa: E402

from itexit.domain.checklist import CaseKind, NewCase  # noqa: E402
from itexit.domain.credentials import Category, NewCredential  # noqa: E402
from itexit.domain.verify import Endpoint  # noqa: E402
from itexit.services.sweep import SweepService, known_key  # noqa: E402
from itexit.sweep.base import Target  # noqa: E402
from itexit.sweep.ssh import read_script  # noqa: E402
from servers.sweephosts import Accounts, KeyPair, SweepSshd  # noqa: E402
from vaulthelpers import new_vault  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hosts", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    pssh = shutil.which("parallel-ssh")
    if os.geteuid() != 0 or pssh is None:
        sys.exit("This bench needs root and parallel-ssh (apt-get install pssh).")
    work = Path(tempfile.mkdtemp(prefix="itexit-bench-sweep-"))
    accounts = Accounts.make()
    hosts: list[SweepSshd] = []
    try:
        admin_key = KeyPair.make("bench-admin")
        key_file = work / "admin_key"
        key_file.write_bytes(admin_key.private_pem)
        key_file.chmod(0o600)
        for _ in range(args.hosts):
            host = SweepSshd.start(accounts)
            unknown = KeyPair.make("who@where")
            host.plant_keys(accounts.person, accounts.person_key.public_line)
            host.plant_keys(accounts.admin, admin_key.public_line, unknown.public_line)
            host.plant_sudo(accounts.person)
            host.plant_cron(accounts.person)
            hosts.append(host)

        vault = new_vault(work / "vault.sqlite")
        session = vault.manager
        case = session.cases.create(
            NewCase(name="Gary", kind=CaseKind.IT_EMPLOYEE, termination_date=date.today())
        )
        for index, host in enumerate(hosts):
            session.credentials.add(
                NewCredential(
                    system=f"Server {index:02d}",
                    host=host.host,
                    port=host.port,
                    category=Category.SERVER,
                    username=accounts.admin,
                    secret=SecretStr(accounts.admin_password),
                    verifier="ssh",
                    endpoint_options=host.options(),
                    sweep_admin=True,
                )
            )
        identity = session.sweep.set_identity(
            case.id,
            accounts=[accounts.person],
            keys=[known_key(accounts.person_key.public_line)],
            trusted_keys=[known_key(admin_key.public_line)],
        )
        service = SweepService(session.ctx)

        # One read script for every host (the first host's paths: pssh sends the same to all).
        hosts_file = work / "hosts"
        hosts_file.write_text("".join(f"{h.host}:{h.port}\n" for h in hosts))
        script = read_script(_target(hosts[0], accounts), identity, "benchnonce")
        pssh_argv = [
            pssh,
            "-I",
            "-h",
            str(hosts_file),
            "-l",
            accounts.admin,
            "-p",
            str(args.hosts),
            "-t",
            "60",
            "-x",
            f"-i {key_file} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
            "-o BatchMode=yes -o LogLevel=ERROR",
            "sh -s",
        ]

        def run_itexit() -> float:
            started = time.perf_counter()
            report = service.run(case.id)
            seconds = time.perf_counter() - started
            assert all(h.reached for h in report.hosts), [h.problems for h in report.hosts]
            return seconds

        def run_pssh() -> float:
            started = time.perf_counter()
            done = subprocess.run(
                pssh_argv, input=script, text=True, capture_output=True, check=False
            )
            seconds = time.perf_counter() - started
            if done.returncode != 0:
                sys.exit(f"parallel-ssh failed:\n{done.stdout}\n{done.stderr}")
            return seconds

        run_itexit(), run_pssh()  # warm both: first logins, page cache
        ours = [run_itexit() for _ in range(args.runs)]
        theirs = [run_pssh() for _ in range(args.runs)]
        mine, other = statistics.median(ours), statistics.median(theirs)
        print(f"Sweeping {args.hosts} SSH hosts on loopback, median of {args.runs} runs:")
        print(f"  itexit sweep (read, parse, record)   {mine * 1000:8.0f} ms")
        print(f"  parallel-ssh (same read script)      {other * 1000:8.0f} ms")
        print(f"  ratio itexit / parallel-ssh          {mine / other:8.2f}")
        vault.close()
    finally:
        for host in hosts:
            host.stop()
        accounts.remove()
        shutil.rmtree(work, ignore_errors=True)


def _target(host: SweepSshd, accounts: Accounts) -> Target:
    return Target(
        credential_id="bench",
        system="bench",
        protocol="ssh",
        endpoint=Endpoint(host=host.host, port=host.port, options=host.options()),
        username=accounts.admin,
        secret=secrets.token_hex(4),
    )


if __name__ == "__main__":
    main()
