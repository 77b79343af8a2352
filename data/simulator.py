"""A deterministic producer of realistic upstream events (schema 1), for demos and tests.

The simulator plays the electronic registry: it registers reports in the 55 districts in
proportion to their population, with a day/night and working-day rhythm, and schedules each
case's later events (assignment, sometimes an extension, a decision that is usually but not
always in time, now and then a reopening after a refusal). Events are flat `str -> str` dicts,
exactly as they would be XADDed to the stream. Pure code: no Redis, no database, no clock;
the same seed and the same calls give the same output.

History (`backfill`) and live time (`advance`) are one process: the same registrations a day
and the same hourly rhythm, each case's decision scheduled when it is registered, so decisions
keep pace with arrivals and the number of open cases stays about level. `resume` carries on
from a store's state (its last numbers and its open cases) after a restart.
"""

from __future__ import annotations

import functools
import heapq
import random
import string
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel import Locale
from babel.numbers import format_decimal

from data.reference import District, Geography
from rules.clock import DEFAULT_TZ, local, local_date, local_instant, local_iso, zone
from rules.contract import LAT_RANGE, LON_RANGE, SCHEMA_VERSION
from rules.deadlines import get_rule_set, is_working_day, period_end

# Relative weights (shares of all registrations) and the Russian summaries of each category.
CATEGORY_WEIGHTS = {
    "theft": 30,
    "fraud": 16,
    "hooliganism": 10,
    "traffic": 9,
    "domestic_violence": 8,
    "assault": 7,
    "drugs": 5,
    "property_damage": 4,
    "robbery": 3,
    "other": 3.5,
    "missing_person": 2.5,
    "corruption": 1.5,
    "sexual": 1,
    "homicide": 0.3,
    "extremism": 0.2,
}
SUMMARIES = {
    "theft": (
        "Кража телефона в маршрутке №{route}",
        "Кража {item} из квартиры по ул. {street}",
        "Кража скота ({cattle}) с пастбища",
        "Кража автомобиля {car} со двора дома",
        "Карманная кража на рынке",
    ),
    "fraud": (
        "Хищение средств с банковской карты после звонка «из банка»",
        "Мошенничество при продаже автомобиля {car} через интернет",
        "Мошенничество с трудоустройством за рубежом, ущерб {amount}",
    ),
    "hooliganism": (
        "Хулиганские действия у кафе на ул. {street}",
        "Драка в общественном месте, {people}",
        "Нарушение общественного порядка в маршрутке №{route}",
    ),
    "traffic": (
        "ДТП с участием {car} и пешехода на ул. {street}",
        "Столкновение двух автомобилей, есть пострадавшие",
    ),
    "domestic_violence": (
        "Семейное насилие: заявление супруги",
        "Побои со стороны родственника, выдан охранный ордер",
    ),
    "assault": (
        "Причинение телесных повреждений в ходе ссоры на ул. {street}",
        "Избиение гражданина {age} неизвестными",
    ),
    "drugs": (
        "Изъято вещество растительного происхождения при досмотре",
        "Выявлен очаг дикорастущей конопли",
        "Сбыт наркотических средств через закладки",
    ),
    "property_damage": (
        "Повреждение автомобиля {car} во дворе дома",
        "Поджог хозяйственной постройки",
        "Разбиты окна магазина на ул. {street}",
    ),
    "robbery": (
        "Грабёж: у пешехода вырвали сумку на ул. {street}",
        "Разбойное нападение на магазин",
    ),
    "other": ("Обнаружен бесхозный предмет", "Иное сообщение о происшествии"),
    "missing_person": (
        "Безвестное исчезновение гражданина {age}",
        "Не вернулся домой несовершеннолетний {teen}",
    ),
    "corruption": (
        "Вымогательство взятки должностным лицом",
        "Злоупотребление полномочиями при выделении земельного участка",
    ),
    "sexual": ("Заявление о преступлении против половой неприкосновенности",),
    "homicide": (
        "Обнаружен труп с признаками насильственной смерти",
        "Убийство в ходе бытового конфликта",
    ),
    "extremism": ("Распространение материалов экстремистского содержания в мессенджере",),
}
STREETS = (
    "Чуй",
    "Манаса",
    "Токтогула",
    "Ахунбаева",
    "Жибек Жолу",
    "Ленина",
    "Фрунзе",
    "Курманжан Датки",
    "Масалиева",
    "Исанова",
    "Московская",
    "Советская",
)
CARS = ("Toyota Camry", "Honda Fit", "Lexus RX", "Daewoo Matiz", "Subaru Outback", "Toyota Alphard")
ITEMS = ("ноутбука", "ювелирных украшений", "денежных средств", "велосипеда", "телевизора")
SOURCES = {
    "statement": 70,
    "officer_report": 18,
    "other_agency": 5,
    "self_report": 3,
    "media": 2,
    "other": 2,
}
DECISIONS = {
    "crime": {"initiated": 35, "refused": 35, "transferred": 15, "merged": 10, "closed_other": 5},
    "appeal": {"closed_other": 55, "refused": 20, "transferred": 20, "initiated": 5},
}
MISDEMEANOR_PRONE = {"hooliganism", "domestic_violence", "traffic", "property_damage", "theft"}
URGENT = {"homicide", "sexual", "extremism", "missing_person"}
# Police units as the registry names them: a district's РОВД, a town's ОВД, the capital's four
# district УВД and the Osh city УВД; other agencies a report may be transferred to.
BISHKEK = "41711000000000"
OSH_CITY = "41721000000000"
BISHKEK_UNITS = tuple(
    f"УВД {name} района г. Бишкек"
    for name in ("Первомайского", "Октябрьского", "Ленинского", "Свердловского")
)
AGENCIES = ("ГКНБ", "Прокуратура", "Финансовая полиция")
# Registrations per local hour (relative), and the share on weekends and public holidays.
HOURLY = (
    0.35,
    0.25,
    0.2,
    0.18,
    0.18,
    0.25,
    0.45,
    0.8,
    1.2,
    1.5,
    1.6,
    1.6,
    1.5,
    1.5,
    1.55,
    1.5,
    1.45,
    1.4,
    1.3,
    1.2,
    1.05,
    0.9,
    0.7,
    0.5,
)
DAY_OFF_FACTOR = 0.7
LATE_REGISTRATION_SHARE = 0.02
LATE_DECISION_SHARE = 0.15
REOPEN_SHARE = 0.08
EPOCH = (date(2026, 1, 1), time(9, 0))  # local day and time: `malformed` with no time known
# Contract violations for `malformed`: a bad value of one field, or one of the other flaws.
BAD_VALUES = {
    "schema": ("2", "1.0", "v1"),
    "type": ("closed", "REGISTERED", "updated"),
    "event_id": ("", "id with spaces", "e" * 65),
    "reg_no": ("куп-123456", "KUP 2026 12", "kup-1"),
    "district": ("41799999000000", "4171100000", "Бишкек"),
    "category": ("murder", "кража", "Theft", ""),
    "kind": ("felony", "Crime"),
    "source": ("phone", ""),
    "priority": ("urgent",),
    "lat": ("55.75580", "0", "сорок два", "nan"),
    "lon": ("37.61730", "74,59", "inf"),
}
FLAWS = (*BAD_VALUES, "missing", "naive", "lat_only", "summary", "future", "days", "decision")
REQUIRED = (
    "schema",
    "type",
    "event_id",
    "reg_no",
    "occurred_at",
    "received_at",
    "district",
    "category",
    "source",
)


def _pick(rng: random.Random, weights: Mapping[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


_RU = Locale("ru")


@functools.lru_cache(maxsize=4096)
def ru_count(count: int, one: str, few: str, many: str) -> str:
    """`count` and the Russian form of the word by Babel's (CLDR) plural rules:
    ru_count(21, "голова", "головы", "голов") == "21 голова"."""
    form = {"one": one, "few": few}.get(_RU.plural_form(count), many)
    return f"{format_decimal(count, locale=_RU)} {form}"


def unit_name(district: District, share: float) -> str:
    """The police unit of a district as Kyrgyz units are named ("Ноокатский РОВД", "ОВД
    г. Каракол", "УВД г. Ош"); in Bishkek, one of its four district УВД chosen by `share`
    (a number in [0, 1))."""
    if district.soate == BISHKEK:
        return BISHKEK_UNITS[int(share * len(BISHKEK_UNITS))]
    if district.soate == OSH_CITY:
        return f"УВД {district.label_ru}"
    if district.type == "district":
        return f"{district.name_ru} РОВД"
    return f"ОВД {district.label_ru}"


_SLOTS: dict[str, Callable[[random.Random], object]] = {
    "route": lambda rng: rng.randint(100, 299),
    "item": lambda rng: rng.choice(ITEMS),
    "cattle": lambda rng: ru_count(rng.randint(1, 25), "голова КРС", "головы КРС", "голов КРС"),
    "people": lambda rng: ru_count(rng.randint(2, 12), "участник", "участника", "участников"),
    "car": lambda rng: rng.choice(CARS),
    # The genitive of an age: "гражданина 21 года", "гражданина 25 лет".
    "age": lambda rng: ru_count(rng.randint(18, 80), "года", "лет", "лет"),
    "teen": lambda rng: ru_count(rng.randint(12, 17), "года", "лет", "лет"),
    "amount": lambda rng: ru_count(rng.randrange(20000, 500000, 1000), "сом", "сома", "сомов"),
}


def summary_text(rng: random.Random, category: str, kind: str, street: str) -> str:
    """A registry-style Russian summary of a report of `category` (an appeal says so)."""
    summary = rng.choice(SUMMARIES[category])
    if "{" in summary:
        names = [name for _, name, _, _ in string.Formatter().parse(summary) if name]
        summary = summary.format(
            **{name: street if name == "street" else _SLOTS[name](rng) for name in names}
        )
    if kind == "appeal":
        first = summary[0] if summary[1:2].isupper() else summary[0].lower()
        summary = f"Обращение гражданина: {first}{summary[1:]}"
    return summary


@dataclass(frozen=True)
class OpenCase:
    """A stored case without a decision, as `Simulator.resume` carries it on."""

    reg_no: str
    district: str
    kind: str
    unit: str | None
    officer: str | None
    deadline: datetime


class Simulator:
    """Produces contract-conformant events (and, at `bad_rate`, malformed ones) from a seed."""

    def __init__(
        self,
        geography: Geography,
        seed: int | str | None = None,
        tz: ZoneInfo = zone(DEFAULT_TZ),
        bad_rate: float = 0.0,
        duplicate_rate: float = 0.01,
        registrations_per_day: float = 600.0,
    ) -> None:
        self.geography, self.tz = geography, tz
        self.bad_rate, self.duplicate_rate = bad_rate, duplicate_rate
        self.registrations_per_day = registrations_per_day
        self.rules = get_rule_set("kg-default")
        self._rng = random.Random(seed)
        self._districts = sorted(geography.districts.values(), key=lambda d: d.soate)
        self._population = [max(d.population, 1) for d in self._districts]
        self._officers = {
            d.soate: [
                str(self._rng.randint(10000, 99999)) for _ in range(3 + d.population // 40000)
            ]
            for d in self._districts
        }
        self._seq: dict[tuple[str, int], int] = {}
        self._reg_nos: dict[str, str] = {}  # case placeholder -> reg_no given at registration
        self._pending: list[tuple[datetime, int, dict[str, str]]] = []
        self._order = self._case_no = 0
        self._drawn: list[tuple[datetime, dict[str, str]]] | None = None
        self._horizon: datetime | None = None

    # -- public API -------------------------------------------------------------------------

    def backfill(
        self, start: datetime, end: datetime, warm_up: timedelta = timedelta(0)
    ) -> Iterator[dict[str, str]]:
        """History of the reports received in [start, end) and their follow-ups before `end`,
        in non-decreasing `occurred_at` order; later follow-ups stay pending for `live`.
        With `warm_up`, the reports received that long before `start` are drawn too and those
        still open at `start` come first: a register in its steady state (its old cases
        decided in their turn), not one that began empty."""
        self._horizon = end
        for received in self._arrivals(start - warm_up, end):
            yield from self._release(received, inclusive=False)
            self._new_case(received, received + self._registration_lag(), start)
        yield from self._release(end, inclusive=False)

    def advance(self, now: datetime) -> list[dict[str, str]]:
        """Live time: what happens after the last call (or `backfill`) up to `now`, at the
        history's registrations a day and hourly rhythm, with the follow-ups due by `now`."""
        return list(self.backfill(self._horizon or now, now))

    def resume(
        self,
        numbers: Mapping[tuple[str, int], int],
        open_cases: Iterable[OpenCase],
        at: datetime,
    ) -> None:
        """Carry on from a store as of `at`: new numbers follow `numbers` (the last sequence
        number given per district and year), and every open case is assigned (if it is not)
        and decided later, in time or not, as a case of this simulator would be."""
        self._horizon = at
        for key, last in numbers.items():
            self._seq[key] = max(self._seq.get(key, 0), last)
        for case in open_cases:
            officers = self._officers.get(case.district)
            if officers is None:  # a district this geography does not know
                continue
            self._reg_nos[case.reg_no] = case.reg_no
            t, officer = self._second(at), case.officer
            if officer is None:
                officer = self._rng.choice(officers)
                t = self._second(at + timedelta(minutes=1 + self._rng.expovariate(1 / 60)))
                district = self.geography.districts[case.district]
                unit = case.unit or unit_name(district, self._rng.random())
                self._schedule(
                    t, self._event("assigned", case.reg_no, t, unit=unit, officer=officer)
                )
            self._decide(case.reg_no, case.kind, officer, t, case.deadline)

    def live(self, now: datetime, count: int) -> list[dict[str, str]]:
        """`count` registrations happening now plus every pending follow-up due by `now`."""
        self._horizon = now
        for _ in range(count):
            registered = self._second(now - timedelta(seconds=self._rng.uniform(1, 90)))
            self._new_case(registered - self._registration_lag(), registered)
        return list(self._release(now, inclusive=True))

    def malformed(self, at: datetime | None = None) -> dict[str, str]:
        """An entry that breaks the contract in one of several ways (around `at`)."""
        rng = self._rng
        at = self._second(at or self._horizon or local_instant(*EPOCH, self.tz))
        district = rng.choices(self._districts, weights=self._population)[0]
        fields = self._registration(
            f"KUP-{district.soate}-{at.year}-{rng.randint(1, 999999):06d}",
            district,
            at - timedelta(minutes=rng.randint(1, 30)),
            at,
        )
        flaw = rng.choice(FLAWS)
        if flaw in ("lat", "lon", "lat_only"):
            fields.update(lat=f"{district.lat:.5f}", lon=f"{district.lon:.5f}")
        if flaw in BAD_VALUES:
            fields[flaw] = rng.choice(BAD_VALUES[flaw])
        elif flaw == "missing":
            del fields[rng.choice(REQUIRED)]
        elif flaw == "naive":
            fields[rng.choice(("occurred_at", "received_at"))] = at.replace(tzinfo=None).isoformat(
                timespec="seconds"
            )
        elif flaw == "lat_only":
            del fields["lon"]
        elif flaw == "summary":
            fields["summary"] = "Подробное описание обстоятельств. " * rng.randint(30, 60)
        elif flaw == "future":
            fields["occurred_at"] = self._iso(max(at, self._horizon or at) + timedelta(days=2))
        else:
            fields = self._event("extended" if flaw == "days" else "decided", fields["reg_no"], at)
            if flaw == "days":
                fields.update(days=rng.choice(("7", "31", "ten")), authority="head")
            else:
                fields.update(
                    decision=rng.choice(("approved", "отказано")), decided_at=self._iso(at)
                )
        return fields

    # -- arrivals and cases -----------------------------------------------------------------

    def _rate_weight(self, instant: datetime) -> float:
        wall = local(instant, self.tz)
        return HOURLY[wall.hour] * (1.0 if is_working_day(wall.date()) else DAY_OFF_FACTOR)

    def _arrivals(self, start: datetime, end: datetime) -> Iterator[datetime]:
        """Receipt times in [start, end): a Poisson process thinned by the daily rhythm."""
        mean = sum(HOURLY) / 24 * (5 + 2 * DAY_OFF_FACTOR) / 7
        peak = max(HOURLY) / mean * self.registrations_per_day / 86400
        t = start
        while peak > 0:
            t += timedelta(seconds=self._rng.expovariate(peak))
            if t >= end:
                return
            if self._rng.random() * max(HOURLY) < self._rate_weight(t):
                yield self._second(t)

    def _registration_lag(self) -> timedelta:
        if self._rng.random() < LATE_REGISTRATION_SHARE:
            return timedelta(hours=self._rng.uniform(25, 60))
        return timedelta(minutes=2 + self._rng.expovariate(1 / 12))

    def _new_case(
        self, received: datetime, registered: datetime, open_at: datetime | None = None
    ) -> None:
        """Draw a case and schedule its events; one received before `open_at` is kept only if
        it is still open then (its last event comes later)."""
        rng = self._rng
        district = rng.choices(self._districts, weights=self._population)[0]
        self._drawn = []
        # The number is given when the registration is released, so it follows its order.
        fields = self._registration(f"#{self._case_no}", district, received, registered)
        self._case_no += 1
        self._schedule(registered, fields)
        self._follow_ups(fields, district, received, registered)
        drawn, self._drawn = self._drawn, None
        if open_at is None or received >= open_at or max(at for at, _ in drawn) >= open_at:
            for at, event in drawn:
                self._schedule(at, event)

    def _registration(
        self, reg_no: str, district: District, received: datetime, registered: datetime
    ) -> dict[str, str]:
        rng = self._rng
        category = _pick(rng, CATEGORY_WEIGHTS)
        kind = (
            "appeal"
            if rng.random() < 0.15
            else (
                "misdemeanor" if category in MISDEMEANOR_PRONE and rng.random() < 0.3 else "crime"
            )
        )
        street = rng.choice(STREETS)
        summary = summary_text(rng, category, kind, street)
        fields = self._event(
            "registered",
            reg_no,
            registered,
            actor=rng.choice(self._officers[district.soate]),
            received_at=self._iso(received),
            district=district.soate,
            category=category,
            kind=kind,
            source=_pick(rng, SOURCES),
            unit=self._unit(district),
            priority="high" if rng.random() < (0.7 if category in URGENT else 0.03) else "normal",
            summary=summary,
        )
        if rng.random() < 0.85:
            fields["address"] = f"{district.label_ru}, ул. {street}, {rng.randint(1, 180)}"
        if rng.random() < 0.9:
            spread = 0.03 if district.type.startswith("city") else 0.12
            lat = min(max(rng.gauss(district.lat, spread), LAT_RANGE[0]), LAT_RANGE[1])
            lon = min(max(rng.gauss(district.lon, spread), LON_RANGE[0]), LON_RANGE[1])
            fields.update(lat=f"{lat:.5f}", lon=f"{lon:.5f}")
        return fields

    def _follow_ups(
        self, reg: dict[str, str], district: District, received: datetime, registered: datetime
    ) -> None:
        """Schedule the case's assignment, extension, decision and possible reopening."""
        rng, reg_no, kind = self._rng, reg["reg_no"], reg["kind"]
        officer = rng.choice(self._officers[district.soate])
        t = self._second(registered + timedelta(minutes=5 + rng.expovariate(1 / 100)))
        self._schedule(t, self._event("assigned", reg_no, t, unit=reg["unit"], officer=officer))
        days, unit = self.rules.initial_period(kind)
        deadline = period_end(local_date(received, self.tz), days, unit, self.tz, self.rules)
        if deadline > t + timedelta(hours=2) and rng.random() < (0.05 if kind == "appeal" else 0.2):
            days = 30 if kind == "appeal" or rng.random() < 0.25 else 10
            t = self._between(t, deadline)
            self._schedule(
                t,
                self._event(
                    "extended",
                    reg_no,
                    t,
                    actor=officer,
                    days=days,
                    authority="prosecutor" if days == 30 and kind != "appeal" else "head",
                    reason="Требуется проведение экспертизы" if days == 30 else "Сбор материалов",
                ),
            )
            deadline = period_end(
                local_date(received, self.tz), days, "calendar", self.tz, self.rules
            )
        self._decide(reg_no, kind, officer, t, deadline)

    def _decide(
        self, reg_no: str, kind: str, officer: str, after: datetime, deadline: datetime
    ) -> None:
        """Schedule the decision (usually in time) after `after`, and a reopening now and then
        after a refusal with its own decision."""
        rng, t = self._rng, after
        for round_ in range(2):
            t = self._decision_time(t, deadline)
            decision = _pick(rng, DECISIONS["appeal" if kind == "appeal" else "crime"])
            self._schedule(
                t,
                self._event(
                    "decided",
                    reg_no,
                    t,
                    actor=officer,
                    decision=decision,
                    decided_at=self._iso(t - timedelta(minutes=rng.randint(0, 15))),
                    transferred_to=self._transfer_target() if decision == "transferred" else None,
                ),
            )
            if round_ or decision != "refused" or rng.random() >= REOPEN_SHARE:
                return
            t = self._second(t + timedelta(days=rng.uniform(2, 20)))
            days = rng.choice((5, 10, 10, 15, 30))
            self._schedule(
                t,
                self._event(
                    "reopened", reg_no, t, days=days, reason="Отмена постановления прокурором"
                ),
            )
            deadline = period_end(local_date(t, self.tz), days, "calendar", self.tz, self.rules)

    def _decision_time(self, after: datetime, deadline: datetime) -> datetime:
        """Mostly before the deadline; sometimes late, and a few cases stuck for weeks. At the
        hours and on the days reports arrive (the same rhythm), so the open count stays level."""
        rng = self._rng
        if deadline > after + timedelta(hours=1) and rng.random() >= LATE_DECISION_SHARE:
            return self._in_rhythm(lambda: self._between(after, deadline, rng.betavariate(2, 1.5)))
        late = max(deadline, after) + timedelta(minutes=5)
        long_ = rng.random() < 0.4
        return self._in_rhythm(
            lambda: self._second(
                late + timedelta(days=rng.uniform(10, 60) if long_ else rng.expovariate(1 / 3))
            )
        )

    def _in_rhythm(self, draw: Callable[[], datetime], tries: int = 20) -> datetime:
        """A time from `draw`, thinned by the daily and weekly rhythm of the arrivals."""
        top = max(HOURLY)
        at = draw()
        for _ in range(tries):
            if self._rng.random() * top < self._rate_weight(at):
                break
            at = draw()
        return at

    def _unit(self, district: District) -> str:
        return unit_name(district, self._rng.random())

    def _transfer_target(self) -> str:
        if self._rng.random() < 0.4:
            return self._rng.choice(AGENCIES)
        return self._unit(self._rng.choices(self._districts, weights=self._population)[0])

    # -- emission ---------------------------------------------------------------------------

    def _event(
        self, type_: str, reg_no: str, at: datetime, actor: str | None = None, **data: object
    ) -> dict[str, str]:
        fields = {
            "schema": SCHEMA_VERSION,
            "type": type_,
            "event_id": uuid.UUID(int=self._rng.getrandbits(128), version=4).hex,
            "reg_no": reg_no,
            "occurred_at": self._iso(at),
        }
        if actor is not None:
            fields["actor"] = actor
        fields.update({k: str(v) for k, v in data.items() if v is not None})
        return fields

    def _schedule(self, at: datetime, fields: dict[str, str]) -> None:
        if self._drawn is not None:  # a case being drawn: kept or not once it is complete
            self._drawn.append((at, fields))
            return
        self._order += 1
        heapq.heappush(self._pending, (at, self._order, fields))

    def _release(self, limit: datetime, inclusive: bool) -> Iterator[dict[str, str]]:
        """Pending events up to `limit` in time order, with the occasional retry or bad entry."""
        while self._pending and (
            self._pending[0][0] < limit or inclusive and self._pending[0][0] == limit
        ):
            at, _, fields = heapq.heappop(self._pending)
            fields["reg_no"] = self._reg_no(fields, at)
            yield fields
            if self._rng.random() < self.duplicate_rate:
                yield dict(fields)
            if self._rng.random() < self.bad_rate:
                yield self.malformed(at)

    def _reg_no(self, fields: dict[str, str], at: datetime) -> str:
        """The case's number; its registration (released first) takes the next in sequence."""
        ref = fields["reg_no"]
        if ref not in self._reg_nos:
            key = (fields["district"], local_date(at, self.tz).year)
            self._seq[key] = self._seq.get(key, 0) + 1
            self._reg_nos[ref] = f"KUP-{key[0]}-{key[1]}-{self._seq[key]:06d}"
        return self._reg_nos[ref]

    def _between(self, start: datetime, end: datetime, fraction: float | None = None) -> datetime:
        share = self._rng.uniform(0.05, 0.95) if fraction is None else fraction
        return self._second(start + (end - start) * share)

    def _second(self, instant: datetime) -> datetime:
        return local(instant, self.tz).replace(microsecond=0)

    def _iso(self, instant: datetime) -> str:
        return local_iso(instant, self.tz)
