"""A crm-kg server in its own process, for the reliability tests (loopback only, stopped after).

Its own process so that client threads of a test never compete with the server for the
interpreter lock, as they would with a server thread in the test process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

from conftest import ROOT, free_port

ACCEPT = {"Accept": "application/sparql-results+json"}
CRM_KG_SERVE = [sys.executable, "-m", "crm_kg.cli", "serve", "--port", "PORT"]
GUNICORN = [sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:PORT", "app:app"]


def http(base: str, path: str, timeout: float = 30):
    request = urllib.request.Request(base + path, headers=ACCEPT)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def readyz(base: str) -> dict:
    return json.loads(http(base, "/readyz", timeout=10)[1])


def wait_for(condition, seconds: float = 60, what: str = "the server"):
    deadline = time.monotonic() + seconds
    while True:
        try:
            if condition():
                return
        except OSError:
            pass
        assert time.monotonic() < deadline, f"{what} did not get there in {seconds:g} s"
        time.sleep(0.05)


def start(command: list[str], target, env: dict | None = None):
    """(process, base URL) of a server of the graph ``target``, once /readyz says ready."""
    port = free_port()
    env = {**os.environ, "CRM_KG_TTL_DIR": str(target), **(env or {})}
    command = [c.replace("PORT", str(port)) for c in command]
    log = target.parent / f"server-{port}.log"   # a file, not a pipe nobody reads: it would fill up
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log.open("w"))
    base = f"http://127.0.0.1:{port}"

    def up():
        assert proc.poll() is None, log.read_text()
        return http(base, "/readyz", timeout=2)[0] == 200
    try:
        wait_for(up)
    except BaseException:
        stop(proc)
        raise
    return proc, base


def stop(proc) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


FLOOD = r"""
import http.client, json, sys, threading, time
port, plan = int(sys.argv[1]), json.loads(sys.argv[2])
lock = threading.Lock()

def loop(path, source, accept, every):
    while True:
        sent = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60, source_address=(source, 0))
        try:
            connection.request("GET", path, headers={"Accept": accept})
            response = connection.getresponse()
            body = response.read()
            line = [response.status, response.getheader("Retry-After"), body[:300].decode("utf-8", "replace"),
                    time.monotonic() - sent]
        except OSError as exc:
            line = [type(exc).__name__, None, "", time.monotonic() - sent]
        finally:
            connection.close()
        with lock:
            print(json.dumps(line), flush=True)
        if line[0] == 429:
            time.sleep(0.2)
        time.sleep(max(0.0, every - (time.monotonic() - sent)))

for path, source, accept, every in plan:
    threading.Thread(target=loop, args=(path, source, accept, every), daemon=True).start()
sys.stdin.read()            # until the test closes our stdin
"""


class Flood:
    """Clients that repeat requests without pause (``every``: at most one per that many seconds),
    from a process of their own, so that their threads never compete with the test's own
    measurements for the test process's interpreter lock. ``plan``: (path, source address,
    Accept, every) per client thread. ``answers``: [status, Retry-After, body start, seconds]."""

    def __init__(self, port: int, plan: list[tuple[str, str, str, float]]):
        self.port, self.plan, self.answers = port, plan, []

    def __enter__(self) -> "Flood":
        self.process = subprocess.Popen([sys.executable, "-c", FLOOD, str(self.port), json.dumps(self.plan)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        return self

    def _read(self) -> None:
        for line in self.process.stdout:
            self.answers.append(json.loads(line))

    def __exit__(self, *exc) -> None:
        self.process.stdin.close()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        self.reader.join(5)
