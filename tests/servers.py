"""A crm-kg server in its own process, for the reliability tests (loopback only, stopped after).

Its own process so that client threads of a test never compete with the server for the
interpreter lock, as they would with a server thread in the test process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
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
