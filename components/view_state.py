"""Every view is a link: a page's filters, tab, switches and map measure in its address's query
string.

One place for the query encoding of every page (the workload page's drill-down uses it too):
`query_values` reads the raw values of known names, `query_string` writes them back (in a fixed
order, empty ones left out), and a page's `ViewSpec` says which names it keeps and checks each
value against what the viewer may choose, so an unknown or forged value (a region outside a
regional manager's own, a district of another region, a category that does not exist) is
dropped, never an error. The data layer scopes every read to the viewer anyway: the address can
only narrow what they see, never widen it."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import parse_qs, urlencode

from components.live_map import DEFAULT_MEASURE, MEASURES
from data.reference import load_geography
from rules.access import Viewer
from rules.contract import CATEGORIES, KINDS

MAX_VALUE = 64  # longer values are cut (no code or registration number is this long)
View = dict[str, str | None]  # a page's view: each of its names -> a value, or None for "all"

FLAGGED_CHOICES = ("yes", "no")
OVERDUE_TABS = ("overdue", "due_soon")


def query_values(search: str | None, names: Sequence[str]) -> dict[str, str | None]:
    """The first value of each of `names` in a query string ("?a=1&b=2" or "a=1&b=2"),
    stripped and cut to MAX_VALUE characters; None where absent or empty."""
    try:
        params = parse_qs((search or "").lstrip("?"), max_num_fields=64)
    except ValueError:  # too many fields: a forged address
        params = {}

    def one(name: str) -> str | None:
        value = (params.get(name) or [""])[0].strip()
        return value[:MAX_VALUE] or None

    return {name: one(name) for name in names}


def query_string(pairs: Sequence[tuple[str, str | None]]) -> str:
    """The query string of (name, value) pairs in their order, empty values left out ("" when
    nothing is left)."""
    kept = [(k, v) for k, v in pairs if v]
    return f"?{urlencode(kept)}" if kept else ""


TEXT_NAMES = ("unit", "user", "reg_no", "action")  # free texts: the data layer scopes them
DATE_NAMES = ("date", "since", "until")  # days (ISO 8601)


def iso_day(value: str) -> date | None:
    """The day an ISO 8601 date names (None if it names none)."""
    try:
        return date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        return None


def allowed(
    name: str,
    value: str,
    view: Mapping[str, str | None],
    viewer: Viewer,
    today: date | None = None,
) -> bool:
    """Whether `value` of `name` is one the viewer may choose (given the view's region; a
    "date" no later than `today` when given)."""
    if name in TEXT_NAMES:
        return value.isprintable()
    if name in DATE_NAMES:
        day = iso_day(value)
        return day is not None and (name != "date" or today is None or day <= today)
    geography = load_geography()
    if name == "region":
        return value in geography.regions and viewer.region in (None, value)
    if name == "district":
        district = geography.districts.get(value)
        return (
            district is not None
            and viewer.region in (None, district.region)
            and view.get("region") in (None, district.region)
        )
    if name == "category":
        return value in CATEGORIES
    if name == "kind":
        return value in KINDS
    if name == "flagged":
        return value in FLAGGED_CHOICES
    return False


@dataclass(frozen=True)
class ViewSpec:
    """What a page keeps in its address: its names in order, the choices of those with a fixed
    list, and the defaults (not written: the bare address is the default view); `country`: the
    value of a region control that names the whole country (its default, for a viewer of the
    country; a regional viewer's default is their region); `switches`: the names of on/off
    controls, each with its two choices (the value when on, the value when off): the control
    holds whether it is on, the address one of the two words."""

    path: str
    names: tuple[str, ...]
    choices: Mapping[str, Collection[str]] = field(default_factory=dict)
    defaults: Mapping[str, str] = field(default_factory=dict)
    country: str | None = None
    switches: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    def read(self, search: str | None, viewer: Viewer, today: date | None = None) -> View:
        """The view in `search` for this viewer (`today`: the console's local day, the default
        and the latest of a "date"): every name, checked (dropped values and absent ones are
        None, or the default)."""
        raw = query_values(search, self.names)
        view: View = {}
        for name in self.names:  # in order: a district is checked against the region kept
            value = raw[name]
            fixed = self.choices.get(name) or self.switches.get(name)
            if value is None:
                pass
            elif fixed is not None:
                value = value if value in fixed else None
            elif name == "region" and value == self.country:
                value = value if viewer.region is None else None
            elif not allowed(name, value, view, viewer, today):
                value = None
            view[name] = value if value is not None else self.fallback(name, viewer, today)
        return view

    def fallback(self, name: str, viewer: Viewer, today: date | None) -> str | None:
        """The value of `name` when the address gives none (or none allowed)."""
        if name == "region" and self.country is not None:
            return viewer.region or self.country
        if name == "date" and today is not None:
            return today.isoformat()
        return self.defaults.get(name)

    def is_on(self, name: str, value: str | None) -> bool:
        """Whether the switch `name` is on when its value is `value`."""
        return value == self.switches[name][0]

    def control(self, name: str, value: str | None) -> object:
        """The control's value for `value` of `name` (a switch's: whether it is on)."""
        return self.is_on(name, value) if name in self.switches else value

    def controls(self, view: Mapping[str, str | None]) -> list[object]:
        """The controls' values of `view`, in the order of `names`."""
        return [self.control(name, view[name]) for name in self.names]

    def search(self, values: Sequence[object]) -> str:
        """The query string of the controls' `values` (in the order of `names`; a switch's
        whether it is on); defaults and empty values are left out."""
        pairs = []
        for name, value in zip(self.names, values, strict=True):
            if name in self.switches and isinstance(value, bool):
                value = self.switches[name][0 if value else 1]
            text = value.strip()[:MAX_VALUE] if isinstance(value, str) else None
            default = text in (self.defaults.get(name), self.country if name == "region" else None)
            pairs.append((name, None if default else text))
        return query_string(pairs)


# The live map's points switch: its two choices (shown, the default; hidden).
POINTS_CHOICES = ("shown", "hidden")
# The views of the live and overdue pages (those of other pages are beside their builders).
LIVE_VIEW = ViewSpec(
    "/",
    ("region", "district", "category", "kind", "measure", "points"),
    choices={"measure": MEASURES},
    defaults={"measure": DEFAULT_MEASURE, "points": POINTS_CHOICES[0]},
    switches={"points": POINTS_CHOICES},
)
OVERDUE_VIEW = ViewSpec(
    "/overdue",
    ("region", "district", "category", "kind", "unit", "flagged", "tab"),
    choices={"tab": OVERDUE_TABS},
    defaults={"tab": OVERDUE_TABS[0]},
)
