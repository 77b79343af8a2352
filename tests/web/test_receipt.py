"""The complainant's public receipt page `/receipt`: its number and code show the case's status,
deadline and last step and nothing else; a wrong code and an unknown number answer alike;
lookups are limited per address (sequential numbers cannot be tried); GET and POST, CSRF on
POST, Russian and Kyrgyz, and a clear answer to whatever is typed."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from console.web.app import WebApp
from console.web.receipts import KEY_CONFIG
from rules.receipts import receipt_code
from tests.support import events as ev
from tests.support.servers import RedisServer
from tests.support.stores import apply_events, new_case
from tests.support.web import csrf_from

SUMMARY = "Кража велосипеда у подъезда"
OFFICER = "Токтогулов"
UNIT = "OVD-Pervomaisky"
ADDRESS = "ул. Киевская, 44"


@pytest.fixture
def case(engine) -> str:  # type: ignore[no-untyped-def]
    """An open case with a summary, an address, a unit and an officer (none of them shown)."""
    reg_no = new_case(engine, summary=SUMMARY, address=ADDRESS, age=timedelta(hours=2))
    at = datetime.now(UTC) - timedelta(hours=1)
    apply_events(engine, [ev.assigned(reg_no, at, unit=UNIT, officer=OFFICER)])
    return reg_no


def code_of(web: WebApp, reg_no: str) -> str:
    return receipt_code(reg_no, web.server.config[KEY_CONFIG])


def ask(client: FlaskClient, reg_no: str, code: str, **params: str):  # type: ignore[no-untyped-def]
    return client.get("/receipt", query_string={"reg_no": reg_no, "code": code, **params})


def without(body: str, *typed: str) -> str:
    """The page without its CSRF token and the values typed (echoed in the form)."""
    body = re.sub(r'name="csrf_token" value="[^"]*"', "", body)
    for value in typed:
        body = body.replace(value, "")
    return body


def test_the_right_code_shows_status_deadline_and_last_step_only(web: WebApp, case: str) -> None:
    response = ask(web.server.test_client(), case, code_of(web, case))
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert 'id="receipt-result"' in page and 'lang="ru"' in page
    assert re.search(r'id="receipt-status">.*В работе', page)
    assert re.search(r'id="receipt-deadline">до 24:00 \d\d\.\d\d\.20\d\d<', page)
    today = datetime.now(UTC).astimezone(web.state.settings.zone).strftime("%d.%m.%Y")
    assert f'id="receipt-last-step">{today}<' in page
    for secret in (SUMMARY, OFFICER, UNIT, ADDRESS, "Бишкек"):
        assert secret not in page
    assert response.headers["Cache-Control"] == "no-store"


def test_a_decided_case_shows_its_decision(web: WebApp, engine) -> None:  # type: ignore[no-untyped-def]
    reg_no = new_case(engine, age=timedelta(days=2))
    apply_events(engine, [ev.decided(reg_no, datetime.now(UTC) - timedelta(days=1), "refused")])
    page = ask(web.server.test_client(), reg_no, code_of(web, reg_no)).get_data(as_text=True)
    assert "Решение принято" in page
    assert 'id="receipt-decision">отказано в возбуждении<' in page


def test_an_overdue_case_says_so(web: WebApp, engine) -> None:  # type: ignore[no-untyped-def]
    reg_no = new_case(engine, age=timedelta(days=6))
    page = ask(web.server.test_client(), reg_no, code_of(web, reg_no)).get_data(as_text=True)
    assert re.search(r'id="receipt-status">.*Просрочено', page)


def test_the_code_is_read_as_people_type_it(web: WebApp, case: str) -> None:
    code = code_of(web, case)
    typed = f" {code.lower().replace('-', ' ')} "
    response = ask(web.server.test_client(), case.lower(), typed)
    assert response.status_code == 200
    assert 'id="receipt-result"' in response.get_data(as_text=True)


def test_a_wrong_code_and_an_unknown_number_answer_alike(web: WebApp, case: str) -> None:
    code = code_of(web, case)
    wrong = code_of(web, case + "0")  # a well-formed code, of another number
    unknown = case[:-6] + "999999"
    answers = [  # each from a new visitor
        ask(web.server.test_client(), case, wrong),  # a known number, a wrong code
        ask(web.server.test_client(), unknown, wrong),  # an unknown number
        ask(web.server.test_client(), unknown, code),  # an unknown number, a known one's code
    ]
    bodies = [
        without(a.get_data(as_text=True), number)
        for a, number in zip(answers, (case, unknown, unknown), strict=True)
    ]
    assert [a.status_code for a in answers] == [404, 404, 404]
    assert "Материал с таким номером и кодом не найден" in bodies[0]
    assert bodies[0] == bodies[1].replace(code, wrong) == bodies[2].replace(code, wrong)
    headers = [
        sorted((k, v.split("=")[0] if k == "Set-Cookie" else v) for k, v in a.headers.items())
        for a in answers
    ]
    assert headers[0] == headers[1] == headers[2]


def test_sequential_numbers_are_rate_limited_per_address(make_web, web_settings, engine) -> None:  # type: ignore[no-untyped-def]
    web = make_web(web_settings.with_overrides(receipt_rate="5 per minute"))
    cases = [new_case(engine) for _ in range(7)]
    client = web.server.test_client()
    answers = [ask(client, reg_no, "00000-00000").status_code for reg_no in cases]
    assert answers == [404] * 5 + [429] * 2
    refused = ask(client, cases[0], code_of(web, cases[0]))  # even the right code waits
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert "Слишком много запросов" in page and 'id="receipt-result"' not in page
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert client.get("/receipt").status_code == 200  # the empty form costs nothing
    elsewhere = web.server.test_client()  # a new session, the same address: still limited
    answer = ask(elsewhere, cases[0], code_of(web, cases[0]))
    other = elsewhere.get(
        "/receipt",
        query_string={"reg_no": cases[0], "code": code_of(web, cases[0])},
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
    )
    assert answer.status_code == 429 and other.status_code == 200


def test_the_form_posts_with_its_csrf_token(web: WebApp, case: str) -> None:
    client = web.server.test_client()
    form = client.get("/receipt")
    assert form.status_code == 200
    token = csrf_from(form.get_data(as_text=True))
    data = {"reg_no": case, "code": code_of(web, case)}
    posted = client.post("/receipt", data={**data, "csrf_token": token})
    assert posted.status_code == 200 and 'id="receipt-result"' in posted.get_data(as_text=True)
    forged = client.post("/receipt", data=data)
    page = forged.get_data(as_text=True)
    assert forged.status_code == 400 and "Форма устарела" in page
    assert 'id="receipt-result"' not in page


def test_the_kyrgyz_page(web: WebApp, case: str) -> None:
    client = web.server.test_client()
    page = ask(client, case, code_of(web, case), lang="ky").get_data(as_text=True)
    assert 'lang="ky"' in page and "Арыздын каралышы" in page
    assert "Каттоо номери" in page and "Иште" in page and "Кароо мөөнөтү" in page
    empty = client.get("/receipt?lang=ky").get_data(as_text=True)
    assert "Талондогу код" in empty and "Код с квитанции" not in empty


@pytest.mark.parametrize(
    ("reg_no", "code", "message"),
    [
        ("", "", "Введите номер и код"),
        ("KUP-1", "ABCDE-FGHJK", "Номер записан неверно"),
        ("' OR 1=1 --", "ABCDE-FGHJK", "Номер записан неверно"),
        ('"><script>alert(1)</script>', "ABCDE-FGHJK", "Номер записан неверно"),
        ("x" * 5000, "ABCDE-FGHJK", "Номер записан неверно"),
        ("KUP-41711000000000-2026-000001", "ABCDE", "Код записан неверно"),
        ("KUP-41711000000000-2026-000001", "ABCDE-FGHJU", "Код записан неверно"),
        ("KUP-41711000000000-2026-000001", "\x00" * 10, "Код записан неверно"),
    ],
)
def test_malformed_input_gets_a_clear_message(
    web: WebApp, reg_no: str, code: str, message: str
) -> None:
    response = ask(web.server.test_client(), reg_no, code)
    page = response.get_data(as_text=True)
    assert response.status_code == 400, page
    assert message in page and 'id="receipt-result"' not in page
    assert "<script>" not in page  # the typed value is echoed escaped


def test_the_page_needs_no_login_and_shows_no_console(web: WebApp) -> None:
    response = web.server.test_client().get("/receipt")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="reg_no"' in page and 'name="code"' in page and 'name="csrf_token"' in page
    assert "_dash-renderer" not in page and "оперативная консоль" not in page


def test_redis_down_is_answered_clearly(make_web, web_settings, engine) -> None:  # type: ignore[no-untyped-def]
    private = RedisServer().start()
    try:
        web = make_web(settings=web_settings.with_overrides(redis_url=private.url))
        reg_no = new_case(engine)
        private.stop()
        for response in (
            web.server.test_client().get("/receipt"),
            ask(web.server.test_client(), reg_no, code_of(web, reg_no)),
        ):
            page = response.get_data(as_text=True)
            assert response.status_code == 503, page
            assert "Проверка сейчас невозможна" in page and 'id="receipt-result"' not in page
    finally:
        private.close()


@pytest.fixture
def roomy_web(make_web, web_settings) -> WebApp:  # type: ignore[no-untyped-def]
    """The app with a lookup limit no fuzzing reaches."""
    return make_web(web_settings.with_overrides(receipt_rate="100000 per minute"))  # type: ignore[no-any-return]


TYPED = st.text(st.characters(blacklist_categories=("Cs",)), max_size=80) | st.sampled_from(
    ["KUP-41711000000000-2026-000001", "00000-00000", "x" * 10_000, "\x00", "%00", "-" * 10]
)


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(reg_no=TYPED, code=TYPED, post=st.booleans())
def test_anything_typed_gets_the_form_back_not_an_error(
    roomy_web: WebApp, reg_no: str, code: str, post: bool
) -> None:
    client = roomy_web.server.test_client()
    if post:
        token = csrf_from(client.get("/receipt").get_data(as_text=True))
        data = {"reg_no": reg_no, "code": code, "csrf_token": token}
        response = client.post("/receipt", data=data)
    else:
        response = ask(client, reg_no, code)
    assert response.status_code in (400, 404), response.status_code
    assert 'id="receipt-error"' in response.get_data(as_text=True)
