"""Callbacks of the shell: the page router, theme and language switches, the connection
banner (and the catch-up after a reconnect)."""

from __future__ import annotations

from typing import Any

from dash import ALL, Dash, Input, Output, State
from dash.development.base_component import Component

from callbacks import inputs
from callbacks.context import Context, request_context
from components import ids
from components.layout import page_for

# Runs at page load (initial call) and on every switch: applies the colour mode to Bootstrap
# and AG Grid, remembers it in a cookie, and sets the page language.
APPLY_THEME = """
function(dark, client) {
    var theme = dark ? 'dark' : 'light';
    var root = document.documentElement;
    root.setAttribute('data-bs-theme', theme);
    document.body.setAttribute('data-ag-theme-mode', theme);
    if (client && client.lang) { root.setAttribute('lang', client.lang); }
    document.cookie = 'kup_theme=' + theme + '; path=/; max-age=31536000; SameSite=Lax';
    return theme;
}
"""

# The chosen language goes into the `kup_lang` cookie (what the pages read: a cookie set here
# cannot be overwritten by a late response of another request, as a session value can) and
# into the server session through /lang/<code> (what the login page reads), which comes back.
SWITCH_LANGUAGE = """
function(lang) {
    if (!lang) { return window.dash_clientside.no_update; }
    document.cookie = 'kup_lang=' + encodeURIComponent(lang) +
        '; path=/; max-age=31536000; SameSite=Lax';
    var here = window.location.pathname + window.location.search;
    window.location.assign('/lang/' + encodeURIComponent(lang) + '?next=' +
                           encodeURIComponent(here));
    return window.dash_clientside.no_update;
}
"""

# Connection state from the socket ("connected"), the server's Redis status and its resync
# requests. Down: show "no connection — data as of <time>" (the last moment we were live, in
# the console's timezone, written as the page's language writes times: client.locales). Back
# up: bump the resync counter, so every page re-queries the store and nothing that happened
# meanwhile is missed.
WATCH_CONNECTION = """
function(connected, status, resyncEvent, state, client, resync) {
    var nu = window.dash_clientside.no_update;
    if (client.asOf) {  // looking back: no pushes, the badge says when
        return [false, '', client.asOf, 'info', state, nu];
    }
    var ctx = window.dash_clientside.callback_context;
    var fired = (ctx.triggered || []).map(function(t) { return t.prop_id; });
    state = Object.assign({connected: null, redis: true, since: null, everUp: false},
                          state || {});
    var wasUp = state.connected === true && state.redis !== false;
    if (connected === true || connected === false) { state.connected = connected; }
    if (fired.indexOf('__SOCKET__.data-status') >= 0 && status) {
        state.redis = status.redis !== false;
    }
    var isUp = state.connected === true && state.redis !== false;
    var now = Date.now();
    var bump = fired.indexOf('__SOCKET__.data-resync') >= 0;
    if (wasUp && !isUp) { state.since = now; }
    if (!wasUp && isUp && state.everUp) { bump = true; }
    if (isUp) { state.everUp = true; }
    var text = '';
    var open = !isUp && state.since !== null;
    if (open) {
        var time = new Date(state.since).toLocaleTimeString(client.locales, {
            timeZone: client.tz, hour: '2-digit', minute: '2-digit', second: '2-digit'});
        text = client.lost.replace('{time}', time);
    }
    var badge = isUp ? client.live : (open ? text : client.connecting);
    var color = isUp ? 'success' : (open ? 'danger' : 'secondary');
    return [open, text, badge, color, state, bump ? (resync || 0) + 1 : nu];
}
""".replace("__SOCKET__", ids.SOCKET)

# Looking back, the navbar's links carry `?as_of=`, so dbc's own "exact"/"partial" match of the
# page's path against the whole href never marks the page's link: mark it here (live pages keep
# dbc's own match).
MARK_PAGE_LINK = """
function(pathname, client) {
    var links = window.dash_clientside.callback_context.outputs_list;
    return links.map(function(link) {
        if (!client || !client.asOf) { return window.dash_clientside.no_update; }
        var path = link.id.path;
        return path === '/' ? pathname === '/' : (pathname || '').indexOf(path) === 0;
    });
}
"""


def render_page(ctx: Context, pathname: Any, lang: Any, search: Any = None) -> Component:
    """The router: the skeleton of the page at `pathname` for this viewer, in the view its
    query string `search` names (later changes of the query alone: callbacks.view_url)."""
    return page_for(
        inputs.text(pathname),
        ctx.viewer,
        inputs.language(lang),
        ctx.now,
        ctx.tz,
        inputs.text(search),
        ctx.as_of,
        ctx.stamp,
    )


def register(app: Dash) -> None:
    @app.callback(
        Output(ids.PAGE, "children"),
        Input(ids.URL, "pathname"),
        State(ids.LANG, "data"),
        State(ids.URL, "search"),
    )
    def route(pathname: Any, lang: Any, search: Any) -> Component:
        return render_page(request_context(), pathname, lang, search)

    app.clientside_callback(
        APPLY_THEME,
        Output(ids.THEME, "data"),
        Input(ids.THEME_SWITCH, "value"),
        State(ids.CLIENT, "data"),
    )
    app.clientside_callback(
        SWITCH_LANGUAGE,
        Output(ids.LANG, "data"),
        Input(ids.LANG_SELECT, "value"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        MARK_PAGE_LINK,
        Output({"type": ids.NAV_LINK, "path": ALL}, "active"),
        Input(ids.URL, "pathname"),
        State(ids.CLIENT, "data"),
    )
    app.clientside_callback(
        WATCH_CONNECTION,
        Output(ids.BANNER, "is_open"),
        Output(ids.BANNER_TEXT, "children"),
        Output(ids.LIVE_BADGE, "children"),
        Output(ids.LIVE_BADGE, "color"),
        Output(ids.CONNECTION, "data"),
        Output(ids.RESYNC, "data"),
        Input(ids.SOCKET, "connected"),
        Input(ids.SOCKET, "data-status"),
        Input(ids.SOCKET, "data-resync"),
        State(ids.CONNECTION, "data"),
        State(ids.CLIENT, "data"),
        State(ids.RESYNC, "data"),
    )
