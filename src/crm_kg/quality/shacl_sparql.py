"""shacl_sparql: SHACL Core shapes compiled to SPARQL SELECTs, evaluated by pyoxigraph.

The engine for large graphs (``shacl_engine = sparql``; pyshacl stays the reference:
tests/test_validation_engines.py compares the two on the real graph, clean and broken,
tests/test_validation_rules.py on every broken fixture). :func:`compile_shapes` turns the shapes graph into one SELECT per
constraint of every shape that has targets (W3C SHACL 1.0, section 2.1.3 targets,
2.3 value nodes, 4 core constraint components); each returns ``?focus`` and, where
SHACL gives a result one, ``?value``. :func:`run` evaluates them on a store — the same
pyoxigraph store the SPARQL checks use, so the data is parsed once.

How SHACL's definitions become SPARQL:

* a *SHACL instance* of C (2.1.3.1) is ``?x rdf:type/rdfs:subClassOf* C``;
* the *value nodes* of a property shape (2.3.1) are ``?focus path ?value`` with the
  SPARQL property path of its ``sh:path`` (2.3.1.1: predicate, inverse, sequence,
  alternative, zero-or-more, one-or-more, zero-or-one); of a node shape the focus node;
* a node *conforms* to a shape (2.4) when it fails none of the shape's constraints
  (``sh:property`` included). Every constraint compiles to an operation on a set of
  rows — "the rows of this pattern whose node fails it" — so ``sh:or`` is the rows
  failing every member shape in turn, ``sh:not`` the rows MINUS those failing the
  shape, ``sh:and``/``sh:node`` the rows failing a member, and
  ``sh:qualifiedValueShape`` counts the values left after MINUS (4.6, 4.7). Set
  operations, not ``FILTER NOT EXISTS``: pyoxigraph evaluates a MINUS once, an
  EXISTS once per row (about 100× slower at 1M triples);
* counts (4.2, 4.7.3) count distinct terms: pyoxigraph's union of named graphs repeats
  a triple stated in two graphs, so "at least n values" is n values pairwise not
  ``sameTerm``;
* ``sh:datatype`` (4.1.2) needs the literal's datatype and a lexical form in the
  datatype's lexical space: an ill-typed literal (``"1,5"^^xsd:decimal``) is a result.
  Well-formedness is tested by casting the lexical form (``xsd:decimal(STR(?v))``);
  datatypes outside XSD (``geo:wktLiteral``) have no lexical check, as in pyshacl;
* ``sh:in`` and ``sh:hasValue`` compare terms (``sameTerm``), not values (4.8.2, 4.8.3)
  — as pyoxigraph stores them: numbers in canonical form;
  ``sh:minInclusive`` & co. and ``sh:lessThan`` compare with SPARQL's ``<``/``>=``, an
  incomparable pair (a string against a number, a blank node) being a result (4.3, 4.5.3);
* ``sh:pattern`` is SPARQL ``REGEX`` on ``STR(?v)``, a blank node a result (4.4.3);
  ``sh:languageIn`` is ``langMatches`` (4.4.5); ``sh:uniqueLang`` gives one result per
  focus node and doubled language tag, without a value (4.4.6), as pyshacl does.

A shape using anything else of the ``sh:`` vocabulary (``sh:closed``, ``sh:xone``,
SPARQL-based constraints, ``sh:qualifiedValueShapesDisjoint true``, a node-shape
``sh:equals``…) is refused when the shapes are compiled, with a
:class:`UnsupportedShapeError` naming the shape — never skipped.

The data is the union of every graph of the store (as for the SPARQL checks, whose
word lists sit there in their own graph, ``checks/lists``; no shape targets them):
naming the graphs instead (``default_graph=[…]``) makes pyoxigraph 10× slower.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import XSD

from ..errors import CrmKgError
from ..sparql.terms import from_ox

SH = Namespace("http://www.w3.org/ns/shacl#")
TYPE_PATH = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>/<http://www.w3.org/2000/01/rdf-schema#subClassOf>*"

TARGETS = {SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode}
# parameters read by the compiler; anything else in the sh: namespace is refused
ANNOTATIONS = {SH.message, SH.severity, SH.name, SH.description, SH.order, SH.group, SH.defaultValue}
PARAMETERS = {SH.path, SH.property, SH["class"], SH.datatype, SH.nodeKind, SH.minCount, SH.maxCount,
              SH.minInclusive, SH.maxInclusive, SH.minExclusive, SH.maxExclusive, SH.minLength,
              SH.maxLength, SH.pattern, SH.flags, SH.languageIn, SH.uniqueLang, SH["in"], SH.hasValue,
              SH["or"], SH["and"], SH["not"], SH.node, SH.equals, SH.disjoint, SH.lessThan,
              SH.lessThanOrEquals, SH.qualifiedValueShape, SH.qualifiedMinCount, SH.qualifiedMaxCount,
              SH.qualifiedValueShapesDisjoint, SH.deactivated}
NODE_KINDS = {
    SH.IRI: "isIRI({v})", SH.BlankNode: "isBlank({v})", SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "(isBlank({v}) || isIRI({v}))", SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
    SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))",
}
# XSD datatypes whose lexical space pyoxigraph checks by a cast (XPath casts, SPARQL 1.1 17.5)
CASTABLE = {XSD[n] for n in ("integer", "decimal", "float", "double", "boolean", "date", "dateTime", "time",
                             "gYear", "gYearMonth", "gMonth", "gMonthDay", "gDay", "duration",
                             "dayTimeDuration", "yearMonthDuration")}
ANY_LEXICAL_FORM = {XSD.string, RDF.langString}
RANGES = {SH.minInclusive: ">=", SH.maxInclusive: "<=", SH.minExclusive: ">", SH.maxExclusive: "<"}
PAIRS = {SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals}


class UnsupportedShapeError(CrmKgError):
    """A shape uses a SHACL feature this compiler does not translate (or is malformed)."""


@dataclass(frozen=True)
class Constraint:
    """One compiled constraint: its SELECT yields ``?focus`` (and ``?value`` when ``value`` is "var")."""

    shape: URIRef | BNode           # the shape results name (sh:sourceShape)
    component: str                  # e.g. "class", "minCount"
    severity: str                   # Violation | Warning | Info
    message: str
    path: object | None             # the shape's sh:path node (sh:resultPath), None for node shapes
    query: str
    value: str = "var"              # var: ?value | focus: the focus node (a node shape) | none


@dataclass
class Plan:
    constraints: list[Constraint] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.constraints)


class _Compiler:
    def __init__(self, shapes: Graph):
        self.g = shapes
        self.counter = itertools.count()
        self.compiling: list = []

    # ----------------------------------------------------------------- naming and terms

    def name(self, shape) -> str:
        """``shapes:Name``, or for a blank node the named shape it is written in."""
        node, seen = shape, set()
        while isinstance(node, BNode) and node not in seen:
            seen.add(node)
            node = next(iter(sorted(self.g.subjects(None, node))), None)
        if isinstance(node, URIRef) and node != shape:
            return f"an anonymous shape in {node.n3(self.g.namespace_manager)}"
        return shape.n3(self.g.namespace_manager) if isinstance(shape, URIRef) else f"an anonymous shape {shape}"

    def fail(self, shape, why: str):
        raise UnsupportedShapeError(f"SHACL shape {self.name(shape)}: {why} (the sparql engine "
                                    "compiles SHACL Core targets, paths and constraints; use "
                                    "shacl_engine = pyshacl for this shape)")

    def term(self, shape, node) -> str:
        if isinstance(node, (URIRef, Literal)):
            return node.n3()
        self.fail(shape, f"a blank node {node} as a constant")
        raise AssertionError

    def var(self, stem: str = "v") -> str:
        return f"?{stem}{next(self.counter)}"

    def values(self, shape, predicate) -> list:
        return sorted(self.g.objects(shape, predicate))

    def one(self, shape, predicate):
        found = self.values(shape, predicate)
        if len(found) > 1:
            self.fail(shape, f"{predicate.n3(self.g.namespace_manager)} given {len(found)} times")
        return found[0] if found else None

    def items(self, shape, node) -> list:
        if node != RDF.nil and self.g.value(node, RDF.first) is None:
            self.fail(shape, f"{node} is not an RDF list")
        return list(Collection(self.g, node))

    def integer(self, shape, predicate) -> int | None:
        node = self.one(shape, predicate)
        if node is None:
            return None
        if not (isinstance(node, Literal) and isinstance(node.value, int) and node.value >= 0):
            self.fail(shape, f"{predicate.n3(self.g.namespace_manager)} is not a non-negative integer")
        return int(node.value)

    # ----------------------------------------------------------------- paths

    def path(self, shape, node) -> str:
        """A SHACL property path (2.3.1) as a SPARQL property path."""
        if isinstance(node, URIRef):
            return node.n3()
        if isinstance(node, Literal):
            self.fail(shape, "a literal as sh:path")
        if self.g.value(node, RDF.first) is not None:
            members = self.items(shape, node)
            if len(members) < 2:
                self.fail(shape, "a sequence path of fewer than two members")
            return "(" + "/".join(self.path(shape, m) for m in members) + ")"
        kinds = {SH.inversePath: "^{}", SH.zeroOrMorePath: "{}*", SH.oneOrMorePath: "{}+",
                 SH.zeroOrOnePath: "{}?"}
        for predicate, form in kinds.items():
            inner = self.g.value(node, predicate)
            if inner is not None:
                return "(" + form.format(self.path(shape, inner)) + ")"
        alternatives = self.g.value(node, SH.alternativePath)
        if alternatives is not None:
            return "(" + "|".join(self.path(shape, m) for m in self.items(shape, alternatives)) + ")"
        self.fail(shape, f"an unknown kind of path {node}")
        raise AssertionError

    # ----------------------------------------------------------------- shapes

    def check_vocabulary(self, shape) -> None:
        for predicate in set(self.g.predicates(shape)):
            if str(predicate).startswith(str(SH)) and predicate not in PARAMETERS | ANNOTATIONS | TARGETS:
                self.fail(shape, f"{predicate.n3(self.g.namespace_manager)} is not supported")
        if self.one(shape, SH.qualifiedValueShapesDisjoint) == Literal(True):
            self.fail(shape, "sh:qualifiedValueShapesDisjoint true is not supported")

    def deactivated(self, shape) -> bool:
        return self.one(shape, SH.deactivated) == Literal(True)

    def components(self, shape, left: str, x: str) -> list[tuple[str, str, str | None]]:
        """Every constraint of ``shape`` on the node bound to ``x`` by the pattern ``left``:
        (component, the solutions of ``left`` where it is not met, the variable of the
        offending value or None). Set operations only (MINUS, joins, FILTERs on bound
        variables): pyoxigraph evaluates ``FILTER NOT EXISTS`` row by row, MINUS at once."""
        self.check_vocabulary(shape)
        path_node = self.one(shape, SH.path)
        path = self.path(shape, path_node) if path_node is not None else None
        out: list[tuple[str, str, str | None]] = []

        def per_value(component: str, build) -> None:
            """``build(values, v)``: the rows of ``values`` (binding the value node ``v``) that fail."""
            if path is None:
                failing = build(left, x)
                if failing is not None:
                    out.append((component, failing, x))
                return
            v = self.var()
            failing = build(f"{left} {x} {path} {v} .", v)
            if failing is not None:
                out.append((component, failing, v))

        def where(condition):
            return lambda rows, v: f"{rows} FILTER({condition(v)})"

        for cls in self.values(shape, SH["class"]):
            c = self.term(shape, cls)
            per_value("class", lambda rows, v, c=c: f"{rows} MINUS {{ {v} {TYPE_PATH} {c} }}")
        datatype = self.one(shape, SH.datatype)
        if datatype is not None:
            per_value("datatype", where(lambda v: self.datatype(shape, datatype, v)))
        kind = self.one(shape, SH.nodeKind)
        if kind is not None:
            if kind not in NODE_KINDS:
                self.fail(shape, f"unknown sh:nodeKind {kind}")
            per_value("nodeKind", where(lambda v: "!" + NODE_KINDS[kind].format(v=v)))
        for predicate, op in RANGES.items():
            for bound in self.values(shape, predicate):
                b = self.term(shape, bound)
                per_value(predicate.split("#")[-1], where(lambda v, op=op, b=b: f"!COALESCE({v} {op} {b}, false)"))
        for predicate, op in ((SH.minLength, ">="), (SH.maxLength, "<=")):
            n = self.integer(shape, predicate)
            if n is not None:
                per_value(predicate.split("#")[-1], where(
                    lambda v, op=op, n=n: f"isBlank({v}) || !COALESCE(STRLEN(STR({v})) {op} {n}, false)"))
        flags = self.one(shape, SH.flags)
        for pattern in self.values(shape, SH.pattern):
            args = Literal(str(pattern)).n3() + (f", {Literal(str(flags)).n3()}" if flags is not None else "")
            per_value("pattern", where(lambda v, args=args: f"isBlank({v}) || !REGEX(STR({v}), {args})"))
        languages = self.one(shape, SH.languageIn)
        if languages is not None:
            tags = [str(t) for t in self.items(shape, languages)]
            per_value("languageIn", where(lambda v: f"!(isLiteral({v}) && ("
                      + (" || ".join(f"langMatches(LANG({v}), {Literal(t).n3()})" for t in tags) or "false")
                      + "))"))
        allowed = self.one(shape, SH["in"])
        if allowed is not None:
            members = [self.term(shape, m) for m in self.items(shape, allowed)]
            per_value("in", where(lambda v: "!(" + (" || ".join(f"sameTerm({v}, {m})" for m in members)
                                                   or "false") + ")"))
        for head in self.values(shape, SH["or"]):
            per_value("or", lambda rows, v, members=self.items(shape, head): self.fails_all(members, rows, v))
        for head in self.values(shape, SH["and"]):
            per_value("and", lambda rows, v, members=self.items(shape, head): self.union(
                [self.fails(m, rows, v) for m in members]))
        for negated in self.values(shape, SH["not"]):
            per_value("not", lambda rows, v, s=negated: self.conforming(s, rows, v))
        for node in self.values(shape, SH.node):
            per_value("node", lambda rows, v, s=node: self.fails(s, rows, v))

        if path is not None:
            out += self.path_components(shape, path, left, x)
        else:
            for predicate in (SH.minCount, SH.maxCount, SH.uniqueLang, SH.qualifiedValueShape, *PAIRS):
                if self.values(shape, predicate):
                    self.fail(shape, f"{predicate.n3(self.g.namespace_manager)} on a node shape")
            for has in self.values(shape, SH.hasValue):
                out.append(("hasValue", f"{left} FILTER(!sameTerm({x}, {self.term(shape, has)}))", None))
        return out

    def path_components(self, shape, path: str, left: str, x: str) -> list[tuple[str, str, str | None]]:
        out: list[tuple[str, str, str | None]] = []

        # the right side of a MINUS is evaluated on its own: over the whole graph for a
        # predicate (an index scan), restricted to the rows of ``left`` for a longer path
        base = "" if path.startswith("<") else left

        def distinct(n: int, qualified=None, base: str = "") -> tuple[str, list[str]]:
            """``x`` with ``n`` pairwise different values (each conforming to ``qualified``)."""
            vs = [self.var() for _ in range(n)]
            body = base + " " + " ".join(f"{x} {path} {v} ." for v in vs)
            different = [f"!sameTerm({a}, {b})" for a, b in itertools.combinations(vs, 2)]
            if different:
                body += f" FILTER({' && '.join(different)})"
            for v in vs if qualified is not None else ():
                failing = self.fails(qualified, f"{base} {x} {path} {v} .", v)
                if failing is not None:
                    body = f"{{ {body} }} MINUS {{ {failing} }}"
            return body, vs

        low = self.integer(shape, SH.minCount)
        if low:
            out.append(("minCount", f"{left} MINUS {{ {distinct(low, base=base)[0]} }}", None))
        high = self.integer(shape, SH.maxCount)
        if high is not None:
            out.append(("maxCount", f"{left} {distinct(high + 1)[0]}", None))
        for has in self.values(shape, SH.hasValue):
            out.append(("hasValue", f"{left} MINUS {{ {base} {x} {path} {self.term(shape, has)} }}", None))
        if self.one(shape, SH.uniqueLang) == Literal(True):
            body, (a, b) = distinct(2)
            key = self.var("lang")
            out.append(("uniqueLang", f"{left} {body} FILTER(LANG({a}) != \"\" && "
                        f"LCASE(LANG({a})) = LCASE(LANG({b}))) BIND(LCASE(LANG({a})) AS {key})", key + "#key"))
        qualified = self.one(shape, SH.qualifiedValueShape)
        q_low, q_high = self.integer(shape, SH.qualifiedMinCount), self.integer(shape, SH.qualifiedMaxCount)
        if qualified is not None:
            if q_low is None and q_high is None:
                self.fail(shape, "sh:qualifiedValueShape without sh:qualifiedMinCount or sh:qualifiedMaxCount")
            if q_low:
                out.append(("qualifiedMinCount", f"{left} MINUS {{ {distinct(q_low, qualified, base)[0]} }}", None))
            if q_high is not None:
                out.append(("qualifiedMaxCount", f"{left} {distinct(q_high + 1, qualified)[0]}", None))
        elif q_low is not None or q_high is not None:
            self.fail(shape, "a qualified count without sh:qualifiedValueShape")
        for predicate in PAIRS:
            for other in self.values(shape, predicate):
                o = self.term(shape, other)
                v, w = self.var(), self.var()
                component = predicate.split("#")[-1]
                if predicate == SH.equals:
                    body = (f"{{ {left} {x} {path} {v} . MINUS {{ {x} {o} {v} }} }} UNION "
                            f"{{ {left} {x} {o} {v} . MINUS {{ {x} {path} {v} }} }}")
                elif predicate == SH.disjoint:
                    body = f"{left} {x} {path} {v} . {x} {o} {v} ."
                else:
                    op = "<" if predicate == SH.lessThan else "<="
                    body = f"{left} {x} {path} {v} . {x} {o} {w} . FILTER(!COALESCE({v} {op} {w}, false))"
                out.append((component, body, v))
        return out

    def datatype(self, shape, datatype, v: str) -> str:
        if not isinstance(datatype, URIRef):
            self.fail(shape, "sh:datatype is not an IRI")
        d = datatype.n3()
        if datatype in ANY_LEXICAL_FORM or not str(datatype).startswith(str(XSD)):
            well_formed = "true"
        elif datatype in CASTABLE:
            well_formed = f"COALESCE(isLiteral({d}(STR({v}))), false)"
        else:
            self.fail(shape, f"sh:datatype {datatype.n3(self.g.namespace_manager)}: no lexical check for it")
        return f"!(isLiteral({v}) && DATATYPE({v}) = {d} && {well_formed})"

    def union(self, parts: list) -> str | None:
        parts = [p for p in parts if p is not None]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else " UNION ".join(f"{{ {p} }}" for p in parts)

    def fails(self, shape, left: str, x: str) -> str | None:
        """The solutions of ``left`` whose node ``x`` does not conform to ``shape`` (2.4: it fails
        one of its constraints or property shapes); None when the shape cannot fail."""
        if shape in self.compiling:
            self.fail(shape, "a recursive shape (SHACL 3.4.3 leaves its validation undefined)")
        if self.deactivated(shape):
            return None
        self.compiling.append(shape)
        try:
            parts = [pattern for _c, pattern, _v in self.components(shape, left, x)]
            parts += [self.fails(p, left, x) for p in self.values(shape, SH.property)]
        finally:
            self.compiling.pop()
        return self.union(parts)

    def conforming(self, shape, left: str, x: str) -> str:
        """The solutions of ``left`` whose node ``x`` conforms to ``shape``."""
        failing = self.fails(shape, left, x)
        return left if failing is None else f"{left} MINUS {{ {failing} }}"

    def fails_all(self, shapes: list, left: str, x: str) -> str | None:
        """sh:or (4.6.3): the solutions of ``left`` whose ``x`` conforms to none of ``shapes``."""
        rows: str | None = left
        for member in shapes:
            rows = self.fails(member, rows, x)
            if rows is None:
                return None
        return rows if shapes else left

    # ----------------------------------------------------------------- targets and results

    def targets(self, shape) -> list[tuple[str, object]]:
        """The focus nodes of ``shape`` (2.1.3): (kind, term) per target."""
        self.check_vocabulary(shape)
        out = []
        for kind in (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode):
            for target in self.values(shape, kind):
                self.term(shape, target)            # an IRI or a literal, not a blank node
                out.append((kind, target))
        if (shape, RDF.type, URIRef("http://www.w3.org/2000/01/rdf-schema#Class")) in self.g:
            self.fail(shape, "an implicit class target (the shape is also an rdfs:Class)")
        return out

    def focus_pattern(self, targets: list) -> str:
        """One pattern binding ``?focus`` to every focus node: SHACL instances of the target
        classes (``rdf:type/rdfs:subClassOf*``), subjects or objects of the target
        predicates, the target nodes; a plain join where there is one kind, so that the
        store orders it with the constraint's own triple patterns."""
        by_kind: dict = {}
        for kind, term in dict.fromkeys(targets):
            by_kind.setdefault(kind, []).append(term.n3())
        parts = []
        for kind, terms in by_kind.items():
            values = " ".join(sorted(terms))
            if kind == SH.targetClass:
                parts.append(f"VALUES ?targetClass {{ {values} }} ?targetType "
                             "<http://www.w3.org/2000/01/rdf-schema#subClassOf>* ?targetClass . "
                             "?focus <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> ?targetType .")
            elif kind == SH.targetSubjectsOf:
                parts.append(f"VALUES ?targetPredicate {{ {values} }} ?focus ?targetPredicate ?targetObject .")
            elif kind == SH.targetObjectsOf:
                parts.append(f"VALUES ?targetPredicate {{ {values} }} ?targetSubject ?targetPredicate ?focus .")
            else:
                parts.append(f"VALUES ?focus {{ {values} }}")
        return parts[0] if len(parts) == 1 else " UNION ".join(f"{{ {p} }}" for p in parts)

    def message(self, shape, component: str) -> str:
        messages = sorted(str(m) for m in self.g.objects(shape, SH.message))
        return messages[0] if messages else f"{component} constraint not met"

    def severity(self, shape) -> str:
        node = self.one(shape, SH.severity)
        return str(node).rsplit("#", 1)[-1] if node is not None else "Violation"

    def compile(self) -> Plan:
        shapes = self.all_shapes()
        for shape in shapes:                    # every shape, targeted or not: refuse early
            self.fails(shape, "?check ?p ?o .", "?check")
        focus_of: dict = {}                     # shape → its target patterns (with its parents')
        for shape in shapes:
            found = self.targets(shape)
            if not found:
                continue
            focus_of.setdefault(shape, []).extend(found)
            for prop in self.values(shape, SH.property):
                focus_of.setdefault(prop, []).extend(found)
        plan = Plan()
        for shape in sorted(focus_of, key=str):
            if self.deactivated(shape):
                continue
            path = self.one(shape, SH.path)
            targets = self.focus_pattern(focus_of[shape])
            for component, pattern, value in self.components(shape, targets, "?focus"):
                kind = "none" if value is None or value.endswith("#key") else "focus" if value == "?focus" else "var"
                projection = "?focus" + (f" ({value.removesuffix('#key')} AS ?value)"
                                         if value not in (None, "?focus") else "")
                query = f"SELECT DISTINCT {projection} WHERE {{ {pattern} }}"
                plan.constraints.append(Constraint(
                    shape=shape, component=component, severity=self.severity(shape),
                    message=self.message(shape, component), path=path, query=query, value=kind))
        return plan

    def all_shapes(self) -> list:
        found = set(self.g.subjects(RDF.type, SH.NodeShape)) | set(self.g.subjects(RDF.type, SH.PropertyShape))
        for predicate in TARGETS | {SH.path}:
            found |= set(self.g.subjects(predicate, None))
        for predicate in (SH.property, SH.node, SH["not"], SH.qualifiedValueShape):
            found |= set(self.g.objects(None, predicate))
        for predicate in (SH["or"], SH["and"], SH.xone):
            for shape, head in self.g.subject_objects(predicate):
                found |= set(self.items(shape, head))
        for shape in set(self.g.subjects(SH.xone, None)):
            self.fail(shape, "sh:xone is not supported")
        return sorted(found, key=lambda s: (isinstance(s, BNode), str(s)))


def compile_shapes(shapes: Graph) -> Plan:
    """One SELECT per constraint of every targeted shape; raises :class:`UnsupportedShapeError`
    naming the first shape that uses a feature the compiler does not translate."""
    return _Compiler(shapes).compile()


def run(store: ox.Store, plan: Plan, graphs: list | None = None) -> list[tuple]:
    """Evaluate ``plan`` on ``store`` over the union of ``graphs`` (default: every graph):
    (severity, shape, focus, path, value, message) per result, rdflib terms, like
    :func:`crm_kg.quality.validate.run_shacl`."""
    options = {"default_graph": graphs} if graphs is not None else {"use_default_graph_as_union": True}
    out = []
    for c in plan.constraints:
        for solution in store.query(c.query, **options):
            focus = from_ox(solution["focus"])
            value = focus if c.value == "focus" else from_ox(solution["value"]) if c.value == "var" else None
            out.append((c.severity, c.shape, focus, c.path, value, c.message))
    return out


__all__ = ["Constraint", "Plan", "UnsupportedShapeError", "compile_shapes", "run"]
