"""Regions: the Kemendagri files load completely, idempotently, on both databases."""

from __future__ import annotations

from sqlalchemy import func, select

from census.core.models import Region
from census.core.regions import ancestors, children, get_region, level_of, load_regions


def test_every_region_is_loaded(session) -> None:
    counts = dict(session.execute(select(Region.level, func.count()).group_by(Region.level)).all())
    assert counts == {1: 38, 2: 514, 3: 7285, 4: 83762}


def test_loading_again_changes_nothing(session) -> None:
    before = session.scalar(select(func.count()).select_from(Region))
    assert load_regions(session) == before
    assert session.scalar(select(func.count()).select_from(Region)) == before


def test_lookups(session) -> None:
    assert get_region(session, "53.71").name == "Kota Kupang"
    assert get_region(session, "53.71.01").parent_code == "53.71"
    assert get_region(session, "5371") is None
    assert [r.code for r in ancestors(session, "33.16.01.2001")] == [
        "33",
        "33.16",
        "33.16.01",
        "33.16.01.2001",
    ]
    provinces = children(session, None)
    assert len(provinces) == 38
    assert all(r.parent_code == "33.16" for r in children(session, "33.16"))


def test_level_of() -> None:
    assert level_of("33") == 1
    assert level_of("33.16.01.2001") == 4
    assert level_of("33.16.1") is None
    assert level_of("") is None
