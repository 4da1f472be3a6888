"""Products, components, assets and goods categories (``data/reference/products.yaml``).

Kinds of product are individuals (``id/product/wind-turbine``), never classes;
components are linked with the transitive ``crm:partOf`` so "which materials
are in a wind turbine" also finds those of its permanent magnet. Goods
categories (NST2007, NHFL Table 3) are ``crm:GoodsCategory`` individuals with
their official English and Dutch names.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import RDF, Graph, Literal

from ... import yamlio
from ...iri import CRM, mint
from ..resolve import Gazetteer
from .reference import names

PRODUCT_CLASS = {"product": CRM.Product, "component": CRM.Component, "asset": CRM.Asset}
PRODUCT_SCHEMA = {"id": ("str", True), "kind": ("str", True), "en": ("str", True), "nl": ("str", True),
                  "aliases": "dict?", "part_of": "list?", "sectors": "list?", "goods_category": "str?"}
GOODS_SCHEMA = {"id": ("str", True), "en": ("str", True), "nl": ("str", True), "aliases": "dict?",
                "misprints": "list?", "nst2007": "str?"}


@dataclass
class Products:
    products: Gazetteer
    goods: Gazetteer

    @classmethod
    def load(cls, path: Path) -> "Products":
        path = Path(path)
        if not path.exists():
            return cls(Gazetteer("product", []), Gazetteer("goods-category", []))
        data = yamlio.load(path) or {}
        yamlio.check(data, {"products": "list?", "goods_categories": "list?"}, path.name)
        products = list(data.get("products") or [])
        goods = list(data.get("goods_categories") or [])
        for entry in products:
            yamlio.check(entry, PRODUCT_SCHEMA, "product")
            if entry["kind"] not in PRODUCT_CLASS:
                raise yamlio.InputError(f"{entry.where('kind')}: unknown product kind {entry['kind']!r}")
        for entry in goods:
            yamlio.check(entry, GOODS_SCHEMA, "goods category")
        ids = {e["id"] for e in products}
        for entry in products:
            for whole in entry.get("part_of") or []:
                if whole not in ids:
                    raise yamlio.InputError(f"{entry.where('part_of')}: unknown product {whole!r}")
        return cls(Gazetteer("product", products), Gazetteer("goods-category", goods))

    def emit(self, g: Graph, concepts) -> None:
        for e in self.products.entries.values():
            iri = mint("product", e["id"])
            g.add((iri, RDF.type, PRODUCT_CLASS[e["kind"]]))
            names(g, iri, e, {"en": e["en"], "nl": e["nl"]})
            for whole in e.get("part_of") or []:
                g.add((iri, CRM.partOf, mint("product", whole)))
            for sector in e.get("sectors") or []:
                g.add((iri, CRM.inSector, concepts.iri("sector", sector, e.where("sectors"))))
            if e.get("goods_category"):
                if self.goods.get(e["goods_category"]) is None:
                    raise yamlio.InputError(f"{e.where('goods_category')}: unknown goods category")
                g.add((iri, CRM.inGoodsCategory, mint("goods-category", e["goods_category"])))
        for e in self.goods.entries.values():
            iri = mint("goods-category", e["id"])
            g.add((iri, RDF.type, CRM.GoodsCategory))
            names(g, iri, e, {"en": e["en"], "nl": e["nl"]})
            if e.get("nst2007"):
                g.add((iri, CRM.nst2007Code, Literal(e["nst2007"])))

