"""The ontology as a web resource: ``/ontology`` (W3C "Best Practice Recipes for
Publishing RDF Vocabularies", recipe 3: hash namespace, content negotiation).

``https://w3id.org/crm-kg/ontology#Material`` dereferences here: browsers get
the pyLODE documentation (``ontology/crm.html``, one anchor per term, so the
fragment lands on the term), machines get Turtle (the hand-edited source),
RDF/XML (the Protégé release ``ontology/crm.owl``), JSON-LD or N-Triples,
chosen by ``Accept`` (q-values, RFC 9110 §12.5.1), by ``?format=`` or by an
extension (``/ontology.ttl``, ``.owl``/``.rdf``, ``.jsonld``, ``.nt``,
``.html``). The version IRI (``/ontology/<version>``) serves the current
version when it is that version. Responses carry an ETag, ``Link`` headers to
the other formats, and the HTML a Content-Security-Policy that admits exactly
its inline stylesheet (by hash) and nothing from elsewhere.
"""

from __future__ import annotations

import base64
import hashlib
import re
import threading
from dataclasses import dataclass, field

from flask import Blueprint, Response, abort, request
from rdflib import OWL, Graph

from ..iri import ONTOLOGY_IRI, PREFIXES
from ..media import BY_TYPE, HTML, JSONLD, NTRIPLES, RDFXML, TURTLE
from ..quality.declarations import DOCS, RELEASE, SOURCE
from . import state
from .negotiation import NotAcceptable, choose
from .rdfdoc import DOCUMENT

bp = Blueprint("ontology", __name__)

# the same offers as every RDF document (/id/…): */* gets Turtle, browsers HTML
OFFERS = DOCUMENT
EXTENSIONS = {ext: media_type for media_type in OFFERS for ext in BY_TYPE[media_type].extensions}
_STYLE = re.compile(r"<style>(.*?)</style>", re.S)
NONE = "'none'"


@dataclass
class Published:
    """The ontology in every format, read once per app (files) or made once (JSON-LD, N-Triples)."""

    bodies: dict[str, bytes]
    version: str | None
    html_csp: str
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def body(self, media_type: str) -> bytes:
        if media_type not in self.bodies:
            with self._lock:
                if media_type not in self.bodies:
                    graph = Graph()
                    graph.parse(data=self.bodies[TURTLE], format="turtle")
                    if media_type == JSONLD:  # context inline: nothing fetched, by us or the client
                        data = graph.serialize(format="json-ld", context=dict(PREFIXES), auto_compact=True)
                    else:
                        data = "".join(sorted(graph.serialize(format="nt").splitlines(keepends=True)))
                    self.bodies[media_type] = data.encode("utf-8")
        return self.bodies[media_type]


def _published() -> Published:
    return state.once("ontology", _publish)


def _publish() -> Published:
    directory = state.settings().ontology_dir
    bodies = {}
    for name, media_type in ((SOURCE, TURTLE), (RELEASE, RDFXML), (DOCS, HTML)):
        path = directory / name
        if not path.is_file():
            abort(Response(f"ontology/{name} is missing; run `make ontology`\n", status=503,
                           mimetype="text/plain"))
        bodies[media_type] = path.read_bytes()
    graph = Graph()
    graph.parse(data=bodies[TURTLE], format="turtle")
    version = graph.value(ONTOLOGY_IRI, OWL.versionInfo)
    hashes = " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode('utf-8')).digest()).decode()}'"
                      for s in _STYLE.findall(bodies[HTML].decode("utf-8")))
    csp = (f"default-src 'none'; style-src {hashes or NONE}; img-src data:; "
           "frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
    return Published(bodies, str(version) if version is not None else None, csp)


def _links(base: str) -> str:
    return ", ".join(f'<{base}.{ext}>; rel="alternate"; type="{media}"'
                     for ext, media in (("ttl", TURTLE), ("owl", RDFXML), ("jsonld", JSONLD),
                                        ("nt", NTRIPLES), ("html", HTML)))


def _serve(media_type: str | None) -> Response:
    published = _published()
    if media_type is None:
        try:
            media_type = OFFERS.canonical(choose(request.headers.get("Accept"), OFFERS, request.args.get("format")))
        except NotAcceptable as exc:
            return Response("not acceptable; /ontology is available as " + ", ".join(exc.supported)
                            + "\n", status=406, mimetype="text/plain")
    body = published.body(media_type)
    response = Response(body, mimetype=media_type)
    if media_type in (HTML, TURTLE, NTRIPLES):
        response.headers["Content-Type"] = f"{media_type}; charset=utf-8"
    response.headers["Link"] = _links(request.url_root.rstrip("/") + "/ontology")
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=3600"
    if media_type == HTML:
        response.headers["Content-Security-Policy"] = published.html_csp
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    return response.make_conditional(request)


@bp.route("/ontology")
def ontology():
    return _serve(None)


@bp.route("/ontology.<ext>")
def ontology_file(ext: str):
    if ext not in EXTENSIONS:
        return Response(f"no /ontology.{ext}; try " + ", ".join(f".{e}" for e in EXTENSIONS) + "\n",
                        status=404, mimetype="text/plain")
    return _serve(EXTENSIONS[ext])


@bp.route("/ontology/<version>")
def ontology_version(version: str):
    current = _published().version
    if version != current:
        return Response(f"version {version} is not served here; the current version is {current} "
                        "(at /ontology)\n", status=404, mimetype="text/plain")
    return _serve(None)
