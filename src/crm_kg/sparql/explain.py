"""explain: a SPARQL syntax error as a person reads it, in one place.

pyoxigraph's parser (0.5) reports ``error at LINE:COLUMN: expected one of …``
followed by the grammar's character classes — "Prefix not found, ['%'],
['-' | '0' ..= '9' …" over six lines. :func:`explain` turns that message and
the query text into a :class:`Problem`: the line and column (1-based, of the
text the user wrote: the prefixes :mod:`.prologue` added are taken out) and a
sentence saying what is wrong and what to do ("unknown prefix `foo:` — declare
it, or use one of …"). The web endpoint (JSON, text and the editor page) and
the CLI all show this; the engine's own words stay in ``detail``.

A message from another engine (a remote store) has no position we can read:
it is kept as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .binding import tokens
from .prologue import COMMON, declared_prefixes

_POSITION = re.compile(r"error at (\d+):(\d+):\s*(.*)", re.S)
_KEYWORD = re.compile(r'"([^"]+)"|\b([A-Z][A-Za-z]+)\b')
FORMS = ("SELECT", "CONSTRUCT", "ASK", "DESCRIBE")
# the bare words of SPARQL 1.1 (Query §19.8: keywords and built-in functions), and pyoxigraph's LATERAL
KEYWORDS = frozenset("""
SELECT CONSTRUCT ASK DESCRIBE WHERE PREFIX BASE FROM NAMED DISTINCT REDUCED AS GROUP BY HAVING ORDER
ASC DESC LIMIT OFFSET VALUES UNDEF OPTIONAL UNION MINUS GRAPH SERVICE SILENT BIND FILTER NOT EXISTS
IN A TRUE FALSE COUNT SUM MIN MAX AVG SAMPLE GROUP_CONCAT SEPARATOR STR LANG LANGMATCHES DATATYPE
BOUND IRI URI BNODE RAND ABS CEIL FLOOR ROUND CONCAT STRLEN UCASE LCASE ENCODE_FOR_URI CONTAINS
STRSTARTS STRENDS STRBEFORE STRAFTER YEAR MONTH DAY HOURS MINUTES SECONDS TIMEZONE TZ NOW UUID
STRUUID MD5 SHA1 SHA256 SHA384 SHA512 COALESCE IF STRLANG STRDT SAMETERM ISIRI ISURI ISBLANK
ISLITERAL ISNUMERIC REGEX SUBSTR REPLACE LATERAL LOAD CLEAR DROP CREATE ADD MOVE COPY INSERT DELETE
DATA WITH USING DEFAULT ALL TO INTO
""".split())
# the ones a misspelling most likely meant (suggested first)
CLAUSE_WORDS = ("SELECT", "WHERE", "PREFIX", "FILTER", "OPTIONAL", "UNION", "MINUS", "GRAPH", "BIND",
                "VALUES", "GROUP", "ORDER", "HAVING", "LIMIT", "OFFSET", "DISTINCT", "CONSTRUCT",
                "DESCRIBE", "COUNT", "REGEX", "CONTAINS", "LANG", "LANGMATCHES", "STR", "EXISTS")


@dataclass(frozen=True)
class Problem:
    message: str               # one sentence, for a person
    line: int | None = None    # 1-based, in the text the user wrote
    column: int | None = None  # 1-based, in characters
    detail: str = ""           # the engine's own message

    def __str__(self) -> str:
        where = f"line {self.line}, column {self.column}: " if self.line else ""
        return f"SPARQL syntax error at {where}{self.message}"

    def to_json(self) -> dict:
        return {"error": "syntax", "message": str(self), "explanation": self.message,
                "line": self.line, "column": self.column, "detail": self.detail}


def _expected(words: str) -> list[str]:
    """The keywords and punctuation of pyoxigraph's "expected one of …" (character classes dropped)."""
    words = re.sub(r"\[[^\]]*\]", " ", words)
    out = []
    for quoted, bare in _KEYWORD.findall(words):
        item = quoted or bare
        if item and item not in out:
            out.append(item)
    return out


def _offset(text: str, line: int, column: int) -> int:
    lines = text.split("\n")
    if line > len(lines):
        return len(text)
    return min(sum(len(x) + 1 for x in lines[:line - 1]) + column - 1, len(text))


def _position(text: str, offset: int) -> tuple[int, int]:
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def _nearest(name: str, choices) -> str | None:
    """The choice within two edits of ``name`` (Levenshtein), if any."""
    def distance(a: str, b: str) -> int:
        row = list(range(len(b) + 1))
        for i, ca in enumerate(a, 1):
            prev, row[0] = row[0], i
            for j, cb in enumerate(b, 1):
                prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
        return row[-1]
    scored = sorted((distance(name.lower(), c.lower()), c) for c in choices)
    return scored[0][1] if scored and scored[0][0] <= min(2, max(1, len(name) // 2)) else None


def _token_at(text: str, offset: int):
    """The token starting at ``offset`` or the last one before it, and the one after."""
    before, at = None, None
    for kind, value, match in tokens(text):
        if match.start() >= offset:
            at = (kind, value, match.start())
            break
        before = (kind, value, match.start())
    return before, at


def _balance(text: str) -> str | None:
    depth = {"{": 0, "(": 0}
    for kind, value, _ in tokens(text):
        if kind == "open":
            depth[value] += 1
        elif kind == "close":
            depth["{" if value == "}" else "("] -= 1
    if depth["{"] > 0:
        return "a `{` is not closed — add `}`"
    if depth["("] > 0:
        return "a `(` is not closed — add `)`"
    return None


def explain(text: str, message: str, shift: int = 0) -> Problem:
    """The readable form of ``message``, a syntax error the engine raised for ``text``
    (as the user wrote it; ``shift``: characters :mod:`.prologue` put in front of line 1)."""
    raw = re.sub(r"^SPARQL syntax error:\s*", "", message.strip())
    found = _POSITION.search(raw)
    if not found:
        return Problem(raw or "the query does not parse", detail=raw)
    line, column, rest = int(found[1]), int(found[2]), found[3]
    if line == 1:
        column = max(1, column - shift)
    offset = _offset(text, line, column)
    expected = _expected(rest)
    before, at = _token_at(text, offset)
    sentence = _sentence(text, offset, rest, expected, before, at)
    if sentence[1] is not None:   # the sentence is about another place than the engine's
        line, column = _position(text, sentence[1])
    return Problem(sentence[0], line, column, raw)


def _sentence(text, offset, rest, expected, before, at) -> tuple[str, int | None]:
    toks = list(tokens(text))
    name = _undeclared(text, toks)
    if name is None and "Prefix not found" in rest:
        name = _prefix_before(text, offset)
    if name is not None:
        prefix, where = name
        near = _nearest(prefix, COMMON)
        known = ", ".join(f"{p}:" for p in sorted(COMMON))
        hint = f"did you mean `{near}:`? Or declare it" if near and near != prefix else "declare it"
        return (f"unknown prefix `{prefix}:` — {hint} (PREFIX {prefix}: <…>) or use one of "
                f"{known}", where)
    if "IRI parsing failed" in rest:
        return ("this IRI is not valid: an IRI in <…> holds no spaces, quotes or braces", None)
    if "variable that is unbound" in rest:
        return ("with GROUP BY, every selected variable must be grouped or inside an aggregate "
                "(COUNT, SAMPLE, MIN, MAX…)", None)
    first = next((t for t in toks if t[0] != "pname" and t[0] != "iri"), None)
    if first and first[0] == "word" and first[1].upper() not in FORMS + ("PREFIX", "BASE"):
        near = _nearest(first[1].upper(), FORMS)
        fix = f"did you mean {near}?" if near else "a query starts with SELECT, CONSTRUCT, ASK or DESCRIBE"
        return (f"unknown keyword `{first[1]}` — {fix}", first[2].start())
    for kind, value, match in toks:
        if match.start() > offset:
            break
        if kind == "word" and value.upper() not in KEYWORDS:
            near = _nearest(value.upper(), CLAUSE_WORDS) or _nearest(value.upper(), KEYWORDS)
            fix = f"did you mean {near}?" if near else "this word is not part of SPARQL"
            return (f"unknown keyword `{value}` — {fix}", match.start())
        if kind == "other" and value in "\"'":
            return ("a string is not closed — add its closing quote", match.start())
    missing_as = _computed_without_as(toks)
    if missing_as is not None:
        return ("a computed column needs a name: write `(expression AS ?name)`", missing_as)
    depth, parens = 0, 0
    for kind, value, match in toks:
        depth += 1 if value == "{" else -1 if value == "}" else 0
        parens += 1 if value == "(" else -1 if value == ")" else 0
        if depth < 0:
            return ("unexpected `}` — it closes no `{`", match.start())
        if value == "}" and parens > 0:
            return ("a `(` is not closed before this `}` — add `)`", match.start())
    if at is None or at[2] > offset:
        unclosed = _balance(text)
        if unclosed and (before is None or before[1] != "}"):
            return (f"the query ends too early: {unclosed}", None)
    culprit = at if at is not None and at[2] == offset else before
    if culprit is None:
        return ("the query ends too early" + _expecting(expected), None)
    kind, value, start = culprit
    if value == "}":
        clause = _open_clause(toks, start)
        if clause:
            return (f"this {clause} is incomplete: an operator or a function lacks its value", start)
        return ("unexpected `}` — a triple needs a subject, a predicate and an object", start)
    return (f"unexpected `{value}`" + _expecting(expected), start)


def _open_clause(toks, end: int) -> str | None:
    """FILTER or BIND when one is the last clause begun before offset ``end`` in its group."""
    clause, parens = None, 0
    for kind, value, match in toks:
        if match.start() >= end:
            break
        if kind == "word" and value.upper() in ("FILTER", "BIND"):
            clause, parens = value.upper(), 0
        elif value == "(":
            parens += 1
        elif value == ")":
            parens -= 1
            if parens == 0:
                clause = None if clause and _last_real(toks, match.start()) not in OPERATORS else clause
        elif value in ("{", "}", "."):
            clause = None
    return clause


OPERATORS = {"=", "!", "<", ">", "+", "-", "*", "/", "&", "|", ",", "("}


def _last_real(toks, before: int) -> str | None:
    """The value of the last token starting before offset ``before``."""
    last = None
    for _, value, match in toks:
        if match.start() >= before:
            break
        last = value
    return last


def _computed_without_as(toks) -> int | None:
    """Where a ``(…)`` of the SELECT clause lacks ``AS ?name`` (SPARQL 1.1 Query §18.2.4.1)."""
    in_select, depth, opened, has_as = False, 0, None, False
    for kind, value, match in toks:
        upper = value.upper()
        if kind == "word" and upper == "SELECT" and depth == 0:
            in_select = True
            continue
        if not in_select:
            continue
        if depth == 0 and (value == "{" or upper in ("WHERE", "FROM")):
            in_select = False
            continue
        if value == "(":
            if depth == 0:
                opened, has_as = match.start(), False
            depth += 1
        elif value == ")":
            depth -= 1
            if depth == 0 and not has_as:
                return opened
        elif kind == "word" and upper == "AS" and depth == 1:
            has_as = True
    return None


def _expecting(expected: list[str]) -> str:
    shown = [e for e in expected if e not in ("Prefix not found",) and not e.startswith("\\")]
    if not shown:
        return ""
    if len(shown) > 8:
        shown = shown[:8] + ["…"]
    return " — expected " + ", ".join(f"`{e}`" if e != "…" else e for e in shown)


def _undeclared(text: str, toks) -> tuple[str, int] | None:
    """The first prefixed name whose prefix is neither declared nor common, and where it is."""
    own = declared_prefixes(text)
    previous = None
    for kind, value, match in toks:
        prefix = value.split(":", 1)[0]
        if kind == "pname" and previous != "PREFIX" and prefix not in own and prefix not in COMMON:
            return prefix, match.start()
        previous = value.upper() if kind == "word" else None
    return None


def _prefix_before(text: str, offset: int) -> tuple[str, int] | None:
    """The prefix of the last prefixed name that starts before ``offset``, and where it starts."""
    last = None
    for kind, value, match in tokens(text):
        if match.start() >= offset:
            break
        if kind == "pname":
            last = (value.split(":", 1)[0], match.start())
    return last
