"""snapshot: a built graph directory, checked against its manifest before it is served.

``crm-kg build`` writes ``manifest.json`` last (:mod:`crm_kg.pipeline.publish`):
the file names, their SHA-256 and size, the triples per named graph. A
directory whose files do not match it is partial or corrupt, and the server
refuses it with one line that says why (:class:`GraphError`):

* the directory or ``manifest.json`` is missing, or the manifest does not parse;
* a file the manifest lists is missing, has another size or another SHA-256;
* the loaded store holds another number of triples, in total or per graph,
  than the manifest says (:func:`check_counts`).

:func:`open_snapshot` checks the directory and keeps ``crm-kg.nq`` open. The
open file pins those exact bytes: a build that swaps a new directory in
afterwards does not change what this snapshot loads, so every worker of a
query pool (:mod:`.pool`), replacements started later included,
loads the same graph. A snapshot crosses to a worker process as a duplicate
of that file descriptor (``multiprocessing.reduction.DupFd``).

The directory is swapped in whole by a build (:mod:`crm_kg.pipeline.publish`);
:func:`recover` puts back a graph an interrupted swap had set aside, and is
run by the next build and by a server that finds no graph.

May import: :mod:`crm_kg.errors`.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import GraphError, StoreError

MANIFEST = "manifest.json"
DATASET_FILE = "crm-kg.nq"


def read_manifest(ttl_dir: Path) -> dict:
    path = Path(ttl_dir) / MANIFEST
    if not path.is_file():
        raise StoreError(f"no built graph in {ttl_dir} (missing {MANIFEST}); run `crm-kg build`")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise StoreError(f"{path}: corrupt manifest ({exc})") from exc


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def set_aside(target: Path) -> list[Path]:
    return sorted(target.parent.glob(f".{target.name}.old-*"), key=lambda p: p.stat().st_mtime)


def recover(target: Path) -> bool:
    """If ``target`` is missing because a swap was cut between its two renames, rename the
    graph that was set aside back. True if it did."""
    target = Path(target)
    if target.exists():
        return False
    for old in reversed(set_aside(target)):
        if (old / "manifest.json").is_file():
            try:
                os.rename(old, target)
            except OSError:
                return False
            fsync_dir(target.parent)
            return True
    return False


def _problem(directory: Path, what: str) -> GraphError:
    return GraphError(f"{directory}: {what}; rebuild it with `crm-kg build`")


def _read_manifest(dir_fd: int, directory: Path) -> dict:
    try:
        fd = os.open(MANIFEST, os.O_RDONLY, dir_fd=dir_fd)
    except FileNotFoundError:
        if not os.listdir(dir_fd):
            raise GraphError(f"{directory}: no built graph here; run `crm-kg build`") from None
        raise _problem(directory, f"no {MANIFEST} (the graph is partial: a build was interrupted "
                                  "or files were removed)") from None
    with os.fdopen(fd, "rb") as fh:
        raw = fh.read()
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise _problem(directory, f"{MANIFEST} is corrupt ({exc})") from None
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, dict) or DATASET_FILE not in files or not all(
            isinstance(v, dict) and isinstance(v.get("sha256"), str) and isinstance(v.get("bytes"), int)
            for v in files.values()):
        raise _problem(directory, f"{MANIFEST} is corrupt (no file list with sha256 and bytes "
                                  f"including {DATASET_FILE})")
    graphs = manifest.get("graphs")
    if not isinstance(graphs, dict) or not isinstance(manifest.get("triples"), int) or not all(
            isinstance(g, dict) and isinstance(g.get("iri"), str) and isinstance(g.get("triples"), int)
            for g in graphs.values()):
        raise _problem(directory, f"{MANIFEST} is corrupt (no triple counts per graph)")
    return manifest


def _check_file(dir_fd: int, directory: Path, name: str, expected: dict) -> int:
    """Open ``name`` and compare it with its manifest entry; returns the open descriptor."""
    if "/" in name or name in (".", ".."):
        raise _problem(directory, f"{MANIFEST} lists an unsafe file name {name!r}")
    try:
        fd = os.open(name, os.O_RDONLY, dir_fd=dir_fd)
    except FileNotFoundError:
        raise _problem(directory, f"{name} is missing (listed in {MANIFEST})") from None
    try:
        size = os.fstat(fd).st_size
        if size != expected["bytes"]:
            raise _problem(directory, f"{name} has {size} bytes, {MANIFEST} says {expected['bytes']} "
                                      "(truncated or changed)")
        digest, offset = hashlib.sha256(), 0
        while chunk := os.pread(fd, 1 << 20, offset):
            digest.update(chunk)
            offset += len(chunk)
        if digest.hexdigest() != expected["sha256"]:
            raise _problem(directory, f"{name} sha256 {digest.hexdigest()[:12]}… differs from "
                                      f"{expected['sha256'][:12]}… in {MANIFEST} (corrupt or changed)")
    except BaseException:
        os.close(fd)
        raise
    return fd


def _open_directory(directory: Path) -> int:
    try:
        return os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except FileNotFoundError:
        if recover(directory):       # a swap that was interrupted between its two renames
            return os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        raise GraphError(f"{directory}: no built graph here; run `crm-kg build`") from None
    except NotADirectoryError:
        raise GraphError(f"{directory}: not a directory") from None


def verify_directory(directory: Path) -> dict:
    """The manifest of ``directory`` after checking every file it lists (:class:`GraphError` if not)."""
    snapshot = open_snapshot(directory)
    snapshot.close()
    return snapshot.manifest


def open_snapshot(directory: Path) -> "Snapshot":
    """Check ``directory`` against its manifest and pin its ``crm-kg.nq`` (see the module doc)."""
    directory = Path(directory)
    dir_fd = _open_directory(directory)      # one directory, even if a build renames it meanwhile
    try:
        manifest = _read_manifest(dir_fd, directory)
        dataset_fd = None
        for name, expected in sorted(manifest["files"].items()):
            fd = _check_file(dir_fd, directory, name, expected)
            if name == DATASET_FILE:
                dataset_fd = fd
            else:
                os.close(fd)
    finally:
        os.close(dir_fd)
    return Snapshot(directory, manifest, dataset_fd)


def check_counts(directory: Path, manifest: dict, total: int, sizes: dict[str, int]) -> None:
    """The loaded store must hold exactly the triples the manifest counts (total and per graph)."""
    if total != manifest["triples"]:
        raise _problem(directory, f"{DATASET_FILE} loads as {total} triples, {MANIFEST} says "
                                  f"{manifest['triples']}")
    for name, entry in sorted(manifest["graphs"].items()):
        if sizes.get(entry["iri"], 0) != entry["triples"]:
            raise _problem(directory, f"graph {name} loads as {sizes.get(entry['iri'], 0)} triples, "
                                      f"{MANIFEST} says {entry['triples']}")


@dataclass
class Snapshot:
    """A checked build: its manifest and an open descriptor of its ``crm-kg.nq``."""

    directory: Path
    manifest: dict
    fd: int | None

    @property
    def version(self) -> str:
        return self.manifest["files"][DATASET_FILE]["sha256"][:16]

    def dataset_path(self) -> str:
        """A path that opens the pinned file afresh (its own offset), whatever became of its name."""
        if self.fd is None:
            raise StoreError(f"{self.directory}: this snapshot is closed")
        return f"/proc/self/fd/{self.fd}"

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def __reduce__(self):
        """Pickled for a worker process: the descriptor travels as a duplicate (SCM_RIGHTS)."""
        from multiprocessing.reduction import DupFd

        if self.fd is None:
            raise StoreError(f"{self.directory}: this snapshot is closed")
        return _rebuild, (str(self.directory), self.manifest, DupFd(self.fd))


def _rebuild(directory: str, manifest: dict, dup) -> Snapshot:
    return Snapshot(Path(directory), manifest, dup.detach())
