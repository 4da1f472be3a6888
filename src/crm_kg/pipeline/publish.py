"""publish: a rendered build becomes ``data/ttl`` in one atomic step, or not at all.

The order (the last stage of ``crm-kg build``; validation ran before, on the
dataset these files are rendered from):

1. Take ``.<name>.lock`` beside the target (``flock``), so two builds never
   interleave, and clear what killed builds left: staging directories, and an
   old graph set aside by an interrupted swap (:func:`recover` puts it back).
2. Write every file into a fresh sibling directory ``.<name>.new-XXXX``, each
   file fsynced, ``manifest.json`` last, then the directory fsynced.
3. Check the staged directory the way the server will
   (:func:`crm_kg.store.snapshot.open_snapshot`: every file against the manifest,
   then the N-Quads loaded and counted) — what is swapped in can be served —
   and the way its readers will (:func:`.readback.check_published`: every file
   parsed by rdflib and by pyoxigraph, counts per graph, the dumps isomorphic).
4. Swap: ``renameat2(RENAME_EXCHANGE)`` exchanges the staged directory with
   the target in one step (Linux ≥ 3.18 on ext4, btrfs, xfs, tmpfs…), so the
   target always exists and is always a whole graph, old or new; the old one,
   now under the staged name, is removed and the parent directory fsynced.
   Where the file system cannot exchange, the target is renamed aside to
   ``.<name>.old-<pid>`` and the new one renamed in; a crash between the two
   renames leaves no target, and :func:`recover` (run by the next build and
   by a server that finds no graph) renames the old graph back.

A process killed at any point leaves the previous graph in place (or the new
one, once the exchange happened) and nothing half-written under the target
name; ``data/ttl`` stays a plain directory, as git needs.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import platform
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from ..store.embedded import EmbeddedStore
from ..store.snapshot import fsync_dir, recover, set_aside
from .readback import check_published

AT_FDCWD = -100
RENAME_EXCHANGE = 2
_SYS_RENAMEAT2 = {"x86_64": 316, "amd64": 316, "aarch64": 276, "arm64": 276}
_CANNOT_EXCHANGE = {errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EXDEV, errno.EPERM}


class ExchangeUnsupported(OSError):
    """This kernel or file system cannot exchange two directories atomically."""


def _exchange(a: Path, b: Path) -> None:
    """Atomically swap the names ``a`` and ``b`` (renameat2 with RENAME_EXCHANGE)."""
    libc = ctypes.CDLL(None, use_errno=True)
    args = (AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE)
    try:
        result = libc.renameat2(*args)
    except AttributeError:                      # glibc < 2.28: the system call itself
        number = _SYS_RENAMEAT2.get(platform.machine().lower())
        if number is None:
            raise ExchangeUnsupported(errno.ENOSYS, "renameat2 is not available") from None
        result = libc.syscall(number, *args)
    if result != 0:
        code = ctypes.get_errno()
        if code in _CANNOT_EXCHANGE:
            raise ExchangeUnsupported(code, os.strerror(code))
        raise OSError(code, f"cannot exchange {a} and {b}: {os.strerror(code)}")


@contextmanager
def _locked(target: Path):
    with open(target.parent / f".{target.name}.lock", "a+b") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def _clear_leftovers(target: Path) -> None:
    """Staging directories of killed builds; graphs set aside once the target is back."""
    recover(target)
    for stale in target.parent.glob(f".{target.name}.new-*"):
        shutil.rmtree(stale, ignore_errors=True)
    if target.exists():
        for old in set_aside(target):
            shutil.rmtree(old, ignore_errors=True)


def _write(staging: Path, files: dict[str, bytes]) -> None:
    for name, data in files.items():            # the manifest comes last in ``files``
        fd = os.open(staging / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
    fsync_dir(staging)


def check_servable(directory: Path) -> dict:
    """Every file against the manifest, the dataset loaded and counted, then every file
    read back by two parsers (:mod:`.readback`); the manifest."""
    store = EmbeddedStore.from_directory(directory)
    check_published(directory)
    return store.manifest


def publish(files: dict[str, bytes], target: Path) -> None:
    """Write ``files`` (manifest last) into a fresh directory, check it, swap it in for ``target``."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with _locked(target):
        _clear_leftovers(target)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
        try:
            mode = target.stat().st_mode & 0o7777 if target.exists() else 0o755
            os.chmod(staging, mode)
            _write(staging, files)
            check_servable(staging)
            if target.exists():
                try:
                    _exchange(staging, target)       # staging now holds the old graph
                except ExchangeUnsupported:
                    old = target.parent / f".{target.name}.old-{os.getpid()}"
                    os.rename(target, old)
                    os.rename(staging, target)
                    os.rename(old, staging)
            else:
                os.rename(staging, target)
            fsync_dir(target.parent)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
