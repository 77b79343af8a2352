"""The guard in front of Dash's callback endpoint: a 400 with a reason, never Dash's 500, for a
request dash-renderer would never send.

Dash trusts the envelope of a POST to /_dash-update-component (which callback, its inputs,
states and outputs, the changed props): a forged one raised KeyError or AttributeError inside
Dash. `callback_request_problem` checks the envelope before Dash sees it; the values inside are
the callbacks' to check (callbacks/inputs.py), and an `InvalidCallbackInput` they raise is
answered with a 400 here too. Both refusals are logged at WARNING, without the request body.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

import dash
from flask import Flask, Response, jsonify, request

from callbacks.inputs import InvalidCallbackInput

DASH_UPDATE_PATH = "/_dash-update-component"
log = logging.getLogger("kup.web")


def init_callback_guard(server: Flask, dash_app: dash.Dash) -> None:
    """Refuse forged callback envelopes and invalid callback inputs of `dash_app` with a 400
    (register it after the login and CSRF checks: those answer first)."""

    @server.before_request
    def refuse_forged_callback_requests() -> tuple[Response, int] | None:
        if request.path != DASH_UPDATE_PATH or request.method != "POST":
            return None
        problem = callback_request_problem(request.get_json(silent=True), dash_app.callback_map)
        if problem is None:
            return None
        log.warning("callback request refused: %s", problem)
        return jsonify(error=f"not a callback request: {problem}"), 400

    server.register_error_handler(InvalidCallbackInput, refuse_callback_input)


def callback_request_problem(body: object, callback_map: Mapping[str, Any]) -> str | None:
    """Why a POST to /_dash-update-component is not one dash-renderer sends (None when it
    is): an object naming a registered callback, with its inputs and states in their number,
    its outputs, and changed props Dash can read."""
    if not isinstance(body, dict):
        return "the body must be an object"
    output = body.get("output")
    if not isinstance(output, str) or output not in callback_map:
        return "no such callback"
    spec = callback_map[output]
    for part in ("inputs", "state"):
        if not _dependencies(body.get(part, []), len(spec.get(part, []))):
            return f"{part} must name the callback's {len(spec.get(part, []))} {part}"
    outputs = body.get("outputs")
    if not (
        _dependencies(outputs, output.count("...") + 1)
        if output.startswith("..")
        else _dependency(outputs)
    ):
        return "outputs must name the callback's outputs"
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(map(_prop_id, changed)):
        return 'changedPropIds must be "<id>.<property>" texts'
    return None


def refuse_callback_input(exc: InvalidCallbackInput) -> tuple[Response, int]:
    """A callback input of a form the page never sends (callbacks/inputs.py): 400 with what was
    expected; logged at WARNING without the value or a traceback."""
    body = request.get_json(silent=True)
    output = str(body.get("output", ""))[:300] if isinstance(body, dict) else ""
    log.warning("callback input refused (%s): %s", output, exc)
    return jsonify(error=f"invalid input to callback {output}: {exc}"), 400


def _dependency(item: object) -> bool:
    """An input, state or output as dash-renderer names it: {id, property[, value]}."""
    return (
        isinstance(item, dict)
        and isinstance(item.get("id"), (str, dict))
        and isinstance(item.get("property"), str)
    )


def _dependencies(items: object, count: int) -> bool:
    """`count` dependencies, each one or (a pattern's) a list of them."""
    return (
        isinstance(items, list)
        and len(items) == count
        and all(
            _dependency(item) or (isinstance(item, list) and all(map(_dependency, item)))
            for item in items
        )
    )


def _prop_id(value: object) -> bool:
    """A changed prop as Dash reads it: "<id>.<property>", a pattern's id a JSON object."""
    if not isinstance(value, str):
        return False
    component = value.rpartition(".")[0]
    if not component.startswith("{"):
        return True
    try:
        return isinstance(json.loads(component), dict)
    except (ValueError, RecursionError):  # not JSON, or nested too deeply to read
        return False
