"""SSH: password login (paramiko), with the server's host key pinned before anything is sent.

Host key policy (no blind trust on first use): the endpoint carries the expected key's
fingerprint in ``options["host_key"]`` (``SHA256:…`` as ``ssh-keygen -lf`` prints it).

* fingerprint stored and matching: the password is tried;
* fingerprint stored and different: UNREACHABLE — the server may be an impostor — and the
  password is **not** sent;
* no fingerprint stored: ERROR naming the server's fingerprint, and the password is not sent.
  A person compares it with the server (console, hosting panel) and stores it on the
  credential; :func:`host_key_fingerprint` fetches it for that purpose.
"""

from __future__ import annotations

import base64
import hashlib
import socket

import paramiko

from itexit.domain.verify import Endpoint, TlsMode, VerifyResult
from itexit.verifiers.base import (
    LoginVerifier,
    Stopwatch,
    network_failure,
    one_line,
    port_for,
    where,
)

DEFAULT_PORTS = {TlsMode.TLS: 22, TlsMode.STARTTLS: 22, TlsMode.NONE: 22}
HOST_KEY_OPTION = "host_key"


def fingerprint(key: paramiko.PKey) -> str:
    """OpenSSH's SHA256 fingerprint of a public key: ``SHA256:`` + unpadded base64."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


def _normalise(pinned: str) -> str:
    value = pinned.strip()
    if not value.upper().startswith("SHA256:"):
        value = "SHA256:" + value
    return "SHA256:" + value.split(":", 1)[1].rstrip("=")


def _open(endpoint: Endpoint, port: int, timeout: float) -> paramiko.Transport:
    sock = socket.create_connection((endpoint.host, port), timeout=timeout)
    transport = paramiko.Transport(sock)
    transport.banner_timeout = timeout
    transport.handshake_timeout = timeout
    transport.auth_timeout = timeout
    try:
        transport.start_client(timeout=timeout)
        if transport.host_key is None:  # paramiko returns quietly when its wait runs out
            raise TimeoutError("the SSH handshake did not finish in time")
    except BaseException:
        transport.close()
        raise
    return transport


def host_key_fingerprint(endpoint: Endpoint, timeout: float = 10.0) -> tuple[str, str]:
    """Connect without logging in and return the server's ``(key type, fingerprint)``.

    Raises ``OSError`` or ``paramiko.SSHException`` when the server cannot be reached.
    """
    transport = _open(endpoint, port_for(endpoint, DEFAULT_PORTS), timeout)
    try:
        key = transport.get_remote_server_key()
        return key.get_name(), fingerprint(key)
    finally:
        transport.close()


class SshVerifier(LoginVerifier):
    name = "ssh"

    default_ports = DEFAULT_PORTS
    account = "SSH user name"

    def login(
        self,
        watch: Stopwatch,
        endpoint: Endpoint,
        port: int,
        username: str,
        secret: str,
        timeout: float,
    ) -> VerifyResult:
        at = where(endpoint, port)
        try:
            transport = _open(endpoint, port, timeout)
        except paramiko.SSHException as exc:
            return self._ssh_failure(watch, exc, endpoint, port, timeout)
        try:
            key = transport.get_remote_server_key()
            seen = fingerprint(key)
            pinned = endpoint.options.get(HOST_KEY_OPTION, "").strip()
            if not pinned:
                return watch.error(
                    f"The SSH host key of {at} is {seen} ({key.get_name()}); nothing was sent: "
                    "confirm it with the server's administrator and store it on the credential."
                )
            if _normalise(pinned) != seen:
                return watch.unreachable(
                    f"The SSH host key of {at} is {seen}, not the stored {_normalise(pinned)}; "
                    "the server may be an impostor, so nothing was sent."
                )
            try:
                transport.auth_password(username, secret)
            except paramiko.BadAuthenticationType as exc:
                offered = ", ".join(exc.allowed_types) or "none"
                return watch.error(
                    f"{at} does not accept passwords for {username} (it offers: {offered})."
                )
            except paramiko.AuthenticationException:
                return watch.rejected(f"{at} refused the password for {username}.")
            except paramiko.SSHException as exc:
                return self._ssh_failure(watch, exc, endpoint, port, timeout)
            if not transport.is_authenticated():
                return watch.rejected(f"{at} did not accept the password for {username}.")
            return watch.accepted(f"{at} accepted the password for {username}.")
        finally:
            transport.close()

    @staticmethod
    def _ssh_failure(
        watch: Stopwatch, exc: paramiko.SSHException, endpoint: Endpoint, port: int, timeout: float
    ) -> VerifyResult:
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, OSError):
            failure = network_failure(watch, cause, endpoint, port, timeout)
            if failure is not None:
                return failure
        text = one_line(str(exc))
        if "banner" in text.lower() or "timeout" in text.lower() or "timed out" in text.lower():
            return watch.unreachable(
                f"{where(endpoint, port)} did not complete the SSH handshake within "
                f"{timeout:g} s ({text})."
            )
        return watch.unreachable(f"The SSH handshake with {where(endpoint, port)} failed ({text}).")
