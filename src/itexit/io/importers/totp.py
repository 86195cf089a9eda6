"""KeePass's ways of storing TOTP settings, turned into one `otpauth://` URI or a bare seed.

KeePassXC writes an `otp` field (an `otpauth://` URI, or KeeOtp's `key=…&step=…&size=…`);
the KeeTrayTOTP plugin writes `TOTP Seed` with `TOTP Settings` such as `30;6`, `60;8` or `30;S`
(Steam); KeePass 2.47 and later write `TimeOtp-Secret-*` with `TimeOtp-Length`, `-Period` and
`-Algorithm`. The period, length, algorithm and Steam's letters are all kept.
"""

from __future__ import annotations

import base64
import binascii
import urllib.parse

from itexit.domain.totp import TotpSpec, from_base32, parse

TOTP_KEYS = frozenset(
    {
        "otp",
        "TOTP Seed",
        "TOTP Settings",
        "TimeOtp-Secret",
        "TimeOtp-Secret-Hex",
        "TimeOtp-Secret-Base32",
        "TimeOtp-Secret-Base64",
        "TimeOtp-Length",
        "TimeOtp-Period",
        "TimeOtp-Algorithm",
    }
)
_KEEPASS_ALGORITHMS = {"HMAC-SHA-1": "SHA1", "HMAC-SHA-256": "SHA256", "HMAC-SHA-512": "SHA512"}


def _number(text: str, what: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ValueError(f"the one-time-code {what} is not a number") from None


def _written(spec: TotpSpec, original: str = "") -> str:
    """A bare seed stays as it was when the settings are the usual ones; otherwise a URI."""
    if spec.is_plain and original and not original.lower().startswith(("otpauth:", "key=")):
        return original.strip()
    return spec.uri()


def keepass_totp(fields: dict[str, str]) -> str:
    """The TOTP of one entry from whichever fields it has ('' when none)."""
    otp = fields.get("otp", "").strip()
    if otp.lower().startswith("otpauth://"):
        parse(otp)  # refuse what cannot give a code
        return otp
    if otp:
        return _written(_keeotp(otp))
    seed = fields.get("TOTP Seed", "").strip()
    if seed:
        return _written(_keetray(seed, fields.get("TOTP Settings", "")), seed)
    secret = _timeotp_secret(fields)
    if secret is None:
        return ""
    algorithm = fields.get("TimeOtp-Algorithm", "").strip().upper() or "HMAC-SHA-1"
    spec = TotpSpec(
        secret,
        period=_number(fields.get("TimeOtp-Period") or "30", "period"),
        digits=_number(fields.get("TimeOtp-Length") or "6", "length"),
        algorithm=_KEEPASS_ALGORITHMS.get(algorithm, algorithm),
    )
    base32 = fields.get("TimeOtp-Secret-Base32", "")
    return _written(spec, base32)


def _keeotp(text: str) -> TotpSpec:
    """KeeOtp's `key=SEED&step=30&size=6&otpHashMode=Sha256` (also a bare seed in `otp`)."""
    if "=" not in text or "key=" not in text:
        return parse(text)
    query = {k.lower(): v for k, v in urllib.parse.parse_qsl(text)}
    mode = query.get("otphashmode", "sha1").upper()
    return TotpSpec(
        from_base32(query.get("key", "")),
        period=_number(query.get("step") or "30", "period"),
        digits=_number(query.get("size") or "6", "length"),
        algorithm=mode,
    )


def _keetray(seed: str, settings: str) -> TotpSpec:
    """KeeTrayTOTP: `period;digits` where digits may be `S` for Steam (a third part is a URL)."""
    parts = [p.strip() for p in settings.split(";")] if settings.strip() else []
    period = _number(parts[0], "period") if parts and parts[0] else 30
    size = parts[1] if len(parts) > 1 and parts[1] else "6"
    if size.upper() == "S":
        return TotpSpec(from_base32(seed), period=period, digits=5, steam=True)
    return TotpSpec(from_base32(seed), period=period, digits=_number(size, "length"))


def _timeotp_secret(fields: dict[str, str]) -> bytes | None:
    if value := fields.get("TimeOtp-Secret-Base32", "").strip():
        return from_base32(value)
    if value := fields.get("TimeOtp-Secret-Hex", "").strip():
        try:
            return bytes.fromhex("".join(value.split()))
        except ValueError:
            raise ValueError("the one-time-code secret is not hexadecimal") from None
    if value := fields.get("TimeOtp-Secret-Base64", "").strip():
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("the one-time-code secret is not Base64") from None
    if value := fields.get("TimeOtp-Secret", ""):
        return value.encode("utf-8")
    return None
