"""In real headless Chromium: the login form, then a Dash page with plotly, ag-grid, a
clientside callback and a Socket.IO connection running under the console's Content-Security-
Policy, server callbacks passing the CSRF check, and no error in the browser console.

A stand-in page exercises the web core independently of the console's own pages (hence here,
with the web tests' app factory, rather than in tests/browser)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import dash_ag_grid as dag
import plotly.graph_objects as go
import pytest
from dash import Input, Output, dcc, html
from dash_socketio import DashSocketIO
from werkzeug.serving import make_server

from components.layout import SOCKET_OPTIONS
from console.web.app import WebApp
from tests.browser.console import BROWSER_ARGS, CHROMIUM
from tests.support.servers import free_port
from tests.support.users import PASSWORD

pytestmark = pytest.mark.browser


def layout() -> html.Div:
    figure = go.Figure(go.Bar(x=["a", "b"], y=[3, 5]))
    return html.Div(
        [
            DashSocketIO(id="socket", eventNames=["hello"], options=SOCKET_OPTIONS),
            html.Div(id="room"),
            dcc.Input(id="echo-in", value="ping"),
            html.Div(id="echo-out"),
            html.Div(id="clientside-out"),
            dcc.Graph(id="graph", figure=figure),
            dag.AgGrid(
                id="grid",
                rowData=[{"reg_no": "<img src=x onerror=alert(1)>"}],
                columnDefs=[{"field": "reg_no"}],
            ),
        ]
    )


def register(app) -> None:  # type: ignore[no-untyped-def]
    @app.callback(Output("echo-out", "children"), Input("echo-in", "value"))
    def echo(value: str) -> str:
        from console.web.auth import current_viewer

        return f"server says {value} to {current_viewer().username}"

    @app.callback(
        Output("room", "children"), Input("socket", "data-hello"), prevent_initial_call=True
    )
    def show_room(hello: dict) -> str:
        return f"room {hello['room']}"

    app.clientside_callback(
        "function(v) { return 'browser says ' + v; }",
        Output("clientside-out", "children"),
        Input("echo-in", "value"),
    )


@pytest.fixture
def console_url(make_web, web) -> Iterator[str]:  # type: ignore[no-untyped-def]
    del web  # the users
    app: WebApp = make_web(pages=(layout, register), start_push=True)
    port = free_port()
    httpd = make_server("127.0.0.1", port, app.server, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=10)


def test_dash_works_under_csp_with_csrf_and_sockets(console_url, db_url) -> None:  # type: ignore[no-untyped-def]
    if not db_url.startswith("sqlite"):
        pytest.skip("store-independent; runs on SQLite")
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        page = browser.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("dialog", lambda d: (problems.append(f"dialog {d.message}"), d.dismiss()))

        page.goto(f"{console_url}/")
        assert page.url.startswith(f"{console_url}/login")
        page.fill("input[name=username]", "duty")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")

        expect(page.locator("#echo-out")).to_have_text("server says ping to duty", timeout=20000)
        expect(page.locator("#clientside-out")).to_have_text("browser says ping")
        expect(page.locator("#room")).to_have_text("room country", timeout=20000)
        page.fill("#echo-in", "pong")  # a callback after the first: the CSRF header again
        expect(page.locator("#echo-out")).to_have_text("server says pong to duty")
        expect(page.locator("#graph .main-svg").first).to_be_visible(timeout=20000)
        expect(page.locator("#grid .ag-cell").first).to_have_text(
            "<img src=x onerror=alert(1)>", timeout=20000
        )
        browser.close()
    assert problems == []
