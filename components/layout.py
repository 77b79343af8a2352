"""The application shell (navbar, connection banner, socket, stores) and the page router.

`shell` builds the page around the content for one viewer, language and theme;
`validation_layout` is every page at once, for Dash validating callbacks at start-up (so that
callbacks of pages rendered later validate against real components). The request-bound layout
function given to Dash is `console.web.pages.app_layout`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component
from dash_socketio import DashSocketIO

from components import (
    audit,
    daily_summary,
    deadletters,
    ids,
    integrity,
    live,
    overdue,
    search,
    wall,
    workload,
)
from components import case as case_page
from components.common import HIDDEN_FROM_READERS, empty_state, forbidden, hidden_label
from components.formatting import intl_locales, local_datetime
from components.i18n import (
    DEFAULT_LANG,
    LANGUAGE_NAMES,
    LANGUAGES,
    label,
    normalize_lang,
    region_name,
    t,
)
from components.view_state import query_string
from rules.access import Viewer
from rules.clock import DEFAULT_TZ, local_date, local_iso, zone

SOCKET_EVENTS = [
    "changes",
    "overdue",
    "map",
    "workload",
    "flags",
    "health",
    "resync",
    "status",
    "alerts",
]  # what console/web/push.py sends; pages re-render on them, none polls faster than
# components.common.SAFETY_REFRESH_MS
# socket.io-client's options: WebSocket only, as the server accepts (console/web/app.py), so
# that a connection never needs the worker that answered an earlier HTTP long-poll.
SOCKET_OPTIONS = {"transports": ["websocket"]}
THEME_COOKIE = "kup_theme"
LANG_COOKIE = "kup_lang"
THEMES = ("light", "dark")
CASE_PREFIX = "/cases/"


def oversight_pages(viewer: Viewer | None) -> list[tuple[str, str]]:
    """The oversight pages the viewer may open, as (words key, path): the integrity signals,
    the dead letters and the audit log."""
    if viewer is None:
        return []
    allowed = (
        ("nav.integrity", integrity.PATH, viewer.reads_integrity),
        ("nav.deadletters", deadletters.PATH, viewer.is_admin),
        ("nav.audit", audit.PATH, viewer.reads_audit),
    )
    return [(key, path) for key, path, may in allowed if may]


def oversight_links(
    viewer: Viewer | None, lang: str, link: Callable[[str, str], dbc.NavItem], keep: str = ""
) -> list[Component]:
    """The navbar's entries for the oversight pages: one link when the viewer has one, a menu
    «Контроль» when more (an admin's navbar of seven links would not keep to one line at
    1366 px); `keep`: the query string each carries."""
    pages = oversight_pages(viewer)
    if len(pages) < 2:
        return [link(key, path) for key, path in pages]
    return [
        dbc.DropdownMenu(
            [dbc.DropdownMenuItem(t(key, lang), href=path + keep) for key, path in pages],
            label=t("nav.oversight", lang),
            nav=True,
            in_navbar=True,
            id=ids.NAV_OVERSIGHT,
            toggle_class_name="text-nowrap",
        )
    ]


def navbar(viewer: Viewer | None, lang: str, theme: str, keep: str = "") -> dbc.Navbar:
    """Page links, connection badge, language and theme switches, the user and log out;
    `keep`: a query string every page link carries (the instant looked back at; then the
    page's own link is marked by callbacks.shell, dbc compares the page with the whole href)."""

    def link(key: str, href: str) -> dbc.NavItem:
        return dbc.NavItem(
            dbc.NavLink(
                t(key, lang),
                id={"type": ids.NAV_LINK, "path": href},
                href=href + keep,
                active="exact" if href == "/" else "partial",
                class_name="text-nowrap",
            )
        )

    user: list[Component] = []
    if viewer is not None:
        scope = region_name(viewer.region, lang) if viewer.region else t("nav.scope_country", lang)
        user = [
            html.Div(
                [
                    # The user's name opens their account (the password page); the role and
                    # scope in small type under it, so that the navbar of the longest words
                    # (Kyrgyz, an admin's four links) stays on one line at 1366 px.
                    html.A(
                        viewer.username,
                        href="/account/password",
                        title=t("nav.password", lang),
                        className="fw-semibold text-light",
                    ),
                    html.Span(
                        f"{label('role', viewer.role, lang)} · {scope}",
                        className="d-block kup-nav-scope",
                    ),
                ],
                id=ids.NAV_USER,
                className="text-light small text-nowrap lh-sm",
            ),
            html.A(
                t("nav.logout", lang),
                href="/logout",
                className="btn btn-outline-light btn-sm text-nowrap",
            ),
        ]
    return dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand(t("app.brand", lang), href="/" + keep, className="fw-bold"),
                dbc.Nav(
                    [
                        link("nav.live", "/"),
                        link("nav.overdue", "/overdue"),
                        link("nav.workload", "/workload"),
                        link("nav.daily", daily_summary.PATH),
                        *oversight_links(viewer, lang, link, keep),
                    ],
                    navbar=True,
                    className="me-auto",
                ),
                html.Div(
                    [
                        *([search.search_box(lang)] if viewer and viewer.sees_cases else []),
                        dbc.Badge(
                            t("conn.connecting", lang),
                            id=ids.LIVE_BADGE,
                            color="secondary",
                            className="kup-live-badge",
                            pill=True,
                        ),
                        html.Div(
                            [
                                hidden_label(t("nav.language", lang), ids.LANG_SELECT),
                                dbc.Select(
                                    id=ids.LANG_SELECT,
                                    value=lang,
                                    size="sm",
                                    style={"width": "auto"},
                                    options=[
                                        {"label": LANGUAGE_NAMES[c], "value": c} for c in LANGUAGES
                                    ],
                                ),
                            ]
                        ),
                        dbc.Switch(
                            id=ids.THEME_SWITCH,
                            value=theme == "dark",
                            # A moon for the eye, the words for screen readers and on hover:
                            # "Тёмная тема" in full would not leave room at 1366 px.
                            label=html.Span(
                                [
                                    html.Span("☾", **HIDDEN_FROM_READERS),
                                    html.Span(t("nav.dark", lang), className="visually-hidden"),
                                ],
                                title=t("nav.dark", lang),
                            ),
                            className="text-light mb-0 text-nowrap",
                            input_class_name="me-1",
                            label_class_name="kup-theme-label",
                        ),
                        *user,
                    ],
                    className="d-flex align-items-center gap-3 flex-wrap",
                ),
            ],
            fluid=True,
        ),
        color="dark",
        dark=True,
        className="py-1",
    )


def looking_back(at: datetime, lang: str, tz: ZoneInfo) -> dbc.Alert:
    """The banner of a page looking back: the instant, and the way back to the present (the
    same page, live: a plain link, so the page loads again with its pushes)."""
    return dbc.Alert(
        [
            html.Span(t("as_of.banner", lang, time=local_datetime(at, tz, lang))),
            html.A(t("as_of.back", lang), href="?", className="alert-link ms-3"),
        ],
        id=ids.AS_OF_BANNER,
        color="info",
        className="rounded-0 mb-0 text-center fw-semibold py-2",
    )


def shell(
    viewer: Viewer | None,
    lang: str = DEFAULT_LANG,
    theme: str = "light",
    tz: ZoneInfo = zone(DEFAULT_TZ),
    as_of: datetime | None = None,
    unreadable: str | None = None,
) -> html.Div:
    """Everything around the page: stores, the socket, the navbar, the banners, the page slot.
    Looking back (`as_of`): a banner says so, the pushes are not listened to, and the page
    links keep the instant; `unreadable`: an as_of given that could not be read (a note)."""
    lang = normalize_lang(lang)
    theme = theme if theme in THEMES else "light"
    client = {
        "tz": tz.key,
        "lang": lang,
        "locales": intl_locales(lang),
        "lost": t("conn.lost", lang, time="{time}"),
        "live": t("conn.live", lang),
        "connecting": t("conn.connecting", lang),
        "asOf": t("as_of.badge", lang, time=local_datetime(as_of, tz, lang)) if as_of else None,
    }
    keep = query_string([("as_of", local_iso(as_of, tz))]) if as_of else ""
    notes: list[Component] = []
    if as_of is not None:
        notes.append(looking_back(as_of, lang, tz))
    elif unreadable is not None:
        notes.append(
            dbc.Alert(
                t("as_of.invalid", lang, value=unreadable),
                id=ids.AS_OF_BANNER,
                color="warning",
                className="rounded-0 mb-0 text-center py-2",
            )
        )
    return html.Div(
        [
            dcc.Location(id=ids.URL, refresh=False),
            dcc.Store(id=ids.LANG, data=lang),
            dcc.Store(id=ids.THEME, data=theme),
            dcc.Store(id=ids.CLIENT, data=client),
            dcc.Store(id=ids.CONNECTION, data={"connected": None, "since": None}),
            dcc.Store(id=ids.RESYNC, data=0),
            DashSocketIO(
                id=ids.SOCKET,
                eventNames=[] if as_of else SOCKET_EVENTS,
                options=SOCKET_OPTIONS,
            ),
            navbar(viewer, lang, theme, keep),
            *notes,
            dbc.Alert(
                html.Span(id=ids.BANNER_TEXT),
                id=ids.BANNER,
                color="warning",
                is_open=False,
                className="rounded-0 mb-0 text-center fw-semibold py-2",
            ),
            dbc.Alert(
                id=ids.HEALTH_ALERT,
                color="danger",
                is_open=False,
                className="rounded-0 mb-0 text-center py-2",
            ),
            dbc.Container(
                id=ids.PAGE, fluid=True, className="py-3", children=empty_state(t("loading", lang))
            ),
        ],
        className="kup-app",
    )


def not_found(lang: str) -> html.Div:
    return html.Div(
        [
            html.H1(t("not_found.title", lang), className="h3"),
            html.P(t("not_found.body", lang)),
            dcc.Link(t("case.back", lang), href="/"),
        ],
        className="py-5 text-center",
    )


def case_reg_no(pathname: str | None) -> str | None:
    """The registration number in a /cases/<reg_no> path (None for other paths)."""
    if not pathname or not pathname.startswith(CASE_PREFIX):
        return None
    reg_no = unquote(pathname[len(CASE_PREFIX) :]).strip("/")
    return reg_no or None


def page_for(
    pathname: str | None,
    viewer: Viewer,
    lang: str,
    now: datetime,
    tz: ZoneInfo = zone(DEFAULT_TZ),
    search: str | None = None,
    as_of: datetime | None = None,
    present: datetime | None = None,
) -> Component:
    """The skeleton of the page at `pathname` (its data callbacks fill it in); `tz`: the
    console's zone (the local day a page starts on); `search`: the address's query string (the
    view a page starts in: components.view_state); `as_of`: the instant looked back at (`now`
    is then that instant, `present` the real now)."""
    lang = normalize_lang(lang)
    path = (pathname or "/").rstrip("/") or "/"
    if path == "/":
        return live.live_page(viewer, lang, now, search, as_of, present)
    if path == "/overdue":
        return overdue.overdue_page(viewer, lang, search, looking_back=as_of is not None)
    if path == wall.PATH:
        return wall.wall_page(viewer, lang, tz, search)
    if path == "/workload":
        return workload.workload_page(viewer, lang)
    if path == daily_summary.PATH:
        return daily_summary.daily_page(viewer, lang, local_date(now, tz), search)
    if path == deadletters.PATH:
        return (
            deadletters.dead_letters_page(lang)
            if viewer.is_admin
            else forbidden("dead.forbidden", lang)
        )
    if path == integrity.PATH:
        return (
            integrity.integrity_page(viewer, lang, search)
            if viewer.reads_integrity
            else forbidden("integrity.forbidden", lang)
        )
    if path == audit.PATH:
        view = audit.AUDIT_VIEW.read(search, viewer)
        return (
            audit.audit_page(lang, view)
            if viewer.reads_audit
            else forbidden("audit.forbidden", lang, ids.AUDIT_FORBIDDEN)
        )
    reg_no = case_reg_no(path)
    if reg_no:
        return case_page.case_page(reg_no, lang)
    return not_found(lang)


def validation_layout() -> html.Div:
    """The shell with every page in it (for Dash's callback validation only)."""
    viewer = Viewer("validation", "admin")
    return html.Div(
        [
            shell(viewer),
            live.live_page(viewer, DEFAULT_LANG, datetime.now(UTC)),
            overdue.overdue_page(viewer, DEFAULT_LANG),
            workload.workload_page(viewer, DEFAULT_LANG),
            integrity.integrity_page(viewer, DEFAULT_LANG),
            case_page.case_page("KUP-VALIDATION", DEFAULT_LANG),
            deadletters.dead_letters_page(DEFAULT_LANG),
            daily_summary.daily_page(viewer, DEFAULT_LANG, datetime.now(UTC).date()),
            audit.audit_page(DEFAULT_LANG),
            case_page.flag_controls(DEFAULT_LANG),
            wall.wall_page(viewer, DEFAULT_LANG, zone(DEFAULT_TZ)),
        ]
    )
