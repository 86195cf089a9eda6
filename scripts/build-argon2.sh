#!/usr/bin/env bash
# Build Argon2 (the reference implementation in native/argon2) with AVX2 for this machine.
#
# argon2-cffi's wheel is built for any x86-64 CPU, so its Argon2 uses SSE2 only. Built with
# AVX2, the same derivation (the same key, bit for bit) takes about a fifth less time; its
# memory comes in 2 MiB pages (native/itexit/argon2_memory.c), fewer faults and TLB misses. The
# library goes beside the environment's Python; itexit uses it only after checking that the
# CPU has AVX2 and that it gives argon2-cffi's key, and otherwise keeps argon2-cffi's.
#
# Usage: build-argon2.sh OUTPUT.so   Prints why it built nothing when it cannot (not Linux on
# x86-64, no AVX2, no C compiler); that is never an error, as argon2-cffi is always there.
set -euo pipefail

out=$1
src="$(cd "$(dirname "$0")/../native/argon2" && pwd)"
own="$(cd "$(dirname "$0")/../native/itexit" && pwd)" # its memory in 2 MiB pages

skip() { echo "Argon2 with AVX2 not built ($1); argon2-cffi's build is used." >&2; exit 0; }

[ "$(uname -s)" = Linux ] || skip "not Linux"
case "$(uname -m)" in x86_64 | amd64) ;; *) skip "not an x86-64 CPU" ;; esac
grep -qw avx2 /proc/cpuinfo || skip "this CPU has no AVX2"
cc=${CC:-cc}
command -v "$cc" >/dev/null 2>&1 || skip "no C compiler ($cc)"

mkdir -p "$(dirname "$out")"
tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT
# Only the entry points marked public in argon2.h are exported (A2_VISCTL), and the library's
# calls between them stay inside it (-Bsymbolic); the usual Debian hardening flags besides.
"$cc" -O3 -mavx2 -fPIC -shared -pthread -fvisibility=hidden -DA2_VISCTL=1 \
    -fstack-protector-strong -D_FORTIFY_SOURCE=2 -Wl,-Bsymbolic,-z,relro,-z,now \
    -I"$src/include" -I"$src/src" \
    "$src/src/argon2.c" "$src/src/core.c" "$src/src/encoding.c" "$src/src/opt.c" \
    "$src/src/thread.c" "$src/src/blake2/blake2b.c" "$own/argon2_memory.c" \
    -o "$tmp" || skip "the compiler failed"
mv -f "$tmp" "$out"
trap - EXIT
