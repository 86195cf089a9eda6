"""OpenLDAP (and any RFC 3062 server): the Password Modify extended operation.

As the user: bind as the account's DN with a stored secret and send the old and new password.
With an admin credential: bind as the admin's DN and send the new password for the user's DN.
The server hashes the password itself (``password-hash``) and applies its password policy
(``ppolicy``): a constraint violation or an unwilling server is its refusal. The connection is
LDAPS or StartTLS unless the credential says ``none``; the bind happens only after TLS.
"""

from __future__ import annotations

import contextlib
from typing import Any

from ldap3.core import exceptions as ldap_errors

from itexit.changers.base import (
    AuthRefused,
    CannotChange,
    LoginChanger,
    SecretRefused,
    Unreachable,
)
from itexit.domain.verify import Endpoint
from itexit.verifiers.ldap import DEFAULT_PORTS, bind_dn, connection, open_secured

_INVALID_CREDENTIALS = 49

PPOLICY_CONTROL = "1.3.6.1.4.1.42.2.27.8.5.1"
"""The password policy request control: a server with ppolicy then says why it refused."""

_PPOLICY_ERRORS = {
    3: "the account may not change its own password",
    4: "the old password must be given",
    5: "the password is not of sufficient quality",
    6: "the password is too short",
    7: "the password was changed too recently to change again",
    8: "the password was used before (it is in the history)",
}
_REFUSALS = (19, 53)  # constraintViolation (policy, history), unwillingToPerform
_NO_RIGHT = (50,)  # insufficientAccessRights


class LdapChanger(LoginChanger):
    name = "ldap"
    default_ports = DEFAULT_PORTS

    def account_name(self, target: Endpoint, username: str) -> str:
        """The account's DN comes from the target's template, whoever binds."""
        return bind_dn(target, username) if username else ""

    def connect(self, endpoint: Endpoint, username: str, secret: str, timeout: float) -> Any:
        dn = bind_dn(endpoint, username) if "=" not in username else username
        port = endpoint.port or DEFAULT_PORTS[endpoint.tls]
        conn = connection(endpoint, port, dn, secret, timeout, read_only=False)
        try:
            if not open_secured(conn, endpoint):
                raise Unreachable("it refused StartTLS; nothing was sent")
            if conn.bind():
                return conn
        except ldap_errors.LDAPException as exc:
            self.close(conn)
            raise Unreachable(_describe(exc)) from None
        result = conn.result or {}
        self.close(conn)
        if result.get("result") == _INVALID_CREDENTIALS:
            raise AuthRefused(str(result.get("description")))
        raise CannotChange(f"The bind as {dn} did not complete ({_message(result)})")

    def set_secret(
        self, conn: Any, username: str, old: str, new: str, as_admin: bool, timeout: float
    ) -> str:
        done = conn.extend.standard.modify_password(
            user=username,
            old_password=None if as_admin else old,
            new_password=new,
            controls=[(PPOLICY_CONTROL, False, None)],
        )
        result = conn.result or {}
        code = result.get("result")
        if done is True or code == 0:
            return f"the password of {username} was changed (RFC 3062 Password Modify)"
        if code in _REFUSALS:
            raise SecretRefused(policy_error(result) or _message(result))
        if code in _NO_RIGHT:
            raise CannotChange(
                f"{username} may not be changed with this login ({_message(result)})"
            )
        raise CannotChange(f"The password change for {username} failed ({_message(result)})")

    def close(self, conn: Any) -> None:
        with contextlib.suppress(Exception):
            conn.unbind()


def policy_error(result: dict[str, Any]) -> str:
    """The password policy response control's error, in words; "" when there is none."""
    controls = result.get("controls") or {}
    control = controls.get(PPOLICY_CONTROL) if isinstance(controls, dict) else None
    value = control.get("value") if isinstance(control, dict) else None
    if not isinstance(value, bytes):
        return ""
    at = value.find(b"\x81\x01")  # error [1] ENUMERATED, one byte
    if at < 0 or at + 2 >= len(value):
        return ""
    return _PPOLICY_ERRORS.get(value[at + 2], "")


def _message(result: dict[str, Any]) -> str:
    message = str(result.get("message") or "").strip()
    return message or str(result.get("description") or "").strip() or "no reason given"


def _describe(exc: Exception) -> str:
    text = str(exc).lower()
    if "certificate" in text:
        return "its TLS certificate is not trusted; nothing was sent"
    if "refused" in text:
        return "it refused the connection (nothing is listening there)"
    if "timed out" in text or "timeout" in text:
        return "it did not answer in time"
    return type(exc).__name__
