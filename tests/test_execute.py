"""The query pool: same answers as the embedded store, deadlines that really stop queries,
crashes and memory blow-ups contained, no network from a worker."""

from __future__ import annotations

import os
import threading
import time

import pytest
from rdflib import Literal

from crm_kg.errors import (
    EngineBusy,
    EngineFailed,
    QueryEvaluationError,
    QuerySyntaxError,
    QueryTimeout,
    StoreError,
)
from crm_kg.store.embedded import DirectoryLoader
from crm_kg.store.interface import Dataset
from crm_kg.store.pool import WorkerPool

EXPENSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
ZH = "https://w3id.org/crm-kg/graph/zh-2024"


def wait_for(condition, seconds=30.0):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_same_answers_as_the_embedded_store(pool, store):
    for query in (COUNT, "SELECT ?o WHERE { ?o a <https://w3id.org/crm-kg/ontology#Opportunity> } ORDER BY ?o",
                  "ASK { ?s a <https://w3id.org/crm-kg/ontology#Recommendation> }",
                  "CONSTRUCT WHERE { ?o a <https://w3id.org/crm-kg/ontology#Opportunity> }"):
        assert pool.query(query) == store.query(query)
    dataset = Dataset(default=(ZH,))
    assert pool.query(COUNT, dataset=dataset) == store.query(COUNT, dataset=dataset)
    assert pool.serialize(COUNT, "text/csv") == store.serialize(COUNT, "text/csv")
    assert pool.graphs() == store.graphs() and len(pool) == len(store)
    assert pool.version == store.version


def test_a_repeated_term_is_one_object_on_both_sides_of_the_pipe(pool, store):
    """An answer holds one rdflib object per distinct term (results.read_tsv), so pickle writes
    a term once; the answer is still equal, term for term, after the pipe."""
    query = ("SELECT ?s ?type (LANG(?label) AS ?lang) WHERE { ?s a ?type ; "
             "<http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?s ?type ?label")
    for answer in (store.query(query), pool.query(query)):
        for column in ("type", "lang"):
            values = [row[column] for row in answer.rows]
            assert len(values) > 10 * len(set(values))            # the test needs repeats
            assert len({id(v) for v in values}) == len(set(values))
    assert pool.query(query) == store.query(query)
    assert all(isinstance(row["lang"], Literal) and str(row["lang"]) in ("en", "nl", "")
               for row in store.query(query).rows)


def test_errors_come_back_typed(pool):
    with pytest.raises(QuerySyntaxError, match="1:25"):
        pool.query("SELECT * WHERE { ?s ?p }")
    assert pool.query("ASK { ?s ?p ?o }").boolean is True     # the worker is still there


def test_deadline_stops_the_query_and_others_are_served(pool):
    assert wait_for(lambda: len(pool.pids()) == 2)     # both workers up (earlier tests kill some)
    before = set(pool.pids())
    outcome = {}

    def expensive():
        try:
            pool.query(EXPENSIVE)
        except QueryTimeout as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=expensive)
    thread.start()
    assert wait_for(lambda: pool.info()["pool"]["idle"] == 1, 5)     # the expensive one is running
    cheap = pool.query(COUNT)                                          # served by the other worker
    assert thread.is_alive(), "the cheap query waited for the expensive one"
    assert int(cheap.rows[0]["n"]) == len(pool)
    thread.join(30)
    exc = outcome["error"]
    assert "stopped after 1.5 s" in str(exc) and exc.retry_after == 2
    killed = before - set(pool.pids())
    assert len(killed) == 1, "the worker that ran the query was not replaced"
    pid = killed.pop()
    with pytest.raises(ProcessLookupError):                            # stopped for real, not abandoned
        os.kill(pid, 0)
    assert wait_for(lambda: len(pool.pids()) == 2)                     # and replaced
    assert pool.query("ASK { ?s ?p ?o }").boolean is True


def test_a_crash_is_contained(pool):
    """~10,000 chained operators overflow pyoxigraph's stack: the worker dies, not the server."""
    with pytest.raises(EngineFailed, match="signal"):
        pool.query("SELECT * WHERE { FILTER(" + "!" * 20000 + "true) }")
    assert pool.query("ASK { ?s ?p ?o }").boolean is True
    assert wait_for(lambda: len(pool.pids()) == 2)


def test_workers_cannot_reach_the_network(pool, listener):
    """Even a SERVICE that got past the guard (here: sent to the pool directly) reaches nothing."""
    if not pool.info()["pool"]["sandbox"]:
        pytest.skip("seccomp is not available on this machine")
    with pytest.raises(QueryEvaluationError, match="denied"):
        pool.query(f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}")
    assert listener.untouched()


def test_a_worker_runs_calls_side_by_side_on_one_graph(built):
    """threads: one worker process (one copy of the graph) answers a cheap query while an
    expensive one runs; at the deadline the worker is replaced, and a call that shared it
    runs once more on the replacement."""
    build_settings, _ = built
    with WorkerPool(DirectoryLoader(build_settings.ttl_dir), workers=1, threads=2, timeout=1.5,
                    queue_timeout=5) as pool:
        (pid,) = pool.pids()
        outcome: dict = {}

        def run(key):
            try:
                pool.query(EXPENSIVE)
            except (QueryTimeout, EngineFailed) as exc:
                outcome[key] = exc

        first = threading.Thread(target=run, args=("first",))
        first.start()
        assert wait_for(lambda: pool.info()["pool"]["running"] == 1, 5)
        cheap = pool.query(COUNT)                                  # the same worker, meanwhile
        assert int(cheap.rows[0]["n"]) == len(pool) and first.is_alive()
        assert pool.pids() == [pid] and pool.info()["pool"]["threads"] == 2
        time.sleep(0.5)
        second = threading.Thread(target=run, args=("second",))
        second.start()
        first.join(30)
        second.join(30)
        assert isinstance(outcome["first"], QueryTimeout)
        # the second was stopped with the first's worker, not by its own fault: it ran once more,
        # on the replacement, and was stopped at its own deadline there
        assert isinstance(outcome["second"], QueryTimeout)
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
        assert wait_for(lambda: len(pool.pids()) == 1 and pool.pids() != [pid])
        stats = pool.info()["pool"]
        assert (stats["timeouts"], stats["failures"], stats["restarts"]) == (2, 1, 2)
        assert pool.query("ASK { ?s ?p ?o }").boolean is True


def test_busy_pool_answers_busy(built):
    build_settings, _ = built
    with WorkerPool(DirectoryLoader(build_settings.ttl_dir), workers=1, timeout=3,
                    queue_timeout=0.2) as single:
        thread = threading.Thread(target=lambda: pytest.raises(QueryTimeout, single.query, EXPENSIVE))
        thread.start()
        assert wait_for(lambda: single.info()["pool"]["idle"] == 0, 5)
        with pytest.raises(EngineBusy, match="busy") as caught:
            single.query(COUNT)
        assert caught.value.retry_after == 3
        thread.join(30)
        assert single.info()["pool"]["busy"] == 1


def test_an_adhoc_query_queues_for_a_slot_until_its_deadline(built):
    """/sparql queries (the ad-hoc lane) wait for a shared worker's slot within their own
    deadline, not a fixed second (the soak's 503s on a loaded machine); only ``lane_queue`` of
    them wait at once (each holds a web thread), the next is told busy at once."""
    from crm_kg.store.pool import DEADLINE, LANE

    build_settings, _ = built
    with WorkerPool(DirectoryLoader(build_settings.ttl_dir), workers=2, reserved=1, threads=1,
                    timeout=1.5, queue_timeout=5, lane_queue=1) as pool:   # served: both 10 s
        outcome: dict = {}

        def adhoc(key, query, seconds):
            LANE.set("adhoc")
            DEADLINE.set(time.monotonic() + seconds)
            started = time.monotonic()
            try:
                outcome[key] = (int(pool.query(query).rows[0]["n"]), time.monotonic() - started)
            except (QueryTimeout, EngineFailed, EngineBusy) as exc:
                outcome[key] = (exc, time.monotonic() - started)

        heavy = threading.Thread(target=adhoc, args=("heavy", EXPENSIVE, 10))
        heavy.start()                                   # the one shared slot, for 1.5 s
        assert wait_for(lambda: pool.info()["pool"]["running"] == 1, 5)
        queued = threading.Thread(target=adhoc, args=("queued", COUNT, 6))
        queued.start()
        assert wait_for(lambda: pool._queued == 1, 5)
        third = threading.Thread(target=adhoc, args=("third", COUNT, 6))
        third.start()                                   # the queue (1) is full: busy, at once
        third.join(5)
        assert isinstance(outcome["third"][0], EngineBusy) and outcome["third"][1] < 0.5, outcome
        assert "more queries are waiting" in str(outcome["third"][0])
        assert pool.query(COUNT).rows[0]["n"].toPython() == len(pool)   # the reserved worker answers
        for thread in (heavy, queued):
            thread.join(30)
        assert isinstance(outcome["heavy"][0], QueryTimeout)
        # it waited past the heavy query's deadline (more than the old second) and answered
        assert outcome["queued"][0] == len(pool) and outcome["queued"][1] > 1.0, outcome
        assert pool._queued == 0


def test_memory_limit_contains_a_hungry_query(built):
    build_settings, _ = built
    with WorkerPool(DirectoryLoader(build_settings.ttl_dir), workers=1, timeout=60,
                    memory_mb=400) as small:
        with pytest.raises(EngineFailed):
            small.query("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?a ?d", limit=5)
        assert small.query("SELECT (1 AS ?x) WHERE {}").rows == [{"x": Literal(1)}]


def _address_space(pid: int) -> tuple[int, int]:
    """(soft RLIMIT_AS, VmSize) of a process, in bytes."""
    with open(f"/proc/{pid}/limits") as limits:
        soft = next(int(line.split()[3]) for line in limits if line.startswith("Max address space"))
    with open(f"/proc/{pid}/status") as status:
        size = next(int(line.split()[1]) for line in status if line.startswith("VmSize")) * 1024
    return soft, size


def test_memory_limit_counts_from_the_loaded_graph(built):
    """memory_mb is what a query may use beyond the graph: a limit far below what the worker
    needs to load the graph (Python, pyoxigraph, the store) still lets it start and answer."""
    build_settings, _ = built
    with WorkerPool(DirectoryLoader(build_settings.ttl_dir), workers=1, timeout=60,
                    memory_mb=32) as small:
        soft, size = _address_space(small.pids()[0])
        assert size > 32 * 2**20                        # the worker alone holds more than the limit
        assert abs(soft - 32 * 2**20 - size) < 8 * 2**20
        assert small.query("SELECT (1 AS ?x) WHERE {}").rows == [{"x": Literal(1)}]
        assert small.info()["pool"]["memory_mb"] == 32


def test_pool_refuses_a_missing_graph_early(tmp_path):
    with pytest.raises(StoreError, match="no built graph"):
        WorkerPool(DirectoryLoader(tmp_path), workers=1)


def test_closed_pool_refuses(built):
    build_settings, _ = built
    single = WorkerPool(DirectoryLoader(build_settings.ttl_dir), workers=1)
    pids = single.pids()
    single.close()
    with pytest.raises(StoreError, match="closed"):
        single.query(COUNT)
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_unguarded_pyoxigraph_does_fetch(store, listener):
    """Why the guard and the sandbox exist: in-process, unchecked, pyoxigraph calls the service
    (and this is what the listener in the other tests would see)."""
    with pytest.raises(QueryEvaluationError):
        store.query(f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}")
    assert not listener.untouched()
    assert listener.received[0].startswith(b"POST /sparql")


def test_a_worker_that_died_while_idle_is_replaced_without_failing_a_query(built):
    import signal

    build_settings, _ = built
    with WorkerPool(DirectoryLoader(build_settings.ttl_dir), workers=1) as single:
        (pid,) = single.pids()
        os.kill(pid, signal.SIGKILL)                    # as the kernel's OOM killer would
        assert wait_for(lambda: not os.path.exists(f"/proc/{pid}/cmdline") or
                        open(f"/proc/{pid}/stat").read().split()[2] == "Z", 5)
        assert single.query(COUNT).rows[0]["n"] == Literal(len(single))
        assert single.info()["pool"]["restarts"] == 1 and single.pids() != [pid]


def test_a_worker_slower_to_start_than_allowed_is_a_clear_error(built, monkeypatch):
    """query_start_timeout (CRM_KG_QUERY_START_TIMEOUT) bounds how long the pool waits for a
    worker to load the graph: a large graph needs more than the default, a stuck one gets a
    clear error rather than a server that never comes up."""
    from crm_kg.config import load_settings
    from crm_kg.store.factory import open_store

    build_settings, _ = built
    monkeypatch.setenv("CRM_KG_QUERY_START_TIMEOUT", "0.001")
    settings = load_settings(ttl_dir=build_settings.ttl_dir, query_workers=1, reserved_workers=0)
    assert settings.query_start_timeout == 0.001
    with pytest.raises(StoreError, match="did not start within 0.001 s"):
        open_store(settings)
    monkeypatch.setenv("CRM_KG_QUERY_START_TIMEOUT", "60")
    pool = open_store(load_settings(ttl_dir=build_settings.ttl_dir, query_workers=1, reserved_workers=0))
    try:
        assert pool.start_timeout == 60 and pool.query(COUNT).rows[0]["n"].toPython() > 1000
    finally:
        pool.close()


def _resident_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) / 1024


def test_a_worker_gives_back_the_memory_an_answer_needed(built):
    """execute._release_memory: a query whose DISTINCT count holds some 100 MB leaves the
    worker's resident memory where it was once the worker is idle, not 100 MB higher for
    the worker's lifetime."""
    numbers = " ".join(str(i) for i in range(20))
    heavy = (f"SELECT (COUNT(DISTINCT ?k) AS ?n) WHERE {{ ?s ?p ?o . VALUES ?i {{ {numbers} }} "
             "BIND(CONCAT(STR(?s), STR(?p), STR(?o), STR(?i)) AS ?k) }")
    build_settings, _ = built
    with WorkerPool(DirectoryLoader(build_settings.ttl_dir), workers=1, timeout=60,
                    memory_mb=2048) as pool:
        pid = pool.pids()[0]
        before = _resident_mb(pid)
        count = pool.query(COUNT).rows[0]["n"].toPython()
        assert pool.query(heavy).rows[0]["n"].toPython() > 15 * count       # 600,000 keys held
        assert pool.query("ASK { ?s ?p ?o }").boolean is True    # the worker has replied since
        # the worker trims after its last running call has replied: soon after, not before
        assert wait_for(lambda: _resident_mb(pid) < before + 30, 5), _resident_mb(pid)


def test_the_c_library_is_opened_once_for_every_trim(monkeypatch):
    """sandbox.release_memory runs after every idle reply: it trims through a C library
    opened once per process, not once per call (dlopen cost a worker as much as the trim)."""
    from crm_kg.store import sandbox

    opened, trims = [], []

    class Libc:
        def malloc_trim(self, pad):
            trims.append(pad)
            return 1

    monkeypatch.setattr(sandbox.ctypes, "CDLL", lambda *a, **k: opened.append(a) or Libc())
    sandbox._libc.cache_clear()
    try:
        for _ in range(3):
            sandbox.release_memory()
        assert opened == [(None,)] and trims == [0, 0, 0]
    finally:
        sandbox._libc.cache_clear()


def test_a_freed_slot_wakes_one_waiting_saved_query_and_every_call_is_answered(built):
    """Calls of the saved-query lane wait for a slot on a condition of their own, and a
    released slot wakes one of them, not all (pool._wake): with 12 callers on 2 slots the
    waiting calls are woken about once per answer, not once per waiting call per answer;
    ad-hoc calls waiting beside them are answered too, and no call is told busy."""
    from crm_kg.store.pool import LANE

    build_settings, _ = built
    with WorkerPool(DirectoryLoader(build_settings.ttl_dir), workers=2, reserved=1, threads=1,
                    timeout=30, queue_timeout=25, lane_queue=8) as pool:
        woken = []

        class Counting(threading.Condition):
            def wait(self, timeout=None):
                result = super().wait(timeout)
                woken.append(1)
                return result

        pool._plain = Counting(pool._cond._lock)
        outcome: dict = {}
        query = "SELECT (COUNT(*) AS ?n) WHERE { ?s a ?type }"
        expected = pool.query(query).rows[0]["n"]

        def caller(key, lane):
            LANE.set(lane)
            try:
                outcome[key] = [pool.query(query).rows[0]["n"] for _ in range(6)]
            except Exception as exc:  # noqa: BLE001 — reported below
                outcome[key] = exc

        threads = [threading.Thread(target=caller, args=(i, "adhoc" if i % 4 == 0 else ""))
                   for i in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert outcome == {i: [expected] * 6 for i in range(12)}
        plain_answers = 6 * sum(1 for i in range(12) if i % 4)
        assert 0 < len(woken) <= plain_answers * 2, (len(woken), plain_answers)
        assert pool.info()["pool"]["busy"] == 0 and pool.info()["pool"]["running"] == 0
