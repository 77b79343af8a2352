"""The API's contract (issue #10 item 11): schemathesis reads the OpenAPI document the served
console gives at /api/v1/openapi.json and runs every operation in it, property-based, against
the live server with an admin's API token: its coverage phase (each parameter's boundaries and
invalid values, undocumented methods), fuzzing (positive and negative data) and stateful phase
(a flag set, then cleared through the document's link), with every check it has: no 500, and
every answer (status code, content type, headers, body) as the document says. A real console on
a free port (threads: the WSGI server, ingest, push), its store holding two weeks of simulated
cases, some of them flagged; schemathesis runs as its command-line tool, as anyone checking the
API would run it.

This file is in the test command, and so in `.ci/run`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import schemathesis
from sqlalchemy import select

from data import alerts, flags, users
from data.db import make_sessionmaker, writer_engine
from data.models import Case
from tests.browser.console import RunningConsole, simulated_history
from tests.support.users import viewer

MAX_EXAMPLES = 20  # per operation and phase: the run takes some 40 s on two cores
SEED = 20260601  # one run is like the next (another seed: another sample of the inputs)
ST = Path(sys.executable).with_name("st")  # schemathesis's command, beside this Python


@pytest.fixture(scope="module")
def token(live_console: RunningConsole) -> str:
    """An admin's API token (reads every case, flags, reads the health), on a store of
    simulated cases, three of them flagged, eight with an open alert."""
    simulated_history(live_console.engine, days=14, per_day=40)
    writer = make_sessionmaker(writer_engine(live_console.engine))
    service = flags.FlagService(writer, None, live_console.settings.streams)
    for reg_no in known_cases(live_console)[:3]:
        service.set(viewer("prosecutor"), reg_no, "Why is this one late?")
    with writer.begin() as s:  # alerts to acknowledge, claim and close
        for case in s.scalars(select(Case).order_by(Case.reg_no).limit(8)):
            alerts.raise_alert(
                s, case.reg_no, case.district, case.region, case.deadline, "overdue", case.deadline
            )
    with writer.begin() as s:
        return users.issue_token(s, "admin")


def known_cases(console: RunningConsole, *, unflagged: bool = False) -> list[str]:
    """The first 20 cases by number (`unflagged`: of those without an active flag, which the
    fuzzing may have set on any case it found listed)."""
    query = select(Case.reg_no).order_by(Case.reg_no).limit(20)
    with make_sessionmaker(console.engine)() as s:
        return list(s.scalars(query.where(Case.flagged.is_(False)) if unflagged else query))


@pytest.mark.slow
def test_schemathesis_finds_nothing_against_the_live_console(
    live_console: RunningConsole, token: str, tmp_path: Path
) -> None:
    run = subprocess.run(
        [
            str(ST),
            "run",
            f"{live_console.url}/api/v1/openapi.json",
            "--header",
            f"Authorization: Bearer {token}",
            "--checks",
            "all",
            "--max-examples",
            str(MAX_EXAMPLES),
            "--seed",
            str(SEED),
            "--workers",
            "2",
            "--request-timeout",
            "30",
            "--no-color",
        ],
        cwd=tmp_path,  # (where it keeps its cache)
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = run.stdout + run.stderr
    assert run.returncode == 0, report[-20000:]
    assert "Operations:       16 selected / 16 total" in report  # every operation was run
    assert "No issues found" in report


def test_the_answers_with_data_keep_to_the_document(
    live_console: RunningConsole, token: str
) -> None:
    """What random registration numbers rarely reach, each answer validated against the
    document by schemathesis: a real case, a flag set and cleared, a full page with its Link
    header, the health detail."""
    auth = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_url(
        f"{live_console.url}/api/v1/openapi.json", headers=auth, timeout=30
    )
    base = live_console.url
    reg_no = known_cases(live_console, unflagged=True)[0]
    detail = schema["/api/v1/cases/{reg_no}"]["GET"].Case(path_parameters={"reg_no": reg_no})
    assert detail.call_and_validate(base_url=base, headers=auth).status_code == 200
    flag = schema["/api/v1/cases/{reg_no}/flags"]["POST"].Case(
        path_parameters={"reg_no": reg_no}, body={"comment": "  Look again  "}
    )
    created = flag.call_and_validate(base_url=base, headers=auth)
    assert created.status_code == 201 and created.json()["comment"] == "Look again"
    clear = schema["/api/v1/cases/{reg_no}/flags/{flag_id}"]["DELETE"].Case(
        path_parameters={"reg_no": reg_no, "flag_id": created.json()["id"]},
        body={"comment": "Explained"},
    )
    assert clear.call_and_validate(base_url=base, headers=auth).status_code == 200
    page = schema["/api/v1/cases"]["GET"].Case(query={"limit": 2, "status": "overdue"})
    answer = page.call_and_validate(base_url=base, headers=auth)
    assert answer.status_code == 200 and 'rel="next"' in answer.headers["link"][0]
    health = schema["/healthz/detail"]["GET"].Case()
    assert health.call_and_validate(base_url=base, headers=auth).json()["consumer"] is not None
