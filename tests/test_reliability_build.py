"""Atomic build: data/ttl is always one whole, servable graph — whenever a build is killed,
and untouched when validation fails (crm_kg.pipeline.publish)."""

from __future__ import annotations

import pickle
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import synthetic
from conftest import ROOT

from crm_kg.config import Settings
from crm_kg.pipeline.publish import publish
from crm_kg.pipeline.stages import run_build
from crm_kg.store.embedded import EmbeddedStore
from crm_kg.store.snapshot import verify_directory

OPPORTUNITIES = ("SELECT ?o WHERE { ?o a <https://w3id.org/crm-kg/ontology#Opportunity> ; "
                 "<https://w3id.org/crm-kg/ontology#inReport> <https://w3id.org/crm-kg/id/report/nhfl-2025> }")


def whole_build(target: Path) -> str:
    """Which build ``target`` holds ("A", "B"… or "real"), after checking it is whole and servable."""
    manifest = verify_directory(target)                 # every file against the manifest
    store = EmbeddedStore.from_directory(target)        # loads, counts match the manifest
    label = manifest.get("inputs", {}).get("synthetic")
    if label is None:
        assert len(store.query(OPPORTUNITIES).rows) == 5
        return "real"
    rows = store.query(synthetic.ITEMS).rows
    assert {str(r["build"]) for r in rows} == {label} and len(rows) == synthetic.SIZES[label]
    return label


def leftovers(target: Path) -> list[str]:
    return sorted(p.name for p in target.parent.glob(f".{target.name}.*")
                  if not p.name.endswith((".lock", ".run")))


def snapshot_of(directory: Path) -> dict:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(directory.iterdir())}


LOOP = """
import pickle, sys
from pathlib import Path
from crm_kg.pipeline.publish import publish
versions = pickle.loads(Path(sys.argv[1]).read_bytes())
target, first = Path(sys.argv[2]), int(sys.argv[3])
versions = versions[first:] + versions[:first]
print("go", flush=True)
while True:
    for files in versions:
        publish(files, target)
"""


def test_killed_at_random_moments_of_writing_the_previous_graph_stays_whole(tmp_path):
    """A process rewriting the graph over and over (a large build, then a small one) is
    SIGKILLed at seeded random moments: every time, the target is one whole graph.

    The moments are spread over one measured publish cycle (writing, the read-back check
    and the swap of both versions: the read-back makes the cycle's length depend on the
    machine), and the children alternate which version they write first, so the kills
    land both before and after swaps. The real command is killed in the slow test below."""
    target = tmp_path / "ttl"
    versions = [synthetic.files("L"), synthetic.files("B")]
    started = time.monotonic()
    for files in versions:
        publish(files, tmp_path / "timed")
    cycle = time.monotonic() - started
    publish(synthetic.files("A"), target)
    job = tmp_path / "versions.pickle"
    job.write_bytes(pickle.dumps(versions))
    rng = random.Random(20251122)
    seen = []
    for kill in range(6):
        child = subprocess.Popen([sys.executable, "-c", LOOP, str(job), str(target), str(kill % 2)],
                                 cwd=ROOT, stdout=subprocess.PIPE, text=True)
        assert child.stdout.readline().strip() == "go"
        time.sleep(rng.uniform(0.0, cycle))
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        assert child.returncode == -signal.SIGKILL
        seen.append(whole_build(target))                  # whole and servable, every time
        assert target.is_dir() and not (target / ".partial").exists()
    assert set(seen) <= {"A", "B", "L"}
    assert len(set(seen)) >= 2, f"the kills all landed in one state: {seen} (cycle {cycle:.1f} s)"
    publish(synthetic.files("C"), target)                 # the next build cleans up after them
    assert whole_build(target) == "C" and leftovers(target) == []


STEPS = """
import os, pickle, shutil, signal, sys
from pathlib import Path
import crm_kg.pipeline.publish as publish
import crm_kg.store  # noqa: F401  (imported once here, before the forks)

files, target, exchange = pickle.loads(Path(sys.argv[1]).read_bytes())


def attempt(crash_at, report):
    count = [0]

    def step(name, real):
        def wrapped(*args, **kwargs):
            count[0] += 1
            if count[0] == crash_at:
                os.write(report, name.encode())
                os.kill(os.getpid(), signal.SIGKILL)
            return real(*args, **kwargs)
        return wrapped

    if not exchange:        # a file system without RENAME_EXCHANGE: two renames and recovery
        def cannot(a, b):
            raise publish.ExchangeUnsupported(22, "simulated")
        publish._exchange = cannot
    for name in ("write", "fsync", "rename", "chmod"):
        setattr(os, name, step(name, getattr(os, name)))
    shutil.rmtree = step("rmtree", shutil.rmtree)
    publish._exchange = step("exchange", publish._exchange)
    publish.check_servable = step("check", publish.check_servable)
    publish.publish(files, Path(target))


for line in sys.stdin:          # one crash point per line; each attempt in a fresh fork
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            attempt(int(line), write)
        finally:
            os._exit(0)
    os.close(write)
    _, status = os.waitpid(pid, 0)
    step = os.read(read, 100).decode()
    os.close(read)
    killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    print(("killed " + step) if killed else "done", flush=True)
"""


@pytest.mark.parametrize("exchange", [True, False], ids=["rename-exchange", "two-renames"])
def test_killed_before_every_step_of_the_swap(tmp_path, exchange):
    """Every file-system step of publishing build B over build A, in turn, is where the build
    dies (SIGKILL): before the swap A is there, after it B, never a half — and with two
    renames, a missing target is recovered by the server that opens it."""
    target = tmp_path / "ttl"
    job = tmp_path / "job.pickle"
    job.write_bytes(pickle.dumps((synthetic.files("B"), str(target), exchange)))
    files_a, files_c = synthetic.files("A"), synthetic.files("C")
    child = subprocess.Popen([sys.executable, "-c", STEPS, str(job)], cwd=ROOT, text=True,
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    died_at = []
    try:
        for crash_at in range(1, 80):
            shutil.rmtree(target, ignore_errors=True)
            publish(files_a, target)
            assert leftovers(target) == []
            child.stdin.write(f"{crash_at}\n")
            child.stdin.flush()
            outcome = child.stdout.readline().split()
            if outcome == ["done"]:
                assert whole_build(target) == "B" and leftovers(target) == []
                break
            assert outcome[0] == "killed", outcome
            died_at.append(outcome[1])
            done = died_at[:-1]                # the steps that ran before this one
            swapped = "exchange" in done if exchange else done.count("rename") >= 2
            label = whole_build(target)        # (recovers a set-aside graph when the target is missing)
            assert label == ("B" if swapped else "A"), (crash_at, " ".join(died_at))
            publish(files_c, target)           # the next build clears what was left
            assert whole_build(target) == "C" and leftovers(target) == []
        else:
            pytest.fail("the publish never finished")
    finally:
        child.stdin.close()
        child.wait(10)
    assert {"write", "fsync", "check", "rmtree"} <= set(died_at)
    assert ("exchange" in died_at) if exchange else died_at.count("rename") == 3


@pytest.mark.slow
def test_crm_kg_build_killed_while_writing_leaves_the_previous_graph(tmp_path):
    """The real command, SIGKILLed at a seeded random moment after it starts writing
    (without validation, which comes before writing and is not what is tested here)."""
    target = tmp_path / "ttl"
    publish(synthetic.files("A"), target)
    before = snapshot_of(target)
    rng = random.Random(11)
    build = subprocess.Popen([sys.executable, "-m", "crm_kg.cli", "build", "--no-validate", "--ttl-dir", str(target)],
                             cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 180
        while not list(tmp_path.glob(".ttl.new-*")):
            assert build.poll() is None, build.stderr.read().decode()
            assert time.monotonic() < deadline, "the build never started writing"
            time.sleep(0.002)
        time.sleep(rng.uniform(0.0, 0.25))
    finally:
        build.kill()
        build.wait(10)
    label = whole_build(target)
    assert label in ("A", "real")
    if label == "A":
        assert snapshot_of(target) == before              # not a byte touched


def test_a_build_whose_validation_fails_changes_nothing(settings, tmp_path):
    """An extra shape no build can meet: the report fails, and the previous graph is as it was
    — the writer never ran (no staging directory, not even its lock file)."""
    root = tmp_path / "root"
    shutil.copytree(settings.ontology_dir, root / "ontology")
    (root / "ontology" / "shapes" / "zz-impossible.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix crm: <https://w3id.org/crm-kg/ontology#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "<urn:test:no-labels> a sh:NodeShape ; sh:targetClass crm:Recommendation ;\n"
        "  sh:property [ sh:path rdfs:label ; sh:maxCount 0 ] .\n", encoding="utf-8")
    for name in ("data", "queries"):
        (root / name).symlink_to(settings.root / name)
    target = tmp_path / "ttl"
    publish(synthetic.files("A"), target)
    (tmp_path / ".ttl.lock").unlink()
    before = snapshot_of(target)
    inode = target.stat().st_ino
    _, report = run_build(Settings(root=root, sources=settings.sources, ttl_dir=target))
    assert report is not None and not report.conforms
    assert any(f.rule == "urn:test:no-labels" or f.path == "rdfs:label" for f in report.violations), report.violations
    assert snapshot_of(target) == before and target.stat().st_ino == inode
    assert sorted(p.name for p in tmp_path.iterdir()) == ["root", "ttl"]
