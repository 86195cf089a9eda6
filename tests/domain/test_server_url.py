"""Reading the verifier from a server address: the kinds it knows, and hostile addresses."""

from __future__ import annotations

import pytest

from itexit.domain.errors import BadInput
from itexit.domain.server_url import ServerUrl, clean_host_key, names_server, read_server_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql://ehr_admin@db.example:6543/practice?sslmode=disable",
            ServerUrl(
                verifier="postgresql",
                host="db.example",
                port=6543,
                tls="none",
                path="practice",
                username="ehr_admin",
            ),
        ),
        (
            "postgres://db.example/ehr?sslmode=verify-full",
            ServerUrl(verifier="postgresql", host="db.example", tls="tls", path="ehr"),
        ),
        (
            "POSTGRESQL://db.example?sslmode=require",
            ServerUrl(verifier="postgresql", host="db.example", tls="tls"),
        ),
        (
            "postgresql://user%40clinic@[::1]:5433/my%20db",
            ServerUrl(
                verifier="postgresql",
                host="::1",
                port=5433,
                tls="tls",
                path="my db",
                username="user@clinic",
            ),
        ),
        (
            "mysql://billing@10.0.0.5:3307/accounts?ssl-mode=DISABLED",
            ServerUrl(
                verifier="mariadb", host="10.0.0.5", port=3307, tls="none", username="billing"
            ),
        ),
        ("mariadb://db.example", ServerUrl(verifier="mariadb", host="db.example", tls="tls")),
        ("imaps://mail.example", ServerUrl(verifier="imap", host="mail.example", tls="tls")),
        (
            "imap://mail.example:1143",
            ServerUrl(verifier="imap", host="mail.example", port=1143, tls="starttls"),
        ),
        ("ldaps://dc1.clinic.local", ServerUrl(verifier="ldap", host="dc1.clinic.local")),
        (
            "ldap://dc1.clinic.local/dc=clinic,dc=local",
            ServerUrl(verifier="ldap", host="dc1.clinic.local", tls="starttls"),
        ),
        (
            "ssh://admin@files.clinic.example:2222",
            ServerUrl(verifier="ssh", host="files.clinic.example", port=2222, username="admin"),
        ),
        ("smtps://smtp.example", ServerUrl(verifier="smtp", host="smtp.example", tls="tls")),
        ("  ssh://bücher.example  ", ServerUrl(verifier="ssh", host="bücher.example")),
    ],
)
def test_server_addresses_name_their_check(url: str, expected: ServerUrl) -> None:
    assert read_server_url(url) == expected
    assert names_server(url)


@pytest.mark.parametrize(
    "url",
    ["https://portal.example/login", "http://10.0.0.1", "portal.example", "", "ftp://x.example"],
)
def test_web_addresses_and_plain_hosts_stay_web_logins(url: str) -> None:
    assert read_server_url(url) is None
    assert not names_server(url)


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("postgresql://admin:hunter2@db.example/ehr", "holds a password"),
        ("ssh://:hunter2@host.example", "holds a password"),
        ("postgresql://db.example:99999/ehr", "port"),
        ("postgresql://db.example:0/ehr", "port"),
        ("postgresql://db.example:54x2/ehr", "port"),
        ("imaps://", "names no server"),
        ("ssh://admin@", "names no server"),
        ("ssh://-oProxyCommand=touch%20pwned", "is not a host name"),
        ("ssh://host_with spaces.example", "spaces or control characters"),
        ("postgresql://db.example/ehr\r\nsslmode=disable", "spaces or control characters"),
        ("ssh://host.example\x1b[2J", "spaces or control characters"),
        ("imaps://mail\u0085.example", "spaces or control characters"),
        ("postgresql://[::1/ehr", "brackets"),
        ("postgresql://db.example/ehr?sslmode=yolo", "is not a mode"),
        ("postgresql://db.example/a/b", "not a database name"),
        ("postgresql://db.example/..%2F..%2Fetc", "not a database name"),
        ("postgresql://db.example/" + "d" * 64, "not a database name"),
        ("postgresql://db.example/ehr%00x", "not a database name"),
        ("ssh://a%00b@host.example", "control characters"),
        ("ssh://host..example", "is not a host name"),
        ("ssh://" + "a" * 3000 + ".example", "longer than"),
        ("ldaps://exa$mple.com", "is not a host name"),
    ],
)
def test_hostile_or_odd_addresses_get_one_sentence(url: str, says: str) -> None:
    with pytest.raises(BadInput) as refused:
        read_server_url(url)
    sentence = str(refused.value)
    assert says in sentence
    assert sentence.endswith(".") and "\n" not in sentence and "Traceback" not in sentence
    assert "hunter2" not in sentence


def test_the_host_key_is_read_as_ssh_keygen_prints_it() -> None:
    digest = "uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s"
    assert clean_host_key(f"SHA256:{digest}") == f"SHA256:{digest}"
    assert clean_host_key(f" {digest}= ") == f"SHA256:{digest}"
    assert clean_host_key("") == ""
    for wrong in ("MD5:16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48", "SHA256:short", "x" * 80):
        with pytest.raises(BadInput, match="SHA256"):
            clean_host_key(wrong)
