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
