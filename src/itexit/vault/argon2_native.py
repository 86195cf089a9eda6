"""Argon2 built for this CPU: the same reference code as argon2-cffi's, compiled with AVX2.

argon2-cffi's wheel is built for every x86-64 CPU, so its Argon2 uses SSE2 only. `make` builds
the reference implementation in `native/argon2` with AVX2 beside the environment's Python
(`scripts/build-argon2.sh`); the same derivation then takes about a quarter less time, off
every unlock. Its allocator (`native/itexit`) gives Argon2's memory 2 MiB pages where the
kernel has them free, which takes about a third off again. The library is used only when it is
there, the CPU has AVX2, and it gives RFC 9106's Argon2id test vector; otherwise `available()`
is None and argon2-cffi is used, so a missing or broken build never changes a key or stops an
unlock. Neither `argon2` nor its cffi bindings are imported here: with the build in use, a
command never loads them.
"""

from __future__ import annotations

import ctypes
import functools
import sys
from pathlib import Path

LIBRARY = Path(sys.prefix) / "lib" / "itexit" / "libargon2-avx2.so"
_ARGON2_OK = 0
_ARGON2ID = 2  # argon2_type in argon2.h
_VERSION_13 = 0x13

# RFC 9106, section 5.3: the Argon2id test vector (32 KiB, 3 passes, 4 lanes, with a secret
# and associated data, so every input of the context is exercised).
_RFC_9106_INPUT = (b"\x01" * 32, b"\x02" * 16, b"\x03" * 8, b"\x04" * 12)
_RFC_9106_TAG = bytes.fromhex("0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659")


class _Context(ctypes.Structure):
    """`argon2_context` from native/argon2/include/argon2.h, field for field."""

    _fields_ = [
        ("out", ctypes.c_void_p),
        ("outlen", ctypes.c_uint32),
        ("pwd", ctypes.c_void_p),
        ("pwdlen", ctypes.c_uint32),
        ("salt", ctypes.c_void_p),
        ("saltlen", ctypes.c_uint32),
        ("secret", ctypes.c_void_p),
        ("secretlen", ctypes.c_uint32),
        ("ad", ctypes.c_void_p),
        ("adlen", ctypes.c_uint32),
        ("t_cost", ctypes.c_uint32),
        ("m_cost", ctypes.c_uint32),
        ("lanes", ctypes.c_uint32),
        ("threads", ctypes.c_uint32),
        ("version", ctypes.c_uint32),
        ("allocate_cbk", ctypes.c_void_p),
        ("free_cbk", ctypes.c_void_p),
        ("flags", ctypes.c_uint32),
    ]


class NativeArgon2:
    """Argon2id from the library at `path`; ctypes lets go of the interpreter lock during the
    call, so a derivation in a thread runs beside the rest of the program."""

    def __init__(self, path: Path) -> None:
        self.path = path
        library = ctypes.CDLL(str(path))
        self._argon2_ctx = library.argon2_ctx
        self._argon2_ctx.argtypes = [ctypes.POINTER(_Context), ctypes.c_int]
        self._argon2_ctx.restype = ctypes.c_int
        # The build's allocator (native/itexit/argon2_memory.c) gives the blocks 2 MiB pages;
        # a library without it allocates with malloc, as argon2-cffi does.
        allocate = getattr(library, "itexit_argon2_allocate", None)
        free = getattr(library, "itexit_argon2_free", None)
        self._allocator: tuple[int | None, int | None] = (None, None)
        if allocate is not None and free is not None:
            self._allocator = (
                ctypes.cast(allocate, ctypes.c_void_p).value,
                ctypes.cast(free, ctypes.c_void_p).value,
            )
        self.huge_pages = self._allocator[0] is not None
        """Whether derivations use the build's allocator (a benchmark may turn it off)."""

    def derive(
        self,
        secret: bytes | bytearray,
        salt: bytes,
        *,
        time_cost: int,
        memory_kib: int,
        lanes: int,
        threads: int,
        length: int,
        key: bytes = b"",
        associated: bytes = b"",
    ) -> bytes | None:
        """The Argon2id tag, or None if the library reports an error (the caller then derives
        with argon2-cffi, which reports it in its own words)."""
        out = ctypes.create_string_buffer(length)
        pwd = ctypes.create_string_buffer(len(secret) + 1)
        memoryview(pwd).cast("B")[: len(secret)] = secret  # no `bytes` copy of a bytearray
        salt_buffer = ctypes.create_string_buffer(salt, len(salt))
        key_buffer = ctypes.create_string_buffer(key, len(key))
        ad_buffer = ctypes.create_string_buffer(associated, len(associated))
        context = _Context(
            out=ctypes.addressof(out),
            outlen=length,
            pwd=ctypes.addressof(pwd),
            pwdlen=len(secret),
            salt=ctypes.addressof(salt_buffer),
            saltlen=len(salt),
            secret=ctypes.addressof(key_buffer) if key else None,
            secretlen=len(key),
            ad=ctypes.addressof(ad_buffer) if associated else None,
            adlen=len(associated),
            t_cost=time_cost,
            m_cost=memory_kib,
            lanes=lanes,
            threads=threads,
            version=_VERSION_13,
        )
        if self.huge_pages:
            context.allocate_cbk, context.free_cbk = self._allocator
        try:
            result = self._argon2_ctx(ctypes.byref(context), _ARGON2ID)
            return out.raw if result == _ARGON2_OK else None
        finally:
            ctypes.memset(pwd, 0, len(secret))
            ctypes.memset(out, 0, length)


def cpu_has_avx2(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """Whether the CPU (and the kernel, which hides what it does not support) offers AVX2. Only
    the first processor's flags are read: the kernel writes the file as it is read, and on a
    machine with many cores the whole of it takes milliseconds to make."""
    try:
        with cpuinfo.open(encoding="ascii", errors="replace") as lines:
            for line in lines:
                if line.startswith("flags"):
                    return "avx2" in line.split()
    except OSError:
        pass
    return False


def load(path: Path, *, cpu_ok: bool | None = None) -> NativeArgon2 | None:
    """The library at `path` if it can be trusted to give argon2-cffi's keys, else None."""
    if not path.is_file() or not (cpu_has_avx2() if cpu_ok is None else cpu_ok):
        return None
    try:
        native = NativeArgon2(path)
    except (OSError, AttributeError):  # not a loadable library, or no argon2_ctx in it
        return None
    # More lanes than threads, so the lanes' meeting points are exercised too: a library that
    # computes anything else is never used for a real key.
    password, salt, key, associated = _RFC_9106_INPUT
    got = native.derive(
        password, salt, time_cost=3, memory_kib=32, lanes=4, threads=2, length=32,
        key=key, associated=associated,
    )  # fmt: skip
    return native if got == _RFC_9106_TAG else None


@functools.cache
def available() -> NativeArgon2 | None:
    """The environment's AVX2 build, checked once per process; None to use argon2-cffi."""
    return load(LIBRARY)
