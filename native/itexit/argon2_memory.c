/*
 * Memory for Argon2's blocks, in 2 MiB pages where the kernel offers them.
 *
 * Argon2id fills its whole memory (256 MiB for a calibrated vault) and then reads it back at
 * random. With malloc the kernel hands it over 4 KiB at a time, one page fault each, and every
 * random read risks a TLB miss; about a third of a derivation went there. Mapped on a 2 MiB
 * boundary and marked MADV_HUGEPAGE, the same memory takes 128 faults and the same key comes
 * out a third sooner. The blocks are also kept out of core dumps (MADV_DONTDUMP).
 *
 * Argon2 wipes the memory before handing it back (clear_internal_memory in core.c), and the
 * pages are unmapped at once. The two functions follow argon2.h's allocate_fptr and
 * deallocate_fptr; allocating sets *memory to NULL when it fails, which core.c reports as
 * ARGON2_MEMORY_ALLOCATION_ERROR.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>

#define EXPORT __attribute__((visibility("default")))
#define HUGE_PAGE ((size_t)2 << 20)

static size_t round_up(size_t n, size_t to) { return (n + to - 1) / to * to; }

EXPORT int itexit_argon2_allocate(uint8_t **memory, size_t bytes) {
    *memory = NULL;
    if (bytes == 0 || bytes > SIZE_MAX - 2 * HUGE_PAGE) {
        return -22;
    }
    size_t length = round_up(bytes, HUGE_PAGE);
    size_t mapped = length + HUGE_PAGE; /* room to start on a 2 MiB boundary */
    uint8_t *base = mmap(NULL, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) {
        return -22;
    }
    uint8_t *start = (uint8_t *)round_up((uintptr_t)base, HUGE_PAGE);
    size_t head = (size_t)(start - base);
    size_t tail = mapped - head - length;
    if (head) {
        munmap(base, head);
    }
    if (tail) {
        munmap(start + length, tail);
    }
#ifdef MADV_HUGEPAGE
    madvise(start, length, MADV_HUGEPAGE); /* advice: without it, 4 KiB pages as before */
#endif
#ifdef MADV_DONTDUMP
    madvise(start, length, MADV_DONTDUMP);
#endif
    *memory = start;
    return 0;
}

EXPORT void itexit_argon2_free(uint8_t *memory, size_t bytes) {
    if (memory) {
        munmap(memory, round_up(bytes, HUGE_PAGE));
    }
}
