"""The sweep of real PostgreSQL, MariaDB and OpenLDAP servers: the person's own accounts,
admin rights and open sessions found, closed, and proven closed by reading the server again."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator

import psycopg
import pymysql
import pytest
from ldap3 import Connection, Server
from psycopg import sql
from pydantic import SecretStr
from sweephelpers import open_case

from itexit.domain.credentials import Category, NewCredential
from itexit.domain.sweep import FindingKind, FindingStatus
from servers.mariadb import MariadbServer
from servers.pglogin import GROUP, PgLoginServer
from servers.slapd import SlapdServer
from vaulthelpers import Vault

K = FindingKind


@pytest.fixture
def pg_planted(vault: Vault, pg_login_server: PgLoginServer) -> Iterator[dict[str, str]]:
    tag = secrets.token_hex(3)
    names = {
        "admin": f"sweepadm_{tag}",
        "person": f"gary_{tag}",
        "colleague": f"dora_{tag}",
        "dba": f"dba_{tag}",
    }
    password = f"pg-{secrets.token_hex(8)}"
    ident = sql.Identifier
    with pg_login_server.server.connect() as conn:
        conn.execute(
            sql.SQL("CREATE ROLE {} LOGIN SUPERUSER PASSWORD {} IN ROLE {}").format(
                ident(names["admin"]), sql.Literal(password), ident(GROUP)
            )
        )
        conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN CREATEROLE").format(ident(names["dba"])))
        for who in ("person", "colleague"):
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {} IN ROLE {}").format(
                    ident(names[who]), sql.Literal(password), ident(GROUP)
                )
            )
        conn.execute(sql.SQL("GRANT {} TO {}").format(ident(names["dba"]), ident(names["person"])))
        conn.execute(sql.SQL("GRANT pg_write_all_data TO {}").format(ident(names["person"])))
    case = open_case(vault)
    vault.manager.credentials.add(
        NewCredential(
            system="Practice database",
            host=pg_login_server.host,
            port=pg_login_server.port,
            category=Category.SERVER,
            username=names["admin"],
            secret=SecretStr(password),
            verifier="postgresql",
            tls="tls",
            endpoint_options={"ca_file": pg_login_server.ca_file},
            sweep_admin=True,
        )
    )
    vault.manager.sweep.set_identity(case, accounts=[names["person"]])
    session = psycopg.connect(
        host=pg_login_server.host,
        port=pg_login_server.port,
        user=names["person"],
        password=password,
        dbname="postgres",
        sslmode="verify-full",
        sslrootcert=pg_login_server.ca_file,
    )
    try:
        yield {**names, "password": password}
    finally:
        session.close()


def test_postgresql_leftovers_are_found_closed_and_proven(
    vault: Vault, pg_planted: dict[str, str], pg_login_server: PgLoginServer
) -> None:
    service = vault.manager.sweep
    report = service.run()
    (host,) = report.hosts
    assert host.reached and not host.problems
    found = sorted((f.kind.value, f.evidence.get("role", "")) for f in host.findings)
    assert found == sorted(
        [
            ("account", ""),
            ("admin_role", pg_planted["dba"]),
            ("admin_role", "pg_write_all_data"),
            ("session", ""),
        ]
    )
    text = json.dumps(report.model_dump(mode="json"))
    assert pg_planted["colleague"] not in text and pg_planted["password"] not in text
    for item in host.findings:
        outcome = service.close(item.id)
        assert outcome.proven, outcome.done
    with pg_login_server.server.connect() as conn:
        can_login = conn.execute(
            "SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", (pg_planted["person"],)
        ).fetchone()
        members = conn.execute(
            "SELECT count(*) FROM pg_auth_members a JOIN pg_roles m ON m.oid = a.member "
            "WHERE m.rolname = %s",
            (pg_planted["person"],),
        ).fetchone()
    assert can_login == (False,)
    assert members == (1,)  # only the password-login group the test server needs
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(
            host=pg_login_server.host,
            port=pg_login_server.port,
            user=pg_planted["person"],
            password=pg_planted["password"],
            dbname="postgres",
            sslmode="verify-full",
            sslrootcert=pg_login_server.ca_file,
        ).close()
    assert service.run().findings == []
    assert {f.status for f in service.findings()} == {FindingStatus.CLOSED}


@pytest.fixture
def ldap_planted(vault: Vault, slapd_server: SlapdServer) -> dict[str, str]:
    tag = secrets.token_hex(3)
    person, colleague = f"gary{tag}", f"dora{tag}"
    password = f"ld-{secrets.token_hex(8)}"
    person_dn = slapd_server.add_user(person, password)
    colleague_dn = slapd_server.add_user(colleague, password)
    with slapd_server._admin() as conn:
        for cn, members in (
            (f"admins{tag}", [person_dn, colleague_dn]),
            (f"staff{tag}", [person_dn, colleague_dn]),
        ):
            conn.add(
                f"cn={cn},{slapd_server.suffix}", ["groupOfNames"], {"cn": cn, "member": members}
            )
    case = open_case(vault)
    vault.manager.credentials.add(
        NewCredential(
            system="Directory",
            host=slapd_server.host,
            port=slapd_server.ldap_port,
            category=Category.SERVER,
            username=slapd_server.root_dn,
            secret=SecretStr(slapd_server._root_pw),
            verifier="ldap",
            tls="starttls",
            endpoint_options={"ca_file": slapd_server.ca_file},
            sweep_admin=True,
        )
    )
    vault.manager.sweep.set_identity(case, accounts=[person])
    return {"person": person, "dn": person_dn, "password": password, "tag": tag}


def test_ldap_leftovers_are_found_closed_and_proven(
    vault: Vault, ldap_planted: dict[str, str], slapd_server: SlapdServer
) -> None:
    service = vault.manager.sweep
    report = service.run()
    (host,) = report.hosts
    assert host.reached and not host.problems, host.problems
    found = sorted((f.kind.value, f.evidence.get("role", "")) for f in host.findings)
    tag = ldap_planted["tag"]
    assert found == [
        ("account", ""),
        ("admin_role", f"cn=admins{tag},{slapd_server.suffix}"),
    ]
    text = json.dumps(report.model_dump(mode="json"))
    assert ldap_planted["password"] not in text and "dora" not in text
    before = Connection(
        Server(slapd_server.host, port=slapd_server.ldap_port),
        user=ldap_planted["dn"],
        password=ldap_planted["password"],
    )
    assert before.bind()
    before.unbind()  # an open connection would be a finding of its own
    for item in host.findings:
        assert service.close(item.id).proven
    refused = Connection(
        Server(slapd_server.host, port=slapd_server.ldap_port),
        user=ldap_planted["dn"],
        password=ldap_planted["password"],
    )
    assert not refused.bind()
    assert service.run().findings == []


@pytest.fixture
def maria_planted(vault: Vault, mariadb_server: MariadbServer) -> Iterator[dict[str, str]]:
    password = f"my-{secrets.token_hex(8)}"
    admin = mariadb_server.add_user(password, hosts=("%",))
    mariadb_server.execute("GRANT ALL PRIVILEGES ON *.* TO %s@'%%' WITH GRANT OPTION", (admin,))
    person = mariadb_server.add_user(password)  # at '%' and 'localhost'
    mariadb_server.execute("GRANT ALL PRIVILEGES ON *.* TO %s@'%%'", (person,))
    colleague = mariadb_server.add_user(password)
    role = f"dba_{secrets.token_hex(3)}"
    mariadb_server.execute(f"CREATE ROLE {role}")
    mariadb_server.execute(f"GRANT CREATE USER ON *.* TO {role}")
    mariadb_server.execute(f"GRANT {role} TO %s@'localhost'", (person,))
    # The practice's database administrator may hand the role out and take it back.
    mariadb_server.execute(f"GRANT {role} TO %s@'%%' WITH ADMIN OPTION", (admin,))
    case = open_case(vault)
    vault.manager.credentials.add(
        NewCredential(
            system="Practice MariaDB",
            host=mariadb_server.host,
            port=mariadb_server.port,
            category=Category.SERVER,
            username=admin,
            secret=SecretStr(password),
            verifier="mariadb",
            tls="none",
            sweep_admin=True,
        )
    )
    vault.manager.sweep.set_identity(case, accounts=[person])
    session = pymysql.connect(
        host=mariadb_server.host, port=mariadb_server.port, user=person, password=password
    )
    try:
        yield {"person": person, "colleague": colleague, "password": password, "role": role}
    finally:
        session.close()


def test_mariadb_leftovers_are_found_closed_and_proven(
    vault: Vault, maria_planted: dict[str, str], mariadb_server: MariadbServer
) -> None:
    service = vault.manager.sweep
    (host,) = service.run().hosts
    assert host.reached and not host.problems, host.problems
    found = sorted(
        (f.kind.value, f.evidence.get("entry", ""), f.evidence.get("role", ""))
        for f in host.findings
    )
    assert found == sorted(
        [
            ("account", "%", ""),
            ("account", "localhost", ""),
            ("admin_role", "%", "global admin privileges"),
            ("admin_role", "localhost", maria_planted["role"]),
            ("session", "", ""),
        ]
    )
    text = json.dumps([f.model_dump(mode="json") for f in host.findings])
    assert maria_planted["colleague"] not in text and maria_planted["password"] not in text
    for item in host.findings:
        assert service.close(item.id).proven
    with pytest.raises(pymysql.MySQLError):
        pymysql.connect(
            host=mariadb_server.host,
            port=mariadb_server.port,
            user=maria_planted["person"],
            password=maria_planted["password"],
        ).close()
    assert service.run().findings == []
