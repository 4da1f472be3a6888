"""The ``crm-kg`` command: build, validate, serve, reload, query.

Errors the user can act on (missing source file, unparsable query, unknown
saved query, bad parameter…) print one line, ``crm-kg: error: …``, and exit
with status 1; usage errors exit with 2. ``--debug`` shows tracebacks.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import __version__
from .config import load_settings
from .errors import CrmKgError


def _settings(args):
    return load_settings(sources=getattr(args, "sources", None), ttl_dir=getattr(args, "ttl_dir", None))


def cmd_build(args) -> int:
    from .pipeline.stages import run_build

    settings = _settings(args)
    result, report = run_build(settings, validate=not args.no_validate)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if report is not None and not report.conforms:
        print(report.text(), file=sys.stderr)
        print(f"crm-kg: error: validation failed; {settings.ttl_dir} left unchanged", file=sys.stderr)
        return 1
    if report is not None and report.warnings:  # listed, but they do not stop the build
        print(report.text(), file=sys.stderr)
    counts = {str(g.identifier).rsplit("/", 1)[-1]: len(g) for g in result.dataset.graphs() if len(g)}
    print(f"built {sum(counts.values())} triples into {settings.ttl_dir}: "
          + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 0


def cmd_validate(args) -> int:
    """SHACL shapes and SPARQL checks (src/crm_kg/validate.py), then the OWL step (reasoning.py)."""
    from rdflib import Dataset

    from .quality.rdfinput import FORMATS
    from .quality.rdfinput import parse as parse_rdf
    from .quality.validate import validate_dataset

    settings = _settings(args)
    path = Path(args.input) if args.input else settings.ttl_dir / "crm-kg.nq"
    if not path.is_file():
        raise CrmKgError(f"{path}: no such file (run `crm-kg build` first)")
    dataset = Dataset()
    # N-Quads, TriG, Turtle, N-Triples or RDF/XML: no DOCTYPE/entities, no owl:imports (rdfinput)
    parse_rdf(path, FORMATS.get(path.suffix.lower(), "nquads"), into=dataset)
    report = validate_dataset(dataset, settings)
    owl = None
    if not args.no_owl:  # OWL 2 DL: declarations, then HermiT consistency (src/crm_kg/reasoning.py)
        from .quality.reasoning import check_dataset

        owl = check_dataset(dataset, settings)
    if args.format == "json":
        body = report.as_dict()
        if owl is not None:
            body["conforms"] = report.conforms and owl.conforms
            body["owl"] = owl.as_dict()
        print(json.dumps(body, indent=2, ensure_ascii=False))
    else:
        print(report.text() + ("\n" + owl.text() if owl is not None else ""))
    return 0 if report.conforms and (owl is None or owl.conforms) else 1


def cmd_serve(args) -> int:
    """nginx in front of gunicorn (:mod:`crm_kg.web.front`); ``--debug``: Flask's development server."""
    settings = _settings(args).with_(store=args.store, endpoint=args.endpoint)
    if settings.store == "remote" and not settings.endpoint:
        raise CrmKgError("--store remote needs --endpoint URL (or endpoint in the settings)")
    if args.dev_server:
        return _serve_debug(args, settings)
    from .errors import StoreError
    from .store.snapshot import open_snapshot
    from .web.front import Front

    if settings.store != "remote":
        try:
            open_snapshot(settings.ttl_dir).close()     # a missing, partial or corrupt graph is never served
        except StoreError as exc:
            raise CrmKgError(f"refusing to serve: {exc}") from None
    env = {"CRM_KG_TTL_DIR": str(settings.ttl_dir), "CRM_KG_STORE": settings.store,
           "CRM_KG_ENDPOINT": settings.endpoint}
    if args.workers:
        env["WEB_CONCURRENCY"] = str(args.workers)
    front = Front(settings, args.host, args.port, env=env)
    front.start()
    try:
        source = settings.endpoint if settings.store == "remote" else settings.ttl_dir
        print(f"serving {source} on {front.url} (nginx in front of gunicorn; Ctrl+C stops)",
              file=sys.stderr, flush=True)
        return front.wait()
    finally:
        front.stop()


def _serve_debug(args, settings) -> int:
    from .errors import StoreError, Unavailable
    from .store.serving import announce
    from .web import create_app, state
    from .web.front import check_port

    check_port(args.host, args.port)
    try:
        app = create_app({"SETTINGS": settings})
    except (StoreError, Unavailable) as exc:   # a missing, partial or corrupt graph is never served
        raise CrmKgError(f"refusing to serve: {exc}") from None
    url = f"http://{args.host}:{args.port}/"
    store = state.of(app).store
    if settings.store != "remote":
        announce(store, settings.ttl_dir, url)     # SIGHUP or `crm-kg reload` loads a new graph
    source = settings.endpoint if settings.store == "remote" else settings.ttl_dir
    print(f"serving {source} (version {store.version}) on {url} with the development server "
          "(one process, no buffering front: not for the internet)", file=sys.stderr)
    app.run(host=args.host, port=args.port, threaded=True, use_reloader=False)
    return 0


def cmd_nginx_config(args) -> int:
    from .web.front import site_config

    print(site_config(_settings(args), args.listen, args.upstream, default_server=args.default_server), end="")
    return 0


def cmd_reload(args) -> int:
    from .store.serving import request_reload

    settings = _settings(args)
    failed = 0
    for state in request_reload(settings.ttl_dir, timeout=args.timeout):
        outcome = state["outcome"]
        where = f"pid {state['pid']}" + (f" ({state['url']})" if state.get("url") else "")
        if outcome.get("ok"):
            print(f"{where}: now serving version {outcome.get('version')} "
                  f"(was {outcome.get('previous')}), generation {outcome.get('generation')}")
        else:
            failed += 1
            print(f"crm-kg: error: {where}: reload failed, still serving version "
                  f"{outcome.get('version', '?')}: {outcome.get('error')}", file=sys.stderr)
    return 1 if failed else 0
def cmd_load(args) -> int:
    import os

    from .store.load import Updater, finish, load_update, load_virtuoso_bulk

    settings = _settings(args)
    endpoint = args.endpoint or settings.endpoint
    if not endpoint:
        raise CrmKgError("give the store's query endpoint: --endpoint URL")
    target = args.update_endpoint or settings.update_endpoint or endpoint
    user = args.user or settings.remote_user or None
    password = args.password or settings.remote_password or None
    if user and not password:
        raise CrmKgError("--user needs a password: --password or $CRM_KG_REMOTE_PASSWORD")
    update = Updater(target, user=user, password=password, auth=args.auth, timeout=args.timeout)

    def progress(text: str) -> None:
        if args.verbose:
            print(text, file=sys.stderr)

    if args.virtuoso_isql:
        from .store.load import run_isql

        isql_password = os.environ.get("CRM_KG_ISQL_PASSWORD", args.isql_password)

        def isql(*statements):
            return run_isql(args.virtuoso_isql, args.isql_user, isql_password, *statements,
                            timeout=args.timeout)

        report = load_virtuoso_bulk(settings.ttl_dir, isql, update, base_iri=settings.base_iri,
                                    directory=Path(args.bulk_dir) if args.bulk_dir else None)
    else:
        report = load_update(settings.ttl_dir, update, base_iri=settings.base_iri,
                             batch=args.batch, progress=progress)
    report = finish(report, settings.ttl_dir, endpoint, update, base_iri=settings.base_iri,
                    user=user, password=password, timeout=args.timeout)
    print(f"loaded {report.triples} triples of build {report.version} into {endpoint} "
          f"({report.method}, {report.seconds:.1f} s): "
          + ", ".join(f"{g.rsplit('/', 1)[-1]} {n}" for g, n in sorted(report.graphs.items())))
    return 0


def _parse_params(pairs: list[str]) -> dict[str, str]:
    params = {}
    for pair in pairs:
        if "=" not in pair:
            raise CrmKgError(f"--param {pair!r}: expected NAME=VALUE")
        key, value = pair.split("=", 1)
        params[key.strip()] = value
    return params


def _table(variables: list[str], rows: list[dict]) -> str:
    cells = [[("" if r.get(v) is None else str(r[v])) for v in variables] for r in rows]
    widths = [max([len(v)] + [len(c[i]) for c in cells]) for i, v in enumerate(variables)]
    lines = ["  ".join(v.ljust(w) for v, w in zip(variables, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in cells]
    return "\n".join(lines)


def cmd_query(args) -> int:
    from rdflib.plugins.sparql.parser import parseQuery

    from .media import CSV
    from .sparql.library import Choices, QueryDefinitionError, QueryLibrary, parse_saved_query
    from .sparql.results import write_answer
    from .store.embedded import EmbeddedStore

    settings = _settings(args)
    library = QueryLibrary(settings.queries_dir)
    if args.list:
        for q in library:
            params = " ".join(f"{p.name}=<{p.type}>" for p in q.params)
            print(f"{q.name}  {params}\n    {q.label('en')}")
        return 0
    params = _parse_params(args.param or [])
    if args.name:
        saved = library.get(args.name)
    elif args.file:
        path = Path(args.file)
        if not path.is_file():
            raise CrmKgError(f"{path}: no such query file")
        text = path.read_text(encoding="utf-8")
        if any(line.startswith("#+") for line in text.splitlines()):
            saved = parse_saved_query(path)
        else:
            try:
                parseQuery(text)
            except Exception as exc:
                raise QueryDefinitionError(f"{path}: SPARQL does not parse: {exc}") from None
            if params:
                raise CrmKgError(f"{path}: --param needs a query with a #+ header declaring parameters")
            saved = None
            query_text = text
    else:
        raise CrmKgError("give a query FILE.rq or --name NAME (or --list)")
    bindings = {}
    store = EmbeddedStore.from_directory(settings.ttl_dir)
    if saved is not None:
        bindings = saved.bind(params)
        Choices(store).check(saved, bindings)      # closed lists drawn from the graph
        query_text = saved.text
    result = store.query(query_text, bindings)
    if result.kind == "graph":
        from rdflib import Graph

        graph = Graph()
        for triple in result.triples:
            graph.add(triple)
        print(graph.serialize(format="turtle"))
    elif args.format == "json":
        print(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    elif args.format == "csv":
        sys.stdout.write(write_answer(result, CSV).decode("utf-8"))
    else:
        print(_table(result.variables, result.rows) if result.kind == "select"
              else str(result.boolean).lower())
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="crm-kg", description="Knowledge graph of critical raw materials "
                                  "in the Dutch provinces: build it, validate it, serve it, query it.")
    top.add_argument("--version", action="version", version=f"crm-kg {__version__}")
    top.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(p, sources=False):
        if sources:
            p.add_argument("--sources", metavar="DIR", help="directory with the report texts and "
                           "manifest.yaml (default ../shared/sources, or $CRM_KG_SOURCES)")
        p.add_argument("--ttl-dir", metavar="DIR", help="directory of the built graph (default data/ttl)")

    p = sub.add_parser("build", help="sources → data/ttl (validated, written atomically)",
                       description="Read the reports, extract facts, build RDF, validate it and "
                       "write data/ttl; the previous graph stays if anything fails.")
    common(p, sources=True)
    p.add_argument("--no-validate", action="store_true", help="skip validation (SHACL shapes, SPARQL checks)")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("validate", help="check the built graph: SHACL shapes, SPARQL checks, OWL consistency",
                       description="Validate data/ttl (or --input FILE) against the SHACL shapes of "
                       "ontology/shapes/ and the SPARQL checks of queries/checks/, then check that every "
                       "term is declared and the ontology with the data is consistent (HermiT, needs "
                       "Java). Prints each finding with its focus node, label, path, value, message and "
                       "source passage; warnings are listed but do not fail; exit 1 on violations.")
    common(p)
    p.add_argument("--input", metavar="FILE",
                   help="an N-Quads/TriG/Turtle/N-Triples/RDF-XML file to validate instead")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--no-owl", action="store_true",
                   help="skip the OWL step (declarations and HermiT consistency)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("serve", help="serve pages, saved queries and /sparql (nginx + gunicorn)",
                       description="Serve the built graph: gunicorn (gunicorn.conf.py) behind an nginx "
                       "this command configures and starts, listening on --host:--port. nginx reads "
                       "whole requests and drops slow clients before a gunicorn thread is taken. "
                       "A port in use is refused before anything starts. --debug: Flask's development "
                       "server instead (one process, no front).")
    common(p)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=5000, help="port to listen on (default 5000)")
    p.add_argument("--workers", type=int, metavar="N", help="gunicorn web processes (default 1; "
                   "$WEB_CONCURRENCY); each has its own query workers")
    p.add_argument("--debug", dest="dev_server", action="store_true",
                   help="Flask's development server, for debugging only")
    p.add_argument("--store", choices=["embedded", "remote"],
                   help="embedded: pyoxigraph in query workers (default); remote: a SPARQL 1.1 "
                   "endpoint loaded with `crm-kg load`")
    p.add_argument("--endpoint", metavar="URL", help="the remote store's query endpoint")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("nginx-config", help="print the nginx site for a deployment (README)",
                       description="Print the nginx upstream and server blocks that put nginx in front "
                       "of gunicorn (the same text crm-kg serve runs): put it in /etc/nginx/sites-enabled/.")
    p.add_argument("--listen", default="80", help="nginx's listen address (default 80)")
    p.add_argument("--upstream", default="unix:/run/crm-kg/gunicorn.sock",
                   help="where gunicorn listens (default unix:/run/crm-kg/gunicorn.sock)")
    p.add_argument("--default-server", action="store_true", help="make it nginx's default server")
    p.set_defaults(func=cmd_nginx_config)

    p = sub.add_parser("reload", help="make running servers load the graph now in data/ttl",
                       description="Check data/ttl against its manifest, then signal (SIGHUP) every "
                       "running server of it (found in data/.ttl.run/) to load it and swap it in while "
                       "it answers; wait for each to report. Exit 1 if any server kept its old graph.")
    common(p)
    p.add_argument("--timeout", type=float, default=120.0, metavar="SECONDS",
                   help="how long to wait for the servers (default 120)")
    p.set_defaults(func=cmd_reload)
    p = sub.add_parser("load", help="load the built graph into a SPARQL 1.1 store (Virtuoso…)",
                       description="Replace the graphs of this build in a SPARQL 1.1 store with "
                       "data/ttl/crm-kg.nq, named graphs intact: SPARQL 1.1 Update in batches "
                       "(default) or Virtuoso's bulk loader (--virtuoso-isql). The store's triple "
                       "counts are checked against the build, then a load record is written for "
                       "`crm-kg serve --store remote`.")
    common(p)
    p.add_argument("--endpoint", metavar="URL", help="the store's query endpoint (required)")
    p.add_argument("--update-endpoint", metavar="URL",
                   help="its SPARQL Update endpoint (default: the query endpoint)")
    p.add_argument("--user", help="user for HTTP authentication (or $CRM_KG_REMOTE_USER)")
    p.add_argument("--password", help="password (better: $CRM_KG_REMOTE_PASSWORD)")
    p.add_argument("--auth", choices=["basic", "digest"], default="basic",
                   help="HTTP authentication scheme (Virtuoso's /sparql-auth: digest)")
    p.add_argument("--batch", type=int, default=250, metavar="N",
                   help="triples per INSERT DATA request (default 250; Virtuoso compiles big ones slowly "
                   "and refuses ones of a few thousand)")
    p.add_argument("--timeout", type=float, default=600.0, metavar="S",
                   help="seconds to wait for each request (default 600)")
    p.add_argument("--virtuoso-isql", metavar="HOST:PORT",
                   help="use Virtuoso's bulk loader through isql-vt on this SQL port")
    p.add_argument("--isql-user", default="dba", help="isql user (default dba)")
    p.add_argument("--isql-password", default="dba",
                   help="isql password (default dba; better: $CRM_KG_ISQL_PASSWORD)")
    p.add_argument("--bulk-dir", metavar="DIR", help="a directory the Virtuoso server may read "
                   "(DirsAllowed) to copy the N-Quads into (default: the build directory)")
    p.add_argument("-v", "--verbose", action="store_true", help="report progress")
    p.set_defaults(func=cmd_load)

    p = sub.add_parser("query", help="run a SPARQL file or a saved query",
                       description="Run FILE.rq or the saved query --name NAME against the built graph.")
    common(p)
    p.add_argument("file", nargs="?", metavar="FILE.rq")
    p.add_argument("--name", help="a saved query in queries/")
    p.add_argument("--param", action="append", metavar="NAME=VALUE", help="parameter value (repeatable)")
    p.add_argument("--format", choices=["json", "csv", "table"], default="table")
    p.add_argument("--list", action="store_true", help="list the saved queries and their parameters")
    p.set_defaults(func=cmd_query)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except CrmKgError as exc:
        if args.debug:
            raise
        print(f"crm-kg: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
