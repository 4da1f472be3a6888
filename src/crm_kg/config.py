"""Settings: one place, read from ``[tool.crm-kg]`` in pyproject.toml.

Precedence: explicit arguments > environment (``CRM_KG_<NAME>``) > pyproject.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from .errors import CrmKgError

ROOT = Path(__file__).resolve().parents[2]
NOT_CONFIGURABLE = ("root", "extra")     # every other field: [tool.crm-kg] or CRM_KG_<NAME>


def _pyproject_settings() -> dict:
    path = ROOT / "pyproject.toml"
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        return tomllib.load(fh).get("tool", {}).get("crm-kg", {})


@dataclass(frozen=True)
class Settings:
    root: Path = ROOT
    base_iri: str = "https://w3id.org/crm-kg/"
    sources: Path = ROOT.parent / "shared" / "sources"
    ttl_dir: Path = ROOT / "data" / "ttl"
    query_timeout: float = 10.0
    max_result_rows: int = 10000
    query_workers: int = 2            # worker processes answering queries; 0 = in-process, no deadline
    query_threads: int = 4            # queries each worker runs at once, on one copy of the graph
    query_memory_mb: int = 2048       # memory a worker may use beyond its graph; 0 = no limit
    query_start_timeout: float = 120.0  # seconds a worker may take to load the graph (10M: more)
    query_store: str = "auto"         # disk | memory | auto: disk above query_memory_max_triples
    query_memory_max_triples: int = 2_000_000   # auto: larger graphs are served from disk
    max_query_bytes: int = 65536      # longer SPARQL text is refused (413)
    max_query_nesting: int = 32       # deeper {} () [] nesting is refused (400)
    reserved_workers: int = 1         # query workers ad-hoc /sparql may not use (saved queries, pages)
    adhoc_nice: int = 5               # how much lower the CPU priority of the workers open to /sparql is
    adhoc_queue: int = 32             # /sparql queries that may wait for a worker at once (each holds a web thread)
    rate_limit: float = 10.0          # requests per second per client (token bucket); 0 = no limit
    rate_burst: int = 40              # bucket size: requests a client may make at once
    rate_limit_networks: str = "127.0.0.0/8=0, ::1/128=0"  # CIDR=rate per client network; 0 = none
    trusted_proxies: int = 0          # reverse proxies in front whose X-Forwarded-For is believed
    trusted_proxy_networks: str = "127.0.0.0/8, ::1/128"   # …when they connect from these (or a Unix socket)
    client_queries: int = 2           # /sparql queries one client may run at once; 0 = no limit
    client_query_seconds: float = 60.0  # /sparql query time one client may use per minute; 0 = no limit
    html_result_rows: int = 500       # rows of a /sparql answer shown as an HTML table (the rest: download)
    limits_file: str = ""             # SQLite file the web processes share their client limits in ("": memory)
    store: str = "embedded"           # embedded (pyoxigraph) | remote (a SPARQL 1.1 endpoint)
    endpoint: str = ""                # store = remote: its query endpoint
    update_endpoint: str = ""         # crm-kg load: its update endpoint (default: endpoint)
    remote_user: str = ""             # remote store credentials (HTTP Basic); better from
    remote_password: str = ""         # the environment: CRM_KG_REMOTE_USER / _PASSWORD
    shacl_engine: str = "auto"        # pyshacl (the reference) | sparql (shapes compiled to SPARQL) | rudof | auto
    shacl_fast_above: int = 200_000   # auto: union graphs larger than this are checked by the sparql engine
    max_input_mb: int = 64            # crm-kg validate --input: larger files are refused; 0 = no limit
    answer_cache_entries: int = 2048  # saved-query answers kept per graph version; 0 = no cache
    answer_cache_mb: int = 64         # and at most this many MB of them
    answer_cache_seconds: int = 300   # Cache-Control max-age of a saved-query answer
    extra: dict = field(default_factory=dict)

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def with_(self, **changes) -> "Settings":
        changes = {k: v for k, v in changes.items() if v is not None}
        for key in ("sources", "ttl_dir"):
            if key in changes:
                changes[key] = Path(changes[key]).resolve()
        return replace(self, **changes)


def load_settings(**overrides) -> Settings:
    """Settings from pyproject, then environment, then ``overrides``: every field of
    :class:`Settings` (but ``root`` and ``extra``), typed as the field is."""
    raw = _pyproject_settings()
    values: dict = {}
    for setting in fields(Settings):
        if setting.name in NOT_CONFIGURABLE:
            continue
        value = os.environ.get(f"CRM_KG_{setting.name.upper()}", raw.get(setting.name))
        if value is None:
            continue
        kind = setting.type                  # a string: the module uses postponed annotations
        if kind == "Path":
            value = (ROOT / value).resolve() if not Path(value).is_absolute() else Path(value)
        elif kind in ("int", "float"):
            try:
                value = int(value) if kind == "int" else float(value)
            except ValueError:
                raise CrmKgError(f"setting {setting.name}: {value!r} is not a number") from None
        values[setting.name] = value
    return Settings(**values).with_(**overrides)
