"""A throwaway OpenLDAP ``slapd`` on free loopback ports (LDAP with StartTLS, and LDAPS).

A temporary ``slapd.conf`` with an MDB database under ``dc=itexit,dc=test``, the monitor
database (``cn=Monitor``, readable by the root DN only, so open connections can be listed), the
test CA's certificate, and a root DN the fixture uses (through ldap3) to add people and change their
passwords. Nothing outside the temporary directory is touched.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
import tempfile
from pathlib import Path

from ldap3 import MODIFY_REPLACE, Connection, Server

from .certs import TestCA
from .common import HOST, find_program, free_port, listening, read_tail, spawn, stop_process

SLAPD_MISSING = "slapd is not installed (Debian package slapd)"
SUFFIX = "dc=itexit,dc=test"
PEOPLE = f"ou=people,{SUFFIX}"


class SlapdUnavailable(RuntimeError):
    """slapd cannot run here."""


def find_slapd() -> str | None:
    return find_program("slapd")


def _schema_dir() -> Path | None:
    for candidate in (Path("/etc/ldap/schema"), Path("/etc/openldap/schema")):
        if (candidate / "core.schema").is_file():
            return candidate
    return None


def _module_dir() -> Path | None:
    for candidate in (
        Path("/usr/lib/ldap"),
        Path("/usr/lib64/openldap"),
        Path("/usr/lib/openldap"),
    ):
        if candidate.is_dir():
            return candidate
    return None


class SlapdServer:
    def __init__(self, binary: str, base: Path, tls: TestCA) -> None:
        self.binary = binary
        self.base = base
        self.host = HOST
        self.ldap_port = 0
        self.ldaps_port = 0
        self.ca_file = str(tls.ca_file)
        self.suffix = SUFFIX
        self.people = PEOPLE
        self.root_dn = f"cn=admin,{SUFFIX}"
        self._root_pw = secrets.token_hex(12)
        self._tls = tls
        self._proc: subprocess.Popen[bytes] | None = None

    @classmethod
    def start(cls, tls: TestCA) -> SlapdServer:
        binary = find_slapd()
        if binary is None:
            raise SlapdUnavailable(SLAPD_MISSING)
        schema = _schema_dir()
        if schema is None:
            raise SlapdUnavailable("slapd is installed but its schema files were not found")
        server = cls(binary, Path(tempfile.mkdtemp(prefix="itexit-slapd-")), tls)
        try:
            (server.base / "db").mkdir(mode=0o700)
            for _ in range(3):
                server.ldap_port, server.ldaps_port = free_port(), free_port()
                server._write_config(schema)
                if server._launch():
                    server._seed()
                    return server
                server._kill()
            raise SlapdUnavailable(f"slapd did not start:\n{server.log_tail()}")
        except BaseException:
            server.stop()
            raise

    def _write_config(self, schema: Path) -> None:
        modules = _module_dir()
        load = f"modulepath {modules}\nmoduleload back_mdb\n" if modules else ""
        includes = "".join(
            f"include {schema}/{name}.schema\n"
            for name in ("core", "cosine", "nis", "inetorgperson")
        )
        (self.base / "slapd.conf").write_text(
            f"""\
{includes}pidfile {self.base}/slapd.pid
argsfile {self.base}/slapd.args
{load}TLSCACertificateFile {self._tls.ca_file}
TLSCertificateFile {self._tls.cert_file}
TLSCertificateKeyFile {self._tls.key_file}
database mdb
maxsize 16777216
suffix "{SUFFIX}"
rootdn "{self.root_dn}"
rootpw {self._root_pw}
directory {self.base}/db
access to attrs=userPassword by self write by anonymous auth by * none
access to * by * read
database monitor
access to dn.subtree="cn=Monitor" by dn.exact="{self.root_dn}" read by * none
"""
        )

    def _launch(self) -> bool:
        urls = f"ldap://{HOST}:{self.ldap_port}/ ldaps://{HOST}:{self.ldaps_port}/"
        self._proc = spawn(
            [self.binary, "-d", "0", "-h", urls, "-f", str(self.base / "slapd.conf")],
            self.base / "slapd.log",
        )
        return listening(self._proc, self.ldap_port, also=self.ldaps_port)

    def _admin(self) -> Connection:
        return Connection(
            Server(HOST, port=self.ldap_port, get_info="NO_INFO"),
            user=self.root_dn,
            password=self._root_pw,
            auto_bind=True,
            receive_timeout=10,
        )

    def _seed(self) -> None:
        with self._admin() as conn:
            conn.add(SUFFIX, ["dcObject", "organization"], {"o": "itexit test", "dc": "itexit"})
            conn.add(PEOPLE, ["organizationalUnit"], {"ou": "people"})

    def dn(self, uid: str) -> str:
        return f"uid={uid},{PEOPLE}"

    def add_user(self, uid: str, password: str) -> str:
        """Add a person with ``password``; returns their DN."""
        with self._admin() as conn:
            ok = conn.add(
                self.dn(uid),
                ["inetOrgPerson"],
                {"uid": uid, "cn": uid, "sn": uid, "userPassword": password},
            )
            if not ok:
                raise RuntimeError(f"could not add {uid}: {conn.result.get('description')}")
        return self.dn(uid)

    def set_password(self, uid: str, password: str) -> None:
        with self._admin() as conn:
            if not conn.modify(self.dn(uid), {"userPassword": [(MODIFY_REPLACE, [password])]}):
                raise RuntimeError(f"could not change {uid}: {conn.result.get('description')}")

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        stop_process(proc)

    def log_tail(self, chars: int = 4000) -> str:
        return read_tail(self.base / "slapd.log", chars)

    def stop(self) -> None:
        self._kill()
        shutil.rmtree(self.base, ignore_errors=True)
