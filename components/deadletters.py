"""The admins' dead-letter page: entries the contract refused, with their reason in the page's
language.

The store keeps each reason as the contract's English sentence (rules.contract's ContractError,
data.intake's and data.consumer's own refusals: "field: message (source_id …)"); the page
recognises each of those sentences and says it again in words of the page language, the
offending value quoted as it came. A sentence it does not know is shown as stored.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from zoneinfo import ZoneInfo

import dash_ag_grid as dag
from dash import html

from components import ids
from components.formatting import local_datetime
from components.i18n import grid_locale, has, number_text, t
from data.deadletters import DeadLetterView

PATH = "/deadletters"
SHOWN = 500


_VALUE = r"(?P<value>'.*'|\".*\")"  # a value as the contract quotes it (Python's repr)
_SOURCE = re.compile(r"\s*\(source_id [^()]*\)$")
Reason = Callable[[re.Match[str], str], str]
_NUMBERS = {"max", "length", "low", "high"}  # the numbers a reason may name


def _quoted(match: re.Match[str]) -> str:
    """The offending value of a reason, in «» as it came."""
    try:
        value = ast.literal_eval(match.group("value"))
    except (ValueError, SyntaxError):
        value = match.group("value")[1:-1]
    return f"«{value}»"


def _said(key: str) -> Reason:
    """A reason said by the message `key` with the match's groups (the value in «»)."""

    def say(match: re.Match[str], lang: str) -> str:
        params = match.groupdict()
        if "value" in params:
            params["value"] = _quoted(match)
        for name in _NUMBERS & params.keys():  # written as the language writes numbers
            params[name] = number_text(Decimal(params[name]), lang, exact=True)
        return t(key, lang, **params)

    return say


def _numbers(match: re.Match[str], lang: str) -> str:
    choices = re.findall(r"\d+", match.group("choices"))
    joined = f" {t('reject.or', lang)} ".join(choices)
    return t("reject.integer_choice", lang, value=_quoted(match), choices=joined)


# The contract's sentences (after "field: "), in the order they are tried.
_REASONS: tuple[tuple[re.Pattern[str], Reason], ...] = tuple(
    (re.compile(pattern + "$", re.DOTALL), say)
    for pattern, say in (
        ("required field is missing", _said("reject.missing")),
        ("required field is empty", _said("reject.empty")),
        (r"longer than (?P<max>\d+) characters \((?P<length>\d+)\)", _said("reject.too_long")),
        (_VALUE + r" is not one of .*", _said("reject.not_allowed")),
        (_VALUE + r" must be 1–64 characters of A-Z a-z 0-9 _ -", _said("reject.event_id")),
        (_VALUE + r" must be 6–32 characters of A-Z 0-9 -", _said("reject.reg_no")),
        (_VALUE + r" must be (?P<low>\d+)–(?P<high>\d+)", _said("reject.integer_range")),
        (_VALUE + r" must be (?P<choices>\d+( or \d+)*)", _numbers),
        (_VALUE + r" is not an ISO 8601 date-time", _said("reject.not_datetime")),
        (_VALUE + r" has no UTC offset", _said("reject.no_offset")),
        (_VALUE + r" is more than 5 minutes in the future", _said("reject.future")),
        (_VALUE + r" is not a decimal number", _said("reject.not_number")),
        (
            _VALUE + r" is outside Kyrgyzstan \((?P<low>[\d.]+)–(?P<high>[\d.]+)\)",
            _said("reject.outside"),
        ),
        (_VALUE + r" is not a supported version \(1\)", _said("reject.schema")),
        (_VALUE + r" is not a known SOATE district code", _said("reject.district")),
        ("lat and lon must be given both or neither", _said("reject.lat_lon")),
        ("field name is not valid UTF-8", _said("reject.name_utf8")),
        ("value is not valid UTF-8", _said("reject.value_utf8")),
        (
            r"no fields( \(empty, or deleted from the stream before it was read\))?",
            _said("reject.no_fields"),
        ),
        (r"the store refused it \(\w+\)", _said("reject.store_refused")),
        (r"(reg_no: )?(?P<reg_no>\S+) is already registered", _said("reject.duplicate")),
    )
)


def field_title(field: str, lang: str) -> str:
    """An entry field's name in `lang` (as stored when the table has none)."""
    key = f"field.{field}"
    return t(key, lang) if has(key) else field


def reason_text(error: str, field: str, lang: str) -> str:
    """Why an entry was refused, in `lang`: the stored English sentence recognised and said
    again ("«4171100000» — неизвестный код района по СОАТЕ"); as stored when unknown."""
    sentence = _SOURCE.sub("", error)
    prefix = f"{field}: "
    if sentence.startswith(prefix):
        sentence = sentence[len(prefix) :]
    for pattern, say in _REASONS:
        match = pattern.match(sentence)
        if match:
            return say(match, lang)
    return error


def dead_letter_rows(
    views: Sequence[DeadLetterView], tz: ZoneInfo, lang: str
) -> list[dict[str, object]]:
    """Grid rows of dead letters: times local, the field and the reason in `lang`."""
    return [
        {
            "id": v.id,
            "received": local_datetime(v.received_at, tz, lang),
            "source_id": v.source_id,
            "field": field_title(v.field, lang),
            "error": reason_text(v.error, v.field, lang),
            "retried": local_datetime(v.retried_at, tz, lang) if v.retried_at else "",
        }
        for v in views
    ]


def dead_letters_page(lang: str) -> html.Div:
    """Title, counts line and the grid (filled by its callback)."""
    columns = [
        {"field": "received", "headerName": t("dead.received", lang), "width": 170},
        {"field": "source_id", "headerName": t("dead.source_id", lang), "width": 230},
        {"field": "field", "headerName": t("dead.field", lang), "width": 170},
        {
            "field": "error",
            "headerName": t("dead.error", lang),
            "flex": 1,
            "wrapText": True,
            "autoHeight": True,
        },
        {"field": "retried", "headerName": t("dead.retried", lang), "width": 200},
    ]
    return html.Div(
        [
            html.H1(t("dead.title", lang), className="h3"),
            html.P(t("loading", lang), id=ids.DEAD_SUMMARY, className="text-body-secondary"),
            dag.AgGrid(
                id=ids.DEAD_GRID,
                rowData=[],
                columnDefs=columns,
                defaultColDef={"resizable": True, "sortable": True, "filter": True},
                getRowId="params.data.id",
                dashGridOptions={"localeText": grid_locale(lang, "dead.empty")},
                style={"height": "70vh"},
            ),
        ]
    )
