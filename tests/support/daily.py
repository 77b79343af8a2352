"""A generated history for the daily summary's tests (cases registered, extended, decided and
flagged around one local day, stored as the ingest worker would store them) and an
independent count of each of the summary's figures over it, in plain Python."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from data.daily_summary import MEASURES
from data.db import make_sessionmaker, writer_engine
from data.flags import add_flag
from rules.access import Viewer
from tests.support import events as ev
from tests.support.stores import apply_events

TZ = ZoneInfo("Asia/Bishkek")
DAY = date(2026, 3, 10)
START = datetime.combine(DAY, time(0), TZ)
END = START + timedelta(days=1)
REGIONS = {ev.BISHKEK: "KG-GB", ev.OSH_CITY: "KG-GO"}
CATEGORIES = ("theft", "fraud", "homicide", "drugs")
LATER = END + timedelta(days=30)  # the clock the events are applied at
PROSECUTOR = Viewer("prosecutor", "prosecutor")


@dataclass
class Spec:
    """One generated case as the test knows it (not as the store does)."""

    reg_no: str
    district: str
    category: str
    received: datetime
    registered: datetime
    extended: datetime | None = None
    decided: datetime | None = None
    flagged: datetime | None = None

    @property
    def region(self) -> str:
        return REGIONS[self.district]

    def deadline_at(self, moment: datetime) -> datetime:
        """3 days from the local day of receipt, 10 once extended (before `moment`)."""
        days = 10 if self.extended is not None and self.extended < moment else 3
        last = self.received.astimezone(TZ).date() + timedelta(days=days + 1)
        return datetime.combine(last, time(0), TZ)


def history(seed: int, n: int = 80) -> list[Spec]:
    rng = random.Random(seed)
    specs = []
    for _ in range(n):
        district = rng.choice(list(REGIONS))
        registered = START - timedelta(days=5) + timedelta(minutes=rng.randrange(7 * 24 * 60))
        late = rng.random() < 0.2
        spec = Spec(
            ev.next_reg_no(district),
            district,
            rng.choice(CATEGORIES),
            registered - (timedelta(hours=30) if late else timedelta(minutes=10)),
            registered,
        )
        after = registered
        if rng.random() < 0.3:
            spec.extended = after = registered + timedelta(minutes=rng.randrange(72 * 60))
        if rng.random() < 0.6:
            spec.decided = after + timedelta(minutes=rng.randrange(1, 120 * 60))
        if rng.random() < 0.15:
            spec.flagged = registered + timedelta(minutes=rng.randrange(48 * 60))
        specs.append(spec)
    return specs


def store(engine: Engine, specs: list[Spec]) -> None:
    events = []
    for s in specs:
        events.append(
            ev.registered(
                s.reg_no, s.registered, district=s.district, category=s.category,
                received_at=s.received,
            )
        )  # fmt: skip
        if s.extended is not None:
            events.append(ev.extended(s.reg_no, s.extended))
        if s.decided is not None:
            events.append(ev.decided(s.reg_no, s.decided))
    apply_events(engine, events, now=LATER)
    flags = sorted((s.flagged, s.reg_no) for s in specs if s.flagged is not None)
    with make_sessionmaker(writer_engine(engine)).begin() as session:
        for at, reg_no in flags:
            add_flag(session, PROSECUTOR, reg_no, "проверить", now=at)


def in_day(moment: datetime | None) -> bool:
    return moment is not None and START <= moment < END


def expected(specs: list[Spec], region: str | None) -> dict[str, Counter[str]]:
    """Each measure per district, counted from the specs."""
    counts: dict[str, Counter[str]] = {m: Counter() for m in MEASURES}
    for s in specs:
        if region and s.region != region:
            continue
        d = s.district
        if in_day(s.registered):
            counts["registered"][d] += 1
            counts["late"][d] += s.registered - s.received > timedelta(hours=24)
        counts["decided"][d] += in_day(s.decided)
        counts["extended"][d] += in_day(s.extended)
        counts["flags"][d] += in_day(s.flagged)
        if s.registered < END and (s.decided is None or s.decided >= END):
            counts["open_at_end"][d] += 1
            due = s.deadline_at(END)
            counts["overdue_at_end"][d] += due <= END
            counts["became_overdue"][d] += START < due <= END
    return counts
