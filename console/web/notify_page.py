"""A user's own notification subscriptions: the page /account/notifications (a plain HTML form
with CSRF, as the password page) and the same through the API, `/api/v1/account/notifications`
(GET the list, POST one, DELETE /<id>). A regional user's subscriptions are clamped to their
region; a monitoring account has none. Every change is written to the audit log."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template, request
from flask_login import current_user

from components.i18n import region_name, t
from console.web.auth import current_viewer, select_locale
from console.web.state import web_state
from data import audit, notifications, users
from data.reference import load_geography
from rules.notifications import CHANNELS, KINDS

PAGE_PATH = "/account/notifications"
bp = Blueprint("notify", __name__)


def _username() -> str:
    info: users.UserInfo = current_user.info
    return info.username


def _mine() -> list[notifications.Subscription]:
    with web_state().sessions() as s:
        return notifications.subscriptions(s, _username())


def _add(
    channel: str, target: str, events: list[str] | str, region: str | None, lang: str
) -> notifications.Subscription:
    with web_state().writer.begin() as s:
        sub = notifications.add_subscription(
            s, _username(), channel, target, events, region=region or None, lang=lang
        )
        audit.record(
            s,
            sub.username,
            "notify_add",
            sub.username,
            {"id": sub.id, "channel": channel, "target": sub.target},
        )
    return sub


def _remove(sub_id: int) -> None:
    with web_state().writer.begin() as s:
        notifications.remove_subscription(s, sub_id, username=_username())
        audit.record(s, _username(), "notify_remove", _username(), {"id": sub_id})


def _page(status: int = 200, **context: object) -> tuple[str, int]:
    lang = select_locale()
    viewer = current_viewer()
    regions = (
        [viewer.region]
        if viewer.region
        else sorted(load_geography().regions, key=lambda code: region_name(code, lang))
    )
    return render_template(
        "notifications.html",
        lang=lang,
        t=lambda key, **params: t(key, lang, **params),
        region_name=lambda code: region_name(code, lang),
        username=viewer.username,
        subscriptions=_mine(),
        regions=regions,
        regional=viewer.region is not None,
        kinds=KINDS,
        channels=CHANNELS,
        **context,
    ), status


@bp.route(PAGE_PATH, methods=["GET", "POST"])
def page() -> tuple[str, int]:
    """List the user's subscriptions; add one (action=add) or remove one (action=remove)."""
    if request.method == "GET":
        return _page()
    try:
        if request.form.get("action") == "remove":
            _remove(int(request.form.get("id", "")))
            return _page(done="notify.page.removed")
        sub = _add(
            request.form.get("channel", ""),
            request.form.get("target", ""),
            request.form.getlist("events"),
            request.form.get("region"),
            select_locale(),
        )
    except (ValueError, LookupError) as exc:
        return _page(400, error=str(exc))
    return _page(done="notify.page.added", secret=sub.secret)


def _json(sub: notifications.Subscription) -> dict[str, object]:
    return {
        "id": sub.id,
        "channel": sub.channel,
        "target": sub.target,
        "region": sub.region,
        "events": list(sub.events),
        "lang": sub.lang,
        "active": sub.active,
        "created_at": sub.created_at.isoformat(),
    }


@bp.route("/api/v1/account/notifications", methods=["GET"])
def api_list() -> Response:
    """The user's own subscriptions."""
    return jsonify([_json(s) for s in _mine()])


@bp.route("/api/v1/account/notifications", methods=["POST"])
def api_add() -> tuple[Response, int]:
    """Subscribe: {"channel": "email"|"webhook", "target", "events": [...], "region"?,
    "lang"?}; 201 with the subscription (and a webhook's secret, only here), 400 with a clear
    error."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify(error="a JSON object is expected"), 400
    fields = {k: body.get(k) for k in ("channel", "target", "events", "region", "lang")}
    if not isinstance(fields["channel"], str) or not isinstance(fields["target"], str):
        return jsonify(error="channel and target must be strings"), 400
    events = fields["events"]
    if not (isinstance(events, list) and all(isinstance(e, str) for e in events)):
        return jsonify(error="events must be a list of strings"), 400
    region, lang = fields["region"], fields["lang"] or select_locale()
    if region is not None and not isinstance(region, str) or not isinstance(lang, str):
        return jsonify(error="region and lang must be strings"), 400
    try:
        sub = _add(fields["channel"], fields["target"], events, region, lang)
    except (ValueError, LookupError) as exc:
        return jsonify(error=str(exc)), 400
    return jsonify({**_json(sub), "secret": sub.secret}), 201


@bp.route("/api/v1/account/notifications/<int:sub_id>", methods=["DELETE"])
def api_remove(sub_id: int) -> tuple[Response, int]:
    """Remove one of the user's subscriptions (404 for any other)."""
    try:
        _remove(sub_id)
    except LookupError as exc:
        return jsonify(error=str(exc)), 404
    return jsonify(removed=sub_id), 200
