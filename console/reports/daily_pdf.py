"""The daily summary as a PDF (A4 landscape, fpdf2): the same words and tables as the page
(components.daily_summary.summary_text), set in DejaVu Sans, which the package ships
(fonts/, with its licence), so that Cyrillic and Kyrgyz letters (ң ө ү) print on a machine
without fonts. Page numbers at the foot of every page; a table's header repeats on a new
page."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fpdf import FPDF
from fpdf.enums import Align, TableBordersLayout
from fpdf.fonts import FontFace
from sqlalchemy.orm import Session

from components.daily_summary import SummaryText, Table, summary_text
from components.i18n import normalize_lang, t
from data.daily_summary import daily_summary

FONTS = Path(__file__).parent / "fonts"
FAMILY = "DejaVu"
BODY_SIZE = 8.5
AUTHOR = "kup-console"
BOLD = FontFace(emphasis="BOLD")
HEADINGS = FontFace(emphasis="BOLD", size_pt=6.5)
TEXT_WIDTHS = (44.0, 34.0)  # mm: "Джалал-Абадская область", "Базар-Коргонский" at BODY_SIZE
KEEP_WITH_TITLE = 30  # mm: a table starts on a new page rather than with less room than this


class _SummaryPDF(FPDF):
    """An A4 landscape page with the summary's title line and page numbers."""

    def __init__(self, lang: str, title: str) -> None:
        super().__init__(orientation="landscape", unit="mm", format="A4")
        self.lang = lang
        self.running_title = title
        self.add_font(FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(auto=True, margin=15)
        self.set_margins(12, 12, 12)

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font(FAMILY, "", 8)
        self.set_text_color(90)
        page = t("daily.page", self.lang, page=self.page_no(), pages="{nb}")
        self.cell(0, 5, f"{self.running_title}    {page}", align=Align.C)


def _widths(text: int, numeric: int, width: float) -> tuple[float, ...]:
    """Column widths (mm): a region's and a district's names on one line, numbers sharing the
    rest (a two-column table: its names three fifths); a table of text only (the notable
    cases) gives its last column (a reason) more."""
    if not numeric:
        return (2,) * (text - 1) + (3,)
    names = (width * 0.6,) if text + numeric == 2 else TEXT_WIDTHS[-text:]
    return (*names, *((width - sum(names)) / numeric for _ in range(numeric)))


def _table(pdf: FPDF, table: Table, empty: str) -> None:
    if pdf.will_page_break(KEEP_WITH_TITLE):  # a title and its first rows on one page
        pdf.add_page()
    pdf.set_font(FAMILY, "B", 11)
    pdf.ln(2)
    pdf.cell(0, 7, table.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", BODY_SIZE)
    first_number = len(table.header) - table.numeric
    width = pdf.epw if len(table.header) > 2 else pdf.epw / 2
    widths = _widths(first_number, table.numeric, width)
    rows = table.rows or ((empty, *("" for _ in table.header[1:])),)
    align = tuple("L" if i < first_number else "R" for i in range(len(table.header)))
    with pdf.table(
        text_align=align,
        line_height=5,
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        first_row_as_headings=True,
        col_widths=widths,
        repeat_headings=1,
        headings_style=HEADINGS,
        width=width,
        align="LEFT",
    ) as grid:
        for i, row in enumerate((table.header, *rows)):
            total = table.total and i == len(rows)
            line = grid.row(style=BOLD if total else None)
            for value in row:
                line.cell(value)


def render_pdf(text: SummaryText, lang: str) -> bytes:
    """The summary as a PDF document."""
    pdf = _SummaryPDF(lang, f"{text.title} — {text.scope}, {text.period}")
    pdf.set_title(f"{text.title} — {text.scope}")
    pdf.set_author(AUTHOR)
    pdf.set_lang(lang)
    pdf.add_page()
    pdf.set_font(FAMILY, "B", 16)
    pdf.cell(0, 9, text.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 11)
    pdf.cell(0, 6, f"{text.scope}, {text.period}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 9)
    pdf.set_text_color(90)
    pdf.cell(0, 5, text.generated, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0)
    pdf.set_font(FAMILY, "B", 12)
    pdf.ln(2)
    pdf.cell(0, 7, text.headline, new_x="LMARGIN", new_y="NEXT")
    for table in text.tables:
        _table(pdf, table, t("daily.notable_none", lang))
    return bytes(pdf.output())


def daily_pdf(
    session: Session, day: date, region: str | None, lang: str, tz: ZoneInfo, now: datetime
) -> bytes:
    """The PDF of the summary of the local `day` for `region` (None: the country), generated
    at `now`; the caller has checked the reader's scope (data.daily_summary.summary_scope)."""
    lang = normalize_lang(lang)
    summary = daily_summary(session, day, tz, region, now)
    return render_pdf(summary_text(summary, lang, tz, now), lang)
