"""Case search (data.search) on a real store, SQLite and PostgreSQL: the words a case is found
by, the reader's scope, the index kept as cases are written, and hostile queries."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text

from data.db import make_sessionmaker
from data.search import search_cases
from data.seed import seed_cases
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


# --- the prefix indexes (migration 0012): the same answers as the index of 0009 ---------------

PREFIX_REVISION, BEFORE_PREFIXES = "0012_search_prefixes", "0011_notifications"


def _words_of(texts: Iterable[str | None]) -> list[str]:
    """The lower-cased words (letters and digits) of `texts`, all of them."""
    return re.findall(r"[^\W_]+", " ".join(t or "" for t in texts).lower())


def _indexed_words(reg_no: str, *texts: str | None) -> set[str]:
    """A case's words as migration 0009 indexes them: its registration number's segments, each
    number again with up to five leading zeros removed, and the words of its texts."""
    segments = reg_no.lower().split("-")
    stripped = [s[min(5, len(s) - len(s.lstrip("0"))) :] for s in segments]
    return {*segments, *stripped, *_words_of(texts)}


Stored = list[tuple[str, datetime, set[str]]]


def _stored(engine: Engine) -> Stored:
    """Each case's registration number, registration time and words, the last written first."""
    with engine.connect() as c:
        rows = c.execute(
            text(
                "SELECT reg_no, registered_at, officer, unit, address, summary "
                "FROM cases ORDER BY rowid DESC"
            )
        ).all()
    return [(r.reg_no, r.registered_at, _indexed_words(r.reg_no, *r[2:])) for r in rows]


def _scanned(stored: Stored, word: str) -> list[str]:
    """What SQLite's search answers for one word, from a plain scan of the cases: the 10 last
    written holding it whole, and if fewer, the 10 last written holding a word it starts; of
    these the 10 newest registered."""
    whole = [(reg_no, at) for reg_no, at, w in stored if word in w][:10]
    found = dict(whole)
    if len(whole) < 10 and len(word) >= 2:
        starts = [(reg_no, at) for reg_no, at, w in stored if any(x.startswith(word) for x in w)]
        found.update(starts[:10])
    newest = sorted(found.items(), key=lambda item: (item[1], item[0]), reverse=True)
    return [reg_no for reg_no, _ in newest[:10]]


def _queries(engine: Engine) -> list[str]:
    """Words of the stored cases typed as far as 2 to 9 letters, whole, and two at a time."""
    with engine.connect() as c:
        texts = c.execute(text("SELECT officer, unit, address, summary FROM cases")).all()
    vocabulary = sorted({w for row in texts for w in _words_of(row)})
    typed = sorted({w[:n] for w in vocabulary for n in range(2, 10)})[::6]
    pairs = [f"{a} {b[:4]}" for a, b in zip(vocabulary[::31], vocabulary[5::29], strict=False)]
    return typed + pairs + ["kup", "2026", "0", "1", "12", "123", "трактор", "м"]


def test_longer_prefix_indexes_give_the_same_answers(engine: Engine) -> None:
    seed_cases(engine, 1500, seed=11, now=NOW, events=False)
    queries = _queries(engine)
    assert len(queries) > 300
    after = {q: found(engine, q) for q in queries}
    migrate(engine, "downgrade", BEFORE_PREFIXES)
    before = {q: found(engine, q) for q in queries}
    migrate(engine, "upgrade", PREFIX_REVISION)
    assert after == before
    assert {q: found(engine, q) for q in queries} == after
    assert sum(len(r) == 10 for r in after.values()) > 100  # broad queries among them
    if engine.dialect.name == "sqlite":  # the last written of the matches, exactly
        single = [q for q in queries if " " not in q]
        stored = _stored(engine)
        assert {q: after[q] for q in single} == {q: _scanned(stored, q) for q in single}


def test_the_index_follows_cases_after_each_migration_step(
    engine: Engine, cases: dict[str, str]
) -> None:
    migrate(engine, "downgrade", BEFORE_PREFIXES)
    earlier = ev.next_reg_no()
    at = NOW - timedelta(hours=1)
    apply_events(
        engine, [ev.registered(earlier, at, summary="Угон автомобиля марки Лада")], now=NOW
    )
    assert found(engine, "автомоб") == [earlier]
    migrate(engine, "upgrade", PREFIX_REVISION)  # the cases stored before are indexed again
    assert found(engine, "автомоб") == [earlier]
    assert set(found(engine, "велоси")) == {cases["ru"], cases["osh"]}
    assert found(engine, "өмүрбек") == [cases["ky"]]
    later = ev.next_reg_no()
    apply_events(engine, [ev.registered(later, at, summary="Угон мотоцикла")], now=NOW)
    apply_events(
        engine, [ev.assigned(earlier, at, unit="ОВД Ленинский", officer="Тороев")], now=NOW
    )
    assert found(engine, "мотоцик") == [later]  # the triggers write the new table
    assert found(engine, "торое") == [earlier]
    migrate(engine, "downgrade", BEFORE_PREFIXES)
    assert found(engine, "мотоцик") == [later]
    assert found(engine, "торое") == [earlier]
    apply_events(engine, [ev.registered(ev.next_reg_no(), at, summary="Пожар")], now=NOW)
    assert len(found(engine, "пожа")) == 1
