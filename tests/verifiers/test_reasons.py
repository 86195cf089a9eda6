"""Driver and socket failures become one plain sentence (`verifiers/reasons.py`)."""

from __future__ import annotations

import socket
import ssl

import pytest

from itexit.verifiers.reasons import from_exception, from_text

AT = "db.example:5432"


@pytest.mark.parametrize(
    ("message", "starts"),
    [
        (
            'connection failed: connection to server at "10.0.0.5", port 5432 failed: '
            "server does not support SSL, but SSL was required",
            f"The server at {AT} does not offer an encrypted connection (TLS)",
        ),
        (
            '(2026, "SSL is required but the server doesn\'t support it")',
            f"The server at {AT} does not offer an encrypted connection (TLS)",
        ),
        (
            "failed to resolve host 'db.example': [Errno -2] Name or service not known",
            "The name db.example could not be found",
        ),
        (
            'could not translate host name "db.example" to address: Temporary failure in name '
            "resolution",
            "The name db.example could not be found",
        ),
        ("socket connection error while opening: invalid server address", "The name db.example"),
        (
            'connection to server at "127.0.0.1", port 5432 failed: Connection refused\n\tIs '
            "the server running on that host and accepting TCP/IP connections?",
            f"No server answers at {AT}",
        ),
        ("[Errno 113] No route to host", f"{AT} cannot be reached from this computer"),
        ("timeout expired", f"{AT} did not answer within 10 s"),
        (
            "SSL error: certificate verify failed: self-signed certificate",
            f"The TLS certificate of {AT} is not trusted",
        ),
        (
            'server certificate for "other.example" does not match host name "db.example"',
            f"The TLS certificate of {AT} is for another host name",
        ),
        ("server closed the connection unexpectedly", f"{AT} closed the connection"),
    ],
)
def test_driver_messages_become_one_plain_sentence(message: str, starts: str) -> None:
    sentence = from_text(message, "db.example", AT, 10.0)
    assert sentence is not None and sentence.startswith(starts), sentence
    assert "Errno" not in sentence and "\n" not in sentence and sentence.endswith(".")


def test_a_message_nothing_explains_is_left_to_the_verifier() -> None:
    assert from_text('database "ehr" does not exist', "db.example", AT, 10.0) is None


@pytest.mark.parametrize(
    ("exc", "starts"),
    [
        (socket.gaierror(-2, "Name or service not known"), "The name db.example could not"),
        (ConnectionRefusedError(111, "Connection refused"), f"No server answers at {AT}"),
        (TimeoutError("timed out"), f"{AT} did not answer within 10 s"),
        (ConnectionResetError(104, "Connection reset by peer"), f"{AT} closed the connection"),
        (OSError(113, "No route to host"), f"{AT} cannot be reached from this computer"),
        (ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number"), "The encrypted"),
    ],
)
def test_socket_failures_become_one_plain_sentence(exc: BaseException, starts: str) -> None:
    sentence = from_exception(exc, "db.example", AT, 10.0)
    assert sentence is not None and sentence.startswith(starts), sentence
    assert "Errno" not in sentence and "[SSL" not in sentence


def test_anything_else_is_not_a_network_failure() -> None:
    assert from_exception(ValueError("bad"), "db.example", AT, 10.0) is None
