"""Talking to a console app as a browser does, through Flask's test client: the login form with
its CSRF field, the CSRF header dash-renderer sends, and Dash callbacks posted as
dash-renderer posts them."""

from __future__ import annotations

import json
import re
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from console.web.app import WebApp
from tests.support.users import PASSWORD


def csrf_from(html_text: str) -> str:
    """The CSRF token of the form in `html_text`."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html_text)
    assert match, "no CSRF field in the form"
    return match.group(1)


def login(
    client: FlaskClient, username: str, password: str = PASSWORD, next_url: str | None = None
) -> TestResponse:
    """Post the login form (with the CSRF token of a fresh /login page)."""
    token = csrf_from(client.get("/login").get_data(as_text=True))
    data = {"username": username, "password": password, "csrf_token": token}
    if next_url is not None:
        data["next"] = next_url
    return client.post("/login", data=data)


def logged_in(web: WebApp, username: str) -> FlaskClient:
    """A test client logged in as the test user `username` through the form (its CSRF cookie
    set by a page load)."""
    client = web.server.test_client()
    response = login(client, username)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert client.get("/").status_code == 200
    return client


def csrf_header(client: FlaskClient) -> dict[str, str]:
    """What dash-renderer sends: the `_csrf_token` cookie's value as X-CSRFToken."""
    cookie = client.get_cookie("_csrf_token")
    assert cookie is not None, "no _csrf_token cookie"
    return {"X-CSRFToken": cookie.value}


def post_callback(
    client: FlaskClient,
    key: str,
    inputs: list[Any],
    state: list[Any],
    changed: str,
    headers: dict[str, str] | None = None,
) -> TestResponse:
    """POST the callback `key` ("out.prop" or "..out1.prop...out2.prop..") with `inputs` and
    `state` as dash-renderer sends them, `changed` being the prop that fired; `headers` default
    to the CSRF header of the client's session."""
    outputs = [
        dict(zip(("id", "property"), part.rsplit(".", 1))) for part in key.strip(".").split("...")
    ]
    body = {
        "output": key,
        "outputs": outputs if key.startswith("..") else outputs[0],  # a list: multi-output
        "inputs": inputs,
        "state": state,
        "changedPropIds": [changed],
    }
    return client.post(
        "/_dash-update-component",
        data=json.dumps(body),
        content_type="application/json",
        headers=csrf_header(client) if headers is None else headers,
    )


def call(
    web: WebApp,
    client: FlaskClient,
    output_id: str,
    inputs: list[Any],
    state: list[Any] | None = None,
    changed: str | None = None,
) -> dict[str, Any]:
    """POST the callback of `output_id` with `inputs` and `state` as given; `changed` is the
    prop that fired (default: the first input). The answer's JSON ({} for 204)."""
    key = next(k for k in web.dash_app.callback_map if f"{output_id}." in k)
    assert len(web.dash_app.callback_map[key]["inputs"]) == len(inputs)
    first = f"{inputs[0]['id']}.{inputs[0]['property']}"
    response = post_callback(client, key, inputs, state or [], changed or first)
    assert response.status_code in (200, 204), response.get_data(as_text=True)
    return response.get_json() if response.status_code == 200 else {}


def callback(
    web: WebApp,
    client: FlaskClient,
    key: str,
    values: dict[str, object],
    headers: dict[str, str] | None = None,
) -> TestResponse:
    """POST the callback `key` of the app's callback map, every input and state taken from
    `values` ("id.property" -> value; None when absent), the first input as the trigger. The
    response, whatever it is."""
    spec = web.dash_app.callback_map[key]

    def filled(items: list[dict[str, Any]]) -> list[Any]:
        out: list[Any] = []
        for item in items:
            ident = item["id"]
            if isinstance(ident, dict):  # a pattern (ALL): the components it matches
                out.append(
                    values.get(f"{json.dumps(ident, sort_keys=True)}.{item['property']}", [])
                )
                continue
            out.append(
                {
                    "id": ident,
                    "property": item["property"],
                    "value": values.get(f"{ident}.{item['property']}"),
                }
            )
        return out

    first = spec["inputs"][0]
    return post_callback(
        client,
        key,
        filled(spec["inputs"]),
        filled(spec.get("state", [])),
        f"{first['id']}.{first['property']}",
        headers,
    )
