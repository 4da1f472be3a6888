"""sparqlscan: a lexical scan of SPARQL query text (no parsing, no evaluation).

What the web guard and the store must know about a query before an engine
sees it, found in linear time and without recursion (so the scan itself can
be neither crashed nor stalled): the query form, the deepest nesting, every
``FROM`` / ``FROM NAMED`` graph, and whether the text calls ``SERVICE`` or
uses an update operation. Tokens follow the terminals of SPARQL 1.1 Query
§19.8 (IRIREF, PNAME_NS/PNAME_LN, VAR1/VAR2, STRING_LITERAL*, LANGTAG,
comments, §19.4). Codepoint escapes (``\\u0053``, §19.2) are applied by some
engines before parsing and not by others, so both views, raw and unescaped,
are scanned and their findings joined.

The scan is deliberately conservative where an engine may read the text
differently from the grammar:

* pyoxigraph's parser matches keywords without a word boundary
  (``SERVICEex:x {}``, ``SERVICE:{}``, ``1SERVICE ex:x {}`` all call a
  service). Any bare word containing ``SERVICE``, and any prefixed name whose
  prefix or local part starts with it, count as ``SERVICE`` — except the local
  part of a name whose prefix is declared with an IRI that appending letters
  cannot turn invalid (``schema:serviceType`` is fine).
* Inside parentheses ``<`` is either less-than or the start of an IRI. The
  text between ``<`` and ``>`` is then scanned as code too, and a long string
  may not open later on a line where that text held a ``#`` (which the other
  reading takes for the start of a comment).

A lexer is not a parser. What it cannot promise, the query workers back up:
they cannot open a network socket at all (:mod:`crm_kg.store.pool`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATES = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE",
                     "COPY", "WITH"})

_NAME = r"\w\u00B7\u0300-\u036F\u203F\u2040"        # PN_CHARS, approximately
_ESC = r"\\[_~.\-!$&'()*+,;=/?#@%]"                  # PN_LOCAL_ESC
_LOCAL_CHAR = rf"(?:[{_NAME}:\-]|%[0-9A-Fa-f]{{2}}|{_ESC})"
_PARTS = [
    r"(?P<ws>[ \t\r\n]+)",
    r"(?P<comment>\#[^\r\n]*)",
    r"(?P<iri><[^<>\"{}|^`\\\x00-\x20]*>)",
    rf"(?P<var>[?$][{_NAME}]+)",
    rf"(?P<bnode>_:[{_NAME}](?:[{_NAME}.\-]*[{_NAME}\-])?)",
    rf"(?P<pname>(?:[^\W\d_][{_NAME}.\-]*)?:(?:{_LOCAL_CHAR}(?:(?:{_LOCAL_CHAR}|\.)*{_LOCAL_CHAR})?)?)",
    r"(?P<langtag>@[A-Za-z]+(?:-[A-Za-z0-9]+)*(?:--[A-Za-z]+)?)",
    r"(?P<number>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)",
    r"(?P<word>[A-Za-z][A-Za-z0-9_]*)",
    r"(?P<quote_open><<)",
    r"(?P<quote_close>>>)",
    r"(?P<open>[{(\[])",
    r"(?P<close>[})\]])",
    r"(?P<other>[\s\S])",
]
_TOKEN = re.compile("|".join(_PARTS))
# the same without prefixed names, for a run of name characters that no ':' ends
_TOKEN_NO_PNAME = re.compile("|".join(p for p in _PARTS if not p.startswith("(?P<pname>")))
_RUN = re.compile(rf"[{_NAME}.\-]*")
_STRINGS = {
    "'''": re.compile(r"'''(?:(?:'|'')?(?:[^'\\]|\\[\s\S]))*'''"),
    '"""': re.compile(r'"""(?:(?:"|"")?(?:[^"\\]|\\[\s\S]))*"""'),
    "'": re.compile(r"'(?:[^'\\\r\n]|\\[^\r\n])*'"),
    '"': re.compile(r'"(?:[^"\\\r\n]|\\[^\r\n])*"'),
}
_UCHAR = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


@dataclass
class Scan:
    """What the text says, as far as tokens tell."""

    form: str | None = None                    # SELECT, ASK, CONSTRUCT or DESCRIBE
    depth: int = 0                             # deepest nesting of {} () [] << >>
    service: str | None = None                 # the token read as SERVICE (or that may be read so)
    updates: set[str] = field(default_factory=set)
    datasets: list[tuple[str, str | None]] = field(default_factory=list)  # (FROM | FROM NAMED, IRI)
    odd_from: str | None = None                # a word that starts with FROM but is not FROM

    @property
    def has_dataset(self) -> bool:
        return bool(self.datasets) or self.odd_from is not None

    def merge(self, other: "Scan") -> "Scan":
        return Scan(form=self.form or other.form, depth=max(self.depth, other.depth),
                    service=self.service or other.service, updates=self.updates | other.updates,
                    datasets=self.datasets + [d for d in other.datasets if d not in self.datasets],
                    odd_from=self.odd_from or other.odd_from)


def unescape(text: str) -> str:
    """Apply SPARQL codepoint escapes (§19.2); invalid code points stay escaped."""
    def repl(match: re.Match) -> str:
        code = int(match.group(1) or match.group(2), 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return match.group(0)
        return chr(code)
    return _UCHAR.sub(repl, text)


def scan(text: str) -> Scan:
    """Scan the raw text and, if it holds codepoint escapes, the unescaped text."""
    result = _Scanner(text).run()
    unescaped = unescape(text)
    if unescaped != text:
        result = result.merge(_Scanner(unescaped).run())
    return result


def _safe_prefix(iri: str | None) -> bool:
    """True if ``iri`` followed by letters is still an IRI (it has a path, query or
    fragment, or no authority at all), so a local name cannot split off a keyword."""
    if iri is None:
        return False
    try:
        parts = urlsplit(iri)
    except ValueError:
        return False
    if not parts.scheme:
        return False
    if not parts.netloc:
        return True
    return bool(parts.path or parts.query or parts.fragment or iri.endswith(("?", "#")))


class _Scanner:
    def __init__(self, text: str):
        self.text = text
        self.tokens: list[tuple[str, str, int]] = []   # (kind, text, paren depth), no blanks
        self.stack: list[str] = []
        self.depth = 0
        self.service: str | None = None
        self.hash_line = False      # an ambiguous <…#…> was seen on this line
        self.prefixes: dict[str, str] = {}
        self.unclosed: set[tuple[str, int]] = set()
        self.eol = -1
        self.run_end = -1
        self.parens = 0

    # -- lexing ---------------------------------------------------------------------
    def run(self) -> Scan:
        text, pos, end = self.text, 0, len(self.text)
        while pos < end:
            char = text[pos]
            if char in "'\"":
                kind, value = self._string(pos)
            else:
                match = self._regex(pos).match(text, pos)
                kind, value = match.lastgroup, match.group()
            pos += len(value)
            self._token(kind, value)
        return self._analyse()

    def _regex(self, pos: int) -> re.Pattern:
        """Prefixed names only where a run of name characters ends in ':' (this keeps
        the scan linear on long runs such as ``a.a.a.…``)."""
        if not self.text[pos].isalpha():
            return _TOKEN
        if pos >= self.run_end:
            self.run_end = _RUN.match(self.text, pos).end()
        return _TOKEN if self.text.startswith(":", self.run_end) else _TOKEN_NO_PNAME

    def _string(self, pos: int) -> tuple[str, str]:
        """A string literal at ``pos``, or its quote as a lone character.

        A string that does not close from one quote does not close from a later
        quote of the same kind on the same line (long strings: in the rest of the
        text) either, so failures are remembered and the scan stays linear."""
        text = self.text
        delimiter = text[pos] * 3 if text.startswith(text[pos] * 3, pos) else text[pos]
        long = len(delimiter) == 3
        if long and self.hash_line:
            return "other", text[pos]
        if not long and pos > self.eol:
            self.eol = _line_end(text, pos)
        eol = -1 if long else self.eol
        if (delimiter, eol) not in self.unclosed:
            match = _STRINGS[delimiter].match(text, pos)
            if match:
                return ("long" if long else "string"), match.group()
            self.unclosed.add((delimiter, eol))
        if long:   # an unclosed ''' may still be '' followed by a short string
            match = _STRINGS[delimiter[0]].match(text, pos)
            if match:
                return "string", match.group()
        return "other", text[pos]

    def _push(self, char: str) -> None:
        self.stack.append(char)
        self.parens += char == "("
        self.depth = max(self.depth, len(self.stack))

    def _pop(self, floor: int = 0) -> None:
        if len(self.stack) > floor:
            self.parens -= self.stack.pop() == "("

    def _token(self, kind: str, value: str, floor: int = 0, closed: bool = True) -> None:
        if kind == "ws":
            if "\n" in value or "\r" in value:
                self.hash_line = False
            return
        if kind == "comment":
            return
        if kind in ("open", "quote_open"):
            self._push(value[0])
        elif kind in ("close", "quote_close"):
            self._pop(floor)
        elif kind == "iri" and self.parens:
            self._ambiguous(value)
        elif kind == "word" and "SERVICE" in value.upper() and closed:
            self.service = self.service or value
        elif kind == "pname" and closed:
            self._check_pname(value)
        self.tokens.append((kind, value, self.parens))
        if kind == "iri" and len(self.tokens) >= 3:
            (k1, v1, _), (k2, v2, _) = self.tokens[-3], self.tokens[-2]
            if k1 == "word" and v1.upper() == "PREFIX" and k2 == "pname" and v2.endswith(":"):
                self.prefixes[v2[:-1]] = value[1:-1]

    def _ambiguous(self, iri: str) -> None:
        """``<…>`` inside parentheses: also scan its text as code (less-than reading)."""
        content, floor, closed = iri[1:-1], len(self.stack), False
        pos = 0
        while pos < len(content):
            match = _TOKEN.match(content, pos)
            kind, value = match.lastgroup, match.group()
            if kind == "comment":          # no comment inside <…> for us; '#' is a char
                kind, value = "other", "#"
                self.hash_line = True
            pos += len(value)
            if kind == "close" and value == ")":
                closed = True
            if kind in ("open", "quote_open", "close", "quote_close"):
                self._token(kind, value, floor)
            elif kind == "word" and "SERVICE" in value.upper() and closed:
                self.service = self.service or value
            elif kind == "pname" and closed:
                self._check_pname(value)

    def _check_pname(self, value: str) -> None:
        parts = value.split(":")
        if "SERVICE" in parts[0].upper():
            self.service = self.service or value
        for i, part in enumerate(parts[1:], start=1):
            if part.upper().startswith("SERVICE"):
                if i == 1 and _safe_prefix(self.prefixes.get(parts[0])):
                    continue
                self.service = self.service or value

    # -- analysis ---------------------------------------------------------------------
    def _analyse(self) -> Scan:
        result = Scan(depth=self.depth, service=self.service)
        toks = self.tokens
        prefixes: dict[str, str] = {}
        base: str | None = None
        i = 0
        while i < len(toks):
            kind, value, parens = toks[i]
            upper = value.upper()
            if kind == "word":
                if upper == "PREFIX" and i + 2 < len(toks) and toks[i + 1][0] == "pname" \
                        and toks[i + 2][0] == "iri":
                    prefixes[toks[i + 1][1].rstrip(":").split(":")[0]] = _resolve(base, toks[i + 2][1][1:-1])
                    i += 3
                    continue
                if upper == "BASE" and i + 1 < len(toks) and toks[i + 1][0] == "iri":
                    base = _resolve(base, toks[i + 1][1][1:-1])
                    i += 2
                    continue
                if result.form is None:
                    result.form = next((f for f in FORMS if upper.startswith(f)), None)
                if upper in UPDATES:
                    result.updates.add(upper)
                if upper == "FROM" and parens == 0:
                    clause, j = "FROM", i + 1
                    if j < len(toks) and toks[j][0] == "word" and toks[j][1].upper() == "NAMED":
                        clause, j = "FROM NAMED", j + 1
                    target = toks[j] if j < len(toks) else ("end", "", 0)
                    result.datasets.append((clause, _iri(target, prefixes, base)))
                    i = j + 1
                    continue
                if upper.startswith("FROM") and upper != "FROM":
                    result.odd_from = value
            i += 1
        return result


def _line_end(text: str, pos: int) -> int:
    ends = [i for i in (text.find("\n", pos), text.find("\r", pos)) if i >= 0]
    return min(ends) if ends else len(text)


def _resolve(base: str | None, iri: str) -> str:
    return urljoin(base, iri) if base and not urlsplit(iri).scheme else iri


def _iri(token: tuple[str, str, int], prefixes: dict[str, str], base: str | None) -> str | None:
    """The IRI a FROM clause names, or None if it names none we can tell."""
    kind, value, _ = token
    if kind == "iri":
        return _resolve(base, value[1:-1])
    if kind == "pname":
        prefix, _, local = value.partition(":")
        if prefix in prefixes and "\\" not in local and "%" not in local:
            return prefixes[prefix] + local
    return None
