"""PostgreSQL set up for password logins over TLS, for the PostgreSQL verifier.

It runs from the suite's own :class:`PgServer` (``tests/pgserver.py``), but as a separate
instance: the shared server trusts every local connection, and this one must ask for
passwords (``scram-sha-256`` for the members of one group role) and offer TLS with the test
CA's certificate, which should not change how the rest of the suite connects.
"""

from __future__ import annotations

import os
import secrets
import shutil

from psycopg import sql

from pgserver import PgServer

from .certs import TestCA

GROUP = "itexit_password_login"


class PgLoginServer:
    def __init__(self, server: PgServer, tls: TestCA) -> None:
        self.server = server
        self.host = server.host
        self.port = server.port
        self.ca_file = str(tls.ca_file)
        self._roles: set[str] = set()
        self._configure(tls)

    @classmethod
    def start(cls, tls: TestCA) -> PgLoginServer:
        server = PgServer.start()
        try:
            return cls(server, tls)
        except BaseException:
            server.stop()
            raise

    def _configure(self, tls: TestCA) -> None:
        datadir = self.server.datadir
        owner = datadir.stat()
        for src, name in ((tls.cert_file, "server.crt"), (tls.key_file, "server.key")):
            target = datadir / name
            shutil.copyfile(src, target)
            target.chmod(0o600)
            if os.geteuid() == 0:
                os.chown(target, owner.st_uid, owner.st_gid)
        hba = datadir / "pg_hba.conf"
        rules = f"host all +{GROUP} 127.0.0.1/32 scram-sha-256\n"
        hba.write_text(rules + hba.read_text())  # first match wins: before the trust lines
        with self.server.connect() as conn:
            conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(GROUP)))
            conn.execute("ALTER SYSTEM SET ssl = on")
            conn.execute("ALTER SYSTEM SET ssl_cert_file = 'server.crt'")
            conn.execute("ALTER SYSTEM SET ssl_key_file = 'server.key'")
            conn.execute("ALTER SYSTEM SET password_encryption = 'scram-sha-256'")
            conn.execute("SELECT pg_reload_conf()")

    def add_role(self, password: str) -> str:
        """A new login role that must give ``password``; returns its name."""
        name = f"verify_{secrets.token_hex(4)}"
        with self.server.connect() as conn:
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {} IN ROLE {}").format(
                    sql.Identifier(name), sql.Literal(password), sql.Identifier(GROUP)
                )
            )
        self._roles.add(name)
        return name

    def set_password(self, role: str, password: str) -> None:
        with self.server.connect() as conn:
            conn.execute(
                sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                    sql.Identifier(role), sql.Literal(password)
                )
            )

    def stop(self) -> None:
        self.server.stop()


__all__ = ["GROUP", "PgLoginServer"]
