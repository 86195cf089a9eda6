"""Failures of the operating system read as words: no "[Errno -2]" reaches a person."""

from __future__ import annotations

import socket

import pytest

from itexit.domain.text import plain_reason, without_errno
from itexit.io.tls_expiry import TlsError, read_certificate


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (socket.gaierror(-2, "Name or service not known"), "the host name cannot be found"),
        (TimeoutError("timed out"), "no answer in time"),
        (PermissionError(13, "Permission denied", "/x"), "Permission denied"),
        (OSError("[Errno 99] Cannot assign requested address"), "Cannot assign requested address"),
    ],
)
def test_plain_reason_has_no_errno(error: OSError, words: str) -> None:
    said = plain_reason(error)
    assert said == words
    assert "Errno" not in said and "[" not in said


def test_a_refused_connection_is_said_in_words() -> None:
    with pytest.raises(ConnectionRefusedError) as caught:
        socket.create_connection(("127.0.0.1", _closed_port()), timeout=2)
    assert "Errno" in str(caught.value)
    assert plain_reason(caught.value) == "the connection was refused (nothing is listening there)"


def test_reading_a_certificate_from_a_closed_port_names_no_errno() -> None:
    with pytest.raises(TlsError) as caught:
        read_certificate(f"127.0.0.1:{_closed_port()}", timeout=2)
    assert "Errno" not in str(caught.value)
    assert "refused" in str(caught.value)


def test_without_errno_drops_only_the_tags() -> None:
    assert without_errno("Cannot reach x: [Errno -2] Name or service not known.") == (
        "Cannot reach x: Name or service not known."
    )
    assert without_errno("[SSL: CERTIFICATE_VERIFY_FAILED] bad") == "bad"
    assert without_errno("Task [#3] stays") == "Task [#3] stays"
