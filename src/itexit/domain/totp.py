"""Time-based one-time codes (RFC 6238) as the password managers compute them, Steam's included.

A credential keeps its TOTP as an `otpauth://` URI when anything differs from the usual 30
seconds, 6 digits and SHA-1, so the code shown is the code the original tool showed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
import urllib.parse
from dataclasses import dataclass

ALGORITHMS = {"SHA1": hashlib.sha1, "SHA256": hashlib.sha256, "SHA512": hashlib.sha512}
STEAM_ALPHABET = "23456789BCDFGHJKMNPQRTVWXY"
STEAM_DIGITS = 5


@dataclass(frozen=True)
class TotpSpec:
    """How to compute the codes: the shared secret and the settings around it."""

    secret: bytes
    period: int = 30
    digits: int = 6
    algorithm: str = "SHA1"
    steam: bool = False

    def __post_init__(self) -> None:
        if not self.secret:
            raise ValueError("the one-time-code secret is empty")
        if not 1 <= self.period <= 86_400:
            raise ValueError("the one-time-code period is not between 1 second and a day")
        if not 1 <= self.digits <= 10:
            raise ValueError("the one-time code's length is not between 1 and 10 digits")
        if self.algorithm not in ALGORITHMS:
            raise ValueError(f"the one-time-code algorithm {self.algorithm!r} is unknown")

    @property
    def is_plain(self) -> bool:
        """30 seconds, 6 digits, SHA-1: a bare seed says all of it."""
        return (self.period, self.digits, self.algorithm, self.steam) == (30, 6, "SHA1", False)

    def uri(self, label: str = "itexit") -> str:
        """The `otpauth://totp/` URI (Steam's marked `encoder=steam`, as KeePassXC writes it)."""
        query = {
            "secret": base32(self.secret),
            "period": str(self.period),
            "digits": str(self.digits),
            "algorithm": self.algorithm,
        }
        if self.steam:
            query["encoder"] = "steam"
            query["issuer"] = "Steam"
        name = urllib.parse.quote(label or "itexit", safe="")
        return f"otpauth://totp/{name}?{urllib.parse.urlencode(query)}"


def base32(secret: bytes) -> str:
    return base64.b32encode(secret).decode("ascii").rstrip("=")


def from_base32(text: str) -> bytes:
    cleaned = "".join(text.split()).replace("-", "").upper().rstrip("=")
    try:
        return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except (binascii.Error, ValueError):
        raise ValueError("the one-time-code secret is not Base32") from None


def parse(text: str) -> TotpSpec:
    """A bare Base32 seed or an `otpauth://totp/` URI; `ValueError` with a phrase if neither."""
    value = text.strip()
    if not value.lower().startswith("otpauth://"):
        return TotpSpec(from_base32(value))
    parts = urllib.parse.urlsplit(value)
    if parts.netloc.lower() != "totp":
        raise ValueError("only time-based one-time codes (TOTP) are supported")
    query = {k.lower(): v for k, v in urllib.parse.parse_qsl(parts.query)}
    steam = query.get("encoder", "").lower() == "steam"
    try:
        period = int(query.get("period") or 30)
        digits = int(query.get("digits") or (STEAM_DIGITS if steam else 6))
    except ValueError:
        raise ValueError("the one-time-code period or length is not a number") from None
    algorithm = (query.get("algorithm") or "SHA1").upper().replace("-", "")
    return TotpSpec(
        from_base32(query.get("secret", "")),
        period=period,
        digits=STEAM_DIGITS if steam else digits,
        algorithm=algorithm,
        steam=steam,
    )


def code_at(spec: TotpSpec, unix_time: float) -> str:
    """The code shown at `unix_time` (RFC 6238; Steam's five letters from the same number)."""
    counter = int(unix_time) // spec.period
    digest = hmac.new(spec.secret, struct.pack(">Q", counter), ALGORITHMS[spec.algorithm]).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    if spec.steam:
        letters = []
        for _ in range(STEAM_DIGITS):
            number, index = divmod(number, len(STEAM_ALPHABET))
            letters.append(STEAM_ALPHABET[index])
        return "".join(letters)
    return str(number % 10**spec.digits).zfill(spec.digits)
