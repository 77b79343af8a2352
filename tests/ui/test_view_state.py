"""Every view is a link (components.view_state): a page's filters and tab to and from its
address's query string, forged values dropped, a regional viewer's scope never widened; the
skeletons the router builds start in the view of the address."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

from hypothesis import given
from hypothesis import strategies as st

from components import ids
from components.audit import AUDIT_VIEW
from components.daily_summary import COUNTRY as DAILY_COUNTRY
from components.daily_summary import DAILY_VIEW
from components.integrity import COUNTRY as INTEGRITY_COUNTRY
from components.integrity import INTEGRITY_VIEW
from components.layout import page_for
from components.view_state import (
    LIVE_VIEW,
    OVERDUE_TABS,
    OVERDUE_VIEW,
    POINTS_CHOICES,
    query_values,
)
from components.wall import WALL_VIEW
from components.workload import Drill, drill_search, parse_drill
from data.reference import load_geography
from rules.access import Viewer
from rules.contract import CATEGORIES, KINDS
from tests.ui.common import NOW, walk

COUNTRY = Viewer("manager", "manager")
OSH = Viewer("manager-osh", "manager", "KG-O")
GEO = load_geography()
OSH_DISTRICTS = sorted(s for s, d in GEO.districts.items() if d.region == "KG-O")
CHUI_DISTRICT = next(s for s, d in GEO.districts.items() if d.region == "KG-C")


def test_a_view_round_trips_through_its_query_string() -> None:
    view = {
        "region": "KG-O",
        "district": OSH_DISTRICTS[0],
        "category": "fraud",
        "kind": None,
        "unit": "OVD Alai №1",
        "flagged": "yes",
        "tab": "due_soon",
    }
    search = OVERDUE_VIEW.search(list(view.values()))
    assert search.startswith("?region=KG-O&district=")
    assert OVERDUE_VIEW.read(search, COUNTRY) == view


def test_defaults_and_empty_values_stay_out_of_the_address() -> None:
    assert OVERDUE_VIEW.search([None, "", None, None, None, None, "overdue"]) == ""
    assert LIVE_VIEW.search([None, None, None, None, "open", True]) == ""
    assert LIVE_VIEW.search(["KG-O", None, None, "appeal", "overdue", True]) == (
        "?region=KG-O&kind=appeal&measure=overdue"
    )
    bare = OVERDUE_VIEW.read("", COUNTRY)
    assert bare == {**dict.fromkeys(OVERDUE_VIEW.names), "tab": "overdue"}


def test_unknown_and_forged_values_are_dropped() -> None:
    search = (
        "?region=KG-XX&district=999&category=bribery&kind=<script>&flagged=maybe"
        "&tab=secret&unit=OVD%0A1&measure=everything&extra=1"
    )
    assert OVERDUE_VIEW.read(search, COUNTRY) == {
        **dict.fromkeys(OVERDUE_VIEW.names),
        "tab": "overdue",
    }
    assert LIVE_VIEW.read(search, COUNTRY)["measure"] == "open"
    # a district of another region than the one chosen is dropped, the region kept
    mixed = LIVE_VIEW.read(f"?region=KG-O&district={CHUI_DISTRICT}", COUNTRY)
    assert (mixed["region"], mixed["district"]) == ("KG-O", None)
    # a query of too many fields is not an error: nothing of it is kept
    assert query_values("&".join(f"k{i}=1" for i in range(100)) + "&region=KG-O", ["region"]) == {
        "region": None
    }


def test_the_address_cannot_widen_a_regional_viewers_scope() -> None:
    other = LIVE_VIEW.read(f"?region=KG-C&district={CHUI_DISTRICT}&category=fraud", OSH)
    assert (other["region"], other["district"], other["category"]) == (None, None, "fraud")
    own = LIVE_VIEW.read(f"?region=KG-O&district={OSH_DISTRICTS[0]}", OSH)
    assert (own["region"], own["district"]) == ("KG-O", OSH_DISTRICTS[0])


@given(
    region=st.sampled_from([None, *GEO.regions]),
    category=st.sampled_from([None, *CATEGORIES]),
    kind=st.sampled_from([None, *KINDS]),
    unit=st.one_of(st.none(), st.text(min_size=1, max_size=64).filter(str.isprintable)),
    tab=st.sampled_from(OVERDUE_TABS),
)
def test_any_valid_overdue_view_round_trips(
    region: str | None, category: str | None, kind: str | None, unit: str | None, tab: str
) -> None:
    unit = (unit or "").strip() or None
    view = {
        "region": region,
        "district": None,
        "category": category,
        "kind": kind,
        "unit": unit,
        "flagged": None,
        "tab": tab,
    }
    assert OVERDUE_VIEW.read(OVERDUE_VIEW.search(list(view.values())), COUNTRY) == view


@given(st.text(max_size=300))
def test_any_query_string_reads_as_a_view_of_allowed_values(search: str) -> None:
    view = OVERDUE_VIEW.read(quote(search, safe="?&="), OSH)
    assert view["region"] in (None, "KG-O")
    assert view["tab"] in OVERDUE_TABS
    assert view["category"] in (None, *CATEGORIES)
    assert view["district"] in (None, *OSH_DISTRICTS)


def test_the_drill_down_uses_the_same_encoding() -> None:
    drill = Drill(region="KG-O", district=OSH_DISTRICTS[0], unit="OVD 1", officer=None)
    assert parse_drill(drill_search(drill)) == drill
    assert drill_search(Drill()) == ""


def values_of(page: object) -> dict[str, object]:
    """The value (or active tab) of every control of a page skeleton, by id."""
    found: dict[str, object] = {}
    for node in walk(page):
        key = getattr(node, "id", None)
        if isinstance(key, str):
            for prop in ("value", "date", "active_tab"):
                if prop in node.to_plotly_json()["props"]:
                    found[key] = getattr(node, prop)
    return found


def test_the_pages_start_in_the_view_of_their_address() -> None:
    overdue = values_of(
        page_for("/overdue", COUNTRY, "ru", NOW, search="?region=KG-O&category=fraud&tab=due_soon")
    )
    assert overdue[ids.OVERDUE_REGION] == "KG-O"
    assert overdue[ids.OVERDUE_CATEGORY] == "fraud"
    assert overdue[ids.OVERDUE_DISTRICT] is None
    assert overdue[ids.OVERDUE_TABS] == "due_soon"
    live = values_of(
        page_for("/", OSH, "ru", NOW, search="?region=KG-C&kind=appeal&measure=overdue")
    )
    assert live[ids.LIVE_REGION] is None  # another region than the viewer's own: dropped
    assert live[ids.LIVE_KIND] == "appeal"
    assert live[ids.LIVE_MEASURE] == "overdue"


def test_integrity_summary_and_audit_keep_their_controls_in_the_address() -> None:
    today = NOW.date()
    integrity = INTEGRITY_VIEW.read("?group=unit&window=90&region=KG-O", COUNTRY)
    assert integrity == {"group": "unit", "window": "90", "region": "KG-O"}
    assert INTEGRITY_VIEW.search(["district", "30", INTEGRITY_COUNTRY]) == ""
    assert INTEGRITY_VIEW.read("?window=13&region=all", COUNTRY)["window"] == "30"
    # "the whole country" is not a regional manager's to choose: their own region instead
    assert INTEGRITY_VIEW.read("?region=all", OSH)["region"] == "KG-O"
    assert INTEGRITY_VIEW.read("", COUNTRY)["region"] == INTEGRITY_COUNTRY

    assert DAILY_VIEW.read("", COUNTRY, today) == {
        "date": today.isoformat(),
        "region": DAILY_COUNTRY,
    }
    yesterday = (today - timedelta(days=1)).isoformat()
    assert DAILY_VIEW.read(f"?date={yesterday}&region=KG-O", OSH, today)["date"] == yesterday
    future = (today + timedelta(days=1)).isoformat()
    assert DAILY_VIEW.read(f"?date={future}", COUNTRY, today)["date"] == today.isoformat()
    assert DAILY_VIEW.read("?date=2026-02-30", COUNTRY, today)["date"] == today.isoformat()

    audit = AUDIT_VIEW.read(
        "?user=manager&reg_no=KUP-1&action=export&since=2026-11-01&until=junk", COUNTRY
    )
    assert audit == {
        "user": "manager",
        "reg_no": "KUP-1",
        "action": "export",
        "since": "2026-11-01",
        "until": None,
    }
    assert AUDIT_VIEW.read("?action=drop_table", COUNTRY)["action"] is None

    admin = Viewer("admin", "admin")
    assert (
        values_of(page_for("/integrity", admin, "ru", NOW, search="?group=unit"))[
            ids.INTEGRITY_GROUP
        ]
        == "unit"
    )
    assert (
        values_of(page_for("/summary", OSH, "ru", NOW, search=f"?date={yesterday}"))[ids.DAILY_DATE]
        == yesterday
    )
    assert (
        values_of(page_for("/audit", admin, "ru", NOW, search="?user=duty"))[ids.AUDIT_USER]
        == "duty"
    )


def test_switches_keep_a_word_in_the_address_and_a_truth_in_the_control() -> None:
    # the live map's points switch: off writes "hidden", on (the default) nothing
    assert LIVE_VIEW.search([None, None, None, None, "open", False]) == "?points=hidden"
    assert LIVE_VIEW.search(["KG-O", None, None, None, "overdue", False]) == (
        "?region=KG-O&measure=overdue&points=hidden"
    )
    hidden = LIVE_VIEW.read("?points=hidden", COUNTRY)
    assert hidden["points"] == "hidden"
    assert LIVE_VIEW.controls(hidden)[-1] is False
    assert LIVE_VIEW.read("", COUNTRY)["points"] == POINTS_CHOICES[0]
    assert LIVE_VIEW.controls(LIVE_VIEW.read("", COUNTRY))[-1] is True
    # a forged or unknown value is dropped: the points shown
    for forged in ("off", "false", "0", "HIDDEN", "<script>", "hidden%00"):
        assert LIVE_VIEW.read(f"?points={forged}", COUNTRY)["points"] == "shown", forged
    # the wall's colour mode: light written, dark (the default) not, anything else dark
    assert WALL_VIEW.search([True]) == ""
    assert WALL_VIEW.search([False]) == "?theme=light"
    assert WALL_VIEW.read("?theme=light", OSH) == {"theme": "light"}
    assert WALL_VIEW.read("?theme=sepia&extra=1", OSH) == {"theme": "dark"}
    assert WALL_VIEW.controls({"theme": "light"}) == [False]
    # a value that is no switch's (None: the control not there yet) leaves the default
    assert WALL_VIEW.search([None]) == ""


def test_the_points_switch_and_the_walls_theme_start_as_their_address_says() -> None:
    live = values_of(page_for("/", COUNTRY, "ru", NOW, search="?points=hidden&measure=overdue"))
    assert live[ids.LIVE_POINTS] is False
    assert live[ids.LIVE_MEASURE] == "overdue"
    assert values_of(page_for("/", COUNTRY, "ru", NOW))[ids.LIVE_POINTS] is True
    assert values_of(page_for("/", COUNTRY, "ru", NOW, search="?points=no"))[ids.LIVE_POINTS]

    light = page_for("/wall", OSH, "ru", NOW, search="?theme=light")
    assert values_of(light)[ids.WALL_DARK] is False
    assert light.to_plotly_json()["props"]["data-bs-theme"] == "light"
    dark = page_for("/wall", OSH, "ru", NOW, search="?theme=bright")
    assert values_of(dark)[ids.WALL_DARK] is True
    assert dark.to_plotly_json()["props"]["data-bs-theme"] == "dark"
