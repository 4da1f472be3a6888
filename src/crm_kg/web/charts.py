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

WIDTH = 760
LABEL_W = 300
BAR_H = 18
GAP = 8
SERIES = 6            # classes series-0 … series-5 in style.css


class Chart:
    """Names for the terms of an answer: a label column of the row, else the graph's label."""

    def __init__(self, spec: dict, result, labels: dict[str, str], index, lang: str, title: str):
        self.spec, self.result, self.labels = spec, result, labels
        self.index, self.lang, self.title = index, lang, title

    def name(self, row: dict, var: str) -> str:
        term = row.get(var)
        label_var = self.labels.get(var)
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

    # -- bar ----------------------------------------------------------------------------
    def _bar(self) -> str | None:
        items = [(self.name(r, self.spec["label"]), number(r.get(self.spec["value"]))) for r in self.result.rows]
        items = [(label, value) for label, value in items if value is not None]
        if not items:
            return None
        unit = self.spec.get("unit", "")
        top = max(v for _, v in items) or 1
        height = len(items) * (BAR_H + GAP) + GAP
        desc = "; ".join(f"{label}: {fmt(value)}{unit}" for label, value in items)
        out = [_open(height, self.title, desc)]
        for i, (label, value) in enumerate(items):
            y = GAP + i * (BAR_H + GAP)
            out.append(_label(LABEL_W - 8, y + BAR_H * 0.72, label))
            out.append(_bar(y, BAR_H, 0, value, top, unit, label, 0.72))
        out.append("</svg>")
        return "".join(out)

    # -- grouped bars ----------------------------------------------------------------------
    def _grouped(self) -> str | None:
        label_var, series_var, value_var = self.spec["label"], self.spec["series"], self.spec["value"]
        unit = self.spec.get("unit", "")
        series: list[str] = []
        groups: dict[str, dict[str, Decimal]] = {}
        for r in self.result.rows:
            value = number(r.get(value_var))
            if value is None:
                continue
            s, g = self.name(r, series_var), self.name(r, label_var)
            if s not in series:
                series.append(s)
            groups.setdefault(g, {})[s] = value
        if not groups:
            return None
        top = max(v for g in groups.values() for v in g.values()) or 1
        legend_h = 26
        group_h = len(series) * BAR_H + GAP * 2
        height = legend_h + len(groups) * group_h + GAP
        desc = "; ".join(f"{g}: " + ", ".join(f"{s} {fmt(v)}{unit}" for s, v in values.items())
                         for g, values in groups.items())
        out = [_open(height, self.title, desc)]
        x = LABEL_W
        for i, s in enumerate(series):   # legend
            out.append(f'<rect class="series-{i % SERIES}" x="{x}" y="6" width="12" height="12"/>')
            out.append(f'<text class="chart-legend" x="{x + 16}" y="16">{escape(s)}</text>')
            x += 24 + 8 * len(s)
        for gi, (g, values) in enumerate(groups.items()):
            y0 = legend_h + gi * group_h + GAP
            out.append(_label(LABEL_W - 8, y0 + len(series) * BAR_H / 2 + 4, g))
            for si, s in enumerate(series):
                if s not in values:
                    continue
                out.append(_bar(y0 + si * BAR_H, BAR_H - 2, si % SERIES, values[s], top, unit,
                                f"{g}, {s}", 0.7))
        out.append("</svg>")
        return "".join(out)

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
        cell = 34
        head = 40
        left = 420
        height = head + len(rows) * cell + GAP
        width = left + len(cols) * cell + GAP
        desc = "; ".join(f"{short or name}: " + ", ".join(cols[c][0] or cols[c][1] for c in cols if (rk, c) in marks)
                         for rk, (short, name) in rows.items())
        out = [_open(height, self.title, desc, width)]
        for ci, (short, name) in enumerate(cols.values()):
            x = left + ci * cell + cell / 2
            out.append(f'<text class="chart-head" x="{x:.1f}" y="{head - 12}" text-anchor="middle">'
                       f'<title>{escape(name)}</title>{escape(short or name[:3])}</text>')
        for ri, (rk, (short, name)) in enumerate(rows.items()):
            y = head + ri * cell
            text = f"{short}. {name}" if short else name
            out.append(_label(left - 10, y + cell / 2 + 4, text, limit=58))
            for ci, ck in enumerate(cols):
                x = left + ci * cell
                on = (rk, ck) in marks
                out.append(f'<rect class="matrix-cell{" on" if on else ""}" x="{x + 2}" y="{y + 2}" '
                           f'width="{cell - 4}" height="{cell - 4}"><title>{escape(text)} — '
                           f'{escape(cols[ck][1])}: {"✓" if on else "–"}</title></rect>')
        out.append("</svg>")
        return "".join(out)


def _open(height: float, title: str, desc: str, width: float = WIDTH) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" id="chart" '
            f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
            f'aria-labelledby="chart-title chart-desc"><title id="chart-title">{escape(title)}</title>'
            f'<desc id="chart-desc">{escape(desc)}</desc>')


def _bar(y: float, height: float, series: int, value: Decimal, top: Decimal, unit: str, tooltip: str,
         baseline: float) -> str:
    """One horizontal bar scaled to ``top``, its tooltip, and its value beside it (at
    ``baseline`` × BAR_H below ``y``)."""
    width = max(1.0, float(value) / float(top) * (WIDTH - LABEL_W - 70))
    shown = f"{fmt(value)}{escape(unit)}"
    return (f'<rect class="chart-bar series-{series}" x="{LABEL_W}" y="{y}" width="{width:.1f}" '
            f'height="{height}"><title>{escape(tooltip)}: {shown}</title></rect>'
            f'<text class="chart-value" x="{LABEL_W + width + 6:.1f}" y="{y + BAR_H * baseline:.1f}">'
            f'{shown}</text>')


def _label(x: float, y: float, text: str, limit: int = 44) -> str:
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return (f'<text class="chart-label" x="{x:.1f}" y="{y:.1f}" text-anchor="end">'
            f'{"<title>" + escape(text) + "</title>" if shown != text else ""}{escape(shown)}</text>')


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

