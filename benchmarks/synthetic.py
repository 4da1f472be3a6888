"""Synthetic graphs shaped like ours, at any size, deterministic by seed.

``python -m benchmarks.synthetic --triples 1000000 --out /tmp/syn-1m [--seed 42]``

The real build (``data/ttl``) is the base, so every saved query's default
parameters find what they find on the real graph; on top of it come
synthetic *reports*, each in its own named graph (``graph/syn-NNNN``) with
two editions, passages with line spans and mentions (of the real materials,
places, organisations and trade-measure kinds — gallium and export
restrictions often, as in the reports), organisations with activities and
places, figures (shares of supply, of CRM volume, counts) with their
passages, opportunities, recommendations (actor types, time frames, province
roles), challenges, and trade measures on real materials. The triples a
build would infer for them (``crm:mentionedIn``, ``crm:namedIn``, the
superclass types, ``crm:locatedIn`` closure, ``crm:mostSpecificPlace``) go to
``graph/inferred``. The output is a build directory like ``data/ttl``:
``crm-kg.nq`` and a ``manifest.json`` (its digest is the version), so the
embedded store, the query pool, ``crm-kg load`` and ``crm-kg serve`` all take
it as it is.

Each fact of an organisation (activities, material, report) and each figure's
value has a ``crm:Statement`` node citing its passages (``crm:statementSubject``,
``…Predicate``, ``…Object``, ``prov:wasDerivedFrom``), as the build writes them.

Same seed and size, same bytes. About 15,000 triples per report.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
ID = "https://w3id.org/crm-kg/id/"
CRM = "https://w3id.org/crm-kg/ontology#"
GRAPH = "https://w3id.org/crm-kg/graph/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"
PROV_FROM = "http://www.w3.org/ns/prov#wasDerivedFrom"
DCT_LANGUAGE = "http://purl.org/dc/terms/language"
XSD = "http://www.w3.org/2001/XMLSchema#"

SIZES = {"100k": 100_000, "1M": 1_000_000, "10M": 10_000_000}


def _iri(value: str) -> str:
    return f"<{value}>"


def _lit(value, datatype: str | None = None, lang: str | None = None) -> str:
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    if lang:
        return f'"{text}"@{lang}'
    if datatype:
        return f'"{text}"^^<{XSD}{datatype}>'
    return f'"{text}"'


class Vocabulary:
    """The real things the synthetic reports talk about, read from the base build."""

    def __init__(self, base_nq: Path):
        store = ox.Store()
        store.bulk_load(path=str(base_nq), format=ox.RdfFormat.N_QUADS)

        def objects(prop: str) -> list[str]:
            query = f"SELECT DISTINCT ?o WHERE {{ ?s <{CRM}{prop}> ?o FILTER(isIRI(?o)) }} ORDER BY ?o"
            return [s["o"].value for s in store.query(query, use_default_graph_as_union=True)]

        def members(cls: str) -> list[str]:
            query = f"SELECT DISTINCT ?s WHERE {{ ?s a <{CRM}{cls}> FILTER(isIRI(?s)) }} ORDER BY ?s"
            return [s["s"].value for s in store.query(query, use_default_graph_as_union=True)]

        self.activities = objects("activity")
        self.actor_types = objects("responsibleActorType")
        self.time_frames = objects("timeFrame")
        self.roles = objects("provinceRole")
        self.units = objects("unit")
        self.stages = objects("supplyStage")
        self.measure_types = objects("measureType")
        self.passage_kinds = objects("passageKind")
        self.qualifiers = objects("qualifier")
        self.categories = objects("challengeCategory")
        self.materials = members("Material")
        self.towns = members("Town") + members("Municipality")
        self.provinces = members("Province")
        self.countries = members("Country")
        self.organisations = members("Organisation")
        self.lists = members("MaterialList")
        self.goods = members("GoodsCategory")
        # towns and the places they lie in (the closure a build materialises)
        self.outer: dict[str, list[str]] = {}
        for town in self.towns:
            query = f"SELECT DISTINCT ?o WHERE {{ <{town}> <{CRM}locatedIn>+ ?o }} ORDER BY ?o"
            self.outer[town] = [s["o"].value for s in store.query(query, use_default_graph_as_union=True)]
        frequent = [m for m in self.materials if m.rsplit("/", 1)[-1] in (
            "gallium", "germanium", "rare-earth-elements", "lithium", "cobalt", "niobium", "graphite")]
        self.popular = frequent or self.materials[:5]


def _report(rng: random.Random, vocab: Vocabulary, number: int, out, inferred: list[str]) -> int:
    """Write one synthetic report's quads; return how many were written."""
    graph = _iri(f"{GRAPH}syn-{number:04d}")
    inf = _iri(GRAPH + "inferred")
    count = 0

    def quad(s: str, p: str, o: str, g: str = graph) -> None:
        nonlocal count
        line = f"{s} {p} {o} {g} .\n"
        if g == inf:
            inferred.append(line)
        else:
            out.write(line)
        count += 1

    tag = f"syn-{number:04d}"
    report = _iri(f"{ID}report/{tag}")
    a, label = _iri(RDF_TYPE), _iri(RDFS_LABEL)
    statements = 0

    def statement(s: str, p: str, o: str) -> None:
        """A crm:Statement for the fact (s p o), citing one or two passages, as the build writes
        one per fact a report states (per-statement provenance)."""
        nonlocal statements
        node = _iri(f"{ID}statement/{tag}/{statements:06x}")
        statements += 1
        quad(node, a, _iri(CRM + "Statement"))
        quad(node, a, _iri("http://www.w3.org/ns/prov#Entity"), inf)
        quad(node, _iri(CRM + "statementSubject"), s)
        quad(node, _iri(CRM + "statementPredicate"), p)
        quad(node, _iri(CRM + "statementObject"), o)
        for passage in sorted({rng.choice(passages) for _ in range(rng.randint(1, 2))}):
            quad(node, _iri(PROV_FROM), passage)
    quad(report, a, _iri(CRM + "Report"))
    quad(report, label, _lit(f"Synthetic report {number}", lang="en"))
    quad(report, label, _lit(f"Synthetisch rapport {number}", lang="nl"))
    quad(report, _iri(CRM + "publicationYear"), _lit(2015 + number % 12, "integer"))
    editions = []
    for lang in ("en", "nl"):
        edition = _iri(f"{ID}edition/{tag}-{lang}")
        editions.append((edition, lang))
        quad(report, _iri(CRM + "hasEdition"), edition)
        quad(edition, a, _iri(CRM + "Edition"))
        quad(edition, _iri(CRM + "editionOf"), report)
        quad(edition, _iri(DCT_LANGUAGE), _lit(lang, "language"))
        quad(edition, _iri(CRM + "fileName"), _lit(f"{tag}-{lang}.txt"))
        quad(edition, _iri(CRM + "sha256"), _lit(hashlib.sha256(f"{tag}-{lang}".encode()).hexdigest()))
        quad(edition, _iri(CRM + "lineCount"), _lit(4000, "integer"))
    passages, named_in = [], set()
    for edition, lang in editions:
        line = 1
        for n in range(300):
            start, line = line, line + rng.randint(1, 12)
            passage = _iri(f"{ID}passage/{tag}-{lang}/{start}")
            passages.append(passage)
            quad(passage, a, _iri(CRM + "Passage"))
            quad(passage, _iri(CRM + "inEdition"), edition)
            quad(passage, _iri(CRM + "startLine"), _lit(start, "integer"))
            quad(passage, _iri(CRM + "endLine"), _lit(line - 1, "integer"))
            quad(passage, _iri(CRM + "passageKind"), _iri(rng.choice(vocab.passage_kinds)))
            named = {rng.choice(vocab.popular if rng.random() < 0.5 else vocab.materials)
                     for _ in range(rng.randint(1, 3))}
            if rng.random() < 0.3:
                named.add(rng.choice(vocab.towns + vocab.provinces))
            if rng.random() < 0.15:
                named.add(rng.choice(vocab.measure_types))
            for thing in sorted(named):
                quad(passage, _iri(CRM + "mentions"), _iri(thing))
                quad(_iri(thing), _iri(CRM + "mentionedIn"), passage, inf)
                if thing not in named_in:
                    named_in.add(thing)
                    quad(_iri(thing), _iri(CRM + "namedIn"), report, inf)
    kinds = [CRM + "Company", CRM + "KnowledgeInstitution", CRM + "GovernmentBody"]
    for n in range(150):
        org = _iri(f"{ID}organisation/{tag}-{n}")
        kind = rng.choice(kinds)
        town = rng.choice(vocab.towns)
        quad(org, a, _iri(kind))
        quad(org, a, _iri(CRM + "Organisation"), inf)
        quad(org, _iri(SKOS_PREF), _lit(f"Organisation {number}-{n}"))
        quad(org, label, _lit(f"Organisation {number}-{n}"))
        for activity in sorted({rng.choice(vocab.activities) for _ in range(rng.randint(1, 2))}):
            quad(org, _iri(CRM + "activity"), _iri(activity))
            statement(org, _iri(CRM + "activity"), _iri(activity))
        quad(org, _iri(CRM + "locatedIn"), _iri(town))
        for outer in vocab.outer.get(town, []):
            quad(org, _iri(CRM + "locatedIn"), _iri(outer), inf)
        quad(org, _iri(CRM + "mostSpecificPlace"), _iri(town), inf)
        quad(org, _iri(CRM + "namedIn"), report)
        statement(org, _iri(CRM + "namedIn"), report)
        quad(org, _iri(PROV_FROM), rng.choice(passages))
        material = _iri(rng.choice(vocab.materials))
        quad(org, _iri(CRM + "worksOnMaterial"), material)
        statement(org, _iri(CRM + "worksOnMaterial"), material)
    metrics = [f"{ID}metric/share-of-global-supply", f"{ID}metric/share-of-crm-volume", f"{ID}metric/other"]
    for n in range(150):
        figure = _iri(f"{ID}figure/{tag}/{n}")
        metric = rng.choice(metrics)
        quad(figure, a, _iri(CRM + "Figure"))
        quad(figure, _iri(CRM + "inReport"), report)
        about = rng.choice(vocab.goods) if metric.endswith("crm-volume") and vocab.goods else rng.choice(vocab.materials)
        quad(figure, _iri(CRM + "about"), _iri(about))
        value = rng.randint(1, 999) / (10 if rng.random() < 0.5 else 1)
        quad(figure, _iri(CRM + "value"), _lit(f"{value:g}", "decimal"))
        statement(figure, _iri(CRM + "value"), _lit(f"{value:g}", "decimal"))
        quad(figure, _iri(CRM + "unit"), _iri(rng.choice(vocab.units)))
        quad(figure, _iri(CRM + "metric"), _iri(metric))
        place = rng.choice(vocab.provinces if metric.endswith("crm-volume") else vocab.countries)
        quad(figure, _iri(CRM + "inPlace"), _iri(place))
        quad(figure, _iri(CRM + "supplyStage"), _iri(rng.choice(vocab.stages)))
        quad(figure, _iri(CRM + "qualifier"), _iri(rng.choice(vocab.qualifiers)))
        quad(figure, _iri(CRM + "referenceYear"), _lit(2010 + n % 15, "integer"))
        quad(figure, _iri(PROV_FROM), rng.choice(passages))
        quad(figure, label, _lit(f"Figure {n} of report {number}", lang="en"))
        quad(figure, label, _lit(f"Kengetal {n} van rapport {number}", lang="nl"))
    opportunities = []
    for n in range(1, 11):
        opportunity = _iri(f"{ID}opportunity/{tag}/{n}")
        opportunities.append(opportunity)
        quad(opportunity, a, _iri(CRM + "Opportunity"))
        quad(opportunity, _iri(CRM + "inReport"), report)
        quad(opportunity, _iri(CRM + "number"), _lit(n, "integer"))
        quad(opportunity, label, _lit(f"Opportunity {n}", lang="en"))
    challenges = []
    for n in range(1, 16):
        challenge = _iri(f"{ID}challenge/{tag}/{n}")
        challenges.append(challenge)
        quad(challenge, a, _iri(CRM + "Challenge"))
        quad(challenge, _iri(CRM + "inReport"), report)
        quad(challenge, _iri(CRM + "challengeCategory"), _iri(rng.choice(vocab.categories)))
        quad(challenge, _iri(PROV_FROM), rng.choice(passages))
        quad(challenge, label, _lit(f"Challenge {n}", lang="en"))
    for n in range(1, 41):
        rec = _iri(f"{ID}recommendation/{tag}/{n}")
        quad(rec, a, _iri(CRM + "Recommendation"))
        quad(rec, _iri(CRM + "inReport"), report)
        quad(rec, _iri(CRM + "number"), _lit(n, "integer"))
        quad(rec, _iri(CRM + "notation"), _lit(str(n)))
        quad(rec, label, _lit(f"Recommendation {n}", lang="en"))
        quad(rec, label, _lit(f"Aanbeveling {n}", lang="nl"))
        quad(rec, _iri(CRM + "servesOpportunity"), rng.choice(opportunities))
        quad(rec, _iri(CRM + "responsibleActorType"), _iri(rng.choice(vocab.actor_types)))
        quad(rec, _iri(CRM + "timeFrame"), _iri(rng.choice(vocab.time_frames)))
        quad(rec, _iri(CRM + "provinceRole"), _iri(rng.choice(vocab.roles)))
        quad(rec, _iri(CRM + "addressesChallenge"), rng.choice(challenges))
    for n in range(20):
        event = _iri(f"{ID}event/{tag}-{n}")
        year, month = 2018 + rng.randint(0, 7), rng.randint(1, 12)
        quad(event, a, _iri(CRM + "TradeMeasure"))
        quad(event, _iri(CRM + "concernsMaterial"), _iri(rng.choice(vocab.popular)))
        quad(event, _iri(CRM + "announcedOn"), _lit(f"{year}-{month:02d}-01", "date"))
        quad(event, _iri(CRM + "effectiveOn"), _lit(f"{year + 1}-{month:02d}-01", "date"))
        quad(event, _iri(CRM + "actor"), _iri(rng.choice(vocab.countries)))
        quad(event, _iri(CRM + "measureType"), _iri(rng.choice(vocab.measure_types)))
        quad(event, label, _lit(f"Trade measure {number}-{n}", lang="en"))
        quad(event, _iri(PROV_FROM), rng.choice(passages))
    return count


def generate(out_dir: Path, triples: int, seed: int = 42, base: Path = ROOT / "data" / "ttl") -> dict:
    """Write a synthetic build of about ``triples`` quads into ``out_dir``; its manifest."""
    out_dir = Path(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    base_nq = Path(base) / "crm-kg.nq"
    vocab = Vocabulary(base_nq)
    rng = random.Random(seed)
    target = out_dir / "crm-kg.nq"
    inferred: list[str] = []
    with target.open("w", encoding="utf-8") as out:
        out.write(f"# Generated by benchmarks.synthetic (seed {seed}, about {triples} triples) on top of "
                  "data/ttl. Do not edit.\n")
        with base_nq.open(encoding="utf-8") as source:
            total = 0
            for line in source:
                if not line.startswith("#"):
                    out.write(line)
                    total += 1
        number = 0
        while total < triples:
            total += _report(rng, vocab, number, out, inferred)
            number += 1
            if len(inferred) > 200_000:
                out.writelines(inferred)
                inferred.clear()
        out.writelines(inferred)
    digest = hashlib.sha256()
    graphs: dict[str, int] = {}
    with target.open("rb") as fh:
        for line in fh:
            digest.update(line)
            if line.startswith(b"#"):
                continue
            graph = line.rstrip().rsplit(b" ", 2)[-2].decode()[1:-1]
            graphs[graph] = graphs.get(graph, 0) + 1
    manifest = {
        "generated_by": f"benchmarks.synthetic (seed {seed}, {number} synthetic reports)",
        "files": {"crm-kg.nq": {"bytes": target.stat().st_size, "sha256": digest.hexdigest()}},
        "graphs": {g.rsplit("/", 1)[-1]: {"iri": g, "triples": n} for g, n in sorted(graphs.items())},
        "triples": sum(graphs.values()), "reports": number, "seed": seed,
    }
    (out_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    manifest = generate(args.out, args.triples, args.seed)
    print(f"{manifest['triples']} triples, {manifest['reports']} synthetic reports, "
          f"{len(manifest['graphs'])} graphs → {args.out}")


if __name__ == "__main__":
    main()
