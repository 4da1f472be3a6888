"""explain: a SPARQL syntax error as a person reads it, in one place.

pyoxigraph's parser (0.5) reports ``error at LINE:COLUMN: expected one of …``
followed by the grammar's character classes — "Prefix not found, ['%'],
['-' | '0' ..= '9' …" over six lines. :func:`explain` turns that message and
the query text into a :class:`Problem`: the line and column (1-based, of the
text the user wrote: the prefixes :mod:`.prologue` added are taken out) and a
sentence saying what is wrong and what to do ("unknown prefix `foo:` — declare
it, or use one of …"). The web endpoint (JSON, text and the editor page) and
the CLI all show this; the engine's own words stay in ``detail``.

Every sentence is in English and in Dutch, from one table (:data:`MESSAGES`):
``explain(…, lang="nl")`` for Dutch pages and editors.

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


# every sentence, in English and Dutch: str.format templates ({name} filled in by the code, {{ }} a brace)
MESSAGES = {
    "error": {"en": "SPARQL syntax error at {where}{message}", "nl": "SPARQL-syntaxfout op {where}{message}"},
    "where": {"en": "line {line}, column {column}: ", "nl": "regel {line}, kolom {column}: "},
    "no_parse": {"en": "the query does not parse", "nl": "de vraag is niet te ontleden"},
    "unknown_prefix": {"en": "unknown prefix `{prefix}:` — {hint} (PREFIX {prefix}: <…>) or use one of {known}",
                       "nl": "onbekend prefix `{prefix}:` — {hint} (PREFIX {prefix}: <…>) of gebruik een van "
                             "{known}"},
    "declare": {"en": "declare it", "nl": "declareer het"},
    "prefix_near": {"en": "did you mean `{near}:`? Or declare it", "nl": "bedoelde je `{near}:`? Of declareer het"},
    "bad_iri": {"en": "this IRI is not valid: an IRI in <…> holds no spaces, quotes or braces",
                "nl": "deze IRI is ongeldig: een IRI tussen <…> bevat geen spaties, aanhalingstekens of accolades"},
    "group_by": {"en": "with GROUP BY, every selected variable must be grouped or inside an aggregate "
                       "(COUNT, SAMPLE, MIN, MAX…)",
                 "nl": "met GROUP BY moet elke gekozen variabele gegroepeerd zijn of in een aggregaat staan "
                       "(COUNT, SAMPLE, MIN, MAX…)"},
    "unknown_keyword": {"en": "unknown keyword `{word}` — {fix}", "nl": "onbekend sleutelwoord `{word}` — {fix}"},
    "keyword_near": {"en": "did you mean {near}?", "nl": "bedoelde je {near}?"},
    "query_starts": {"en": "a query starts with SELECT, CONSTRUCT, ASK or DESCRIBE",
                     "nl": "een vraag begint met SELECT, CONSTRUCT, ASK of DESCRIBE"},
    "not_sparql": {"en": "this word is not part of SPARQL", "nl": "dit woord hoort niet bij SPARQL"},
    "open_string": {"en": "a string is not closed — add its closing quote",
                    "nl": "een tekst is niet afgesloten — voeg het sluitende aanhalingsteken toe"},
    "needs_as": {"en": "a computed column needs a name: write `(expression AS ?name)`",
                 "nl": "een berekende kolom heeft een naam nodig: schrijf `(expressie AS ?naam)`"},
    "closes_nothing": {"en": "unexpected `}}` — it closes no `{{`", "nl": "onverwachte `}}` — die sluit geen `{{`"},
    "paren_before_brace": {"en": "a `(` is not closed before this `}}` — add `)`",
                           "nl": "een `(` is niet gesloten vóór deze `}}` — voeg `)` toe"},
    "open_brace": {"en": "a `{{` is not closed — add `}}`", "nl": "een `{{` is niet gesloten — voeg `}}` toe"},
    "open_paren": {"en": "a `(` is not closed — add `)`", "nl": "een `(` is niet gesloten — voeg `)` toe"},
    "ends_early": {"en": "the query ends too early", "nl": "de vraag houdt te vroeg op"},
    "ends_unclosed": {"en": "the query ends too early: {unclosed}", "nl": "de vraag houdt te vroeg op: {unclosed}"},
    "incomplete": {"en": "this {clause} is incomplete: an operator or a function lacks its value",
                   "nl": "deze {clause} is onvolledig: een operator of functie mist zijn waarde"},
    "needs_triple": {"en": "unexpected `}}` — a triple needs a subject, a predicate and an object",
                     "nl": "onverwachte `}}` — een triple heeft een subject, een predicaat en een object nodig"},
    "unexpected": {"en": "unexpected `{value}`", "nl": "onverwacht `{value}`"},
    "expected": {"en": " — expected {items}", "nl": " — verwacht: {items}"},
}


def say(key: str, lang: str = "en", **fields) -> str:
    """The sentence ``key`` of :data:`MESSAGES` in ``lang`` (English when there is none)."""
    entry = MESSAGES[key]
    template = entry.get(lang, entry["en"])
    return template.format(**fields)


@dataclass(frozen=True)
class Problem:
    message: str               # one sentence, for a person
    line: int | None = None    # 1-based, in the text the user wrote
    column: int | None = None  # 1-based, in characters
    detail: str = ""           # the engine's own message
    lang: str = "en"           # the language of message (en, nl)

    def __str__(self) -> str:
        where = say("where", self.lang, line=self.line, column=self.column) if self.line else ""
        return say("error", self.lang, where=where, message=self.message)

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


def _balance(text: str, lang: str = "en") -> str | None:
    depth = {"{": 0, "(": 0}
    for kind, value, _ in tokens(text):
        if kind == "open":
            depth[value] += 1
        elif kind == "close":
            depth["{" if value == "}" else "("] -= 1
    if depth["{"] > 0:
        return say("open_brace", lang)
    if depth["("] > 0:
        return say("open_paren", lang)
    return None


def explain(text: str, message: str, shift: int = 0, lang: str = "en") -> Problem:
    """The readable form of ``message``, a syntax error the engine raised for ``text``
    (as the user wrote it; ``shift``: characters :mod:`.prologue` put in front of line 1),
    in ``lang`` (en, nl)."""
    raw = re.sub(r"^SPARQL syntax error:\s*", "", message.strip())
    found = _POSITION.search(raw)
    if not found:
        return Problem(raw or say("no_parse", lang), detail=raw, lang=lang)
    line, column, rest = int(found[1]), int(found[2]), found[3]
    if line == 1:
        column = max(1, column - shift)
    offset = _offset(text, line, column)
    expected = _expected(rest)
    before, at = _token_at(text, offset)
    sentence = _sentence(text, offset, rest, expected, before, at, lang)
    if sentence[1] is not None:   # the sentence is about another place than the engine's
        line, column = _position(text, sentence[1])
    return Problem(sentence[0], line, column, raw, lang)


def _sentence(text, offset, rest, expected, before, at, lang="en") -> tuple[str, int | None]:
    toks = list(tokens(text))
    name = _undeclared(text, toks)
    if name is None and "Prefix not found" in rest:
        name = _prefix_before(text, offset)
    if name is not None:
        prefix, where = name
        near = _nearest(prefix, COMMON)
        known = ", ".join(f"{p}:" for p in sorted(COMMON))
        hint = say("prefix_near", lang, near=near) if near and near != prefix else say("declare", lang)
        return say("unknown_prefix", lang, prefix=prefix, hint=hint, known=known), where
    if "IRI parsing failed" in rest:
        return say("bad_iri", lang), None
    if "variable that is unbound" in rest:
        return say("group_by", lang), None
    first = next((t for t in toks if t[0] != "pname" and t[0] != "iri"), None)
    if first and first[0] == "word" and first[1].upper() not in FORMS + ("PREFIX", "BASE"):
        near = _nearest(first[1].upper(), FORMS)
        fix = say("keyword_near", lang, near=near) if near else say("query_starts", lang)
        return say("unknown_keyword", lang, word=first[1], fix=fix), first[2].start()
    for kind, value, match in toks:
        if match.start() > offset:
            break
        if kind == "word" and value.upper() not in KEYWORDS:
            near = _nearest(value.upper(), CLAUSE_WORDS) or _nearest(value.upper(), KEYWORDS)
            fix = say("keyword_near", lang, near=near) if near else say("not_sparql", lang)
            return say("unknown_keyword", lang, word=value, fix=fix), match.start()
        if kind == "other" and value in "\"'":
            return say("open_string", lang), match.start()
    missing_as = _computed_without_as(toks)
    if missing_as is not None:
        return say("needs_as", lang), missing_as
    depth, parens = 0, 0
    for kind, value, match in toks:
        depth += 1 if value == "{" else -1 if value == "}" else 0
        parens += 1 if value == "(" else -1 if value == ")" else 0
        if depth < 0:
            return say("closes_nothing", lang), match.start()
        if value == "}" and parens > 0:
            return say("paren_before_brace", lang), match.start()
    if at is None or at[2] > offset:
        unclosed = _balance(text, lang)
        if unclosed and (before is None or before[1] != "}"):
            return say("ends_unclosed", lang, unclosed=unclosed), None
    culprit = at if at is not None and at[2] == offset else before
    if culprit is None:
        return say("ends_early", lang) + _expecting(expected, lang), None
    kind, value, start = culprit
    if value == "}":
        clause = _open_clause(toks, start)
        if clause:
            return say("incomplete", lang, clause=clause), start
        return say("needs_triple", lang), start
    return say("unexpected", lang, value=value) + _expecting(expected, lang), start


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


def _expecting(expected: list[str], lang: str = "en") -> str:
    shown = [e for e in expected if e not in ("Prefix not found",) and not e.startswith("\\")]
    if not shown:
        return ""
    if len(shown) > 8:
        shown = shown[:8] + ["…"]
    return say("expected", lang, items=", ".join(f"`{e}`" if e != "…" else e for e in shown))


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
