"""A ``?lang=`` that cannot grow the caches: only a known language reaches a key or a URL."""

from __future__ import annotations

from flask import Flask


def test_fifty_bogus_languages_make_at_most_one_extra_cache_key(app: Flask) -> None:
    app.config["CENSUS_CACHE_SECONDS"] = 60
    client = app.test_client()
    for path in ("/wilayah/33.16", "/wilayah"):
        assert client.get(path).status_code == 200
    store = app.extensions["census_cache"]
    remembered = ("census_links", "census_chrome")
    before = set(store._items)
    sizes = {name: len(app.extensions[name]) for name in remembered}
    for number in range(50):
        bogus = f"zz{number}" if number % 2 else f"en-{'x' * number}"
        for path in ("/wilayah/33.16", "/wilayah"):
            answer = client.get(f"{path}?lang={bogus}")
            assert answer.status_code == 200
            assert f"lang={bogus}" not in answer.get_data(as_text=True)
    assert len(set(store._items) - before) <= 1, sorted(set(store._items) - before)
    for name in remembered:
        assert len(app.extensions[name]) <= sizes[name] + 1, name
