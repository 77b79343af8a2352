"""The daily summary as a PDF, from `GET /summary.pdf` and from `kup-console report daily`: its
text (extracted with pypdf) says the figures an independent count over the stored history
gives; a manager of a region gets their region's and no other (403); bad parameters are a
clear 400 or exit code 2, never a traceback."""

from __future__ import annotations

import io
import re
from collections import Counter
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine

from components.i18n import district_name, label, t
from data.daily_summary import MEASURES
from tests.support.daily import DAY, REGIONS, expected, history, in_day, store
from tests.support.events import BISHKEK, OSH_CITY


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    # Numbers are grouped with a no-break space: read as a plain one.
    return "\n".join(page.extract_text() for page in reader.pages).replace("\xa0", " ")


def totals_in(text: str, lang: str = "ru") -> dict[str, int]:
    """The totals table's figures as the PDF shows them ("Зарегистрировано 12")."""
    found = {}
    for measure in MEASURES:
        match = re.search(
            rf"^{re.escape(t(f'daily.m.{measure}', lang, time='24:00'))} (\d+)$", text, re.M
        )
        assert match, (measure, text)
        found[measure] = int(match.group(1))
    return found


def district_line(text: str, district: str) -> list[int]:
    """The by-district row's numbers of a district (its name, then seven figures)."""
    name = re.escape(district_name(district, "ru"))
    match = re.search(rf"^(?:.* )?{name} ((?:\d+ ){{6}}\d+)$", text, re.M)
    assert match, (district, text)
    return [int(n) for n in match.group(1).split()]


@pytest.fixture
def specs(engine: Engine) -> list:  # type: ignore[type-arg]
    made = history(seed=5)
    store(engine, made)
    return made


def test_the_pdf_says_the_stores_figures(client_for, specs) -> None:  # type: ignore[no-untyped-def]
    reply = client_for("duty").get(f"/summary.pdf?date={DAY.isoformat()}")
    assert reply.status_code == 200, reply.data[:200]
    assert reply.mimetype == "application/pdf"
    assert f"summary-{DAY.isoformat()}.pdf" in reply.headers["Content-Disposition"]
    text = pdf_text(reply.data)
    assert "Суточная сводка" in text and "вся республика, за 10.03.2026" in text
    assert "(время Бишкека)" in text and "Asia/Bishkek" not in text  # the zone in words
    want = expected(specs, None)
    assert totals_in(text) == {m: sum(want[m].values()) for m in MEASURES}
    assert sum(want["registered"].values()) > 0 and sum(want["overdue_at_end"].values()) > 0
    columns = ("registered", "late", "decided", "extended", "open_at_end", "overdue_at_end")
    for district in REGIONS:
        assert district_line(text, district) == [want[m][district] for m in columns] + [
            want["flags"][district]
        ]
    registered = Counter(s.category for s in specs if in_day(s.registered))
    for category, n in registered.items():  # the table by category
        assert re.search(rf"^{label('category', category, 'ru')} {n}$", text, re.M), category
    assert re.search(r"Страница 1 из \d+", text)


def test_a_regional_manager_gets_their_region_only(client_for, specs) -> None:  # type: ignore[no-untyped-def]
    osh = client_for("manager-osh")
    own = osh.get(f"/summary.pdf?date={DAY.isoformat()}")
    assert own.status_code == 200
    text = pdf_text(own.data)
    assert district_name(OSH_CITY, "ru") in text
    assert district_name(BISHKEK, "ru") not in text
    want = expected(specs, "KG-GO")
    assert totals_in(text) == {m: sum(want[m].values()) for m in MEASURES}
    assert osh.get(f"/summary.pdf?date={DAY.isoformat()}&region=KG-GO").status_code == 200
    assert osh.get(f"/summary.pdf?date={DAY.isoformat()}&region=KG-GB").status_code == 403
    chosen = client_for("prosecutor").get(f"/summary.pdf?date={DAY.isoformat()}&region=KG-GO")
    assert chosen.status_code == 200
    assert totals_in(pdf_text(chosen.data)) == totals_in(text)


@pytest.mark.parametrize(
    "query", ["date=2026-13-01", "date=10.03.2026", "region=KG-XX", "lang=de", "date=20260310"]
)
def test_bad_parameters_are_a_clear_400(client_for, query: str) -> None:  # type: ignore[no-untyped-def]
    reply = client_for("admin").get(f"/summary.pdf?{query}")
    assert reply.status_code == 400
    assert query.split("=")[0] in reply.get_data(as_text=True)


def test_the_pdf_needs_a_login(web) -> None:  # type: ignore[no-untyped-def]
    reply = web.server.test_client().get("/summary.pdf")
    assert reply.status_code in (302, 401)
    assert reply.mimetype != "application/pdf"


def test_kyrgyz_letters_survive(client_for, specs) -> None:  # type: ignore[no-untyped-def]
    text = pdf_text(client_for("admin").get(f"/summary.pdf?date={DAY}&lang=ky").data)
    assert "Суткалык сводка" in text and "бүт республика" in text
    assert "Көңүл бурарлык материалдар" in text  # ө and ү and ң-free words, as typed


def test_the_command_writes_the_pdf(cli, specs, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    output = tmp_path / "сводка.pdf"
    code, out, err = cli(
        "report", "daily", "--date", DAY.isoformat(), "--region", "KG-GB", "--output", str(output)
    )
    assert code == 0, err
    assert "2026-03-10" in out and str(output) in out
    text = pdf_text(output.read_bytes())
    want = expected(specs, "KG-GB")
    assert totals_in(text) == {m: sum(want[m].values()) for m in MEASURES}
    assert "Бишкек" in text


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--date", "2026-02-30"), "not a date"),
        (("--date", "yesterday"), "not a date"),
        (("--region", "KG-XX"), "unknown region"),
        (("--output", "/nonexistent-folder/x.pdf"), "does not exist"),
        (("--lang", "de"), "invalid choice"),
    ],
)
def test_the_command_refuses_bad_input(cli, capsys, tmp_path: Path, argv, message: str) -> None:  # type: ignore[no-untyped-def]
    args = ["report", "daily", "--output", str(tmp_path / "x.pdf"), *argv]
    try:
        code, _, err = cli(*args)
    except SystemExit as exc:  # argparse's own refusals
        code, err = int(exc.code or 0), capsys.readouterr().err
    assert code == 2
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "x.pdf").exists()


def test_an_unwritable_output_is_a_clear_error(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "locked"
    folder.mkdir()
    code, _, err = cli("report", "daily", "--date", DAY.isoformat(), "--output", str(folder))
    assert code == 2 and "is a folder" in err
