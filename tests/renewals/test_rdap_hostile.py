"""RDAP answers a hostile or broken registry can give: slow drips, deep nesting, header floods,
redirects into the practice's own network, and a registrar named only by its organisation."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from renewal_servers import rdap_domain

from itexit.io.rdap import RdapError, lookup_domain

Reply = Callable[[socket.socket], None]


@pytest.fixture
def raw_server() -> Iterator[Callable[[Reply], str]]:
    """A loopback server answering each connection with the given function; gives its base URL."""
    listeners: list[socket.socket] = []
    stop = threading.Event()

    def start(reply: Reply) -> str:
        listener = socket.create_server(("127.0.0.1", 0))
        listener.settimeout(0.1)
        listeners.append(listener)

        def serve() -> None:
            while not stop.is_set():
                try:
                    conn, _ = listener.accept()
                except OSError:
                    continue
                with conn:
                    conn.settimeout(5)
                    try:
                        conn.recv(65536)
                        reply(conn)
                    except OSError:
                        pass

        threading.Thread(target=serve, daemon=True).start()
        return f"http://127.0.0.1:{listener.getsockname()[1]}/rdap/"

    yield start
    stop.set()
    for listener in listeners:
        listener.close()


def _answer(body: bytes, extra: bytes = b"") -> Reply:
    def reply(conn: socket.socket) -> None:
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/rdap+json\r\n"
            + extra
            + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )

    return reply


def test_the_timeout_is_total_not_per_read(raw_server: Callable[[Reply], str]) -> None:
    def drip(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
        for _ in range(200):
            conn.sendall(b" ")
            time.sleep(0.1)

    base = raw_server(drip)
    started = time.monotonic()
    with pytest.raises(RdapError, match="did not answer within 1 seconds"):
        lookup_domain("practice.com", base_url=base, timeout=1)
    assert time.monotonic() - started < 2.5


def test_headers_dripping_slowly_also_stop_at_the_timeout(
    raw_server: Callable[[Reply], str],
) -> None:
    def drip(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        for number in range(100):
            conn.sendall(f"X-{number}: y\r\n".encode())
            time.sleep(0.1)

    base = raw_server(drip)
    started = time.monotonic()
    with pytest.raises(RdapError, match="did not answer within"):
        lookup_domain("practice.com", base_url=base, timeout=1)
    assert time.monotonic() - started < 2.5


def test_deeply_nested_json_is_refused_in_a_sentence(raw_server: Callable[[Reply], str]) -> None:
    base = raw_server(_answer(b"[" * 100_000 + b"]" * 100_000))
    with pytest.raises(RdapError, match="nested too deeply"):
        lookup_domain("practice.com", base_url=base, timeout=5)


def test_a_flood_of_headers_is_refused_in_a_sentence(raw_server: Callable[[Reply], str]) -> None:
    flood = b"".join(f"X-Flood-{n}: {n}\r\n".encode() for n in range(5000))
    base = raw_server(_answer(b"{}", flood))
    with pytest.raises(RdapError, match="too many or too long header lines"):
        lookup_domain("practice.com", base_url=base, timeout=5)


def test_one_endless_header_line_is_refused(raw_server: Callable[[Reply], str]) -> None:
    base = raw_server(_answer(b"{}", b"X-Long: " + b"a" * 200_000 + b"\r\n"))
    with pytest.raises(RdapError, match="too many or too long header lines"):
        lookup_domain("practice.com", base_url=base, timeout=5)


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:{port}/admin",
        "http://[::1]:{port}/admin",
        "http://10.0.0.1/admin",
        "http://192.168.1.1/admin",
        "http://169.254.169.254/latest/meta-data/",
        "http://localhost:{port}/admin",
    ],
)
def test_a_redirect_into_a_private_or_local_network_is_refused(
    raw_server: Callable[[Reply], str], target: str
) -> None:
    reached: list[bytes] = []

    def inside(conn: socket.socket) -> None:
        reached.append(b"x")
        _answer(json.dumps(rdap_domain("practice.com")).encode())(conn)

    inner = raw_server(inside)
    port = inner.split(":")[2].split("/")[0]
    location = target.format(port=port)

    def redirect(conn: socket.socket) -> None:
        conn.sendall(
            f"HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n".encode()
        )

    base = raw_server(redirect)
    started = time.monotonic()
    with pytest.raises(RdapError, match="private or local network"):
        lookup_domain("practice.com", base_url=base, timeout=5)
    assert not reached
    assert time.monotonic() - started < 3


def test_a_registrar_with_an_organisation_but_no_name(
    raw_server: Callable[[Reply], str],
) -> None:
    record = rdap_domain("practice.com")
    entity = record["entities"][0]  # type: ignore[index]
    entity["vcardArray"] = [
        "vcard",
        [["version", {}, "text", "4.0"], ["org", {}, "text", "Example Registrar, Inc."]],
    ]
    base = raw_server(_answer(json.dumps(record).encode()))
    facts = lookup_domain("practice.com", base_url=base, timeout=5)
    assert facts.registrar == "Example Registrar, Inc."
