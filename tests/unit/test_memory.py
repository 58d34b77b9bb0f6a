"""Freed heap memory goes back to the system (server/memory.py)."""

from loket.server.memory import give_back_free_memory


def _rss_mb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    raise AssertionError("no VmRSS")


def test_freed_heap_pages_are_given_back() -> None:
    # ~200 MB of malloc'd blocks (too big for pymalloc, too small for their own mmap),
    # the last one kept: without a trim glibc holds every page below it
    blocks = [bytes(1000) + bytes([n % 256]) for n in range(200_000)]
    kept = blocks[-1]
    del blocks
    held = _rss_mb()
    assert give_back_free_memory()  # Debian's glibc has malloc_trim
    assert _rss_mb() < held - 100
    assert kept[-1] == 199_999 % 256
