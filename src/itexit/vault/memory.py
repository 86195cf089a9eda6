"""Keeping secrets out of places they outlive the process: core dumps, and buffers left behind.

Python cannot promise that a `str` or `bytes` is ever overwritten; what can be done is done here:
the process never dumps core (a crash would write every key and passphrase it holds to disk),
and the secrets the vault holds for the length of an unlock live in `bytearray`s that `wipe`
zeroes when the vault locks.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import resource
import sys
from typing import cast

PR_SET_DUMPABLE = 4
PR_GET_DUMPABLE = 3


def _libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    except OSError:
        return None


def no_core_dumps() -> None:
    """No core file, and (Linux) not dumpable: no core, no ptrace by other processes of the
    same user, /proc/self/mem readable by root only. Best effort: each step that the system
    refuses is skipped."""
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    libc = _libc()
    if libc is not None:
        libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def dumpable() -> bool | None:
    """Whether this process may dump core (None where that cannot be asked)."""
    libc = _libc()
    if libc is None:
        return None
    return bool(libc.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0))


def wipe(buffer: bytearray | memoryview) -> None:
    """Overwrite a buffer's bytes with zeros, in place."""
    view = memoryview(buffer).cast("B")
    view[:] = bytes(len(view))


_BYTES_DATA_OFFSET = sys.getsizeof(b"") - 1


def held(secret: bytes | bytearray) -> bytearray:
    """A key to hold until `wipe`: a `bytearray` copy, and the `bytes` it came from zeroed.

    Only for a `bytes` object this process made (decrypted, derived, drawn at random) and
    holds in one place: CPython's `bytes` are immutable to Python code, so they are zeroed
    through their buffer. A `bytearray` given is kept as it is.
    """
    if isinstance(secret, bytearray):
        return secret
    copy = bytearray(secret)
    if type(secret) is bytes and len(secret) > 1:  # never the interpreter's shared 0/1-byte ones
        ctypes.memset(id(secret) + _BYTES_DATA_OFFSET, 0, len(secret))
    return copy


def held_key(secret: bytes | bytearray) -> bytes:
    """`held`, typed as the `bytes` every consumer of a key takes (they all accept any
    bytes-like buffer, and never keep their own copy past the call)."""
    return cast(bytes, held(secret))


def wipe_key(key: bytes) -> None:
    """Overwrite a key given by `held_key`; anything else is left alone."""
    if isinstance(key, bytearray):
        wipe(key)


_ASCII_DATA_OFFSET = sys.getsizeof("") - 1
_COMPACT_DATA_OFFSET = sys.getsizeof("\xe9") - 2


def wipe_text(text: str) -> None:
    """Overwrite a `str`'s characters with zeros, in place: best effort, for a passphrase or a
    secret this process read or decrypted and is done with.

    Only for text nothing else still needs: CPython's `str` is immutable to Python code, so
    every reference to it sees the zeros. One-character strings are the interpreter's shared
    ones and are left alone; so is any copy Python made of the text (a slice, a join, the
    UTF-8 form cached for a non-ASCII string).
    """
    if type(text) is not str or len(text) < 2:
        return
    if text.isascii():
        ctypes.memset(id(text) + _ASCII_DATA_OFFSET, 0, len(text))
        return
    widest = ord(max(text))
    kind = 1 if widest < 0x100 else 2 if widest < 0x10000 else 4
    ctypes.memset(id(text) + _COMPACT_DATA_OFFSET, 0, len(text) * kind)


def held_text(text: str | bytes | bytearray) -> bytearray:
    """Text as UTF-8 in a `bytearray` to `wipe` when done; the encoded copy made on the way
    is zeroed (the `str` itself is the caller's to `wipe_text`). A `bytearray` is kept as it is."""
    if isinstance(text, str):
        return held(text.encode("utf-8"))
    return held(text)
