"""The live page's time control: a slider over the last 24 hours in quarter hours, the present
at its right end. Moving it opens the page as it was then (`?as_of=`, console.web.as_of: the
page loads again, looking back); back at the right end, live again."""

from __future__ import annotations

from datetime import datetime, timedelta

from dash import dcc, html

from components import ids
from components.i18n import t

STEP = timedelta(minutes=15)
STEPS = 96  # 24 hours back
MARK_EVERY = 24  # a mark every 6 hours


def step_start(moment: datetime) -> datetime:
    """The start of the quarter hour `moment` falls in (the slider's present)."""
    return moment - (moment - moment.replace(minute=0, second=0, microsecond=0)) % STEP


def slider_value(as_of: datetime | None, present: datetime) -> int:
    """The slider's position for the instant looked back at (0: the present; -STEPS: 24 hours
    back; an instant between steps, the nearest)."""
    if as_of is None:
        return 0
    back = round((step_start(present) - as_of) / STEP)
    return -max(0, min(STEPS, back))


def time_control(as_of: datetime | None, present: datetime, lang: str) -> html.Div:
    """The slider, its label and its marks ("−24 ч" … "сейчас")."""
    marks = {
        -n: {"label": t("as_of.hours", lang, hours=n * STEP // timedelta(hours=1))}
        for n in range(MARK_EVERY, STEPS + 1, MARK_EVERY)
    }
    marks[0] = {"label": t("as_of.now", lang)}
    return html.Div(
        [
            html.Label(
                t("as_of.control", lang),
                htmlFor=ids.LIVE_TIME,  # names the slider's thumb (components/assets/kup-a11y.js)
                className="small text-body-secondary me-2 mb-0 text-nowrap",
            ),
            html.Div(
                dcc.Slider(
                    id=ids.LIVE_TIME,
                    min=-STEPS,
                    max=0,
                    step=1,
                    value=slider_value(as_of, present),
                    marks=marks,
                    included=False,
                    updatemode="mouseup",
                    allow_direct_input=False,  # a box of "-12" (quarter hours) says nothing
                ),
                className="flex-grow-1",
                style={"minWidth": "260px"},
            ),
        ],
        className="d-flex align-items-center kup-time-control",
    )


# Moving the slider opens the page at that quarter hour (the page loads again: every callback
# and the shell look back from its address), the right end live again; the browser's clock
# gives the present, as the server's page did.
GO_TO_INSTANT = """
function(value) {
    var step = 15 * 60 * 1000;
    var url = new URL(window.location.href);
    if (!value) {
        url.searchParams.delete('as_of');
    } else {
        var at = Math.floor(Date.now() / step) * step + value * step;
        url.searchParams.set('as_of', new Date(at).toISOString().replace('.000Z', 'Z'));
    }
    if (url.href === window.location.href) { return window.dash_clientside.no_update; }
    window.location.assign(url.href);
    return true;
}
"""
