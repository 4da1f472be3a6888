"""Build and validation times: ``crm-kg build`` from the sources, SHACL at each size.

* build — ``crm-kg build --ttl-dir TMP`` (sources → RDF → SHACL → files),
  the real graph, in a temporary directory; the committed ``data/ttl`` is
  not touched.
* SHACL — ``crm-kg validate --no-owl --input crm-kg.nq`` (the gate over the
  union of the graphs, :mod:`crm_kg.quality.validate`) on a synthetic graph, stopped
  at ``timeout`` and reported as such; the sparql engine alone (read + shapes +
  checks, :func:`sparql_time`) and rudof alone (:func:`rudof_time`) beside it.

Load times into the stores are measured where the stores are opened
(:mod:`benchmarks.latency`: the embedded worker, ``crm-kg load`` into Virtuoso,
rdflib's parser) and server start and memory in :mod:`benchmarks.http`.
Run alone: ``python -m benchmarks.load [--ttl-dir DIR]``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import BIN, ROOT


def timed_command(args: list[str], timeout: float) -> tuple[float | None, str]:
    """Seconds a command took (None past ``timeout``) and its last output line."""
    start = time.perf_counter()
    try:
        done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, f"stopped after {timeout:g} s"
    seconds = time.perf_counter() - start
    lines = (done.stdout + done.stderr).strip().splitlines()
    last = lines[-1] if lines else ""
    if done.returncode not in (0, 1):           # validate: 1 = violations found, still timed
        return None, f"exit code {done.returncode}: {last[:200]}"
    return seconds, last[:200]


def build_time(timeout: float = 900) -> tuple[float | None, str]:
    with tempfile.TemporaryDirectory(prefix="crm-kg-bench-build-") as out:
        return timed_command([str(BIN / "crm-kg"), "build", "--ttl-dir", out], timeout)


def shacl_time(ttl_dir: Path, timeout: float = 600) -> tuple[float | None, str]:
    return timed_command([str(BIN / "crm-kg"), "validate", "--no-owl", "--input",
                          str(Path(ttl_dir) / "crm-kg.nq")], timeout)


def rudof_time(ttl_dir: Path, timeout: float = 600) -> tuple[float | None, str]:
    """rudof (pyrudof) over the union of ``crm-kg.nq`` with the project's shapes, in a child
    process stopped at ``timeout``: reading the N-Quads and validating, with its verdict."""
    return timed_command([sys.executable, "-m", "benchmarks.validate", "--rudof-only",
                          str(Path(ttl_dir) / "crm-kg.nq")], timeout)


def sparql_time(ttl_dir: Path, timeout: float = 600) -> tuple[float | None, str]:
    """The sparql engine (the shapes compiled to SPARQL, then the SPARQL checks) over the union
    of ``crm-kg.nq``, in a child process stopped at ``timeout``: reading the N-Quads into
    pyoxigraph, the shapes, the checks — the build gate's work at sizes where ``auto`` picks it."""
    return timed_command([sys.executable, "-m", "benchmarks.validate", "--sparql-only",
                          str(Path(ttl_dir) / "crm-kg.nq")], timeout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ttl-dir", type=Path, help="also validate this graph with SHACL")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    seconds, last = build_time(args.timeout)
    print(f"crm-kg build: {seconds if seconds is None else round(seconds, 1)} s ({last})")
    if args.ttl_dir:
        seconds, last = shacl_time(args.ttl_dir, args.timeout)
        print(f"SHACL: {seconds if seconds is None else round(seconds, 1)} s ({last})")


if __name__ == "__main__":
    main()
