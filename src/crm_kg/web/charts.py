"""Charts of saved-query answers, drawn on the server as SVG (no script, no CDN).

A query's header asks for a chart (:data:`crm_kg.sparql.library.CHARTS`): ``bar``
(one bar per row: ``label`` and ``value``), ``grouped-bar`` (bars of each
``series`` per ``label``) or ``matrix`` (a mark where a ``row`` meets a
``column``; ``row_label`` / ``column_label`` give short names). The SVG is
accessible (WAI-ARIA Graphics: ``role="img"``, ``<title>`` and ``<desc>``
that state the data, every bar and mark named by its own ``<title>``) and
styled by classes of the site's stylesheet, so the Content-Security-Policy
needs no inline style. Text is escaped here; the template inserts the SVG as
markup.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from xml.sax.saxutils import escape

from rdflib import URIRef

WIDTH = 440          # the canvas: at a phone's width the SVG shrinks to ~0.8, text stays readable
CHAR_W = 7.0         # a wide character of the 12 px label font (DejaVu digits are ~7 px), for wrapping
LINE = 15            # a label line
BAR_H = 14
GAP = 10
SERIES = 6            # classes series-0 … series-5 in queries.css
# qualifiers that make the value a ceiling ("up to 100 %"): drawn as an open bar, not a measured one
CEILINGS = ("/qualifier/up-to", "/qualifier/less-than")


class Chart:
    """Names for the terms of an answer: a label column of the row, else the graph's label.

    Labels are never cut: each goes above its bar (or beside its matrix row), wrapped
    onto as many lines as it needs; a value keeps its qualifier ("almost 100%"), and a
    ceiling ("up to 100%") is an open, dashed bar."""

    def __init__(self, spec: dict, result, labels: dict[str, str], index, lang: str, title: str):
        self.spec, self.result, self.labels = spec, result, labels
        self.index, self.lang, self.title = index, lang, title

    def name(self, row: dict, var: str) -> str:
        term = row.get(var)
        label_var = self.labels.get(var)
        if isinstance(term, URIRef) and str(term) in getattr(self.index, "dutch_places", ()):
            return self.index.label(str(term), self.lang)          # Dutch places by their Dutch names
        if label_var and row.get(label_var) is not None:
            return str(row[label_var])
        if isinstance(term, URIRef):
            return self.index.label(str(term), self.lang)
        return "" if term is None else str(term)

    def svg(self) -> str | None:
        kind = self.spec["type"]
        if self.result.kind != "select" or not self.result.rows:
            return None
        return {"bar": self._bar, "grouped-bar": self._grouped, "matrix": self._matrix}[kind]()

    def _value(self, row: dict, value: Decimal) -> tuple[str, bool]:
        """The value as shown ("almost 100%") and whether it is a ceiling."""
        shown = f"{fmt(value)}{self.spec.get('unit', '')}"
        var = self.spec.get("qualifier")
        if var and row.get(var) is not None:
            return f"{self.name(row, var)} {shown}", str(row[var]).endswith(CEILINGS)
        return shown, False

    # -- bar ----------------------------------------------------------------------------
    def _bar(self) -> str | None:
        items = []
        for r in self.result.rows:
            value = number(r.get(self.spec["value"]))
            if value is not None:
                items.append((self.name(r, self.spec["label"]), value, *self._value(r, value)))
        if not items:
            return None
        top = max(v for _, v, _, _ in items) or 1
        room = _room(shown for _, _, shown, _ in items)
        out, y = [], GAP
        for label, value, shown, ceiling in items:
            text, y = _label(0, y, label, WIDTH)
            out.append(text)
            out.append(_bar(y, BAR_H, 0, value, top, shown, label, room, ceiling))
            y += BAR_H + GAP
        desc = "; ".join(f"{label}: {shown}" for label, _, shown, _ in items)
        return _open(y, self.title, desc) + "".join(out) + "</svg>"

    # -- grouped bars ----------------------------------------------------------------------
    def _grouped(self) -> str | None:
        label_var, series_var, value_var = self.spec["label"], self.spec["series"], self.spec["value"]
        series: list[str] = []
        groups: dict[str, dict[str, tuple[Decimal, str, bool]]] = {}
        for r in self.result.rows:
            value = number(r.get(value_var))
            if value is None:
                continue
            s, g = self.name(r, series_var), self.name(r, label_var)
            if s not in series:
                series.append(s)
            groups.setdefault(g, {})[s] = (value, *self._value(r, value))
        if not groups:
            return None
        top = max(v for g in groups.values() for v, _, _ in g.values()) or 1
        room = _room(shown for g in groups.values() for _, shown, _ in g.values())
        out, x, y = [], 0.0, 6
        for i, s in enumerate(series):   # the legend, wrapped
            width = 24 + CHAR_W * len(s)
            if x and x + width > WIDTH:
                x, y = 0.0, y + LINE + 2
            out.append(f'<rect class="series-{i % SERIES}" x="{x:.1f}" y="{y}" width="12" height="12"/>')
            out.append(f'<text class="chart-legend" x="{x + 16:.1f}" y="{y + 10}">{escape(s)}</text>')
            x += width
        y += LINE + GAP
        for g, values in groups.items():
            text, y = _label(0, y, g, WIDTH)
            out.append(text)
            for si, s in enumerate(series):
                if s in values:
                    value, shown, ceiling = values[s]
                    out.append(_bar(y, BAR_H, si % SERIES, value, top, shown, f"{g}, {s}", room, ceiling))
                    y += BAR_H + 2
            y += GAP
        desc = "; ".join(f"{g}: " + ", ".join(f"{s} {shown}" for s, (_, shown, _) in values.items())
                         for g, values in groups.items())
        return _open(y, self.title, desc) + "".join(out) + "</svg>"

    # -- matrix ---------------------------------------------------------------------------
    def _matrix(self) -> str | None:
        row_var, col_var = self.spec["row"], self.spec["column"]
        row_short, col_short = self.spec.get("row_label"), self.spec.get("column_label")
        rows: dict[str, tuple[str, str]] = {}
        cols: dict[str, tuple[str, str]] = {}
        marks = set()
        for r in self.result.rows:
            if r.get(row_var) is None or r.get(col_var) is None:
                continue
            rk, ck = str(r[row_var]), str(r[col_var])
            rows.setdefault(rk, (str(r.get(row_short) or ""), self.name(r, row_var)))
            cols.setdefault(ck, (str(r.get(col_short) or ""), self.name(r, col_var)))
            marks.add((rk, ck))
        if not marks:
            return None
        rows = dict(sorted(rows.items(), key=lambda kv: natural(kv[1][0] or kv[1][1])))
        cols = dict(sorted(cols.items(), key=lambda kv: natural(kv[1][0] or kv[1][1])))
        cell = 30
        width = max(WIDTH, 200 + len(cols) * cell + 12)
        left = width - len(cols) * cell          # the grid on the right, the names left of it
        heads = {ck: short or str(i + 1) for i, (ck, (short, _)) in enumerate(cols.items())}
        out = []
        for ci, (ck, (short, name)) in enumerate(cols.items()):
            x = left + ci * cell + cell / 2
            out.append(f'<text class="chart-head" x="{x:.1f}" y="16" text-anchor="middle">'
                       f'<title>{escape(name)}</title>{escape(heads[ck])}</text>')
        y = 26.0
        for rk, (short, name) in rows.items():
            text = f"{short}. {name}" if short else name
            lines = _wrap(text, left - 12)
            height = max(cell, len(lines) * LINE + 6)
            label, _ = _label(0, y + (height - len(lines) * LINE) / 2, text, left - 12)
            out.append(label)
            for ci, ck in enumerate(cols):
                x = left + ci * cell
                on = (rk, ck) in marks
                out.append(f'<rect class="matrix-cell{" on" if on else ""}" x="{x + 2}" '
                           f'y="{y + (height - cell) / 2 + 2:.1f}" width="{cell - 4}" height="{cell - 4}">'
                           f'<title>{escape(text)} — {escape(cols[ck][1])}: {"✓" if on else "–"}</title></rect>')
            out.append(f'<line class="matrix-rule" x1="0" y1="{y + height:.1f}" x2="{width}" y2="{y + height:.1f}"/>')
            y += height
        y += GAP
        for ck, (_, name) in cols.items():        # the columns' titles, under the grid
            key, y = _label(0, y, f"{heads[ck]} — {name}", width, css="chart-key")
            out.append(key)
        desc = "; ".join(f"{short or name}: " + ", ".join(cols[c][0] or cols[c][1] for c in cols if (rk, c) in marks)
                         for rk, (short, name) in rows.items())
        return _open(y + GAP, self.title, desc, width) + "".join(out) + "</svg>"


def _open(height: float, title: str, desc: str, width: float = WIDTH) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" id="chart" '
            f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
            f'aria-labelledby="chart-title chart-desc"><title id="chart-title">{escape(title)}</title>'
            f'<desc id="chart-desc">{escape(desc)}</desc>')


def _room(shown) -> float:
    """Space right of the longest bar for the longest value text."""
    return max(len(text) for text in shown) * CHAR_W + 14


def _bar(y: float, height: float, series: int, value: Decimal, top: Decimal, shown: str, tooltip: str,
         room: float, ceiling: bool = False) -> str:
    """One horizontal bar from the left edge scaled to ``top``, its tooltip, and its value
    beside it; a ceiling is open and dashed."""
    width = max(1.0, float(value) / float(top) * (WIDTH - room))
    css = f"chart-bar series-{series}" + (" ceiling" if ceiling else "")
    return (f'<rect class="{css}" x="0" y="{y:.1f}" width="{width:.1f}" '
            f'height="{height}"><title>{escape(tooltip)}: {escape(shown)}</title></rect>'
            f'<text class="chart-value" x="{width + 6:.1f}" y="{y + height - 3:.1f}">{escape(shown)}</text>')


def _wrap(text: str, width: float) -> list[str]:
    """``text`` in lines of at most ``width`` px (words kept whole unless one alone is wider)."""
    per_line = max(8, int(width / CHAR_W))
    lines: list[str] = []
    for word in text.split():
        while len(word) > per_line:
            lines.append(word[:per_line])
            word = word[per_line:]
        if lines and len(lines[-1]) + 1 + len(word) <= per_line:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _label(x: float, y: float, text: str, width: float, css: str = "chart-label") -> tuple[str, float]:
    """A label whose first line's top is at ``y``, wrapped to ``width``: its markup and the
    ``y`` under it."""
    lines = _wrap(text, width)
    if len(lines) == 1:
        body = escape(text)
    else:
        body = "".join(f'<tspan x="{x:.1f}" dy="{0 if i == 0 else LINE}">{escape(line)}</tspan>'
                       for i, line in enumerate(lines))
    return (f'<text class="{css}" x="{x:.1f}" y="{y + 11:.1f}">{body}</text>',
            y + len(lines) * LINE + 2)


def natural(text: str) -> tuple:
    """A sort key that puts "2" before "10" and "6.2" after "6"."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part.casefold())
                 for part in re.split(r"(\d+)", text) if part)


def number(term) -> Decimal | None:
    if term is None:
        return None
    try:
        return Decimal(str(term))
    except (InvalidOperation, ValueError):
        return None


def fmt(value: Decimal) -> str:
    text = format(value.normalize(), "f") if value == value.to_integral() else str(value)
    return text.rstrip("0").rstrip(".") if "." in text else text

