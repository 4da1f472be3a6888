"""load: the built graph (``data/ttl/crm-kg.nq``) into a SPARQL 1.1 store, named graphs intact.

Two ways in, one result:

* **SPARQL 1.1 Update** (W3C Recommendation, 2013), portable, the default:
  ``DROP SILENT GRAPH`` for every graph of the build, then the quads, streamed
  from the N-Quads file, as ``INSERT DATA { GRAPH <g> { … } }`` requests of at
  most ``batch`` triples, each POSTed as ``application/sparql-update`` through
  SPARQLWrapper (HTTP Basic or Digest authentication when given). Terms are
  written in N-Triples syntax by pyoxigraph, which SPARQL's grammar reads
  unchanged (§19.5 literals, §19.8 IRIREF).
* **Virtuoso's bulk loader** when asked (``isql``): ``ld_dir`` on the N-Quads
  file and ``rdf_loader_run()`` through ``isql-vt`` (Virtuoso 7 documentation,
  "Bulk Loading RDF Source Files"). Far faster for millions of triples; the
  file must be in a directory the *server* may read (``DirsAllowed``).

Either way the triples of each graph are then counted in the store and
compared with the manifest (a store that merges literals it considers equal,
or drops some, is caught here), and last a *load record* is written to the
graph ``<base>graph/load``: the build version (``dct:identifier``), when
(``dct:modified``), the graphs (``dct:hasPart``) and their sizes
(``void:triples``). :class:`~crm_kg.store.remote.RemoteStore` reads it to know
which graphs are ours and which build it serves (its ETags).
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pyoxigraph as ox
from SPARQLWrapper import BASIC, DIGEST, POST, POSTDIRECTLY, SPARQLWrapper

from ..errors import CrmKgError
from .remote import LOAD_GRAPH, RemoteStore
from .snapshot import DATASET_FILE, read_manifest


class LoadError(CrmKgError):
    """The store refused the data, or holds something else than was sent."""


@dataclass
class LoadReport:
    method: str
    version: str
    graphs: dict[str, int] = field(default_factory=dict)     # IRI → triples found in the store
    requests: int = 0
    seconds: float = 0.0

    @property
    def triples(self) -> int:
        return sum(self.graphs.values())


class Updater:
    """POSTs SPARQL Update requests to ``endpoint`` through SPARQLWrapper."""

    def __init__(self, endpoint: str, *, user: str | None = None, password: str | None = None,
                 auth: str = "basic", timeout: float = 600.0):
        self.endpoint, self.user, self.password = endpoint, user, password
        self.auth, self.timeout = auth, timeout
        self.requests = 0

    def __call__(self, update: str) -> None:
        client = SPARQLWrapper(self.endpoint, updateEndpoint=self.endpoint, agent="crm-kg load")
        client.setMethod(POST)
        client.setRequestMethod(POSTDIRECTLY)
        client.setTimeout(int(self.timeout))
        if self.user and self.password:
            client.setHTTPAuth(DIGEST if self.auth == "digest" else BASIC)
            client.setCredentials(self.user, self.password)
        client.setQuery(update)
        try:
            client.query().response.read()
        except Exception as exc:  # SPARQLWrapper raises its own and urllib's errors
            detail = str(exc).split("Response:", 1)[-1].strip().replace("\\n", " ")[:600]
            raise LoadError(f"{self.endpoint} refused an update ({type(exc).__name__}): {detail}") from None
        self.requests += 1


def _triple(quad: ox.Quad) -> str:
    return f"{quad.subject} {quad.predicate} {quad.object} ."


def stream_batches(path: Path, batch: int):
    """(graph IRI, N-Triples lines, has blank nodes) batches of at most ``batch`` triples,
    streamed from N-Quads.

    Blank-node labels are scoped to one request (SPARQL 1.1 Update §3.1.1), so
    triples with blank nodes are held back and sent last, every set of triples
    connected through blank nodes in one request (a set larger than ``batch``
    alone): the structures (OWL restrictions, lists) arrive whole."""
    pending: dict[str, list[str]] = {}
    with_bnodes: dict[str, list[ox.Quad]] = {}
    for quad in ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS):
        if not isinstance(quad.graph_name, ox.NamedNode):
            raise LoadError(f"{path}: a triple outside the named graphs ({_triple(quad)})")
        graph = quad.graph_name.value
        if isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode):
            with_bnodes.setdefault(graph, []).append(quad)
            continue
        lines = pending.setdefault(graph, [])
        lines.append(_triple(quad))
        if len(lines) >= batch:
            yield graph, lines, False
            pending[graph] = []
    for graph, lines in pending.items():
        if lines:
            yield graph, lines, False
    for graph, quads in with_bnodes.items():
        for lines in _connected(quads, batch):
            yield graph, lines, True


def _connected(quads: list[ox.Quad], batch: int) -> list[list[str]]:
    """Triples grouped so that triples sharing a blank node are in the same group."""
    parent: dict[str, str] = {}

    def find(label: str) -> str:
        while parent.setdefault(label, label) != label:
            parent[label] = parent[parent[label]]
            label = parent[label]
        return label

    for quad in quads:
        labels = [t.value for t in (quad.subject, quad.object) if isinstance(t, ox.BlankNode)]
        for other in labels[1:]:
            parent[find(other)] = find(labels[0])
    components: dict[str, list[str]] = {}
    for quad in quads:
        label = quad.subject.value if isinstance(quad.subject, ox.BlankNode) else quad.object.value
        components.setdefault(find(label), []).append(_triple(quad))
    groups: list[list[str]] = [[]]
    for lines in sorted(components.values(), key=len, reverse=True):
        if groups[-1] and len(groups[-1]) + len(lines) > batch:
            groups.append([])
        groups[-1].extend(lines)
    return [g for g in groups if g]


def _graphs(manifest: dict) -> dict[str, int]:
    return {g["iri"]: int(g.get("triples", 0)) for g in manifest.get("graphs", {}).values()}


def version_of(manifest: dict) -> str:
    return manifest.get("files", {}).get(DATASET_FILE, {}).get("sha256", "unbuilt")[:16]


def load_update(ttl_dir: Path, update: Callable[[str], None], *, base_iri: str,
                batch: int = 250, progress: Callable[[str], None] | None = None) -> LoadReport:
    """Replace our graphs in the store by the build in ``ttl_dir`` through SPARQL Update."""
    ttl_dir = Path(ttl_dir)
    manifest = read_manifest(ttl_dir)
    start = time.perf_counter()
    report = LoadReport("sparql-update", version_of(manifest))
    for graph in [*sorted(_graphs(manifest)), base_iri + LOAD_GRAPH]:
        update(f"DROP SILENT GRAPH {ox.NamedNode(graph)}")
    sent = 0
    for graph, lines, bnodes in stream_batches(ttl_dir / DATASET_FILE, batch):
        body = f"GRAPH {ox.NamedNode(graph)} {{\n" + "\n".join(lines) + "\n}"
        # INSERT DATA may hold blank nodes, but not every store takes them there (Virtuoso:
        # "not allowed in a constant clause"); a template with an empty WHERE does the same
        update(f"INSERT {{ {body} }} WHERE {{ }}" if bnodes else f"INSERT DATA {{ {body} }}")
        sent += len(lines)
        if progress:
            progress(f"{sent} triples sent")
    report.requests = getattr(update, "requests", 0)
    report.seconds = time.perf_counter() - start
    return report


def load_virtuoso_bulk(ttl_dir: Path, isql: Callable[..., str], update: Callable[[str], None], *,
                       base_iri: str, directory: Path | None = None) -> LoadReport:
    """Replace our graphs through Virtuoso's bulk loader (``isql`` runs SQL as dba).

    ``directory``: where the server may read the N-Quads (a copy is put there);
    default the build directory itself."""
    ttl_dir = Path(ttl_dir)
    manifest = read_manifest(ttl_dir)
    start = time.perf_counter()
    source = ttl_dir / DATASET_FILE
    if directory is not None:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, directory / DATASET_FILE)
        source = directory / DATASET_FILE
    folder = str(source.parent.resolve())
    for graph in [*sorted(_graphs(manifest)), base_iri + LOAD_GRAPH]:
        update(f"DROP SILENT GRAPH {ox.NamedNode(graph)}")
    if "'" in folder:
        raise LoadError(f"{folder}: a directory name with a quote cannot be given to ld_dir")
    # isql takes no bound parameters; the folder was checked for quotes above
    isql(f"DELETE FROM DB.DBA.load_list WHERE ll_file LIKE '{folder}/%'",  # noqa: S608
         f"ld_dir('{folder}', '{source.name}', '{base_iri}graph/unnamed')",
         "rdf_loader_run()",
         "checkpoint")
    errors = isql(f"SELECT COUNT(*) FROM DB.DBA.load_list WHERE ll_file LIKE '{folder}/%' "  # noqa: S608
                  "AND ll_error IS NOT NULL")
    if errors.split() and errors.split()[0] != "0":
        detail = isql(f"SELECT ll_file, ll_error FROM DB.DBA.load_list WHERE ll_file LIKE '{folder}/%' "  # noqa: S608
                      "AND ll_error IS NOT NULL")
        raise LoadError(f"Virtuoso's bulk loader reported errors:\n{detail.strip()[:2000]}")
    report = LoadReport("virtuoso-bulk", version_of(manifest), requests=1)
    report.seconds = time.perf_counter() - start
    return report


def finish(report: LoadReport, ttl_dir: Path, endpoint: str, update: Callable[[str], None], *,
           base_iri: str, user: str | None = None, password: str | None = None,
           timeout: float = 600.0) -> LoadReport:
    """Count each graph in the store, compare with the manifest, then write the load record."""
    manifest = read_manifest(ttl_dir)
    expected = _graphs(manifest)
    reader = RemoteStore(endpoint, timeout=timeout, user=user, password=password)
    found = {}
    for graph in sorted(expected):
        rows = reader._ask_rows("SELECT (COUNT(*) AS ?n) WHERE { GRAPH $graph { ?s ?p ?o } }",
                                {"graph": _iri(graph)})
        found[graph] = int(rows[0]["n"]) if rows else 0
    wrong = {g: (found[g], n) for g, n in expected.items() if found[g] != n}
    if wrong:
        raise LoadError("the store holds other triple counts than the build: " + "; ".join(
            f"<{g}> {have} instead of {want}" for g, (have, want) in sorted(wrong.items()))
            + " (no load record written)")
    record = base_iri + LOAD_GRAPH
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    lines = [f'<{record}> <http://purl.org/dc/terms/identifier> {ox.Literal(report.version)} .',
             f'<{record}> <http://purl.org/dc/terms/modified> '
             f'"{now}"^^<http://www.w3.org/2001/XMLSchema#dateTime> .']
    for graph, n in sorted(found.items()):
        lines.append(f"<{record}> <http://purl.org/dc/terms/hasPart> <{graph}> .")
        lines.append(f'<{graph}> <http://rdfs.org/ns/void#triples> '
                     f'"{n}"^^<http://www.w3.org/2001/XMLSchema#integer> .')
    update(f"INSERT DATA {{ GRAPH <{record}> {{\n" + "\n".join(lines) + "\n} }")
    report.graphs = found
    return report


def _iri(value: str):
    from rdflib import URIRef

    return URIRef(value)


ISQL = "isql-vt"


def run_isql(target: str, user: str, password: str, *statements: str, timeout: float = 3600) -> str:
    """Run SQL statements through ``isql-vt`` on ``target`` (HOST:PORT, the SQL port) as
    ``user``; the output, or :class:`LoadError` with Virtuoso's message. The statements go
    through standard input, the password as an argument of isql-vt (visible to local users
    in the process list, as with every isql-vt call)."""
    isql = shutil.which(ISQL)
    if isql is None:
        raise LoadError(f"{ISQL} is not installed (Debian: apt-get install virtuoso-opensource-7-bin)")
    script = "".join(s.rstrip().rstrip(";") + ";\n" for s in statements)
    try:
        done = subprocess.run([isql, target, user, password, "VERBOSE=OFF", "BANNER=OFF",  # noqa: S603 (isql-vt by its path)
                               "PROMPT=OFF", "ERRORS=STDOUT"],
                              input=script, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise LoadError(f"isql on {target} did not finish within {timeout:g} s") from None
    out = done.stdout + done.stderr
    if done.returncode != 0 or "*** Error" in out:
        raise LoadError(f"isql on {target} failed: {out.strip()[:2000]}")
    return out
