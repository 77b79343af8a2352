"""Why a stream entry was refused, said in the page's language: every sentence the contract and
the intake store as a dead letter's reason is recognised (none shown in English on a Russian
page), the offending value quoted as it came, and the field named in words."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from components.deadletters import dead_letter_rows, field_title, reason_text
from data.deadletters import DeadLetterView
from rules.clock import zone
from rules.contract import ContractError, decode_fields, validate_event
from tests.support import events as ev

NOW = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
DISTRICTS = {ev.BISHKEK}
SOURCE = " (source_id 1796054396550-7)"
# Latin words a Russian sentence may hold: names of standards and encodings.
STANDARD_NAMES = {"ISO", "UTC", "UTF"}


def _refusal(fields: dict[str, str] | dict[bytes, bytes]) -> ContractError:
    with pytest.raises(ContractError) as refused:
        validate_event(decode_fields(fields), DISTRICTS, NOW)
    return refused.value


def _registered(**changes: str) -> dict[str, str]:
    fields = ev.registered("KUP-41711000000000-2026-000001", NOW - timedelta(hours=1))
    fields.update(changes)
    return {k: v for k, v in fields.items() if v != "<drop>"}


def _other(type_: str, **fields: str) -> dict[str, str]:
    return ev.event(type_, "KUP-41711000000000-2026-000001", NOW - timedelta(hours=1), **fields)


# Each rule of the contract broken once, and what the Russian page says about it.
BROKEN = [
    (_registered(schema="<drop>"), "обязательное поле отсутствует"),
    (_registered(schema="2"), "«2» — неподдерживаемая версия схемы (поддерживается 1)"),
    (_registered(type="bogus"), "«bogus» — недопустимое значение"),
    (
        _registered(event_id="bad id!"),
        "«bad id!»: нужно от 1 до 64 символов — латинские буквы, цифры, «_» и «-»",
    ),
    (
        _registered(reg_no="x"),
        "«x»: нужно от 6 до 32 символов — заглавные латинские буквы, цифры и «-»",
    ),
    (_registered(occurred_at="yesterday"), "«yesterday» — не дата и время в формате ISO 8601"),
    (
        _registered(occurred_at="2026-11-03T10:00:00"),
        "«2026-11-03T10:00:00» — не указано смещение от UTC",
    ),
    (
        _registered(occurred_at="2026-11-04T10:00:00+06:00"),
        "«2026-11-04T10:00:00+06:00» — более чем на 5 минут в будущем",
    ),
    (_registered(actor="a" * 65), "длиннее 64 символов (65)"),
    (_registered(district="4171100000"), "«4171100000» — неизвестный код района по СОАТЕ"),
    (_registered(lat="42.8"), "широта и долгота указываются обе или ни одной"),
    (_registered(lat="north", lon="74.6"), "«north» — не десятичное число"),
    (_registered(lat="10", lon="74.6"), "«10» — за пределами Кыргызстана (39,1–43,3)"),
    (_registered(category=""), "обязательное поле пустое"),
    (_registered(source="pigeon"), "«pigeon» — недопустимое значение"),
    (_other("extended", days="5", authority="head"), "«5»: нужно число 10 или 30"),
    (_other("reopened", days="0"), "«0»: нужно целое число от 1 до 30"),
    (_other("decided", decision="maybe"), "«maybe» — недопустимое значение"),
    ({b"\xff": b"x"}, "имя поля не в кодировке UTF-8"),
    ({b"type": b"\xff"}, "значение не в кодировке UTF-8"),
    (_registered(summary="x" * 1001), "длиннее 1\xa0000 символов (1\xa0001)"),
]


@pytest.mark.parametrize(("fields", "said"), BROKEN)
def test_every_contract_refusal_is_said_in_russian(fields: dict[str, str], said: str) -> None:
    refusal = _refusal(fields)
    stored = f"{refusal}{SOURCE}"  # as data.intake stores it
    assert reason_text(stored, refusal.field, "ru") == said
    assert reason_text(stored, refusal.field, "en") != stored  # English said again too
    assert reason_text(stored, refusal.field, "ky")
    outside_quotes = re.sub(r"«[^»]*»", "", said)
    assert set(re.findall(r"[A-Za-z]+", outside_quotes)) <= STANDARD_NAMES, said


def test_a_quoted_value_comes_back_as_it_was_sent() -> None:
    refusal = _refusal(_registered(type='it\'s "odd"'))
    said = reason_text(str(refusal), refusal.field, "ru")
    assert said == '«it\'s "odd"» — недопустимое значение'


@pytest.mark.parametrize(
    ("error", "field", "said"),
    [
        (
            "entry: no fields (empty, or deleted from the stream before it was read)" + SOURCE,
            "entry",
            "в записи нет полей (пустая или удалена из потока до чтения)",
        ),
        (
            "entry: no fields" + SOURCE,
            "entry",
            "в записи нет полей (пустая или удалена из потока до чтения)",
        ),
        (
            "entry: the store refused it (IntegrityError)" + SOURCE,
            "entry",
            "база данных не приняла запись",
        ),
        (
            "reg_no: KUP-41711000000000-2026-000001 is already registered" + SOURCE,
            "reg_no",
            "материал KUP-41711000000000-2026-000001 уже зарегистрирован",
        ),
        (  # a conflict found while applying: named by the event's type
            "reg_no: KUP-41711000000000-2026-000001 is already registered",
            "type",
            "материал KUP-41711000000000-2026-000001 уже зарегистрирован",
        ),
    ],
)
def test_the_intakes_own_refusals_are_said_in_russian(error: str, field: str, said: str) -> None:
    assert reason_text(error, field, "ru") == said


def test_an_unknown_sentence_is_shown_as_stored() -> None:
    assert reason_text("district: something new", "district", "ru") == "district: something new"


def test_dead_letter_rows_name_the_field_and_the_reason_in_words() -> None:
    refusal = _refusal(_registered(district="4171100000"))
    view = DeadLetterView(
        id=1,
        source_id="1796054396550-7",
        error=f"{refusal}{SOURCE}",
        field=refusal.field,
        fields={},
        received_at=NOW,
        retried_at=None,
        retry_id=None,
    )
    [row] = dead_letter_rows([view], zone("Asia/Bishkek"), "ru")
    assert row["field"] == "район" and row["received"] == "03.11.2026, 14:00"
    assert row["error"] == "«4171100000» — неизвестный код района по СОАТЕ"
    for field in ("schema", "type", "event_id", "reg_no", "occurred_at", "entry", "lat"):
        assert not re.search(r"[A-Za-z]", field_title(field, "ru")), field
