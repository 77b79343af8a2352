"""Every view is a link: a page's filters, tab and map measure in its address's query string.

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


def allowed(name: str, value: str, view: Mapping[str, str | None], viewer: Viewer) -> bool:
    """Whether `value` of `name` is one the viewer may choose (given the view's region)."""
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
    if name == "unit":  # units are the store's codes; the data layer scopes them
        return value.isprintable()
    return True


@dataclass(frozen=True)
class ViewSpec:
    """What a page keeps in its address: its names in order, the choices of those with a fixed
    list, and the defaults (not written: the bare address is the default view)."""

    path: str
    names: tuple[str, ...]
    choices: Mapping[str, Collection[str]] = field(default_factory=dict)
    defaults: Mapping[str, str] = field(default_factory=dict)

    def read(self, search: str | None, viewer: Viewer) -> View:
        """The view in `search` for this viewer: every name, checked (dropped values and
        absent ones are None, or the default)."""
        raw = query_values(search, self.names)
        view: View = {}
        for name in self.names:  # in order: a district is checked against the region kept
            value = raw[name]
            if value is not None and name in self.choices:
                value = value if value in self.choices[name] else None
            elif value is not None and not allowed(name, value, view, viewer):
                value = None
            view[name] = value if value is not None else self.defaults.get(name)
        return view

    def search(self, values: Sequence[object]) -> str:
        """The query string of the controls' `values` (in the order of `names`); defaults and
        empty values are left out."""
        pairs = []
        for name, value in zip(self.names, values, strict=True):
            text = value.strip()[:MAX_VALUE] if isinstance(value, str) else None
            pairs.append((name, None if text == self.defaults.get(name) else text))
        return query_string(pairs)


LIVE_VIEW = ViewSpec(
    "/",
    ("region", "district", "category", "kind", "measure"),
    choices={"measure": MEASURES},
    defaults={"measure": DEFAULT_MEASURE},
)
OVERDUE_VIEW = ViewSpec(
    "/overdue",
    ("region", "district", "category", "kind", "unit", "flagged", "tab"),
    choices={"tab": OVERDUE_TABS},
    defaults={"tab": OVERDUE_TABS[0]},
)
