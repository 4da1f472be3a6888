"""The API described: an OpenAPI 3.1 document generated from the saved queries' headers.

``/api/openapi.json`` is the document (OpenAPI Specification 3.1.0): one
operation per saved query (``GET /api/queries/{name}``) whose parameters are
the query's, typed from its header — integers and years with their bounds,
decimals, language tags, IRIs given as slugs under the parameter's base or in
full — with the closed lists drawn from the graph as ``enum``; plus the list
of queries and the paging parameters (``limit``, ``offset``) and headers
(``Link``, ``X-Total-Count``). ``/api`` renders the same document as a page
(server-side HTML; no script, nothing fetched from elsewhere).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from flask import Blueprint, Response, g, jsonify, render_template, request

from ..sparql import keyset
from ..sparql.library import Param, SavedQuery
from . import state, vendor
from .answers import choices
from .wording import tag_name

bp = Blueprint("openapi", __name__)

DEFAULT_PAGE = 1000           # rows per page of /api/queries/<name> unless ?limit= says otherwise
RESULT_TYPES = {
    "application/sparql-results+json": {"$ref": "#/components/schemas/SparqlResults"},
    "text/csv": {"type": "string", "description": "SPARQL 1.1 Query Results CSV"},
    "text/tab-separated-values": {"type": "string", "description": "SPARQL 1.1 Query Results TSV"},
    "text/turtle": {"type": "string", "description": "the page of the answer as an rs:ResultSet (W3C "
                    "result-set vocabulary) in Turtle"},
}


def _version() -> str:
    try:
        return version("crm-kg")
    except PackageNotFoundError:
        return "0"


def param_schema(p: Param, query: SavedQuery) -> dict:
    """A JSON Schema (2020-12, as OpenAPI 3.1 uses it) for one parameter's raw value."""
    if p.type in ("integer", "year"):
        schema: dict = {"type": "integer"}
    elif p.type == "decimal":
        schema = {"type": "number"}
    elif p.type == "language":
        schema = {"type": "string", "pattern": "^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$"}
    else:
        schema = {"type": "string"}
    if p.min is not None:
        schema["minimum"] = p.min
    if p.max is not None:
        schema["maximum"] = p.max
    if p.default is not None:
        schema["default"] = int(p.default) if schema["type"] == "integer" else (
            p.default if schema["type"] == "number" else str(p.default))
    listed = choices().get(query, p)
    if listed is not None:
        values = [int(c.value) if schema["type"] == "integer" else c.value for c in listed]
        if p.may_be_empty and schema["type"] == "string":
            values = [""] + values
        schema["enum"] = values
    return schema


def param_description(p: Param) -> str:
    text = p.label.get("en", p.name)
    if p.type == "iri":
        text += (f". An IRI, or its part after {p.base}" if p.base else ". An IRI")
        if p.cls:
            text += f"; a member of <{p.cls}>"
    if p.optional:
        text += ". Given empty, it matches any value"
    elif p.may_be_empty:
        text += ". Optional: left out, it matches any value"
    return text + "."


def operation(query: SavedQuery) -> dict:
    parameters = [{
        "name": p.name, "in": "query", "required": p.required,
        "description": param_description(p), "schema": param_schema(p, query),
        **({"allowEmptyValue": True} if p.optional else {}),
    } for p in query.params]
    parameters += [{"$ref": "#/components/parameters/limit"}, {"$ref": "#/components/parameters/offset"},
                   {"$ref": "#/components/parameters/format"}]
    description = query.description.get("en", "")
    if query.title.get("nl"):
        description += f"\n\nNL: {query.title['nl']}. {query.description.get('nl', '')}".rstrip()
    return {
        "operationId": "query_" + query.name.replace("-", "_"),
        "summary": query.title["en"],
        "description": description.strip(),
        "tags": list(query.tags) or ["other"],
        "parameters": parameters,
        "responses": {
            "200": {"description": "The answer (one page of it).",
                    "headers": {"X-Total-Count": {"$ref": "#/components/headers/X-Total-Count"},
                                "Link": {"$ref": "#/components/headers/Link"},
                                "X-Result-Truncated": {"$ref": "#/components/headers/X-Result-Truncated"}},
                    "content": {mime: {"schema": schema} for mime, schema in RESULT_TYPES.items()}},
            "400": {"$ref": "#/components/responses/BadParameter"},
            "406": {"$ref": "#/components/responses/NotAcceptable"},
            "502": {"$ref": "#/components/responses/StoreFailed"},
            "503": {"$ref": "#/components/responses/Unavailable"},
            "504": {"$ref": "#/components/responses/StoreTimeout"},
        },
        "externalDocs": {"description": "The question as a form", "url": f"/queries/{query.name}"},
    }


def document(library, settings) -> dict:
    tags = sorted({t for q in library for t in (q.tags or ("other",))})
    paths = {
        "/api/queries": {"get": {
            "operationId": "list_queries", "summary": "The saved queries and their parameters",
            "tags": ["library"],
            "responses": {"200": {"description": "Every saved query with its parameters.",
                                  "content": {"application/json": {"schema": {
                                      "type": "array", "items": {"$ref": "#/components/schemas/SavedQuery"}}}}}},
        }},
    }
    for query in library:
        paths[f"/api/queries/{query.name}"] = {"get": operation(query)}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "crm-kg: saved questions about critical raw materials in the Dutch provinces",
            "version": _version(),
            "summary": "The questions policy analysts ask of the knowledge graph, as an API.",
            "description": (
                "Each saved query is an operation: its parameters are typed and checked (a value of the "
                "wrong type or outside the allowed list is HTTP 400 naming the parameter) and bound as RDF "
                "terms. Answers are SPARQL 1.1 Query Results JSON, CSV (Accept: text/csv or format=csv), TSV (Accept: text/tab-separated-values or format=tsv; an ASK answer in CSV/TSV is Jena's column _askResult with one row, true or false) or "
                "Turtle (Accept: text/turtle or format=ttl). Paging: limit (default "
                f"{DEFAULT_PAGE}, at most {settings.max_result_rows}) and offset; an answer says its "
                "total in X-Total-Count and links the other pages in Link (rel=first, prev, next, last). "
                "Answers that grow with the store ("
                + ", ".join(q.name for q in library if q.pages) + ") are computed a page at a "
                f"time, report by report: their pages hold {keyset.PAGE} rows unless limit says otherwise, "
                "and until the last report is reached they give neither X-Total-Count nor rel=last — "
                "follow rel=next until it is absent. "
                "Answers longer than the service's row limit are cut (X-Result-Truncated: true). "
                "Parameters without a value take their default; an optional parameter given empty "
                "matches any value. For your own SPARQL use /sparql (SPARQL 1.1 Protocol)."),
            "license": {"name": "Data: CC BY 4.0; code: MIT", "identifier": "CC-BY-4.0"},
        },
        "servers": [{"url": "/", "description": "this server"}],
        "tags": [{"name": "library", "description": "The list of saved queries"}] + [
            {"name": t, "description": tag_name(t, "en")} for t in tags],
        "paths": paths,
        "components": {
            "parameters": {
                "limit": {"name": "limit", "in": "query", "required": False,
                          "description": "Rows per page.",
                          "schema": {"type": "integer", "minimum": 1, "maximum": settings.max_result_rows,
                                     "default": DEFAULT_PAGE}},
                "offset": {"name": "offset", "in": "query", "required": False,
                           "description": "Rows to skip (0 is the first page).",
                           "schema": {"type": "integer", "minimum": 0, "default": 0}},
                "format": {"name": "format", "in": "query", "required": False,
                           "description": "The answer's format, overriding Accept.",
                           "schema": {"type": "string", "enum": ["json", "csv", "ttl", "turtle"]}},
            },
            "headers": {
                "X-Total-Count": {"description": "Rows in the whole answer (absent while an answer "
                                                 "computed a page at a time has not reached its end).",
                                  "schema": {"type": "integer"}},
                "Link": {"description": "RFC 8288 links to the first, previous, next and last pages.",
                         "schema": {"type": "string"}},
                "X-Result-Truncated": {"description": "true when the answer was cut at the row limit.",
                                       "schema": {"type": "string", "enum": ["true"]}},
            },
            "responses": {
                "BadParameter": {"description": "A parameter is missing, of the wrong type, outside its "
                                                 "allowed values, or unknown.",
                                 "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                "NotAcceptable": {"description": "None of the accepted media types is offered.",
                                  "content": {"text/plain": {"schema": {"type": "string"}}}},
                "Unavailable": {"description": "The query was stopped at the deadline or the store is busy; "
                                               "retry after Retry-After seconds.",
                                "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                "StoreFailed": {"description": "A remote SPARQL store (serve --store remote) failed or "
                                               "could not be reached.",
                                "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                "StoreTimeout": {"description": "A remote SPARQL store did not answer in time.",
                                 "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                                 "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            },
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {
                    "error": {"type": "string"}, "param": {"type": "string"}, "detail": {"type": "string"}}},
                "Text": {"type": "object", "description": "A text by language tag",
                         "properties": {"en": {"type": "string"}, "nl": {"type": "string"}}},
                "SparqlResults": {
                    "type": "object", "description": "SPARQL 1.1 Query Results JSON Format",
                    "properties": {
                        "head": {"type": "object", "properties": {
                            "vars": {"type": "array", "items": {"type": "string"}}}},
                        "results": {"type": "object", "properties": {"bindings": {"type": "array", "items": {
                            "type": "object", "additionalProperties": {"$ref": "#/components/schemas/RdfTerm"}}}}},
                        "boolean": {"type": "boolean"}}},
                "RdfTerm": {"type": "object", "required": ["type", "value"], "properties": {
                    "type": {"type": "string", "enum": ["uri", "literal", "bnode"]},
                    "value": {"type": "string"}, "xml:lang": {"type": "string"}, "datatype": {"type": "string"}}},
                "SavedQuery": {"type": "object", "properties": {
                    "name": {"type": "string"}, "title": {"$ref": "#/components/schemas/Text"},
                    "description": {"$ref": "#/components/schemas/Text"},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "url": {"type": "string"}, "page": {"type": "string"},
                    "params": {"type": "array", "items": {"type": "object"}}}},
            },
        },
    }


@bp.route("/api/openapi.json")
def openapi_json():
    response = jsonify(document(state.library(), state.settings()))
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/api")
def api_page():
    doc = document(state.library(), state.settings())
    operations = [(path, item["get"]) for path, item in doc["paths"].items()]
    titles = {f"/api/queries/{q.name}": q.label(g.lang) for q in state.library()}
    html = render_template("api.html", lang=g.lang, doc=doc, operations=operations, titles=titles,
                           base=request.url_root.rstrip("/"), default_page=DEFAULT_PAGE,
                           swagger=vendor.available("swagger-ui"))
    return vendor.allow_widget_styles(Response(html, mimetype="text/html"))   # Swagger UI's styles
