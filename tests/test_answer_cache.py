"""Saved-query answers cached per graph version: ETag, 304, Cache-Control, never an error."""

from __future__ import annotations

import pytest

from crm_kg.errors import StoreError
from crm_kg.sparql.library import SavedQuery
from crm_kg.web import state

API = "/api/queries/recommendations-for-opportunity"
EXPENSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


class Counting:
    """A store that counts the queries it answers, with a version that can be changed."""

    def __init__(self, inner, version: str | None = None):
        self.inner, self._version, self.calls, self.fail = inner, version, 0, 0

    def query(self, *args, **kwargs):
        self.calls += 1
        if self.fail:
            self.fail -= 1
            raise StoreError("the store is down")
        return self.inner.query(*args, **kwargs)

    def serialize(self, *args, **kwargs):
        self.calls += 1
        return self.inner.serialize(*args, **kwargs)

    def graphs(self):
        return self.inner.graphs()

    def info(self):
        return self.inner.info()

    @property
    def version(self):
        return self._version or self.inner.version


def counting_app(built, store, **settings):
    """(app, counting store) over the session's build, with ``settings`` changed."""
    from crm_kg.web import create_app

    build_settings, _ = built
    counting = Counting(store)
    app = create_app({"TESTING": True, "SETTINGS": build_settings.with_(**settings), "STORE": counting})
    return app, counting


@pytest.fixture()
def counted(built, store):
    return counting_app(built, store)


def numbers(response) -> list[int]:
    return [int(b["number"]["value"]) for b in response.get_json(force=True)["results"]["bindings"]]


def test_answer_has_etag_and_is_served_from_the_cache(counted):
    app, counting = counted
    client = app.test_client()
    first = client.get(API + "?opportunity=3&actor=municipalities")
    assert first.status_code == 200 and numbers(first) == [1, 3, 5, 9, 10]
    etag = first.headers["ETag"]
    assert etag.startswith('"') and len(etag) > 10
    assert first.headers["Cache-Control"] == "public, max-age=300"
    assert "Accept" in first.headers["Vary"]
    calls = counting.calls
    assert calls >= 1
    second = client.get(API + "?opportunity=3&actor=municipalities")
    assert counting.calls == calls                 # no query ran
    assert second.data == first.data and second.headers["ETag"] == etag
    assert second.headers["Content-Type"] == first.headers["Content-Type"]
    # the same question with its parameters in another order is the same answer
    third = client.get(API + "?actor=municipalities&opportunity=3")
    assert third.headers["ETag"] == etag and counting.calls == calls
    info = state.of(app).answer_cache.info()
    assert info["hits"] >= 2 and info["entries"] >= 1 and info["version"] == counting.version


def test_if_none_match_gives_304_without_running_the_query(counted):
    app, counting = counted
    client = app.test_client()
    etag = client.get(API + "?opportunity=3").headers["ETag"]
    calls = counting.calls
    response = client.get(API + "?opportunity=3", headers={"If-None-Match": etag})
    assert response.status_code == 304 and response.data == b""
    assert response.headers["ETag"] == etag and counting.calls == calls
    listed = client.get(API + "?opportunity=3", headers={"If-None-Match": f'"other", {etag}'})
    assert listed.status_code == 304
    # even after the answer left the cache: the ETag is known before the query runs
    state.of(app).answer_cache._entries.clear()
    state.of(app).answer_cache._raw.clear()
    again = client.get(API + "?opportunity=3", headers={"If-None-Match": etag})
    assert again.status_code == 304 and counting.calls == calls
    stale = client.get(API + "?opportunity=3", headers={"If-None-Match": '"not-this-one"'})
    assert stale.status_code == 200 and numbers(stale)


def test_etag_differs_by_parameters_media_type_and_language(counted):
    app, _ = counted
    client = app.test_client()
    json_tag = client.get(API + "?opportunity=3").headers["ETag"]
    other = client.get(API + "?opportunity=1")
    csv = client.get(API + "?opportunity=3", headers={"Accept": "text/csv"})
    dutch = client.get(API + "?opportunity=3", headers={"Accept-Language": "nl"})
    assert csv.status_code == 200 and csv.data.startswith(b"recommendation,")
    tags = {json_tag, other.headers["ETag"], csv.headers["ETag"], dutch.headers["ETag"]}
    assert len(tags) == 4
    titles = {b["title"]["value"] for b in dutch.get_json(force=True)["results"]["bindings"]}
    english = {b["title"]["value"] for b in client.get(API + "?opportunity=3").get_json(force=True)
               ["results"]["bindings"]}
    assert titles and titles.isdisjoint(english)     # the Dutch answer is not the English one


def test_a_new_build_changes_every_etag_and_empties_the_cache(counted):
    app, counting = counted
    client = app.test_client()
    old = client.get(API + "?opportunity=3")
    counting._version = "another-build"
    calls = counting.calls
    new = client.get(API + "?opportunity=3", headers={"If-None-Match": old.headers["ETag"]})
    assert new.status_code == 200 and new.headers["ETag"] != old.headers["ETag"]
    assert counting.calls > calls                     # answered again, not from the old cache
    assert state.of(app).answer_cache.info()["version"] == "another-build"


def test_errors_and_bad_input_are_never_cached(counted):
    app, counting = counted
    client = app.test_client()
    bad = client.get(API + "?opportunity=zero")
    assert bad.status_code == 400 and bad.headers["Cache-Control"] == "no-store"
    assert "ETag" not in bad.headers and bad.get_json()["param"] == "opportunity"
    counting.fail = 10
    down = client.get(API + "?opportunity=4")
    assert down.status_code == 502 and down.headers["Cache-Control"] == "no-store"
    counting.fail = 0
    up = client.get(API + "?opportunity=4")
    assert up.status_code == 200 and numbers(up)      # the error was not kept
    assert client.get(API + "?opportunity=zero").status_code == 400


def test_truncated_answers_are_not_cached(built, store):
    app, counting = counting_app(built, store, max_result_rows=2)
    client = app.test_client()
    first = client.get(API + "?opportunity=3")
    assert first.headers["X-Result-Truncated"] == "true" and len(numbers(first)) == 2
    assert "ETag" not in first.headers and first.headers["Cache-Control"] == "no-store"
    calls = counting.calls
    client.get(API + "?opportunity=3")
    assert counting.calls > calls


def test_query_pages_are_cached_too(counted):
    app, counting = counted
    client = app.test_client()
    page = client.get("/queries/recommendations-for-opportunity?opportunity=3")
    assert page.status_code == 200 and b"</table>" in page.data and page.headers["ETag"]
    calls = counting.calls
    again = client.get("/queries/recommendations-for-opportunity?opportunity=3")
    assert again.data == page.data and counting.calls == calls
    assert client.get("/queries/no-such-query").status_code == 404


def test_cache_can_be_turned_off(built, store):
    app, counting = counting_app(built, store, answer_cache_entries=0)
    client = app.test_client()
    client.get(API)
    calls = counting.calls
    response = client.get(API)
    assert counting.calls > calls and "ETag" not in response.headers


def test_the_deadline_holds_on_the_cached_path(pool_app, pool):
    """A saved query past the pool's deadline: 503 each time (the error is not cached), and
    the next saved query is answered."""
    from test_execute import wait_for

    library = state.of(pool_app).library
    slow = SavedQuery(name="slow-for-test", title={"en": "slow", "nl": "traag"}, description={},
                      tags=(), params=(), text=EXPENSIVE)
    library.queries[slow.name] = slow
    try:
        client = pool_app.test_client()
        assert wait_for(lambda: len(pool.pids()) == 2)
        for _ in range(2):
            response = client.get("/api/queries/slow-for-test")
            assert response.status_code == 503 and response.headers["Retry-After"]
            assert "ETag" not in response.headers
        assert wait_for(lambda: len(pool.pids()) == 2)
        ok = client.get(API + "?opportunity=3")
        assert ok.status_code == 200 and numbers(ok) == [1, 3, 5, 9, 10]
    finally:
        del library.queries[slow.name]
