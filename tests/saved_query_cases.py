"""Parameter cases for running every saved query, and answers compared as sets of rows.

Used by tests/test_remote_store.py (embedded vs Virtuoso), tests/test_binding.py and
tests/test_hints.py, and by the benchmarks. :func:`block_cases` gives the page blocks' values
the same way. :func:`cases` gives the defaults first, then one parameter changed
at a time: the other values of a closed list, other members of the class an
IRI parameter ranges over (the first and the last in IRI order), other
numbers in range, and a few hand-picked values where a parameter has neither.
"""

from __future__ import annotations

import re
from decimal import Decimal

from rdflib import Literal, URIRef

# values for parameters whose type does not say what else to try
EXTRA = {
    ("figures-with-source", "subject"): ["material/gallium", "product/wind-turbine", ""],   # "": all
    ("supply-concentration", "material"): ["rare-earth-elements", "niobium"],
    ("figures-with-source", "edition"): ["nhfl-2025-nl"],
    ("sub-recommendations", "parent"): ["1", "3"],
    ("trade-measures-by-material", "from"): ["2023"],
    ("trade-measures-timeline", "to"): ["2022"],
    # a report statement cited by both editions, reference data (Wikidata, TOOI, EUR-Lex, the EU
    # list), a report's own record, an ontology term
    ("statement-sources", "subject"): ["organisation/aeb-amsterdam", "material/gallium", "place/amsterdam",
                                       "policy/critical-raw-materials-act", "report/nhfl-2025",
                                       "target/crma-2030-extraction-nhfl", "activity/recycling"],
}
# What no portable query avoids, by (query, column): such a column is compared by its numeric
# value only (not its datatype), and only for these reasons.
NUMERIC_ONLY = {
    # the parameter echoed in the answer (pyoxigraph needs every parameter projected): Virtuoso 7
    # reads the constant "50"^^xsd:decimal of the VALUES block as xsd:integer 50, a cast cannot
    # reach a projected parameter, and "50.0" would be another term on a store that keeps terms
    ("supply-concentration", "minimum"),
}
MEMBERS = "SELECT DISTINCT ?value $class WHERE { ?value a $class } ORDER BY ?value"


def _members(store, cls: str) -> list[str]:
    return [str(r["value"]) for r in store.query(MEMBERS, {"class": URIRef(cls)}).rows]


def _alternatives(query, param, store) -> list[str]:
    default = None if param.default is None else str(param.default)
    extra = EXTRA.get((query.name, param.name))
    if extra is not None:
        return extra
    if param.allowed:
        return [str(a) for a in param.allowed if str(a) != default]
    if param.type == "iri" and param.cls:
        full = (param.base or "") + default if default and not default.startswith("http") else default
        others = [m for m in _members(store, param.cls) if m != full]
        return list(dict.fromkeys(others[:1] + others[-1:]))
    if param.type in ("integer", "year") and default is not None:
        values = [int(default) - 1, int(default) + 1]
        low, high = param.min, param.max
        return [str(v) for v in values if (low is None or v >= low) and (high is None or v <= high)]
    return []


def cases(query, store) -> list[dict[str, str]]:
    """Raw parameter sets: {} (the defaults), then one parameter changed at a time."""
    out: list[dict[str, str]] = [{}]
    for param in query.params:
        for value in _alternatives(query, param, store):
            out.append({param.name: value})
    return out


def _concat_columns(text: str) -> dict[str, str]:
    """Projected variables computed with GROUP_CONCAT, and their separators."""
    columns = {}
    for match in re.finditer(r"\bAS\s+\?(\w+)\s*\)", text, re.IGNORECASE):
        depth, i = 1, match.start()
        while i > 0 and depth:       # back to the "(" that opens this projection
            i -= 1
            depth += {")": 1, "(": -1}.get(text[i], 0)
        expression = text[i:match.start()]
        if "GROUP_CONCAT" in expression.upper():
            sep = re.search(r"separator\s*=\s*(\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')", expression,
                            re.IGNORECASE)
            columns[match.group(1)] = sep.group(1)[1:-1] if sep else " "
    return columns


def rowset(query, result) -> set:
    """The answer as a set of rows; GROUP_CONCAT values as sets of their parts, because
    SPARQL 1.1 leaves the order of concatenation to the engine (§18.5.1.7)."""
    concat = _concat_columns(query.text)
    rows = set()
    for row in result.rows:
        cells = []
        for var, value in sorted(row.items()):
            if value is None:
                continue
            if (query.name, var) in NUMERIC_ONLY:
                cells.append((var, format(Decimal(str(value)).normalize(), "f")))
            elif var in concat and str(value):
                cells.append((var, "|".join(sorted(set(str(value).split(concat[var])))) + value.n3().rsplit("\"", 1)[-1]))
            else:
                cells.append((var, value.n3()))
        rows.add(tuple(cells))
    return rows


ID = "https://w3id.org/crm-kg/id/"
ENTITIES = ["material/gallium", "material/rare-earth-elements", "organisation/cleantron", "place/flevoland",
            "report/nhfl-2025", "policy/critical-raw-materials-act", "product/wind-turbine",
            "opportunity/nhfl-2025/3", "passage/nhfl-2025-en/398"]
BLOCK_VALUES = {"lang": Literal("en"), "graph": URIRef("https://w3id.org/crm-kg/graph/nhfl-2025"),
                "inferred": URIRef("https://w3id.org/crm-kg/graph/inferred"),
                "class": URIRef("https://w3id.org/crm-kg/ontology#Material"), "space": Literal(ID + "material/")}


def block_cases(blocks):
    """(block, entity, bindings) for every page block: each of :data:`ENTITIES` for a block
    about ``$entity``, once for the others."""
    for block in blocks.queries.values():
        for entity in (ENTITIES if "entity" in block.params else [None]):
            values = dict(BLOCK_VALUES, **({"entity": URIRef(ID + entity)} if entity else {}))
            yield block, entity, block.bind(values)
