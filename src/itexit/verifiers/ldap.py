"""LDAP: a simple bind as the credential's DN (ldap3), over LDAPS (636) or StartTLS (389).

``Endpoint.path`` is a bind DN template such as ``uid={username},ou=people,dc=example,dc=org``
(the user name is escaped into it); empty, the user name is used as the DN (or as a
``user@domain`` UPN for Active Directory). An empty password would be an anonymous bind,
which "succeeds" and proves nothing, so it is never sent.
"""

from __future__ import annotations

import contextlib
import math
import ssl

from ldap3 import Connection, Server, Tls
from ldap3.core import exceptions as ldap_errors
from ldap3.utils.dn import escape_rdn

from itexit.domain.verify import Endpoint, TlsMode, VerifyResult
from itexit.verifiers.base import LoginVerifier, Stopwatch, one_line, where
from itexit.verifiers.reasons import from_text

DEFAULT_PORTS = {TlsMode.TLS: 636, TlsMode.STARTTLS: 389, TlsMode.NONE: 389}

_INVALID_CREDENTIALS = 49


def bind_dn(endpoint: Endpoint, username: str) -> str:
    template = endpoint.path.strip()
    if not template:
        return username
    if "{username}" in template:
        return template.replace("{username}", escape_rdn(username))
    return template


def connection(
    endpoint: Endpoint, port: int, dn: str, secret: str, timeout: float, *, read_only: bool
) -> Connection:
    """A connection to bind as ``dn``, not yet opened: LDAPS, or StartTLS once open (see
    `open_secured`), unless the endpoint says none, with the certificate checked against the
    system's CAs or the endpoint's CA file. Errors come back as results, not exceptions."""
    tls = None
    if endpoint.tls is not TlsMode.NONE:
        tls = Tls(
            validate=ssl.CERT_REQUIRED,
            version=ssl.PROTOCOL_TLS_CLIENT,
            ca_certs_file=endpoint.ca_file or None,
        )
    server = Server(
        endpoint.host,
        port=port,
        use_ssl=endpoint.tls is TlsMode.TLS,
        tls=tls,
        connect_timeout=timeout,
        get_info="NO_INFO",
    )
    return Connection(
        server,
        user=dn,
        password=secret,
        receive_timeout=max(1, math.ceil(timeout)),  # ldap3 packs it as an integer
        auto_bind="NONE",
        raise_exceptions=False,
        read_only=read_only,
    )


def open_secured(conn: Connection, endpoint: Endpoint) -> bool:
    """Open the connection and start TLS on it when the endpoint asks for StartTLS; False
    when the server refuses StartTLS (then nothing, the bind least of all, has been sent)."""
    conn.open()
    return endpoint.tls is not TlsMode.STARTTLS or bool(conn.start_tls())


class LdapVerifier(LoginVerifier):
    name = "ldap"
    default_ports = DEFAULT_PORTS

    def refuse(self, watch: Stopwatch, endpoint: Endpoint, username: str) -> VerifyResult | None:
        if not bind_dn(endpoint, username):
            return watch.error("No bind DN or user name is set on this credential.")
        return None

    def login(
        self,
        watch: Stopwatch,
        endpoint: Endpoint,
        port: int,
        username: str,
        secret: str,
        timeout: float,
    ) -> VerifyResult:
        dn = bind_dn(endpoint, username)
        at = where(endpoint, port)
        conn = connection(endpoint, port, dn, secret, timeout, read_only=True)
        try:
            if not open_secured(conn, endpoint):
                return watch.unreachable(f"{at} refused StartTLS; nothing was sent.")
            if conn.bind():
                return watch.accepted(f"{at} accepted the bind as {dn}.")
            result = conn.result or {}
            code = result.get("result")
            message = one_line(
                " ".join(str(result.get(k) or "") for k in ("description", "message"))
            )
            if code == _INVALID_CREDENTIALS:
                return watch.rejected(f"{at} refused the bind as {dn} ({message}).")
            return watch.error(f"{at} did not complete the bind as {dn} ({message}).")
        except ldap_errors.LDAPSocketOpenError as exc:
            return self._open_failure(watch, exc, endpoint, port, timeout)
        except ldap_errors.LDAPStartTLSError as exc:
            return self._open_failure(watch, exc, endpoint, port, timeout)
        except ldap_errors.LDAPSocketReceiveError:
            return watch.unreachable(f"{at} did not answer within {timeout:g} s.")
        except ldap_errors.LDAPSessionTerminatedByServerError:
            return watch.unreachable(f"{at} closed the connection before the bind finished.")
        except ldap_errors.LDAPCommunicationError as exc:
            return self._open_failure(watch, exc, endpoint, port, timeout)
        finally:
            with contextlib.suppress(Exception):  # closing is best effort
                conn.unbind()

    @staticmethod
    def _open_failure(
        watch: Stopwatch, exc: Exception, endpoint: Endpoint, port: int, timeout: float
    ) -> VerifyResult:
        at = where(endpoint, port)
        text = str(exc)
        lower = text.lower()
        sentence = from_text(text, endpoint.host, at, timeout)
        if sentence is not None:
            return watch.unreachable(sentence)
        if "certificate verify failed" in lower or "certificate" in lower:
            return watch.unreachable(
                f"The TLS certificate of {at} is not trusted; nothing was sent "
                "(give the CA file that signed it)."
            )
        if "refused" in lower:
            return watch.unreachable(f"{at} refused the connection (nothing is listening there).")
        if "timed out" in lower or "timeout" in lower:
            return watch.unreachable(f"{at} did not answer within {timeout:g} s.")
        if "ssl" in lower or "tls" in lower or "handshake" in lower:
            return watch.unreachable(f"The TLS handshake with {at} failed; nothing was sent.")
        return watch.unreachable(f"{at} cannot be reached ({one_line(text, 160)}).")
