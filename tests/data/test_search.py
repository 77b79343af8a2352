"""Case search (data.search) on a real store, SQLite and PostgreSQL: the words a case is found
by, the reader's scope, the index kept as cases are written, and hostile queries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from data.db import make_sessionmaker
from data.search import search_cases
from tests.support import events as ev
from tests.support.stores import apply_events, migrate

NOW = datetime.now(UTC)
SOON = timedelta(hours=24)
BISHKEK_REGION, OSH_REGION = "KG-GB", "KG-GO"


def found(engine: Engine, query: str, region: str | None = None) -> list[str]:
    with make_sessionmaker(engine)() as s:
        return [c.reg_no for c in search_cases(s, query, region, NOW, SOON)]


@pytest.fixture
def cases(engine: Engine) -> dict[str, str]:
    """Three cases: Bishkek (Russian words), Bishkek (Kyrgyz words), Osh."""
    at = NOW - timedelta(hours=2)
    ru, ky, osh = ev.next_reg_no(), ev.next_reg_no(), ev.next_reg_no(ev.OSH_CITY)
    apply_events(
        engine,
        [
            ev.registered(
                ru,
                at,
                address="Бишкек, ул. Киевская, 77",
                summary="Кража велосипеда из подъезда жилого дома",
            ),
            ev.assigned(ru, at, unit="OVD-Pervomaisky", officer="Иванов Сергей"),
            ev.registered(ky, at, summary="Үйдөн телефон уурдалган, коңшулар көрүшкөн"),
            ev.assigned(ky, at, unit="ОВД Свердловский", officer="Өмүрбеков Ңуржан"),
            ev.registered(osh, at, district=ev.OSH_CITY, summary="Кража велосипеда у рынка"),
        ],
        now=NOW,
    )
    return {"ru": ru, "ky": ky, "osh": osh}


def test_found_by_each_kind_of_word(engine: Engine, cases: dict[str, str]) -> None:
    ru, ky, osh = cases["ru"], cases["ky"], cases["osh"]
    number = ru.rsplit("-", 1)[1]  # "000123": found by "000123", "123" and "12"
    assert found(engine, ru) == [ru]  # whole registration number
    assert found(engine, number) == [ru]
    assert found(engine, number.lstrip("0")) == [ru]
    assert found(engine, f"2026-{number}") == [ru]
    assert found(engine, "иванов") == [ru]  # officer, any case of letters
    assert found(engine, "ИВАНОВ серг") == [ru]  # two words, the last one a prefix
    assert found(engine, "pervomai") == [ru]  # unit
    assert found(engine, "Киевск") == [ru]  # address
    assert set(found(engine, "велосипед")) == {ru, osh}  # summary, Russian
    assert found(engine, "уурда") == [ky]  # summary, Kyrgyz
    assert found(engine, "коңшу") == [ky]
    assert found(engine, "өмүрбеков ңур") == [ky]  # officer, Kyrgyz letters
    assert found(engine, "свердлов") == [ky]
    assert found(engine, "велосипед рынка") == [osh]  # every word required
    assert found(engine, "велосипед трактор") == []
    assert found(engine, "к") == []  # one letter: a word of its own, not every "к…"
    assert found(engine, "у рынка") == [osh]


@pytest.mark.parametrize("prefix", ["кр", "кра", "краж", "кража", "кража "])
def test_results_as_the_user_types(engine: Engine, cases: dict[str, str], prefix: str) -> None:
    assert {cases["ru"], cases["osh"]} <= set(found(engine, prefix))


def test_scoped_to_the_readers_region(engine: Engine, cases: dict[str, str]) -> None:
    assert found(engine, "велосипед", BISHKEK_REGION) == [cases["ru"]]
    assert found(engine, "велосипед", OSH_REGION) == [cases["osh"]]
    assert found(engine, cases["ru"], OSH_REGION) == []  # not even by its number
    assert found(engine, "иванов", OSH_REGION) == []


def test_index_follows_new_and_changed_cases(engine: Engine, cases: dict[str, str]) -> None:
    later = ev.next_reg_no()
    at = NOW - timedelta(minutes=30)
    apply_events(engine, [ev.registered(later, at, summary="Мошенничество с картой")], now=NOW)
    assert found(engine, "мошенн") == [later]
    apply_events(
        engine,
        [ev.assigned(cases["ru"], at, unit="OVD-Leninsky", officer="Асанов Бакыт")],
        now=NOW,
    )
    assert found(engine, "асанов") == [cases["ru"]]
    assert found(engine, "иванов") == []  # reassigned: the old officer's name gone
    assert found(engine, "leninsky") == [cases["ru"]]
    apply_events(engine, [ev.decided(cases["ru"], at)], now=NOW)  # a status change
    assert found(engine, "асанов") == [cases["ru"]]


BOTH, NONE = "both", "none"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('"', NONE),
        ('"кража', BOTH),
        ("кража*", BOTH),
        ("*", NONE),
        ("(кража", BOTH),
        ("кража)", BOTH),
        ("^кража", BOTH),
        ("-кража", BOTH),
        ("кража\x00", BOTH),
        ("NEAR(кража велосипед)", NONE),  # "near" is a word to find, not an operator
        ("кража OR 1=1", NONE),
        ("кража AND NOT велосипед", NONE),
        ("col:кража", NONE),
        ("'; DROP TABLE cases; --", NONE),
        ("a:* & b | !c", NONE),
        ("\\", NONE),
        ("%_", NONE),
        ("ё" * 500, NONE),
        ("", NONE),
        ("   ", NONE),
        ("?!.,;", NONE),
    ],
)
def test_hostile_queries_are_words_or_nothing(
    engine: Engine, cases: dict[str, str], query: str, expected: str
) -> None:
    result = set(found(engine, query))
    assert result == ({cases["ru"], cases["osh"]} if expected == BOTH else set())


def test_the_migration_indexes_the_cases_already_stored(engine: Engine) -> None:
    migrate(engine, "downgrade", "0008_breaches")
    older = ev.next_reg_no()
    at = NOW - timedelta(days=1)
    apply_events(engine, [ev.registered(older, at, address="Ош, ул. Курманжан Датка, 5")], now=NOW)
    migrate(engine, "upgrade", "head")
    assert found(engine, "курманжан") == [older]
    assert found(engine, older) == [older]
