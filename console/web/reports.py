"""`GET /summary.pdf?date=YYYY-MM-DD&region=ISO&lang=ru`: the daily summary as a PDF, the
download of the `/summary` page. Login required (the console's gate); a manager of a region
gets their region's (another region: 403), the others the country or the region they name.
Bad parameters: 400 with a sentence saying which."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, request
from werkzeug.exceptions import BadRequest, Forbidden

from components.daily_summary import PDF_PATH
from components.i18n import LANGUAGES
from console.reports.daily_pdf import daily_pdf
from console.web.auth import current_viewer, select_locale
from console.web.state import web_state
from data.daily_summary import summary_scope
from rules.clock import local_date

bp = Blueprint("reports", __name__)


def _day(value: str | None, today: date) -> date:
    if not value:
        return today
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
    except ValueError:
        pass
    raise BadRequest("date: give the day as YYYY-MM-DD")


@bp.get(PDF_PATH)
def summary_pdf() -> Response:
    """The PDF of the summary of a local day (today by default) for the country or a region."""
    viewer = current_viewer()
    state = web_state()
    now = state.now()
    day = _day(request.args.get("date"), local_date(now, state.tz))
    lang = request.args.get("lang") or select_locale()
    if lang not in LANGUAGES:
        raise BadRequest(f"lang: one of {', '.join(LANGUAGES)}")
    try:
        region = summary_scope(viewer, request.args.get("region"))
    except LookupError:
        raise BadRequest("region: not a region's ISO 3166-2 code") from None
    except PermissionError:
        raise Forbidden("this summary is outside your region") from None
    with state.sessions() as session:
        pdf = daily_pdf(session, day, region, lang, state.tz, now)
    name = f"summary-{day.isoformat()}{'-' + region if region else ''}.pdf"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
