"""pool: queries under a deadline, in a pool of worker processes.

May import: :mod:`crm_kg.errors`, :mod:`crm_kg.sparql.results`, :mod:`.sandbox`.

Neither pyoxigraph nor rdflib can stop a running query: no timeout, no
cancellation, and pyoxigraph evaluates in Rust where no Python signal reaches
it. Some query shapes also crash pyoxigraph outright (its parser and
evaluator recurse; a chain of ~10,000 ``!``, ``+`` or ``UNION`` overflows the
stack and the process dies with SIGSEGV). So the web server does not query
in its own process. :class:`WorkerPool` implements the
:class:`~crm_kg.store.interface.Store` interface over N worker processes, and the web
layer cannot tell it from an :class:`~crm_kg.store.embedded.EmbeddedStore`:

* Each worker loads the store itself (a loader such as :class:`~crm_kg.store.embedded.DirectoryLoader`:
  the built N-Quads into an in-memory pyoxigraph store) and answers up to
  ``threads`` calls at once over a pipe, each on a thread of its own:
  pyoxigraph evaluates without the GIL, so the threads share the worker's one
  copy of the graph and run on every core (a copy per call is what the
  memory goes to: some 330 bytes a triple). Calls and answers cross the pipe
  pickled, tagged with a call id — :class:`~crm_kg.sparql.results.PackedRows` or
  :class:`~crm_kg.sparql.results.Serialized` bytes, never pyoxigraph objects (those
  are bound to their thread). A thread per worker in the web process hands
  each reply to its caller and notices at once when the worker dies.
* A call takes a free slot of a worker, waiting at most ``queue_timeout``
  seconds (else :class:`EngineBusy`), sends the call and waits at most
  ``timeout`` seconds for the answer. Past the deadline the worker is killed
  (SIGKILL: the query stops for real and its memory is freed), a replacement
  starts in the background, and the caller gets :class:`QueryTimeout`; calls
  that were running on the same worker get :class:`EngineFailed` saying so.
  A ``DEADLINE`` set by the caller (the web layer's, for ``/sparql``) bounds
  both the wait for a slot and the query, whichever is earlier.
  A worker that dies under a query (crash, memory limit) is replaced the
  same way. Nothing says which of the calls it was running caused it, so each
  runs once more *alone* on a worker (which takes no other call meanwhile):
  the others answer, and the one that caused it fails alone
  (:class:`EngineFailed`). All three are :class:`~crm_kg.errors.Unavailable`: HTTP
  503 with ``Retry-After``. The other workers keep answering meanwhile.
* Workers are forked from a ``multiprocessing`` fork server that has imported
  the store code once, so a replacement is ready in a fraction of a second
  and never inherits the web server's threads, locks or sockets.
* Before a worker loads anything it asks to die with its parent and installs
  a seccomp filter (:mod:`.sandbox`) that refuses every IPv4/IPv6 socket (Linux x86-64 and
  arm64): a query can never reach the network, whatever the SPARQL guard
  (:mod:`crm_kg.web.guard`) missed. ``info()["pool"]["sandbox"]`` says
  whether the filter is in place. Once the graph is loaded it caps its
  address space at what it holds then plus ``memory_mb``: the limit is what
  a query may use, whatever the size of the graph (at 10M triples the graph
  alone takes over 3 GiB).

Fairness: ``reserved`` workers never answer calls of the ``"adhoc"`` lane
(:data:`LANE`; the web layer sets it for ``/sparql``), which take a slot on one
of the other, *shared* workers; shared workers run niced (``shared_nice``), so
ad-hoc queries running to their deadline neither take the workers nor the CPU
that saved queries and pages need, and a kill at an ad-hoc query's deadline
never stops a saved query running on a reserved worker. Other calls take a
reserved worker first, a shared one otherwise; among those, the one running
fewest calls. When every shared slot is taken, an ad-hoc call queues for one
until shortly before its own deadline (``least_run``: a second, or a tenth of
``timeout`` if less, left to run; a cheap query on a busy endpoint answers
late rather than not at all), but only ``lane_queue`` calls queue at once (the setting
``adhoc_queue``; by default as many as the shared workers have slots): each
holds a web thread while it waits, so past that the answer is
:class:`EngineBusy` at once and the web threads stay free for saved queries
and pages.

The pool is small on purpose: another store (a remote endpoint) is another
implementation of the same interface, another data source is another loader,
and a reload is a new pool swapped in for the old one (``close()`` ends it;
:mod:`crm_kg.store.serving`). The store a server opens is chosen by
:func:`crm_kg.store.factory.open_store`.
"""

from __future__ import annotations

import atexit
import itertools
import logging
import math
import multiprocessing
import os
import pickle
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass, field

from ..errors import EngineBusy, EngineFailed, QueryTimeout, StoreError, store_error_class
from ..sparql.results import unpack
from .sandbox import deny_network, die_with_parent, keep_arenas_few, limit_memory, release_memory

log = logging.getLogger(__name__)


OPERATIONS = frozenset({"answer", "serialize"})

#: The lane of the calls made in this context: ``"adhoc"`` for queries written by
#: clients (``/sparql``), which never run on the pool's reserved workers, so that
#: saved queries and pages always find a worker however many ad-hoc queries run to
#: their deadline. Set by the web layer (:mod:`crm_kg.web.limits`).
LANE: ContextVar[str] = ContextVar("crm_kg_lane", default="")

#: When the calls made in this context must have answered (``time.monotonic()``), or None:
#: the wait for a slot and the query share it, and a call still running then is stopped as
#: at the pool's own ``timeout``, whichever comes first. Set by the web layer for ``/sparql``
#: (:mod:`crm_kg.web.shares`), so an answer never comes later than its request's deadline.
DEADLINE: ContextVar[float | None] = ContextVar("crm_kg_deadline", default=None)


# -- inside a worker ----------------------------------------------------------------
def _worker(conn, loader, memory_mb: int, sandbox: bool, nice: int = 0, threads: int = 1) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)      # the parent handles Ctrl+C
    try:
        die_with_parent()
        if nice:
            os.nice(nice)                             # a shared worker yields the CPU to reserved ones
        if memory_mb:
            keep_arenas_few(threads)
        sandboxed = deny_network() if sandbox else False
        store = loader()
        info = store.info()
        getattr(loader, "close", lambda: None)()     # the worker's duplicate of the pinned file
        if memory_mb:
            limit_memory(memory_mb)
    except BaseException as exc:  # report any start-up failure, then end
        conn.send(("failed", str(exc) or type(exc).__name__))
        return
    conn.send(("ready", info, sandboxed))
    # Calls run on up to ``threads`` threads (started after the nice value and the seccomp
    # filter, so they inherit both): pyoxigraph evaluates without the GIL, so they share the
    # one copy of the graph this process holds and run on every core.
    send_lock, running = threading.Lock(), _Running()
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="crm-kg-call") as calls:
        while True:
            try:
                call_id, op, args, kwargs = conn.recv()
            except (EOFError, OSError):
                return
            running.start()
            calls.submit(_answer, conn, send_lock, running, store, call_id, op, args, kwargs)


class _Running:
    """Calls a worker has taken and not yet answered."""

    def __init__(self):
        self._lock, self._count = threading.Lock(), 0

    def start(self) -> None:
        with self._lock:
            self._count += 1

    def finish(self) -> bool:
        """True when this was the last: the worker is idle."""
        with self._lock:
            self._count -= 1
            return self._count == 0


def _answer(conn, send_lock, running: _Running, store, call_id: int, op: str, args, kwargs) -> None:
    """Run one call and send ``(call_id, reply)``; every failure is a reply, not a dead worker.
    The last call out trims the heap: trimming while other calls run would hand back pages
    they are about to fault in again."""
    try:
        if op not in OPERATIONS:
            raise StoreError(f"unknown operation {op!r}")
        reply = ("ok", getattr(store, op)(*args, **kwargs))
    except StoreError as exc:
        reply = ("error", type(exc).__name__, exc.args)
    except MemoryError:
        reply = ("error", "QueryEvaluationError", ("the query needs more memory than allowed",))
    except Exception as exc:  # noqa: BLE001 — an engine surprise must not kill the worker
        reply = ("error", "StoreError", (f"store error: {type(exc).__name__}: {exc}",))
    try:
        with send_lock:
            try:
                conn.send((call_id, reply))
            except (pickle.PicklingError, TypeError, AttributeError) as exc:
                conn.send((call_id, ("error", "StoreError", (f"store error: cannot return the answer ({exc})",))))
    except OSError:
        return                                        # the pool is gone; the worker ends with it
    del reply
    if running.finish():
        release_memory()


# -- in the web process ---------------------------------------------------------------
class _Call:
    """A call in flight: its reply arrives from the handle's reader thread (or its worker died)."""

    __slots__ = ("done", "reply")

    def __init__(self):
        self.done = threading.Event()
        self.reply = None


@dataclass(eq=False)
class _Handle:
    process: multiprocessing.process.BaseProcess
    conn: object
    info: dict
    sandboxed: bool
    kind: str = "shared"          # "reserved": never answers the ad-hoc lane
    running: int = 0              # calls checked out to it (at most the pool's threads)
    calls: dict = field(default_factory=dict)     # call id -> _Call awaiting its reply
    send_lock: threading.Lock = field(default_factory=threading.Lock)
    cause: str = ""               # why the pool killed it, for the other calls it was running
    draining: bool = False        # a call waits to run on it alone: it takes no new calls
    gone: threading.Event = field(default_factory=threading.Event)   # reaped by its reader


class WorkerPool:
    """The :class:`~crm_kg.store.interface.Store` interface, answered by worker processes under a deadline."""

    def __init__(self, loader, *, workers: int = 2, timeout: float = 10.0,
                 queue_timeout: float | None = None, memory_mb: int = 0, sandbox: bool = True,
                 start_timeout: float = 120.0, reserved: int = 0, lane_queue: int | None = None,
                 shared_nice: int = 5, threads: int = 1):
        if workers < 1 or threads < 1:
            raise ValueError("a pool needs at least one worker with at least one thread")
        self.reserved = max(0, min(reserved, workers - 1))
        # ad-hoc calls queue for a shared slot until their deadline, but only so many at once:
        # each holds a web thread meanwhile, and a flood must leave most of those to other pages
        self.lane_queue = (workers - self.reserved) * threads if lane_queue is None else int(lane_queue)
        self._queued = 0              # ad-hoc calls waiting for a slot now
        self.least_run = min(1.0, timeout / 10)   # s a call must have left to run when it gets a slot
        # with reserved workers, the shared ones run niced: their ad-hoc queries cannot starve
        # the reserved workers (nor the web process) of CPU
        self.shared_nice = shared_nice if self.reserved else 0
        check = getattr(loader, "check", None)
        if check is not None:
            check()
        self.loader, self.size, self.threads, self.timeout = loader, workers, threads, float(timeout)
        self.queue_timeout = float(timeout if queue_timeout is None else queue_timeout)
        self.memory_mb, self.sandbox, self.start_timeout = memory_mb, sandbox, start_timeout
        self.retry_after = max(1, math.ceil(self.timeout))
        self._ctx = multiprocessing.get_context("forkserver")
        # The fork server imports these once; a worker forked from it starts with them.
        # (Each worker still runs the main script's imports, as multiprocessing does.)
        self._ctx.set_forkserver_preload([__name__, "crm_kg.store.embedded", "crm_kg.web"])
        # one lock guards the handles, their calls and slots, and the counters; calls of the
        # saved-query lane wait for a slot on a condition of their own (see _wake)
        lock = threading.RLock()
        self._cond = threading.Condition(lock)
        self._plain = threading.Condition(lock)
        self._handles: list[_Handle] = []
        self._starting: dict[int, multiprocessing.process.BaseProcess] = {}
        self._ids = itertools.count(1)
        self._closed = False
        self.stats = {"answered": 0, "timeouts": 0, "failures": 0, "busy": 0, "restarts": 0}
        kinds = ["reserved"] * self.reserved + ["shared"] * (workers - self.reserved)
        launched = [self._launch(kind) for kind in kinds]
        handles = []
        try:
            for process, conn, kind in launched:
                handles.append(self._ready(process, conn, kind))
        except BaseException:
            for process, _, _ in launched:
                process.kill()
            getattr(loader, "close", lambda: None)()
            raise
        self._info, self._sandboxed = handles[0].info, handles[0].sandboxed
        for handle in handles:
            self._checkin(handle)
        atexit.register(self.close)

    # -- workers ----------------------------------------------------------------------
    def _launch(self, kind: str):
        parent, child = self._ctx.Pipe()
        nice = self.shared_nice if kind == "shared" else 0
        process = self._ctx.Process(target=_worker, name=f"crm-kg-query-{kind}", daemon=True,
                                    args=(child, self.loader, self.memory_mb, self.sandbox, nice,
                                          self.threads))
        process.start()
        child.close()
        with self._cond:
            self._starting[process.pid] = process
        return process, parent, kind

    def _ready(self, process, conn, kind: str) -> _Handle:
        try:
            return self._handshake(process, conn, kind)
        finally:
            with self._cond:
                self._starting.pop(process.pid, None)

    def _handshake(self, process, conn, kind: str) -> _Handle:
        if not conn.poll(self.start_timeout):
            process.kill()
            raise StoreError(f"a query worker did not start within {self.start_timeout:g} s")
        try:
            message = conn.recv()
        except (EOFError, OSError):
            process.join(1)
            raise StoreError(f"a query worker died while starting (exit code {process.exitcode})") from None
        if message[0] != "ready":
            process.join(1)
            raise StoreError(message[1])
        return _Handle(process, conn, message[1], message[2], kind=kind)

    def _checkin(self, handle: _Handle) -> None:
        """Put a started worker to work: its slots open, and a thread reads its replies."""
        with self._cond:
            self._handles.append(handle)
            self._wake()
        threading.Thread(target=self._read, args=(handle,), name="crm-kg-query-replies",
                         daemon=True).start()

    def _read(self, handle: _Handle) -> None:
        """Hand each reply to its call; when the worker's pipe closes, the worker is gone."""
        while True:
            try:
                call_id, reply = handle.conn.recv()
            except (EOFError, OSError, ValueError):
                break
            with self._cond:
                call = handle.calls.pop(call_id, None)
            if call is not None:            # else its caller gave up at the deadline
                call.reply = reply
                call.done.set()
        self._lost(handle)

    def _evict(self, handle: _Handle, cause: str = "") -> None:
        """Take a worker out of service now and kill it; its reader thread does the rest (it
        alone joins the process: two threads reading a fork-server child's exit status race)."""
        with self._cond:
            handle.cause = handle.cause or cause
            if handle in self._handles:
                self._handles.remove(handle)
        handle.process.kill()

    def _lost(self, handle: _Handle) -> None:
        """The worker died (crash, memory, killed at a deadline or from outside): fail the
        calls it was running and start a replacement in the background."""
        self._evict(handle)                       # out of service, if the pool had not taken it out
        handle.process.join(5)                    # only this thread joins it (see _evict)
        code = handle.process.exitcode
        handle.gone.set()
        with self._cond:
            calls, handle.calls = list(handle.calls.values()), {}
            self.stats["failures"] += len(calls)
            self._wake()
        cause = handle.cause or (f"signal {-code}" if code is not None and code < 0 else f"exit code {code}")
        for call in calls:
            call.reply = ("died", cause, bool(handle.cause), len(calls))
            call.done.set()
        handle.conn.close()
        if not self._closed:
            self._count("restarts")
            threading.Thread(target=self._replace, args=(handle.kind,), name="crm-kg-query-respawn",
                             daemon=True).start()

    def _replace(self, kind: str) -> None:
        for attempt in range(5):
            if self._closed:
                return
            try:
                handle = self._ready(*self._launch(kind))
            except StoreError as exc:
                if self._closed:
                    return
                log.error("query worker did not start (attempt %d): %s", attempt + 1, exc)
                time.sleep(2 ** attempt)
                continue
            if self._closed:
                handle.process.kill()
                return
            self._checkin(handle)
            return

    # -- calls ------------------------------------------------------------------------
    def _call(self, op: str, *args, **kwargs):
        reply = self._run(op, args, kwargs, alone=False)
        if reply[0] == "died" and reply[2]:
            # stopped because another call on its worker ran past its deadline: not its fault,
            # so it runs once more (a replacement is starting), within its own deadline
            reply = self._run(op, args, kwargs, alone=False)
        if reply[0] == "died" and not reply[2] and reply[3] > 1:
            # A worker died under several calls (out of memory, a crash): one of them caused it,
            # and nothing says which. Each runs once more, alone on a worker: the one that caused
            # it fails alone this time; the others answer.
            reply = self._run(op, args, kwargs, alone=True)
        if reply[0] == "died" and reply[2]:
            raise EngineFailed(f"the query was stopped with its worker: {reply[1]}; try again",
                               self.retry_after)
        if reply[0] == "died":
            raise EngineFailed(f"the query engine stopped while answering ({reply[1]}); the query is "
                               "probably too large, too deeply chained or too memory-hungry",
                               self.retry_after)
        self._count("answered")
        if reply[0] == "ok":
            return reply[1]
        raise store_error_class(reply[1])(*reply[2])

    def _run(self, op: str, args, kwargs, alone: bool):
        """Send one call to a worker (``alone``: one running nothing else, and taking nothing else
        meanwhile) and return its reply."""
        if self._closed:
            raise StoreError("the query pool is closed")
        adhoc = LANE.get() == "adhoc"
        for _ in range(self.size + 1):
            handle = self._checkout(adhoc, alone)
            call, call_id = _Call(), next(self._ids)
            with self._cond:
                handle.calls[call_id] = call
            try:
                with handle.send_lock:
                    handle.conn.send((call_id, op, args, kwargs))
            except (OSError, ValueError):       # died while idle (OOM killer…): not this query's fault
                with self._cond:
                    handle.calls.pop(call_id, None)
                self._release(handle, alone)
                self._evict(handle)               # its reader thread replaces it
                continue
            break
        else:
            raise EngineFailed("the query workers are restarting; try again shortly", self.retry_after)
        try:
            return self._wait(handle, call, call_id)
        finally:
            self._release(handle, alone)

    def _wait(self, handle: _Handle, call: _Call, call_id: int):
        """The call's reply, or :class:`QueryTimeout` (and the worker killed) at the deadline."""
        timeout, due = self.timeout, DEADLINE.get()
        if due is not None:
            timeout = max(0.0, min(timeout, due - time.monotonic()))
        if not call.done.wait(timeout):
            with self._cond:
                late = handle.calls.pop(call_id, None) is not None
                if late:
                    self.stats["timeouts"] += 1
            if late:                              # the query stops for real; the reader replaces it
                self._evict(handle, "another query on its worker ran past the time limit")
                handle.gone.wait(5 if due is None else 0.5)   # its memory is freed before the answer
                raise QueryTimeout(f"the query was stopped after {self.timeout:g} s, the time limit of "
                                   "this endpoint; narrow it down (LIMIT, more specific patterns)",
                                   self.retry_after)
            call.done.wait()                      # answered as the deadline passed: take it
        return call.reply

    def _checkout(self, adhoc: bool, alone: bool = False) -> _Handle:
        """A worker with a free slot, its slot taken: a reserved one first unless ``adhoc``
        (which may use shared ones only); among those, the least busy. ``alone``: every slot of
        an idle worker; if none is idle, the least busy one drains (takes no new call) for it."""
        wait, queued = self.queue_timeout, False
        due = DEADLINE.get()
        if due is not None:
            # a call that would get less than a moment to run is not sent at all: it would only
            # take a slot and its worker would be killed at once, its neighbours with it
            wait = max(0.0, min(wait, due - time.monotonic() - self.least_run))
        deadline = time.monotonic() + wait
        kinds = ("shared",) if adhoc else ("reserved", "shared")
        draining = None
        with self._cond:
            try:
                while True:
                    for kind in kinds:
                        mine = [h for h in self._handles if h.kind == kind]
                        if alone:
                            idle = [h for h in mine if h.running == 0 and (h is draining or not h.draining)]
                            if idle:
                                handle = draining if draining in idle else idle[0]
                                handle.running, handle.draining, draining = self.threads, True, None
                                return handle
                            continue
                        open_ = [h for h in mine if h.running < self.threads and not h.draining]
                        if open_:
                            handle = min(open_, key=lambda h: h.running)
                            handle.running += 1
                            return handle
                    if alone and draining is None:
                        busy = [h for h in self._handles if h.kind in kinds and not h.draining]
                        if busy:
                            draining = min(busy, key=lambda h: h.running)
                            draining.draining = True
                    remaining = deadline - time.monotonic()
                    if remaining <= 0 and due is not None and not any(h.kind in kinds for h in self._handles):
                        # no worker of its kind is up, one is starting (after a deadline, a crash):
                        # wait for it until the call's own deadline rather than answer 503 now
                        deadline = max(deadline, due - self.least_run)
                        remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    if adhoc and self.reserved and not alone and not queued:
                        if self._queued >= self.lane_queue:     # the queue is full: no thread held
                            self.stats["busy"] += 1
                            raise EngineBusy(
                                f"the {self.size - self.reserved} query worker(s) open to ad-hoc SPARQL "
                                f"are busy and {self._queued} more queries are waiting for them; try "
                                "again shortly", self.retry_after)
                        self._queued, queued = self._queued + 1, True
                    (self._cond if adhoc or alone else self._plain).wait(remaining)
                self.stats["busy"] += 1
            finally:
                if queued:
                    self._queued -= 1
                if draining is not None:          # not taken after all: it takes calls again
                    draining.draining = False
                    self._wake()
        which = (f"the {self.size - self.reserved} query worker(s) open to ad-hoc SPARQL"
                 if adhoc and self.reserved else "every query worker")
        raise EngineBusy(f"{which} stayed busy for {wait:.3g} s; try again shortly", self.retry_after)

    def _release(self, handle: _Handle, alone: bool = False) -> None:
        with self._cond:
            if alone:
                handle.running, handle.draining = 0, False
                self._wake()
            else:
                handle.running -= 1
                self._wake(1)

    def _wake(self, slots: int | None = None) -> None:
        """Tell the calls waiting for a slot that ``slots`` opened (None: any number, or a
        worker came or went). Calls of the saved-query lane, which any worker's slot serves,
        wait on a condition of their own and only ``slots`` of them are woken: waking every
        one for each slot cost the web process some 15 context switches a request when
        twice as many requests as slots came in (issue 26). A woken call that finds the slot
        taken waits again; the slot's next release wakes the next. Ad-hoc calls (shared
        workers only, at most ``lane_queue`` of them) and calls that must run alone check
        other conditions, so they are all woken, as before. Called with the lock held."""
        self._cond.notify_all()
        if slots is None:
            self._plain.notify_all()
        else:
            self._plain.notify(slots)

    def _count(self, what: str) -> None:
        with self._cond:
            self.stats[what] += 1

    def query(self, sparql, bindings=None, limit=None, dataset=None):
        return unpack(self._call("answer", sparql, bindings, limit, dataset))

    def serialize(self, sparql, media_type, bindings=None, limit=None, dataset=None):
        return self._call("serialize", sparql, media_type, bindings, limit, dataset)

    # -- what the store holds (the same in every worker; read once) ----------------------
    def graphs(self) -> list[str]:
        return list(self._info.get("graphs", []))

    @property
    def version(self) -> str:
        return self._info.get("version", "unbuilt")

    def __len__(self) -> int:
        return int(self._info.get("triples", 0))

    def pids(self) -> list[int]:
        """Process ids of the workers that are up (for health checks and tests)."""
        with self._cond:
            return sorted(h.process.pid for h in self._handles)

    def info(self) -> dict:
        info = dict(self._info)
        with self._cond:
            stats, alive = dict(self.stats), len(self._handles)
            idle = sum(1 for h in self._handles if h.running == 0)
            running = sum(h.running for h in self._handles)
        info["pool"] = {"workers": self.size, "threads": self.threads, "alive": alive, "idle": idle,
                        "running": running, "reserved": self.reserved, "timeout": self.timeout,
                        "memory_mb": self.memory_mb, "sandbox": self._sandboxed, **stats}
        return info

    def ready(self) -> tuple[bool, str]:
        """(True, "") when a worker is up to answer; else (False, why). A worker that died is
        taken out by its reply reader at once and replaced (:meth:`_lost`); asking the process
        here instead would read its exit status beside that reader (see :meth:`_evict`)."""
        if self._closed:
            return False, "the query pool is closed"
        with self._cond:
            alive = len(self._handles)
        return (True, "") if alive else (False, "no query worker is up (all are restarting)")

    def close(self) -> None:
        """Stop every worker; later calls fail with :class:`~crm_kg.errors.StoreError`."""
        if self._closed:
            return
        self._closed = True
        getattr(self.loader, "close", lambda: None)()
        with self._cond:
            handles, starting = list(self._handles), list(self._starting.values())
            self._starting = {}
        for process in [h.process for h in handles] + starting:
            process.kill()
        for handle in handles:
            handle.gone.wait(5)                   # reaped by its reader thread
        for process in starting:
            process.join(5)

    def __enter__(self) -> "WorkerPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
