"""Helpers shared by the benchmarks: sizes, percentiles, tables, process memory, gunicorn.

Memory is read from ``/proc`` (Linux ``proc(5)``): RSS of a process and of
everything it started, and PSS (``smaps_rollup``), which shares pages common
to several processes (the fork of gunicorn's workers) among them instead of
counting them once per process.
"""

from __future__ import annotations

import math
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.virtuoso import end_process_group, free_port

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

SIZE_NAMES = {"k": 1_000, "m": 1_000_000}


def parse_size(text: str) -> int:
    """``100k`` → 100000, ``1M`` → 1000000, ``5000`` → 5000."""
    text = text.strip()
    factor = SIZE_NAMES.get(text[-1:].lower())
    return int(float(text[:-1]) * factor) if factor else int(text)


def size_label(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1_000 and n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (``p`` in 0–100) of ``values``."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def ms(seconds: float | None) -> str:
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return "–"
    return f"{seconds * 1000:.1f}"


def table(headers: list[str], rows: list[list], title: str | None = None) -> str:
    """A plain-text table (Markdown pipe syntax, so it pastes into the README)."""
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(row):
        return "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths)) + " |"

    out = [f"\n{title}\n"] if title else []
    out += [line(cells[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(r) for r in cells[1:]]
    return "\n".join(out)


@dataclass
class Targets:
    """The issue's targets, each PASS or MISS with the figure that decided it."""

    results: list[tuple[str, bool | None, str]] = field(default_factory=list)

    def check(self, name: str, ok: bool | None, detail: str) -> None:
        self.results.append((name, ok, detail))

    def text(self) -> str:
        rows = [["PASS" if ok else "MISS" if ok is False else "n/a", name, detail]
                for name, ok, detail in self.results]
        return table(["", "target", "measured"], rows, "Targets")


class Stages:
    """Wall-clock times of named stages over repeated runs: ``stages("parse", fn, *args)``
    runs and times ``fn``; :meth:`medians` gives each stage's median in seconds."""

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = {}

    def __call__(self, name: str, fn, *args):
        start = time.perf_counter()
        result = fn(*args)
        self.times.setdefault(name, []).append(time.perf_counter() - start)
        return result

    def medians(self) -> dict[str, float]:
        return {name: statistics.median(values) for name, values in self.times.items()}


# -- process memory ---------------------------------------------------------------------
def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def process_tree(pid: int) -> list[int]:
    """``pid`` and every process below it."""
    tree, out, todo = _children(), [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(tree.get(p, []))
    return out


def _kb(path: str, key: str) -> int:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def tree_memory_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in KiB summed over ``pid`` and its descendants."""
    pids = process_tree(pid)
    rss = sum(_kb(f"/proc/{p}/status", "VmRSS:") for p in pids)
    pss = sum(_kb(f"/proc/{p}/smaps_rollup", "Pss:") for p in pids)
    return rss, pss


class MemoryWatch:
    """Samples the memory of a process tree in a thread; ``peak_rss``/``peak_pss`` in KiB."""

    def __init__(self, pid: int, interval: float = 0.5):
        self.pid, self.interval = pid, interval
        self.peak_rss = self.peak_pss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self) -> None:
        rss, pss = tree_memory_kb(self.pid)
        self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)

    def __enter__(self) -> "MemoryWatch":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()


def mib(kb: int) -> str:
    return f"{kb / 1024:.0f}"


# -- a gunicorn server on loopback ---------------------------------------------------------
class Gunicorn:
    """``gunicorn app:app`` (gunicorn.conf.py) on 127.0.0.1 and a free port, serving
    ``ttl_dir``; ``env`` adds CRM_KG_* settings. Stopped (its process group) on leaving
    the ``with`` block. ``started`` is the seconds until the first answer."""

    def __init__(self, ttl_dir: Path, env: dict[str, str] | None = None, start_timeout: float = 600,
                 root: Path | None = None):
        self.ttl_dir, self.extra_env, self.start_timeout = Path(ttl_dir), dict(env or {}), start_timeout
        self.root = Path(root).resolve() if root is not None else ROOT   # the checkout it serves
        self.port = 0
        self.process: subprocess.Popen | None = None
        self.started = 0.0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "Gunicorn":
        self.port = free_port()
        env = {**os.environ, "CRM_KG_TTL_DIR": str(self.ttl_dir.resolve()), **self.extra_env}
        if self.root != ROOT:          # another checkout's code (its app.py, config and package)
            env["PYTHONPATH"] = str(self.root / "src")
        self.log = open(self.ttl_dir / f"gunicorn-{self.port}.log", "wb")
        start = time.perf_counter()
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "app:app", "--bind", f"127.0.0.1:{self.port}"],
            cwd=self.root, env=env, stdout=self.log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            self._wait(start)
        except BaseException:
            self.stop()
            raise
        self.started = time.perf_counter() - start
        return self

    def _wait(self, start: float) -> None:
        while time.perf_counter() - start < self.start_timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with code {self.process.returncode}; "
                                   f"see {self.log.name}")
            try:
                with urllib.request.urlopen(self.base + "/api/queries", timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer within {self.start_timeout:g} s")

    def stop(self) -> None:
        process, self.process = self.process, None
        end_process_group(process, grace=30)
        self.log.close()

    def __exit__(self, *exc) -> None:
        self.stop()
