"""Only the exact public paths skip the login: the files the login page and Dash's pages load
are served to anyone, and any other path, however like a public one it looks, asks for a login
as every protected path does (a redirect to /login for a page, 401 for Dash's and the API's
JSON routes)."""

from __future__ import annotations

import re

import pytest

from console.web.app import WebApp

LOOK_ALIKES = [
    "/_favicon.icoX",
    "/_favicon.ico/",
    "/_favicon.ico.html",
    "/_dash-component-suites/x",
    "/_dash-component-suites/",
    "/_dash-component-suitesX/dash/x.js",
    "/static",
    "/staticX/vendor/bootstrap-5.3.6.min.css",
    "/assetsX/kup.css",
    "/loginX",
    "/healthzX",
]


@pytest.mark.parametrize("path", LOOK_ALIKES)
def test_a_path_like_a_public_one_asks_for_a_login(web: WebApp, path: str) -> None:
    response = web.server.test_client().get(path)
    if path.startswith("/_dash-"):  # Dash's own routes are JSON: 401 like /_dash-layout
        assert response.status_code == 401, response.get_data(as_text=True)[:200]
        assert response.get_json() == {"error": "login required"}
    else:
        assert response.status_code == 302, response.get_data(as_text=True)[:200]
        assert response.headers["Location"].startswith("/login?next=")
    assert b"_dash-renderer" not in response.get_data()  # not the page shell


def test_what_the_login_page_and_dashs_pages_load_needs_no_login(client_for, web: WebApp) -> None:  # type: ignore[no-untyped-def]
    anonymous = web.server.test_client()
    login_page = anonymous.get("/login").get_data(as_text=True)
    shell = client_for("duty").get("/").get_data(as_text=True)
    loaded = re.findall(r'(?:src|href)="(/[^"/][^"]*)"', login_page + shell)
    files = {url.split("?")[0] for url in loaded if not url.startswith(("/lang/", "/login"))}
    assert any(url.startswith("/_dash-component-suites/") for url in files)
    assert any(url.endswith(".js") for url in files)
    assert "/static/vendor/bootstrap-5.3.6.min.css" in files
    for url in sorted(files | {"/_favicon.ico"}):
        response = anonymous.get(url)
        try:
            assert response.status_code == 200, url
            assert b"_dash-renderer" not in response.get_data() or url.endswith(".js"), url
        finally:
            response.close()  # static files are streamed from an open file
