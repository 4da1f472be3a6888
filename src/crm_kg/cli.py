"""The ``crm-kg`` command: build, add-report, validate, serve, reload, query.

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
    if args.report:
        return _build_report(settings, args.report)
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


def _build_report(settings, report: str) -> int:
    """One report: what each profile rule read, what matched nothing, unknown names; then its graph
    built (not written). Exit 1 if a rule failed, a name is unknown or the graph does not build."""
    from .pipeline.extract.review import review_report
    from .pipeline.sources import load_editions, read_sources
    from .pipeline.stages import build_dataset

    pins = settings.data_dir / "sources.yaml"
    if not any(e.report == report for e in load_editions(settings.sources, pins).values()):
        raise CrmKgError(f"report {report!r} has no edition in {pins}")
    documents = read_sources(settings.sources, pins=pins)     # all: the same repairs as a full build
    text, problems = review_report({e: d for e, d in documents.items() if d.edition.report == report},
                                   settings.data_dir / "profiles", settings.data_dir / "reference")
    print(text)
    try:
        result = build_dataset(settings, only=report)
    except CrmKgError as exc:
        print(f"graph: not built: {exc}")
        return 1
    for warning in result.warnings:
        print(f"warning: {warning}")
    graph = next((g for g in result.dataset.graphs() if str(g.identifier).endswith(f"/{report}")), None)
    print(f"graph: {len(graph) if graph is not None else 0} triples in graph {report} "
          "(not written; `crm-kg build` writes data/ttl)")
    import shutil

    from .pipeline import coverage
    from .store.embedded import EmbeddedStore

    maps = coverage.measure(EmbeddedStore.from_dataset(result.dataset), documents, settings.queries_dir,
                            settings.data_dir / "review" / "coverage-scope.yaml", report)
    print("coverage (paragraphs that yield a claim, `crm-kg coverage`):")
    print(coverage.render_table(maps, max(80, min(shutil.get_terminal_size().columns, 140))))
    print("validation: in the full build (`crm-kg build`): a graph of one report refers to the others")
    return 1 if problems else 0


def cmd_add_report(args) -> int:
    """Pin a new report edition, sniff its layout, draft its profile, start its curated folder."""
    from .pipeline.extract.add import add_report
    from .pipeline.extract.review import review_report

    settings = _settings(args)
    data_dir = Path(args.data_dir) if args.data_dir else settings.data_dir
    added = add_report(Path(args.file), args.id, sources=settings.sources, data_dir=data_dir,
                       language=args.language, edition=args.edition, label=args.label, year=args.year,
                       publisher=args.publisher, title=args.title)
    print(f"pinned {added.source} as edition {added.edition} of report {added.report} "
          f"(sha256 {added.sha256}) in {data_dir / 'sources.yaml'}")
    print("sections: " + ("; ".join(f"{n or '-'} {t} (line {line})" for n, t, line in added.found.sections)
                           or "none found"))
    print(f"draft profile: {added.profile} ({len(added.found.rules)} rules)")
    for draft in added.found.rules:
        print(f"  {draft.rule['id']} ({draft.rule['kind']}, line {draft.line}): {draft.note}")
    print(f"curated folder: {added.curated}")
    text, _ = review_report({added.edition: added.document}, added.profile.parent, data_dir / "reference")
    print(text)
    print("still needs a person:")
    todo = [*added.found.todo,
            f"short titles (en, nl) of every numbered item in {added.curated / 'titles.yaml'}",
            f"the report's short label, year, publisher, regions in {data_dir / 'sources.yaml'}",
            f"facts no rule reads: curated YAML in {added.curated} (crm_kg.pipeline.curated)",
            f"then `crm-kg build --report {added.report}` until it reads cleanly, then `crm-kg build`"]
    print("\n".join(f"  - {t}" for t in todo))
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
    limit = (args.max_input_mb if args.max_input_mb is not None else settings.max_input_mb) * 1_000_000
    parse_rdf(path, FORMATS.get(path.suffix.lower(), "nquads"), into=dataset,
              max_bytes=limit if args.input and limit > 0 else None)
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
    lines = []
    if not args.input:   # the passage-mentions check reads the built graph beside its sources
        from .pipeline import citations

        lines = citations.report(settings)
        print(f"passage mentions: {len(lines)} finding(s) (data/review/citations.yaml)")
        for line in lines:
            print(f"  {line}")
    return 0 if not lines and report.conforms and (owl is None or owl.conforms) else 1


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
    from .web import answers, create_app, state
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
    answers.warm(app)                              # the drop-down lists, once per graph version
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


LABELS = """SELECT ?s ?label WHERE {
  { ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?label } UNION { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label }
  FILTER(LANG(?label) = ?lang || LANG(?label) = "")
}"""


def _names(store, lang: str) -> dict[str, str]:
    """IRI → its name in ``lang`` (prefLabel before label), for the table."""
    from rdflib import Literal, URIRef

    names: dict[str, str] = {}
    result = store.query(LABELS, {"lang": Literal(lang)})
    for row in sorted(result.rows, key=lambda r: (getattr(r["label"], "language", "") or "") != lang):
        names.setdefault(str(row["s"]), str(row["label"]))
    return {k: v for k, v in names.items() if isinstance(URIRef(k), URIRef)}


def _cell(term, names: dict[str, str]) -> str:
    if term is None:
        return ""
    text = str(term)
    return names.get(text, text)


def _fit(widths: list[int], room: int, gap: int = 2) -> list[int]:
    """Column widths that fit ``room`` characters: narrow columns keep their width, the wide
    ones share what is left equally (none below 6 characters)."""
    room -= gap * (len(widths) - 1)
    if sum(widths) <= room:
        return list(widths)
    cap = max(widths)
    while cap > 6 and sum(min(w, cap) for w in widths) > room:
        cap -= 1
    return [min(w, cap) for w in widths]


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[:max(1, width - 1)] + "…"


def _shown_columns(saved, variables: list[str], bindings: dict) -> list[str]:
    """The columns worth a table: not the bound parameters (constant), not the name columns
    (the IRI column shows the name)."""
    if saved is None:
        return variables
    pairs = {f"{v}Label": v for v in variables if f"{v}Label" in variables}
    pairs.update(saved.labels)
    merged = {name for name, iri in pairs.items() if name in variables and iri in variables}
    return [v for v in variables if v not in bindings and v not in merged]


def _table(variables: list[str], rows: list[dict], names: dict[str, str] | None = None,
           width: int | None = None) -> str:
    """The answer as a text table: IRIs by their names, columns cut to fit the terminal."""
    import shutil

    names = names or {}
    width = width or shutil.get_terminal_size((120, 24)).columns
    cells = [[" ".join(_cell(r.get(v), names).split()) for v in variables] for r in rows]
    widths = [max([len(v)] + [len(c[i]) for c in cells]) for i, v in enumerate(variables)]
    widths = _fit(widths, width)
    lines = ["  ".join(_clip(v, w).ljust(w) for v, w in zip(variables, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(_clip(c, w).ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    return "\n".join(lines)


def _list_queries(library, store) -> str:
    """Every saved query with its parameters as they are typed: type, default, allowed values."""
    import shutil
    import textwrap

    from .sparql.library import Choices

    width = shutil.get_terminal_size((120, 24)).columns
    choices = Choices(store)
    out = []
    for q in library:
        out.append(f"{q.name} — {q.label('en')}")
        for p in q.params:
            kind = "slug" if p.type == "iri" and p.base else p.type
            parts = [f"  --param {p.name}=<{kind}>"]
            if p.default is not None:
                parts.append(f"default {p.default}")
            elif p.may_be_empty:
                parts.append("optional")
            else:
                parts.append("required")
            if p.min is not None:
                parts.append(f"from {p.min:g}")
            if p.max is not None:
                parts.append(f"to {p.max:g}")
            out.append("  ".join(parts))
            listed = choices.get(q, p) if p.closed else None
            if listed:
                values = [c.value for c in listed[:MAX_LISTED]]
                more = f" … ({len(listed)} in all)" if len(listed) > MAX_LISTED else ""
                out += textwrap.wrap("one of: " + ", ".join(values) + more, width=max(40, width - 1),
                                     initial_indent=" " * 6, subsequent_indent=" " * 14,
                                     break_on_hyphens=False)
    return "\n".join(out)


MAX_LISTED = 15   # allowed values shown per parameter in query --list


def cmd_query(args) -> int:
    from .errors import QuerySyntaxError
    from .media import CSV
    from .sparql.explain import explain
    from .sparql.library import Choices, QueryDefinitionError, QueryLibrary, parse_saved_query
    from .sparql.prologue import complete_prefixes
    from .sparql.results import write_answer
    from .store.embedded import EmbeddedStore

    settings = _settings(args)
    library = QueryLibrary(settings.queries_dir)
    if args.list:
        print(_list_queries(library, EmbeddedStore.from_directory(settings.ttl_dir)))
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
            if params:
                raise CrmKgError(f"{path}: --param needs a query with a #+ header declaring parameters")
            saved = None
            query_text = text
    else:
        raise CrmKgError("give a query FILE.rq or --name NAME (or --list)")
    bindings = {}
    store = EmbeddedStore.from_directory(settings.ttl_dir)
    if saved is not None:
        if saved.param("lang") is not None and "lang" not in params:
            params["lang"] = args.lang             # names in the table's language
        bindings = saved.bind(params)
        Choices(store).check(saved, bindings)      # closed lists drawn from the graph
        query_text = saved.text
    completed = complete_prefixes(query_text)      # rdf:, crm:, skos:… need no declaration
    try:
        result = store.query(completed.text, bindings)
    except QuerySyntaxError as exc:
        where = f"{args.file}: " if args.file else ""
        raise QueryDefinitionError(where + str(explain(query_text, str(exc), completed.shift))) from None
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
        columns = _shown_columns(saved, result.variables, bindings)
        print(_table(columns, result.rows, _names(store, args.lang)) if result.kind == "select"
              else str(result.boolean).lower())
    return 0


def cmd_coverage(args) -> int:
    """Which paragraphs of each report yield a claim (pipeline/coverage.py)."""
    from .pipeline import coverage
    from .pipeline.sources import read_sources, report_ids
    from .store.embedded import EmbeddedStore

    settings = _settings(args)
    pins = settings.data_dir / "sources.yaml"
    if args.report and args.report not in report_ids(pins):
        raise CrmKgError(f"unknown report {args.report!r}; the reports are: {', '.join(report_ids(pins))}")
    documents = read_sources(settings.sources, pins=pins)
    maps = coverage.measure(EmbeddedStore.from_directory(settings.ttl_dir), documents, settings.queries_dir,
                            settings.data_dir / "review" / "coverage-scope.yaml", args.report)
    if args.format == "json":
        print(json.dumps([m.to_json() for m in maps], indent=2, ensure_ascii=False))
    else:
        import shutil

        print(coverage.render_table(maps, max(80, min(shutil.get_terminal_size().columns, 140))))
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
    p.add_argument("--report", metavar="ID", help="review one report: what each profile rule read, what "
                   "matched nothing, unknown names; build its graph without writing data/ttl")
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("add-report", help="pin a new report edition and draft its profile",
                       description="Copy FILE into the sources folder (and its manifest), pin its SHA-256 in "
                       "data/sources.yaml, sniff its layout (sections, tables, lists), write a draft "
                       "data/profiles/<ID>.yaml and an empty data/curated/<ID>/, and print what was found "
                       "and what still needs a person.")
    common(p, sources=True)
    p.add_argument("file", metavar="FILE", help="the report as plain text")
    p.add_argument("--id", required=True, help="report id (names its graph and IRIs), e.g. ov-2026")
    p.add_argument("--language", default="en", choices=["en", "nl"], help="the edition's language")
    p.add_argument("--edition", help="edition id (default <ID>-<language>)")
    p.add_argument("--label", help="short name of the report (default: the id)")
    p.add_argument("--year", type=int, help="publication year")
    p.add_argument("--publisher", help="publisher: an organisation id of data/reference")
    p.add_argument("--title", help="full title for the sources manifest (default: the first line)")
    p.add_argument("--data-dir", metavar="DIR", help="the data folder to write to (default data/)")
    p.set_defaults(func=cmd_add_report)

    p = sub.add_parser("validate", help="check the built graph: SHACL shapes, SPARQL checks, OWL consistency",
                       description="Validate data/ttl (or --input FILE) against the SHACL shapes of "
                       "ontology/shapes/ and the SPARQL checks of queries/checks/, then check that every "
                       "term is declared and the ontology with the data is consistent (HermiT, needs "
                       "Java). Prints each finding with its focus node, label, path, value, message and "
                       "source passage; warnings are listed but do not fail; exit 1 on violations.")
    common(p)
    p.add_argument("--input", metavar="FILE",
                   help="an N-Quads/TriG/Turtle/N-Triples/RDF-XML file to validate instead")
    p.add_argument("--max-input-mb", type=int, metavar="MB",
                   help="refuse an --input file larger than this (default: max_input_mb, 64; 0 = no limit)")
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
    p.add_argument("--format", choices=["json", "csv", "table"], default="table",
                   help="table (default): names instead of IRIs, cut to the terminal's width")
    p.add_argument("--lang", choices=["en", "nl"], default="en", help="language of the names in a table")
    p.add_argument("--list", action="store_true", help="list the saved queries and their parameters")
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("coverage", help="which paragraphs of each report yield a claim, per section",
                       description="The coverage map: per report edition and section, the paragraphs in "
                       "scope (data/review/coverage-scope.yaml lists what is not) and those that yield at "
                       "least one statement of the built graph.")
    common(p, sources=True)
    p.add_argument("--report", metavar="ID", help="only this report (e.g. nhfl-2025)")
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.set_defaults(func=cmd_coverage)
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
