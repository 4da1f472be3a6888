"""The closed lists of saved-query parameters (drop-downs) are computed once per graph version:
requests do not re-run them, and a reload that adds a value makes it allowed at once."""

from __future__ import annotations

import pyoxigraph as ox

from crm_kg.store.embedded import EmbeddedStore
from crm_kg.web import create_app

CRM = "https://w3id.org/crm-kg/ontology#"
NEW = "https://w3id.org/crm-kg/id/report/zz-2030"


class Counting(EmbeddedStore):
    """An embedded store that counts the queries it is asked."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.asked: list[str] = []

    def query(self, sparql, *args, **kwargs):
        self.asked.append(sparql)
        return super().query(sparql, *args, **kwargs)


def _store(built, version: str, extra_report: bool) -> Counting:
    settings, _ = built
    store = ox.Store()
    store.load(path=str(settings.ttl_dir / "crm-kg.nq"), format=ox.RdfFormat.N_QUADS)
    if extra_report:
        g = ox.NamedNode("https://w3id.org/crm-kg/graph/zz-2030")
        store.add(ox.Quad(ox.NamedNode(NEW), ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                          ox.NamedNode(CRM + "Report"), g))
    return Counting(store, {"files": {"crm-kg.nq": {"sha256": version * 64}}})


def test_parameter_lists_are_kept_per_graph_version(built):
    settings, _ = built
    old, new = _store(built, "a", False), _store(built, "b", True)
    opened = iter([new])
    app = create_app({"TESTING": True, "SETTINGS": settings.with_(answer_cache_entries=0),
                      "STORE": old, "STORE_OPENER": lambda: next(opened)})
    client = app.test_client()
    url = "/api/queries/organisation-counts-by-activity?report="
    assert client.get(url + "zh-2024").status_code == 200
    lists = [q for q in old.asked if "$class" in q]
    assert len(lists) == 1                        # the list of reports, asked once
    for _ in range(3):
        assert client.get(url + "zh-2024").status_code == 200
    assert [q for q in old.asked if "$class" in q] == lists     # not asked again
    refused = client.get(url + "zz-2030")
    assert refused.status_code == 400 and b"not one of the allowed values" in refused.data
    from crm_kg.web import state
    assert state.of(app).store.reload()["ok"]
    assert client.get(url + "zz-2030").status_code == 200        # the new version's list
    assert len([q for q in new.asked if "$class" in q]) == 1


# -- saved once per graph version: a process start reads them, /readyz waits for them ----------

def _served(built, tmp_path, store, opener=None):
    """An app as served (answers.warm), its lists saved under ``tmp_path``."""
    from crm_kg.web import answers

    settings, _ = built
    app = create_app({"TESTING": True, "SETTINGS": settings.with_(ttl_dir=tmp_path / "ttl", answer_cache_entries=0),
                      "STORE": store, "STORE_OPENER": opener})
    answers.warm(app).join(timeout=120)
    return app


def _lists_asked(store: Counting) -> list[str]:
    from crm_kg.sparql.library import CLASS_MEMBERS, QueryLibrary

    settings_queries = {p.values_query for q in QueryLibrary(__import__("pathlib").Path("queries"))
                        for p in q.params if p.values_query}
    return [q for q in store.asked if q == CLASS_MEMBERS or q in settings_queries]


def test_lists_are_computed_once_per_graph_version_and_read_at_the_next_start(built, tmp_path):
    first = _store(built, "c", False)
    app = _served(built, tmp_path, first)
    computed = _lists_asked(first)
    assert len(computed) > 10                      # every closed list, before any request
    saved = list((tmp_path / ".ttl.store" / "lists").glob("cccccccccccccccc-*.json"))
    assert len(saved) == 1
    client = app.test_client()
    assert client.get("/readyz").status_code == 200
    listing = client.get("/api/queries").get_json()
    assert _lists_asked(first) == computed         # the request read what the warm-up computed

    again = _store(built, "c", False)              # the next process start, same graph version
    restarted = _served(built, tmp_path, again)
    assert _lists_asked(again) == []               # read from the saved file, not computed
    client = restarted.test_client()
    assert client.get("/readyz").status_code == 200
    assert client.get("/api/queries").get_json() == listing
    bad = client.get("/api/queries/organisation-counts-by-activity?report=zz-2030")
    assert bad.status_code == 400                  # the saved list still refuses unknown values
    assert _lists_asked(again) == []


def test_saved_lists_of_another_version_or_garbage_are_not_used(built, tmp_path):
    first = _store(built, "d", False)
    _served(built, tmp_path, first)
    [path] = (tmp_path / ".ttl.store" / "lists").glob("dddddddddddddddd-*.json")
    import json

    data = json.loads(path.read_text())
    data["version"] = "e" * 16                      # a file that names another graph
    path.write_text(json.dumps(data))
    other = _store(built, "d", False)
    _served(built, tmp_path, other)
    assert len(_lists_asked(other)) > 10           # computed again, and saved right
    assert json.loads(path.read_text())["version"] == "d" * 16
    path.write_text("{not json")
    third = _store(built, "d", False)
    _served(built, tmp_path, third)
    assert len(_lists_asked(third)) > 10


def test_readyz_waits_for_the_lists_and_a_reload_prepares_them_before_the_swap(built, tmp_path):
    import threading

    from crm_kg.sparql.library import CLASS_MEMBERS

    gate = threading.Event()

    class Slow(Counting):
        def query(self, sparql, *args, **kwargs):
            if sparql == CLASS_MEMBERS:
                gate.wait(timeout=60)
            return super().query(sparql, *args, **kwargs)

    from crm_kg.web import answers

    settings, _ = built
    old = Slow(*_args(_store(built, "f", False)))
    new = _store(built, "g", True)
    app = create_app({"TESTING": True, "SETTINGS": settings.with_(ttl_dir=tmp_path / "ttl"),
                      "STORE": old, "STORE_OPENER": lambda: new})
    warming = answers.warm(app)
    client = app.test_client()
    waiting = client.get("/readyz")
    assert waiting.status_code == 503 and "parameter lists" in waiting.get_json()["reason"]
    gate.set()
    warming.join(timeout=120)
    assert client.get("/readyz").status_code == 200
    from crm_kg.web import state

    assert state.of(app).store.reload()["ok"]
    prepared = _lists_asked(new)
    assert len(prepared) > 10                      # before the swap, by the reload itself
    assert client.get("/readyz").status_code == 200
    assert client.get("/api/queries/organisation-counts-by-activity?report=zz-2030").status_code == 200
    assert _lists_asked(new) == prepared           # no request computes them


def _args(store: Counting):
    return store._store, store.manifest


def test_a_dependent_list_follows_a_reload(built):
    """The opportunities listed per report (a list that depends on another parameter) are kept per
    graph version too: they were kept per app, so a reload's new opportunity was not offered."""
    old, new = _store(built, "h", False), _store(built, "i", True)
    o = ox.NamedNode("https://w3id.org/crm-kg/id/opportunity/zz-2030-1")
    g = ox.NamedNode("https://w3id.org/crm-kg/graph/zz-2030")
    for p, v in [("http://www.w3.org/1999/02/22-rdf-syntax-ns#type", ox.NamedNode(CRM + "Opportunity")),
                 (CRM + "number", ox.Literal("7", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))),
                 (CRM + "inReport", ox.NamedNode(NEW)),
                 ("http://www.w3.org/2000/01/rdf-schema#label", ox.Literal("Zeta harbour works", language="en"))]:
        new._store.add(ox.Quad(o, ox.NamedNode(p), v, g))
    settings, _ = built
    app = create_app({"TESTING": True, "SETTINGS": settings.with_(answer_cache_entries=0),
                      "STORE": old, "STORE_OPENER": lambda: new})
    client = app.test_client()
    page = client.get("/queries/recommendations-for-opportunity?lang=en")
    assert page.status_code == 200 and b"Zeta harbour works" not in page.data
    from crm_kg.web import state
    assert state.of(app).store.reload()["ok"]
    page = client.get("/queries/recommendations-for-opportunity?lang=en")
    assert page.status_code == 200 and b"Zeta harbour works" in page.data


def test_lists_that_cannot_be_prepared_do_not_hold_readiness_for_ever(built, tmp_path):
    """A list query that fails at start-up (a deadline at 10M, say) leaves the app ready; requests
    then compute the lists they need, as before the warm-up."""
    from crm_kg.errors import QueryEvaluationError
    from crm_kg.sparql.library import CLASS_MEMBERS

    class Failing(Counting):
        fail = True

        def query(self, sparql, *args, **kwargs):
            if sparql == CLASS_MEMBERS and Failing.fail:
                raise QueryEvaluationError("the query failed: too slow")
            return super().query(sparql, *args, **kwargs)

    app = _served(built, tmp_path, Failing(*_args(_store(built, "j", False))))
    client = app.test_client()
    assert client.get("/readyz").status_code == 200
    assert not list((tmp_path / ".ttl.store" / "lists").glob("jjjjjjjjjjjjjjjj-*.json"))   # nothing saved
    Failing.fail = False
    assert client.get("/api/queries/organisation-counts-by-activity?report=zh-2024").status_code == 200


def test_a_reload_whose_lists_fail_still_swaps_and_stays_ready(built, tmp_path):
    from crm_kg.errors import QueryEvaluationError
    from crm_kg.sparql.library import CLASS_MEMBERS
    from crm_kg.web import state

    class Failing(Counting):
        def query(self, sparql, *args, **kwargs):
            if sparql == CLASS_MEMBERS:
                raise QueryEvaluationError("the query failed: too slow")
            return super().query(sparql, *args, **kwargs)

    new = Failing(*_args(_store(built, "l", True)))
    app = _served(built, tmp_path, _store(built, "k", False), opener=lambda: new)
    client = app.test_client()
    assert client.get("/readyz").status_code == 200
    assert state.of(app).store.reload()["ok"]
    assert state.of(app).store.version == "l" * 16
    assert client.get("/readyz").status_code == 200
