"""Argon2 built for this CPU: the same keys as argon2-cffi's, refused when it is not trustworthy."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from argon2.low_level import Type, hash_secret_raw

from itexit.vault import argon2_native, kdf
from itexit.vault.kdf import KdfParams

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "scripts" / "build-argon2.sh"
SALT = bytes(range(16))
CAN_BUILD = (
    sys.platform == "linux"
    and os.uname().machine in ("x86_64", "amd64")
    and argon2_native.cpu_has_avx2()
    and shutil.which(os.environ.get("CC", "cc")) is not None
)
needs_build = pytest.mark.skipif(not CAN_BUILD, reason="needs Linux on x86-64 with AVX2 and cc")


def standard(secret: bytes, m: int, t: int, p: int, salt: bytes = SALT) -> bytes:
    return hash_secret_raw(
        secret=secret, salt=salt, time_cost=t, memory_cost=m, parallelism=p,
        hash_len=kdf.KEY_BYTES, type=Type.ID,
    )  # fmt: skip


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The library as `make` builds it, from native/argon2, in a directory of the test's own."""
    if not CAN_BUILD:
        pytest.skip("needs Linux on x86-64 with AVX2 and cc")
    out = tmp_path_factory.mktemp("argon2") / "libargon2-avx2.so"
    subprocess.run(["bash", str(BUILD), str(out)], check=True, capture_output=True)
    assert out.is_file(), "the build script made no library on a machine that can build it"
    return out


def test_make_test_has_the_build_where_the_machine_can_build_it() -> None:
    """`make test` builds the library before the tests; on such a machine itexit uses it."""
    if not (CAN_BUILD and os.environ.get("ITEXIT_REQUIRE_SERVERS") == "1"):
        pytest.skip("only under `make test` on a machine that can build it")
    assert argon2_native.LIBRARY.is_file()
    assert argon2_native.available() is not None


@pytest.mark.parametrize(
    ("m", "t", "p", "threads"),
    [(19 * 1024, 2, 1, 1), (19 * 1024, 2, 4, 2), (19 * 1024, 3, 4, 4), (8 * 1024, 1, 3, 2)],
)
def test_the_build_gives_argon2_cffis_keys(
    built: Path, m: int, t: int, p: int, threads: int
) -> None:
    native = argon2_native.load(built)
    assert native is not None
    assert native.huge_pages  # the blocks come from the build's own allocator
    for secret in (b"pass phrase", "pässphrase ☃".encode(), b"x" * 200):
        got = native.derive(
            secret, SALT, time_cost=t, memory_kib=m, lanes=p, threads=threads, length=32
        )
        assert got == standard(secret, m, t, p)


def test_a_library_that_gives_other_keys_is_refused(built: Path, tmp_path: Path) -> None:
    """A build that computes anything else (here: a stand-in that returns zeros) is never used."""
    source = tmp_path / "wrong.c"
    source.write_text(
        "#include <string.h>\n#include <stdint.h>\n"
        "typedef struct { uint8_t *out; uint32_t outlen; } head;\n"
        "int argon2_ctx(head *c, int type) { memset(c->out, 0, c->outlen); return 0; }\n",
        encoding="ascii",
    )
    wrong = tmp_path / "libwrong.so"
    subprocess.run(
        [os.environ.get("CC", "cc"), "-shared", "-fPIC", str(source), "-o", str(wrong)],
        check=True,
    )
    assert argon2_native.load(wrong) is None


def test_a_library_that_fails_is_refused(tmp_path: Path) -> None:
    if shutil.which(os.environ.get("CC", "cc")) is None:
        pytest.skip("needs cc")
    source = tmp_path / "failing.c"
    source.write_text("int argon2_ctx(void *c, int type) { return -22; }\n", encoding="ascii")
    failing = tmp_path / "libfailing.so"
    subprocess.run(
        [os.environ.get("CC", "cc"), "-shared", "-fPIC", str(source), "-o", str(failing)],
        check=True,
    )
    assert argon2_native.load(failing, cpu_ok=True) is None


def test_what_is_not_a_usable_library_is_refused(tmp_path: Path) -> None:
    assert argon2_native.load(tmp_path / "missing.so", cpu_ok=True) is None
    garbage = tmp_path / "garbage.so"
    garbage.write_bytes(os.urandom(4096))
    assert argon2_native.load(garbage, cpu_ok=True) is None
    libm = [*Path("/lib").glob("*/libm.so.6"), *Path("/usr/lib").glob("*/libm.so.6")]
    if libm:  # a real library, without argon2_ctx in it
        assert argon2_native.load(libm[0], cpu_ok=True) is None


def test_a_cpu_without_avx2_never_loads_it(built: Path) -> None:
    assert argon2_native.load(built, cpu_ok=False) is None


def test_avx2_is_read_from_the_cpu_flags(tmp_path: Path) -> None:
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nflags\t\t: fpu sse2 ssse3 avx avx2 bmi2\n", encoding="ascii")
    assert argon2_native.cpu_has_avx2(info)
    info.write_text("processor\t: 0\nflags\t\t: fpu sse2 ssse3 avx avx2x\n", encoding="ascii")
    assert not argon2_native.cpu_has_avx2(info)
    assert not argon2_native.cpu_has_avx2(tmp_path / "absent")
    info.write_text("flags\t: fpu sse2\n\nflags\t: fpu sse2 avx2\n", encoding="ascii")
    assert not argon2_native.cpu_has_avx2(info)  # the first processor's flags decide


@needs_build
def test_derive_uses_the_build_with_no_more_threads_than_cpus(
    built: Path, monkeypatch: pytest.MonkeyPatch, argon2_calls: list[dict[str, object]]
) -> None:
    native = argon2_native.load(built)
    argon2_calls.clear()  # the load's own check of the build
    monkeypatch.setattr(argon2_native, "available", lambda: native)
    monkeypatch.setattr(kdf, "usable_cpus", lambda: 2)
    p = KdfParams(19 * 1024, 2, 4, SALT)
    assert kdf.derive("pass phrase", p) == standard(b"pass phrase", 19 * 1024, 2, 4)
    assert [(c["route"], c["threads"], c["lanes"]) for c in argon2_calls] == [("native", 2, 4)]


def test_derive_falls_back_to_argon2_cffi_when_the_build_reports_an_error(
    monkeypatch: pytest.MonkeyPatch, argon2_calls: list[dict[str, object]]
) -> None:
    class Failing:
        def derive(self, *args: object, **kwargs: object) -> None:
            return None

    monkeypatch.setattr(argon2_native, "available", lambda: Failing())
    p = KdfParams(19 * 1024, 2, 1, SALT)
    assert kdf.derive("pass phrase", p) == standard(b"pass phrase", 19 * 1024, 2, 1)
    assert [c["route"] for c in argon2_calls] == ["standard"]


@needs_build
def test_the_build_lets_other_threads_run_while_it_derives(built: Path) -> None:
    """A derivation in a worker thread leaves the interpreter to the app meanwhile."""
    import threading

    native = argon2_native.load(built)
    assert native is not None
    done = threading.Event()
    ticks = 0

    def derive() -> None:
        native.derive(b"p", SALT, time_cost=3, memory_kib=64 * 1024, lanes=1, threads=1, length=32)
        done.set()

    worker = threading.Thread(target=derive)
    worker.start()
    while not done.is_set():
        ticks += 1
    worker.join()
    assert ticks > 1000  # the main thread kept running Python while the derivation ran


@needs_build
def test_a_command_using_the_build_never_loads_argon2_cffi(built: Path) -> None:
    """The native build is used without importing argon2-cffi, which costs a command start."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from itexit.vault import argon2_native, kdf\n"
        f"argon2_native.LIBRARY = Path({str(built)!r})\n"
        "p = kdf.KdfParams(19 * 1024, 2, 4, bytes(range(16)))\n"
        "print(kdf.derive('pass phrase', p).hex())\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in"
        " ('argon2', '_argon2_cffi_bindings')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    key, loaded = result.stdout.splitlines()
    assert bytes.fromhex(key) == standard(b"pass phrase", 19 * 1024, 2, 4)
    assert loaded == "[]"


HUGE_PAGE = 2 << 20


def _mapping(address: int) -> tuple[int, list[str]] | None:
    """The size and VmFlags of this process's mapping that starts at `address`, if any."""
    lines = Path("/proc/self/smaps").read_text(encoding="ascii").splitlines()
    for index, line in enumerate(lines):
        span = line.split(" ", 1)[0]
        if "-" not in span or not all(c in "0123456789abcdef-" for c in span):
            continue
        start, end = (int(x, 16) for x in span.split("-"))
        if start != address:
            continue
        for flags in lines[index + 1 :]:
            if flags.startswith("VmFlags:"):
                return end - start, flags.split()[1:]
    return None


def _allocator(built: Path) -> tuple[object, object]:
    import ctypes

    library = ctypes.CDLL(str(built))
    allocate, free = library.itexit_argon2_allocate, library.itexit_argon2_free
    allocate.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_size_t]
    allocate.restype = ctypes.c_int
    free.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    free.restype = None
    return allocate, free


@needs_build
def test_argon2s_memory_is_mapped_on_2_mib_boundaries_for_huge_pages(built: Path) -> None:
    """The blocks start on a 2 MiB boundary, are marked for huge pages and kept out of core
    dumps, hold what is written to them, and are unmapped when Argon2 hands them back."""
    import ctypes

    allocate, free = _allocator(built)
    memory = ctypes.c_void_p()
    size = 3 * HUGE_PAGE + 1024  # not a whole number of huge pages
    assert allocate(ctypes.byref(memory), size) == 0
    address = memory.value
    assert address is not None and address % HUGE_PAGE == 0
    ctypes.memset(address, 0xA5, size)
    assert ctypes.string_at(address + size - 4, 4) == b"\xa5" * 4
    mapping = _mapping(address)
    assert mapping is not None
    length, flags = mapping
    assert length == 4 * HUGE_PAGE  # rounded up to whole huge pages, the rest given back
    assert "dd" in flags  # MADV_DONTDUMP: never in a core dump
    if Path("/sys/kernel/mm/transparent_hugepage/enabled").exists():
        assert "hg" in flags  # MADV_HUGEPAGE
    free(address, size)
    assert _mapping(address) is None


@needs_build
def test_memory_that_cannot_be_mapped_is_reported_as_an_allocation_error(built: Path) -> None:
    """Argon2 turns a NULL from the allocator into ARGON2_MEMORY_ALLOCATION_ERROR."""
    import ctypes

    allocate, _free = _allocator(built)
    memory = ctypes.c_void_p(1)
    assert allocate(ctypes.byref(memory), 1 << 62) == -22
    assert memory.value is None
    memory = ctypes.c_void_p(1)
    assert allocate(ctypes.byref(memory), 0) == -22
    assert memory.value is None


@needs_build
def test_a_build_without_the_allocator_derives_with_malloc(tmp_path: Path) -> None:
    """A library built before the allocator existed is still used, with Argon2's malloc."""
    src = ROOT / "native" / "argon2"
    older = tmp_path / "libargon2-older.so"
    subprocess.run(
        [
            os.environ.get("CC", "cc"), "-O1", "-mavx2", "-fPIC", "-shared", "-pthread",
            "-fvisibility=hidden", "-DA2_VISCTL=1", f"-I{src / 'include'}", f"-I{src / 'src'}",
            *(str(src / "src" / name) for name in
              ("argon2.c", "core.c", "encoding.c", "opt.c", "thread.c", "blake2/blake2b.c")),
            "-o", str(older),
        ],
        check=True,
    )  # fmt: skip
    native = argon2_native.load(older)
    assert native is not None and not native.huge_pages
    got = native.derive(b"pass phrase", SALT, time_cost=2, memory_kib=8 * 1024, lanes=2,
                        threads=2, length=32)  # fmt: skip
    assert got == standard(b"pass phrase", 8 * 1024, 2, 2)
