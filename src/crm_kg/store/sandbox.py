"""sandbox: what a query worker does to itself before it answers anything.

A query worker (:mod:`.pool`) runs SPARQL written by strangers, so before it
loads the graph it asks to die with its parent (``PR_SET_PDEATHSIG``), keeps
glibc's malloc arenas few, and installs a seccomp filter (seccomp(2)) that
refuses every IPv4/IPv6 socket; once the graph is loaded it caps its
address space (``RLIMIT_AS``) at what it holds plus what a query may use, and
after its last running call it gives freed heap back (``malloc_trim``).
Linux (x86-64, arm64) only; elsewhere each step is a no-op that says so.

May import: the standard library only.
"""

from __future__ import annotations

import ctypes
import functools
import platform
import resource
import signal


def die_with_parent() -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


@functools.cache
def _libc():
    """This process's C library (``dlopen(NULL)``), opened once: opening it took a query worker
    as long as the trim it was opened for."""
    try:
        return ctypes.CDLL(None)
    except OSError:
        return None


def release_memory() -> None:
    """Give the heap answers freed back to the system (glibc ``malloc_trim``), after the
    last reply is sent. A query's hash tables (a DISTINCT count over every statement, as in the
    VoID description) otherwise stay resident in the worker for good: at 1M triples some
    300 MB in each worker that ran one. 25 ms when there is that much to give back, 0.05 ms
    when not; a no-op without glibc."""
    try:
        _libc().malloc_trim(0)
    except AttributeError:           # no C library, or not glibc
        pass


def keep_arenas_few(threads: int) -> None:
    """glibc reserves 64 MB of address space per malloc arena (up to 8 per core), which an
    address-space limit counts as used: keep to one per call thread (at least two), so the
    limit means memory and the threads do not queue for one heap."""
    try:
        ctypes.CDLL(None).mallopt(-8, max(2, threads))   # M_ARENA_MAX (glibc; elsewhere a no-op)
    except (OSError, AttributeError):
        pass


def limit_memory(memory_mb: int) -> None:
    """Cap the address space at its present size plus ``memory_mb`` (``RLIMIT_AS``, never above
    the hard limit): past it an allocation fails, and the worker answers an error or dies."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        present = int(statm.read().split()[0]) * resource.getpagesize()
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = present + memory_mb * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))


class _SockFilter(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte),
                ("k", ctypes.c_uint32)]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_SockFilter))]


# AUDIT_ARCH_* and __NR_socket per machine (linux/audit.h, asm/unistd.h)
_ARCHES = {"x86_64": (0xC000003E, 41), "amd64": (0xC000003E, 41), "aarch64": (0xC00000B7, 198),
           "arm64": (0xC00000B7, 198)}


def deny_network() -> bool:
    """Install a seccomp filter: ``socket(AF_INET|AF_INET6, …)`` fails with EACCES in this
    process and every thread it starts later. True if installed (Linux x86-64/arm64).

    The BPF program (seccomp(2)): foreign syscall ABIs (i386, x32) are refused
    outright; ``socket`` with family 2 or 10 is refused; everything else is allowed.
    """
    arch = _ARCHES.get(platform.machine().lower())
    if arch is None or platform.system() != "Linux":
        return False
    audit_arch, nr_socket = arch
    ld, jeq, jset, ret = 0x20, 0x15, 0x45, 0x06           # BPF_LD|W|ABS, JMP|JEQ|K, JMP|JSET|K, RET|K
    allow, deny = 0x7FFF0000, 0x00050000 | 13             # SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO|EACCES
    program = [
        (ld, 0, 0, 4), (jeq, 1, 0, audit_arch), (ret, 0, 0, deny),      # seccomp_data.arch
        (ld, 0, 0, 0), (jset, 5, 0, 0x40000000), (jeq, 0, 3, nr_socket),  # .nr (x32 bit → deny)
        (ld, 0, 0, 16), (jeq, 2, 0, 2), (jeq, 1, 0, 10),                 # .args[0]: AF_INET, AF_INET6
        (ret, 0, 0, allow), (ret, 0, 0, deny),
    ]
    filters = (_SockFilter * len(program))(*[_SockFilter(*ins) for ins in program])
    prog = _SockFprog(len(program), filters)
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(38, 1, 0, 0, 0) != 0:                   # PR_SET_NO_NEW_PRIVS
            return False
        return libc.prctl(22, 2, ctypes.byref(prog), 0, 0) == 0   # PR_SET_SECCOMP, FILTER
    except (OSError, AttributeError):
        return False
