"""Unlock + search for one system among 10,000: itexit against keepassxc-cli, whole process.

Both tools hold the same 10,000 entries: one KeePass XML is generated, `keepassxc-cli import`
turns it into a KDBX database at keepassxc-cli's default key-derivation settings, and itexit
imports the same XML into a vault whose Argon2id parameters are calibrated as `itexit init`
calibrates them. Each run is a fresh process that unlocks and searches for one system name:

    keepassxc-cli search DB "System 04242"          (password on stdin)
    itexit cred list --search "System 04242" --json  (passphrase from a file)

The script prints both medians, their ratio, and each tool's time with its key derivation taken
out: itexit's derivation is timed alone with the vault's own parameters, once per new process
(after the same pause) as the command meets it;
keepassxc-cli's is the time of the same search over a database of one entry made the same way
(process start, derivation and decryption with almost nothing to load).

    python bench/search_vs_keepassxc.py [--entries 10000] [--runs 7] [--pause SECONDS]
"""

from __future__ import annotations

import argparse
import os
import resource
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

from fresh_process import kdf_seconds

from itexit.vault.kdf import KdfParams

GROUPS = ("Email", "Network", "Servers", "EHR", "Banking", "Vendors", "Devices", "Cloud")
USER = "bench"
TARGET = 4242


def system_name(index: int) -> str:
    return f"System {index:05d}"


def write_xml(path: Path, entries: int) -> None:
    """A KeePass 2 XML export: eight groups, `entries` fictional logins with random passwords."""
    per_group: dict[str, list[str]] = {group: [] for group in GROUPS}
    for index in range(entries):
        group = GROUPS[index % len(GROUPS)]
        uuid = secrets.token_bytes(16).hex()
        per_group[group].append(
            "<Entry>"
            f"<UUID>{_b64(uuid)}</UUID>"
            f"<String><Key>Title</Key><Value>{escape(system_name(index))}</Value></String>"
            f"<String><Key>UserName</Key><Value>user{index}</Value></String>"
            f"<String><Key>Password</Key><Value>{secrets.token_urlsafe(18)}</Value></String>"
            f"<String><Key>URL</Key><Value>https://host{index}.example.test</Value></String>"
            "<String><Key>Notes</Key><Value>Generated for the benchmark.</Value></String>"
            "</Entry>"
        )
    groups = "".join(
        f"<Group><UUID>{_b64(secrets.token_bytes(16).hex())}</UUID><Name>{name}</Name>"
        + "".join(items)
        + "</Group>"
        for name, items in per_group.items()
    )
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        "<KeePassFile><Meta><Generator>itexit bench</Generator></Meta><Root><Group>"
        f"<UUID>{_b64(secrets.token_bytes(16).hex())}</UUID><Name>Root</Name>"
        f"{groups}</Group></Root></KeePassFile>\n",
        encoding="utf-8",
    )


def _b64(hex_text: str) -> str:
    import base64

    return base64.b64encode(bytes.fromhex(hex_text)).decode()


def kpx_import_xml(keepassxc: str, xml: Path, database: Path, password: str) -> None:
    """`keepassxc-cli import` at its default settings, the password given twice on stdin."""
    subprocess.run(
        [keepassxc, "import", "-q", "-p", str(xml), str(database)],
        input=f"{password}\n{password}\n",
        capture_output=True,
        text=True,
        check=True,
    )


def timed(command: list[str], stdin: str, env: dict[str, str], expect: str) -> tuple[float, float]:
    """Wall-clock and CPU (user + system) seconds of one whole process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(
        command, input=stdin, capture_output=True, text=True, env=env, check=False
    )
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if result.returncode != 0 or expect not in result.stdout:
        raise SystemExit(
            f"{Path(command[0]).name} failed (exit {result.returncode}): "
            f"{result.stderr.strip()[:300]}"
        )
    return elapsed, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--pause",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="wait this long before each timed run, as between a person's commands: memory "
        "freed a while ago may have to be found again (a virtual machine may have handed it "
        "back to its host), which a memory-hard key derivation feels and AES-KDF does not",
    )
    args = parser.parse_args()
    keepassxc = shutil.which("keepassxc-cli")
    if keepassxc is None:
        raise SystemExit("keepassxc-cli is not installed (Debian package keepassxc).")
    if os.environ.get("ITEXIT_KDF_PROFILE"):
        raise SystemExit("Unset ITEXIT_KDF_PROFILE: the benchmark uses calibrated parameters.")
    target = system_name(min(TARGET, args.entries - 1))

    with tempfile.TemporaryDirectory(prefix="itexit-bench-") as tmp:
        work = Path(tmp)
        env = {
            **os.environ,
            "ITEXIT_HOME": str(work / "home"),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        }
        os.environ.update(env)  # the in-process set-up uses the same home
        xml = work / "entries.xml"
        write_xml(xml, args.entries)

        password = secrets.token_urlsafe(16)
        database = work / "entries.kdbx"
        started = time.perf_counter()
        kpx_import_xml(keepassxc, xml, database, password)
        kpx_import = time.perf_counter() - started
        info = subprocess.run(
            [keepassxc, "db-info", "-q", str(database)],
            input=f"{password}\n",
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        kpx_kdf = next((line for line in info.splitlines() if line.startswith("KDF")), "KDF: ?")
        # The same tool, settings and password over a single entry: its time is keepassxc-cli's
        # start, key derivation and decryption with almost nothing to load or search.
        one_xml, one_db = work / "one.xml", work / "one.kdbx"
        write_xml(one_xml, 1)
        kpx_import_xml(keepassxc, one_xml, one_db, password)

        vault_path, params, it_import = build_vault(work, xml, password)
        # The derivation alone, as the command meets it: in a new process, after the same pause.
        kdf_median = kdf_seconds(params, 5, args.pause)

        passphrase_file = work / "passphrase"
        passphrase_file.write_text(password + "\n", encoding="utf-8")
        passphrase_file.chmod(0o600)
        itexit_cmd = [
            sys.executable,
            "-m",
            "itexit",
            "--vault",
            str(vault_path),
            "--user",
            USER,
            "--passphrase-file",
            str(passphrase_file),
            "cred",
            "list",
            "--search",
            target,
            "--json",
        ]
        keepassxc_cmd = [keepassxc, "search", "-q", str(database), target]
        one_cmd = [keepassxc, "search", "-q", str(one_db), system_name(0)]

        itexit_runs: list[tuple[float, float]] = []
        keepassxc_runs: list[tuple[float, float]] = []
        one_runs: list[float] = []
        for _ in range(args.runs):  # interleaved, so drift in the machine's load hits both
            time.sleep(args.pause)
            keepassxc_runs.append(timed(keepassxc_cmd, f"{password}\n", env, target))
            time.sleep(args.pause)
            itexit_runs.append(timed(itexit_cmd, "", env, target))
            one_runs.append(timed(one_cmd, f"{password}\n", env, system_name(0))[0])

    it_median = statistics.median(t for t, _ in itexit_runs)
    kpx_median = statistics.median(t for t, _ in keepassxc_runs)
    it_cpu = statistics.median(c for _, c in itexit_runs)
    kpx_cpu = statistics.median(c for _, c in keepassxc_runs)
    pause = f", {args.pause:g} s pause before each" if args.pause else ""
    print(
        f"entries: {args.entries:,}; search for {target!r}; {args.runs} runs each{pause}, medians"
    )
    print(f"set-up: keepassxc-cli import {kpx_import:.1f} s; itexit import {it_import:.1f} s")
    one_median = statistics.median(one_runs)
    print(f"keepassxc-cli search: {kpx_median:.3f} s   ({kpx_kdf.replace('KDF: ', 'KDF ')})")
    print(f"  one-entry database: {one_median:.3f} s   (start + KDF, nothing to load)")
    print(f"  the rest          : {kpx_median - one_median:.3f} s   (loading and searching)")
    print(f"itexit cred list    : {it_median:.3f} s   (KDF {params.label()})")
    print(f"  of which the KDF  : {kdf_median:.3f} s   (derivation alone, in a new process)")
    print(
        f"  the rest          : {it_median - kdf_median:.3f} s   "
        "(interpreter, open, unlock, search)"
    )
    print(
        f"ratio itexit / keepassxc-cli: {it_median / kpx_median:.2f} "
        f"({'itexit no slower' if it_median <= kpx_median else 'itexit slower'})"
    )
    print(
        f"CPU time (user+sys) medians: itexit {it_cpu:.3f} s, keepassxc-cli {kpx_cpu:.3f} s, "
        f"ratio {it_cpu / max(kpx_cpu, 1e-6):.2f}"
    )
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        "all runs, wall (s): itexit "
        + " ".join(f"{t:.3f}" for t, _ in itexit_runs)
        + " | keepassxc-cli "
        + " ".join(f"{t:.3f}" for t, _ in keepassxc_runs)
    )


def build_vault(work: Path, xml: Path, passphrase: str) -> tuple[Path, KdfParams, float]:
    """A vault created as `itexit init` does (calibrated Argon2id), holding the XML's entries."""
    from sqlalchemy import select

    from itexit.services.gateway import Gateway
    from itexit.services.imports import ImportKind
    from itexit.services.location import VaultLocation
    from itexit.store.models import User
    from itexit.vault import kdf

    vault_path = work / "vault.sqlite"
    gateway = Gateway.open(VaultLocation(path=vault_path))
    try:
        session = gateway.create("Benchmark Practice", USER, passphrase).session
        started = time.perf_counter()
        report = session.imports.run(ImportKind.KEEPASS_XML, xml)
        imported = time.perf_counter() - started
        assert report.imported > 0
        session.lock()
        with gateway.store.sessions() as db:
            user = db.scalars(select(User).where(User.name == USER)).one()
            params = kdf.KdfParams(
                user.kdf_memory_kib, user.kdf_time_cost, user.kdf_parallelism, user.kdf_salt
            )
    finally:
        gateway.close()
    return vault_path, params, imported


if __name__ == "__main__":
    main()
