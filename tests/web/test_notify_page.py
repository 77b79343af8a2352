"""A user's own notification subscriptions on a real app and store: the page
/account/notifications (list, add, remove, refusals in the page's language, CSRF, a regional
user clamped to their region) and the same through the API."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select

from console.web.app import WebApp
from data import notifications
from data.models import AuditEntry
from tests.support.web import csrf_from, csrf_header, login

PAGE = "/account/notifications"
API = "/api/v1/account/notifications"


def _post(client: FlaskClient, **form: object):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get(PAGE).get_data(as_text=True))
    return client.post(PAGE, data={"csrf_token": token, **form})


def _mine(web: WebApp, user: str) -> list[notifications.Subscription]:
    with web.state.sessions() as s:
        return notifications.subscriptions(s, user)


def test_the_page_adds_lists_and_removes_the_users_own(web, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("manager")
    page = client.get(PAGE).get_data(as_text=True)
    assert "Подписок нет." in page and 'name="events" value="escalated"' in page
    answer = _post(
        client,
        action="add",
        channel="email",
        target="boss@example.org",
        region="",
        events=["overdue", "flagged"],
    )
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "Подписка добавлена." in page
    assert "boss@example.org" in page and "Просрочен, Отмечен прокурором" in page
    [sub] = _mine(web, "manager")
    assert (sub.channel, sub.region, sub.events) == ("email", None, ("overdue", "flagged"))
    other = client_for("prosecutor")  # another's subscription cannot be removed
    assert _post(other, action="remove", id=str(sub.id)).status_code == 400
    answer = _post(client, action="remove", id=str(sub.id))
    assert "Подписка удалена." in answer.get_data(as_text=True)
    assert _mine(web, "manager") == []
    with web.state.sessions() as s:
        actions = [a.action for a in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions.count("notify_add") == 1 and actions.count("notify_remove") == 1


def test_a_webhooks_secret_is_shown_once(web, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("prosecutor")
    page = _post(
        client,
        action="add",
        channel="webhook",
        target="https://hooks.example.org/kup",
        events="flagged",
    ).get_data(as_text=True)
    [sub] = _mine(web, "prosecutor")
    assert sub.secret is not None and sub.secret in page
    assert sub.secret not in client.get(PAGE).get_data(as_text=True)


def test_a_regional_user_only_gets_their_region(web, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("manager-osh")
    page = client.get(PAGE).get_data(as_text=True)
    assert 'value="KG-GO"' in page and 'value="KG-GB"' not in page
    assert "Все регионы" not in page.split('id="region"')[1].split("</select>")[0]
    answer = _post(
        client,
        action="add",
        channel="email",
        target="osh@example.org",
        region="KG-GB",
        events="overdue",
    )
    assert answer.status_code == 400 and "cannot subscribe to region KG-GB" in answer.get_data(
        as_text=True
    )
    _post(
        client,
        action="add",
        channel="email",
        target="osh@example.org",
        region="KG-GO",
        events="overdue",
    )
    assert [s.region for s in _mine(web, "manager-osh")] == ["KG-GO"]


def test_bad_input_is_a_clear_400_in_the_page(web, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("manager")
    for form, words in (
        ({"channel": "email", "target": "nope", "events": "overdue"}, "not an e-mail address"),
        (
            {"channel": "webhook", "target": "javascript:alert(1)", "events": "overdue"},
            "not an http",
        ),
        ({"channel": "email", "target": "a@example.org"}, "name at least one event"),
        ({"channel": "email", "target": "a@example.org", "events": "sms"}, "unknown event sms"),
        ({"action": "remove", "id": "x"}, "invalid literal"),
    ):
        answer = _post(client, **{"action": "add", **form})
        assert answer.status_code == 400 and words in answer.get_data(as_text=True), form
    assert _mine(web, "manager") == []


def test_the_form_needs_its_csrf_token(web, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("manager")
    answer = client.post(
        PAGE,
        data={"action": "add", "channel": "email", "target": "a@example.org", "events": "overdue"},
    )
    assert answer.status_code == 400
    assert _mine(web, "manager") == []


def test_the_api_lists_adds_and_removes_the_users_own(web, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("manager-osh")
    headers = csrf_header(client)
    answer = client.post(
        API,
        json={"channel": "webhook", "target": "https://h.example.org/x", "events": ["escalated"]},
        headers=headers,
    )
    assert answer.status_code == 201
    made = answer.get_json()
    assert (
        made["region"] == "KG-GO" and made["events"] == ["escalated"] and len(made["secret"]) == 64
    )
    listed = client.get(API).get_json()
    assert [s["id"] for s in listed] == [made["id"]] and "secret" not in listed[0]
    bad = client.post(
        API,
        json={"channel": "email", "target": "x@example.org", "events": "overdue"},
        headers=headers,
    )
    assert bad.status_code == 400 and "list of strings" in bad.get_json()["error"]
    stranger = client_for("manager")
    assert stranger.delete(f"{API}/{made['id']}", headers=csrf_header(stranger)).status_code == 404
    assert client.delete(f"{API}/{made['id']}", headers=headers).get_json() == {
        "removed": made["id"]
    }
    assert client.get(API).get_json() == []


def test_a_monitoring_account_has_no_page(web) -> None:  # type: ignore[no-untyped-def]
    client = web.server.test_client()
    assert login(client, "monitor").status_code == 302
    assert client.get(PAGE).status_code == 403


def test_the_notify_commands(web, cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli(
        "notify", "add", "manager-osh", "--email", "osh@example.org", "--events", "overdue,flagged"
    )
    assert code == 0 and "in KG-GO" in out
    code, out, _ = cli(
        "notify", "add", "manager", "--webhook", "https://h.example.org/x", "--events", "escalated"
    )
    assert code == 0 and "webhook secret (shown once" in out
    code, out, _ = cli("notify", "list")
    assert code == 0 and "osh@example.org" in out and "2 subscriptions" in out
    assert "0 pending" in out
    sub = _mine(web, "manager")[0]
    code, out, _ = cli("notify", "remove", str(sub.id))
    assert code == 0 and _mine(web, "manager") == []
    for args, words in (
        (("add", "nobody", "--email", "a@example.org", "--events", "overdue"), "no user"),
        (("add", "manager", "--email", "nope", "--events", "overdue"), "not an e-mail"),
        (("add", "manager", "--webhook", "ftp://x", "--events", "overdue"), "not an http"),
        (("add", "manager", "--email", "a@example.org", "--events", "x"), "unknown event x"),
        (
            (
                "add",
                "manager",
                "--email",
                "a@example.org",
                "--events",
                "overdue",
                "--region",
                "KG-XX",
            ),
            "unknown region",
        ),
        (("remove", "999"), "no subscription 999"),
        (("test", "999"), "no subscription 999"),
        (("worker", "--interval", "0"), "--interval must be positive"),
    ):
        code, _, err = cli("notify", *args)
        assert code == 2 and words in err, (args, err)
