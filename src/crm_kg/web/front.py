"""front: nginx in front of gunicorn — the buffering front of ``crm-kg serve`` and of a deployment.

gunicorn's threads must only ever wait for the query workers, never for a client:
a client that sends its request a byte at a time, or opens a connection and
says nothing, would hold a thread (and hundreds of them, every thread). So the
app is served by nginx (Debian's package, built for exactly this) in front of
gunicorn: nginx reads each request whole before it hands it on, drops a client
that stops sending (``client_header_timeout``, ``client_body_timeout``: 408),
keeps idle connections for a socket each, and buffers answers for slow readers.

* :func:`site_config` renders ``templates/nginx/site.conf``, the ``server`` block
  a deployment installs (``crm-kg nginx-config``, README "Deployment");
* :class:`Front` is ``crm-kg serve``: it checks the graph and the port, starts
  gunicorn (``gunicorn.conf.py``) on a Unix socket in a private temporary
  directory, then nginx with that same site in a whole ``nginx.conf`` of its
  own, and says it serves only once ``/readyz`` answers through nginx. Both
  stop with it (and with its death: ``PR_SET_PDEATHSIG``); SIGHUP reloads the
  graph of its gunicorn workers (:mod:`crm_kg.store.serving`).

gunicorn is reached through a Unix socket only nginx can open, so the address
nginx forwards (``X-Forwarded-For``, set, never appended to) is believed:
``trusted_proxies = 1`` for the app it starts.
"""

from __future__ import annotations

import ctypes
import errno
import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ..errors import CrmKgError

TEMPLATES = Path(__file__).parent / "templates" / "nginx"
HEADER_TIMEOUT = 10      # s: the whole request line and headers (a slow-loris client: 408)
BODY_TIMEOUT = 10        # s: between two reads of a request body
KEEPALIVE_TIMEOUT = 15   # s: an idle connection between two requests
SEND_TIMEOUT = 30        # s: between two writes to a client that does not read
NGINX = ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx")


def _templates() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), undefined=StrictUndefined,
                       keep_trailing_newline=True, autoescape=False)  # noqa: S701 — nginx config, not HTML


def site_config(settings, listen: str, upstream: str, default_server: bool = False) -> str:
    """The nginx ``upstream`` and ``server`` blocks for the app on ``upstream`` (``unix:/path`` or
    ``host:port``), listening on ``listen`` (``127.0.0.1:8080``, ``80``…)."""
    return _templates().get_template("site.conf").render(
        listen=listen, upstream=upstream, default_server=default_server,
        header_timeout=HEADER_TIMEOUT, body_timeout=BODY_TIMEOUT, keepalive_timeout=KEEPALIVE_TIMEOUT,
        send_timeout=SEND_TIMEOUT, max_body=4 * int(settings.max_query_bytes),
        read_timeout=max(60, int(6 * settings.query_timeout)))


def main_config(site: str, directory: Path, user: str = "", worker_connections: int = 4096,
                worker_processes: str = "auto") -> str:
    """A whole ``nginx.conf`` around ``site``, everything it writes kept in ``directory``."""
    return _templates().get_template("nginx.conf").render(
        site=site.rstrip("\n"), directory=str(directory), user=user,
        worker_connections=worker_connections, worker_processes=worker_processes)


def nginx_binary() -> str:
    found = shutil.which("nginx") or next((p for p in NGINX if os.access(p, os.X_OK)), None)
    if found is None:
        raise CrmKgError("nginx is not installed (`make system`, or apt-get install nginx-light); "
                         "or serve with the development server: crm-kg serve --debug")
    return found


def check_port(host: str, port: int) -> None:
    """One clear error if ``host:port`` cannot be listened on — before anything says it serves."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)    # as nginx binds
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise CrmKgError(f"port {port} on {host} is already in use (another server?); choose "
                                 f"another: crm-kg serve --port N (make serve PORT=N)") from None
            if exc.errno == errno.EACCES:
                raise CrmKgError(f"not allowed to listen on port {port} (ports below 1024 need root); "
                                 "choose another: crm-kg serve --port N") from None
            raise CrmKgError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def _die_with_parent() -> None:       # runs in the child between fork and exec
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class _Relay(threading.Thread):
    """Reads a child's output: keeps the last lines (for a start-up error), and once the server
    is up passes them on to our stderr."""

    def __init__(self, stream, name: str):
        super().__init__(name=f"crm-kg-{name}-log", daemon=True)
        self.stream, self.lines, self.passing = stream, deque(maxlen=60), threading.Event()

    def run(self) -> None:
        for raw in iter(self.stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.lines.append(line)
            if self.passing.is_set():
                print(line, file=sys.stderr, flush=True)

    def reason(self) -> str:
        """The line that says why a child ended: an exception's message, or its last words."""
        for line in reversed(self.lines):
            head, _, message = line.partition(": ")
            if message and (head.endswith("Error") or head.endswith("Unavailable")) and " " not in head:
                return message.strip()
        for line in reversed(self.lines):
            if "[emerg]" in line:
                return self.name.split("-")[2] + ": " + line.split("[emerg]", 1)[1].split(": ", 1)[-1].strip()
        last = next((line.strip() for line in reversed(self.lines) if line.strip()), "no message")
        return f"{self.name.split('-')[2]} stopped: {last}"


def _get(address, path: str, timeout: float = 2.0) -> int:
    """The status of ``GET path`` on a Unix socket (``str``) or ``(host, port)``; 0 if no answer."""
    family = socket.AF_UNIX if isinstance(address, str) else (
        socket.AF_INET6 if ":" in address[0] else socket.AF_INET)
    try:
        with socket.socket(family, socket.SOCK_STREAM) as conn:
            conn.settimeout(timeout)
            conn.connect(address)
            conn.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode())
            head = conn.recv(64).split(b" ", 2)
        return int(head[1]) if len(head) > 1 and head[1].isdigit() else 0
    except OSError:
        return 0


class Front:
    """``crm-kg serve``: gunicorn on a private Unix socket behind an nginx listening on ``host:port``."""

    def __init__(self, settings, host: str, port: int, env: dict | None = None,
                 start_timeout: float | None = None):
        self.settings, self.host, self.port = settings, host, port
        self.env = {**os.environ, **(env or {}), "CRM_KG_TRUSTED_PROXIES": "1"}
        self.start_timeout = start_timeout or settings.query_start_timeout + 30
        self.directory: Path | None = None
        self.gunicorn = self.nginx = None
        self.relays: list[_Relay] = []

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def start(self) -> None:
        nginx = nginx_binary()
        check_port(self.host, self.port)
        self.directory = Path(tempfile.mkdtemp(prefix="crm-kg-serve-"))
        sockets = self.directory / "socket"
        sockets.mkdir(mode=0o700)
        user = ""
        if os.geteuid() == 0:         # nginx's workers would run as nobody: let them reach the socket
            user = "nobody " + grp.getgrgid(pwd.getpwnam("nobody").pw_gid).gr_name
            self.directory.chmod(0o711)
            os.chown(sockets, pwd.getpwnam("nobody").pw_uid, -1)
        upstream = sockets / "gunicorn.sock"
        try:
            self.gunicorn = self._spawn([sys.executable, "-m", "gunicorn", "--bind", f"unix:{upstream}",
                                         "app:app"], "gunicorn", cwd=self.settings.root)
            self._wait(lambda: _get(str(upstream), "/readyz") == 200, self.gunicorn, "gunicorn")
            listen = f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"
            config = self.directory / "nginx.conf"
            config.write_text(main_config(site_config(self.settings, listen, f"unix:{upstream}"),
                                          self.directory, user=user), encoding="utf-8")
            self.nginx = self._spawn([nginx, "-e", "stderr", "-p", str(self.directory), "-c", str(config)],
                                     "nginx")
            self._wait(lambda: _get((self.host, self.port), "/readyz") == 200, self.nginx, "nginx")
        except BaseException:
            self.stop()
            raise
        for relay in self.relays:
            relay.passing.set()

    def _spawn(self, command: list[str], name: str, cwd=None) -> subprocess.Popen:
        # our own fixed commands (gunicorn, nginx); the child dies with us; no threads yet at fork
        process = subprocess.Popen(command, cwd=cwd, env=self.env, stdin=subprocess.DEVNULL,  # noqa: S603
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   preexec_fn=_die_with_parent)
        relay = _Relay(process.stdout, name)
        relay.start()
        self.relays.append(relay)
        return process

    def _wait(self, ready, process: subprocess.Popen, name: str) -> None:
        deadline = time.monotonic() + self.start_timeout
        while not ready():
            if process.poll() is not None:
                time.sleep(0.2)                                    # its last words
                relay = next(r for r in self.relays if r.name == f"crm-kg-{name}-log")
                raise CrmKgError(f"refusing to serve: {relay.reason()}")
            if time.monotonic() > deadline:
                raise CrmKgError(f"refusing to serve: {name} did not answer within {self.start_timeout:g} s")
            time.sleep(0.1)

    def worker_pids(self) -> list[int]:
        """The gunicorn workers (they hold the graph; SIGHUP to one reloads it)."""
        if self.gunicorn is None:
            return []
        out = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.gunicorn.pid:
                    out.append(int(entry.name))
        return out

    def reload(self) -> None:
        for pid in self.worker_pids():
            try:
                os.kill(pid, signal.SIGHUP)
            except ProcessLookupError:
                pass

    def wait(self) -> int:
        """Until a signal or a child's end; 0 when asked to stop, 1 if a child ended by itself."""
        stopping = threading.Event()
        hangups = []
        previous = {s: signal.signal(s, lambda *_: stopping.set()) for s in (signal.SIGTERM, signal.SIGINT)}
        previous[signal.SIGHUP] = signal.signal(signal.SIGHUP, lambda *_: hangups.append(1))
        try:
            while not stopping.is_set():
                if hangups:
                    hangups.clear()
                    self.reload()
                for name, process in (("gunicorn", self.gunicorn), ("nginx", self.nginx)):
                    if process.poll() is not None:
                        print(f"crm-kg: error: {name} stopped (exit code {process.returncode})",
                              file=sys.stderr)
                        return 1
                stopping.wait(0.2)
            return 0
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def stop(self) -> None:
        for process in (self.nginx, self.gunicorn):      # nginx first: no new requests
            if process is not None and process.poll() is None:
                process.terminate()
        for process in (self.nginx, self.gunicorn):
            if process is not None:
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(5)
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
