"""serving: the graph a running server answers from, replaced whole while it serves.

:class:`LiveStore` is the :class:`~crm_kg.store.interface.Store` the web app holds. It
delegates to the current *generation* (a store: a worker pool over a checked
snapshot, :mod:`crm_kg.store.pool`) and :meth:`LiveStore.reload` replaces it:

1. a new store is opened beside the old one — the directory is checked
   against its manifest, a new pool loads it and every worker counts its
   triples (:mod:`crm_kg.store.snapshot`); if anything fails, the old graph stays
   and the failure is reported (``last_reload``), nothing else changes;
2. one assignment makes the new generation current;
3. every request pins the generation it started on (:meth:`LiveStore.pin`,
   called by the web app before and after each request), so all the store
   calls of one request — a page runs several queries — answer from one
   graph; the old generation is closed when its last request has ended.

A reload is asked for by ``SIGHUP`` or ``crm-kg reload``. A serving process
(``crm-kg serve``, or each gunicorn worker through ``gunicorn.conf.py``)
announces itself with a state file in the run directory beside the graph
(``data/.ttl.run/serve-<pid>.json``: pid, process start time, graph version,
the outcome of the last reload). ``crm-kg reload`` checks the graph first,
signals every live server of that graph (the start time guards against a
recycled pid) and waits for each to report the outcome.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import signal
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ..errors import CrmKgError, StoreError

log = logging.getLogger(__name__)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(eq=False)
class Generation:
    """One loaded graph and the requests still using it."""

    store: object
    number: int
    loaded_at: str = field(default_factory=_now)
    leases: int = 0
    retired: bool = False


class LiveStore:
    """A store whose graph can be replaced atomically while requests are answered."""

    def __init__(self, store, opener=None):
        self._lock = threading.Lock()
        self._reload_lock = threading.Lock()
        self._current = Generation(store, 1)
        self._opener = opener
        self._pinned: ContextVar[Generation | None] = ContextVar(f"crm_kg_pinned_{id(self)}", default=None)
        self.attempts = 0
        self.last_reload: dict | None = None
        self._listeners: list = []
        self._open_hooks: list = []

    # -- which generation answers --------------------------------------------------------
    def pin(self):
        """Pin the current generation for this context (a request); returns a token for unpin."""
        with self._lock:
            generation = self._current
            generation.leases += 1
        return self._pinned.set(generation)

    def unpin(self, token) -> None:
        generation = self._pinned.get()
        self._pinned.reset(token)
        if generation is None:
            return
        with self._lock:
            generation.leases -= 1
            done = generation.retired and generation.leases == 0
        if done:
            self._close(generation)

    @contextmanager
    def pinned(self):
        token = self.pin()
        try:
            yield self._pinned.get().store
        finally:
            self.unpin(token)

    @property
    def current(self):
        """The store of the generation this context answers from."""
        generation = self._pinned.get()
        return (generation or self._current).store

    @property
    def generation(self) -> int:
        generation = self._pinned.get() or self._current
        return generation.number

    # -- the Store interface, delegated ---------------------------------------------------
    def query(self, *args, **kwargs):
        return self.current.query(*args, **kwargs)

    def serialize(self, *args, **kwargs):
        return self.current.serialize(*args, **kwargs)

    def graphs(self) -> list[str]:
        return self.current.graphs()

    def info(self) -> dict:
        return self.current.info()

    @property
    def version(self) -> str:
        return self.current.version

    def __len__(self) -> int:
        return len(self.current)

    def ready(self) -> tuple[bool, str]:
        check = getattr(self.current, "ready", None)
        return check() if check is not None else (True, "")

    def __getattr__(self, name):          # pids(), manifest… of the store underneath
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.current, name)

    # -- reload ---------------------------------------------------------------------------
    @property
    def can_reload(self) -> bool:
        return self._opener is not None

    def reload(self) -> dict:
        """Open the graph anew and swap it in; the outcome (also kept as ``last_reload``)."""
        if self._opener is None:
            raise StoreError("this server was given a fixed store; it cannot reload")
        with self._reload_lock:
            start = time.monotonic()
            before = self._current
            try:
                store = self._opener()
                for hook in list(self._open_hooks):
                    self._run_hook(hook, store)
            except Exception as exc:  # noqa: BLE001 — any failure keeps the old graph
                outcome = {"ok": False, "error": str(exc) or type(exc).__name__,
                           "version": before.store.version, "generation": before.number}
                log.error("reload failed; still serving version %s: %s", before.store.version, exc)
            else:
                with self._lock:
                    old = self._current
                    self._current = Generation(store, old.number + 1)
                    old.retired = True
                    idle = old.leases == 0
                if idle:
                    self._close(old)
                outcome = {"ok": True, "version": store.version, "previous": old.store.version,
                           "generation": old.number + 1}
                log.warning("reloaded: version %s (was %s), generation %d", store.version,
                            old.store.version, old.number + 1)
            self.attempts += 1
            outcome.update(seq=self.attempts, at=_now(), seconds=round(time.monotonic() - start, 3))
            self.last_reload = outcome
        for listener in list(self._listeners):
            try:
                listener(self)
            except Exception:  # noqa: BLE001 — a listener must not undo a reload
                log.exception("reload listener failed")
        return outcome

    def on_reload(self, listener) -> None:
        self._listeners.append(listener)

    def on_open(self, hook) -> None:
        """Call ``hook(store)`` with each newly opened store before it is swapped in (what is
        computed once per graph version is ready when its first request comes)."""
        self._open_hooks.append(hook)

    @staticmethod
    def _run_hook(hook, store) -> None:
        try:
            hook(store)
        except Exception:  # noqa: BLE001 — the graph is good; what the hook prepares is computed later
            log.exception("preparing the new graph failed; swapping it in all the same")

    def status(self) -> dict:
        generation = self._pinned.get() or self._current
        return {"generation": generation.number, "loaded_at": generation.loaded_at,
                "version": generation.store.version, "reloads": self.attempts,
                "last_reload": self.last_reload}

    @staticmethod
    def _close(generation: Generation) -> None:
        close = getattr(generation.store, "close", None)
        if close is not None:
            threading.Thread(target=close, name="crm-kg-retire", daemon=True).start()

    def close(self) -> None:
        with self._lock:
            generation = self._current
        close = getattr(generation.store, "close", None)
        if close is not None:
            close()


# -- finding and signalling running servers ------------------------------------------------
def run_dir(ttl_dir: Path) -> Path:
    """Where servers of ``ttl_dir`` announce themselves (``data/.ttl.run`` for ``data/ttl``)."""
    ttl_dir = Path(ttl_dir).resolve()
    return ttl_dir.parent / f".{ttl_dir.name}.run"


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (/proc/<pid>/stat field 22)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)


class Announcement:
    """This process's state file in the run directory, kept current after each reload."""

    def __init__(self, live: LiveStore, ttl_dir: Path, url: str | None = None):
        self.live, self.ttl_dir, self.url = live, Path(ttl_dir).resolve(), url
        self.path = run_dir(self.ttl_dir) / f"serve-{os.getpid()}.json"

    def write(self, *_args) -> None:
        state = {"pid": os.getpid(), "started": _start_time(os.getpid()), "ttl_dir": str(self.ttl_dir),
                 "url": self.url, "reloadable": self.live.can_reload, **self.live.status()}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _write_json(self.path, state)
        except OSError as exc:
            log.warning("cannot write %s (`crm-kg reload` will not find this server): %s", self.path, exc)

    def remove(self) -> None:
        try:
            self.path.unlink()
        except OSError:
            pass


def announce(live: LiveStore, ttl_dir: Path, url: str | None = None, sighup: bool = True) -> Announcement:
    """Write this server's state file, keep it current, and reload on SIGHUP (main thread only)."""
    announcement = Announcement(live, ttl_dir, url)
    announcement.write()
    live.on_reload(announcement.write)
    atexit.register(announcement.remove)
    if sighup and threading.current_thread() is threading.main_thread():
        reload_on_sighup(live)
    return announcement


def reload_on_sighup(live: LiveStore) -> None:
    """SIGHUP reloads ``live``. The handler only writes a byte to a pipe (async-signal-safe):
    it interrupts the main thread anywhere — inside ``Thread.start()`` of a server starting
    a request thread, say — where taking a lock could deadlock it. A thread waiting on the
    pipe reloads; signals arriving during a reload give one more reload after it."""
    read, write = os.pipe()
    os.set_blocking(write, False)

    def _watch():
        while True:
            try:
                os.read(read, 4096)        # every signal since the last read: one reload
            except OSError:
                return
            try:
                live.reload()
            except Exception:  # noqa: BLE001 — keep watching
                log.exception("reload failed")

    def _hangup(_signum, _frame):
        try:
            os.write(write, b"\0")
        except OSError:                    # the pipe is full: a reload is already due
            pass

    threading.Thread(target=_watch, name="crm-kg-reload", daemon=True).start()
    signal.signal(signal.SIGHUP, _hangup)


def servers(ttl_dir: Path) -> list[dict]:
    """The live servers of ``ttl_dir`` (state files of dead processes are removed)."""
    out = []
    directory = run_dir(ttl_dir)
    for path in sorted(directory.glob("serve-*.json")) if directory.is_dir() else []:
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
            pid = int(state["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if state.get("started") is None or _start_time(pid) != state.get("started"):
            try:
                path.unlink()           # that process is gone (or its pid now belongs to another)
            except OSError:
                pass
            continue
        out.append({**state, "state_file": str(path)})
    return out


def request_reload(ttl_dir: Path, timeout: float = 120.0) -> list[dict]:
    """Check the graph of ``ttl_dir``, signal each of its servers, wait for their outcomes."""
    from .snapshot import verify_directory

    verify_directory(ttl_dir)        # a broken graph is refused here already; servers keep theirs
    running = servers(ttl_dir)
    if not running:
        raise CrmKgError(f"no running server of {Path(ttl_dir).resolve()} (nothing in {run_dir(ttl_dir)}); "
                         "start one with `crm-kg serve`")
    for state in running:
        if not state.get("reloadable", True):
            state["outcome"] = {"ok": False, "error": "this server cannot reload (fixed store)"}
            continue
        try:
            os.kill(int(state["pid"]), signal.SIGHUP)
        except ProcessLookupError:
            state["outcome"] = {"ok": False, "error": "the server stopped"}
    deadline = time.monotonic() + timeout
    for state in running:
        while "outcome" not in state:
            try:
                now = json.loads(Path(state["state_file"]).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                now = {}
            if now.get("reloads", 0) > state.get("reloads", 0):
                state["outcome"] = now.get("last_reload") or {}
            elif time.monotonic() > deadline:
                state["outcome"] = {"ok": False, "error": f"no answer within {timeout:g} s"}
            else:
                time.sleep(0.05)
    return running
