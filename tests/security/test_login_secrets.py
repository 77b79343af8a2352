"""Login refusals that tell nothing, passwords and API tokens stored only as salted hashes, and
no secret or personal data in the logs of the real processes (`kup-console -v serve`, i.e.
debug logging, and `kup-console ingest`) through a failed and a successful login, a
registration with a summary and an address, a malformed entry, a flag set and cleared,
exports (API and page), a case view by API token, health and metrics."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlalchemy import Engine, MetaData, func, select
from werkzeug.security import check_password_hash

from components import ids
from console.web.app import WebApp
from data import login_throttle, streams, users
from data.db import make_sessionmaker, writer_engine
from data.models import AuditEntry, Case, DeadLetter, User
from tests.soak.stack import (
    SECRET_KEY,
    ServeProcess,
    csrf_headers,
    ingest_process,
    login_session,
    sqlite_store,
)
from tests.support import events as ev
from tests.support.processes import scratch_dir, wait_until
from tests.support.users import PASSWORD
from tests.support.web import login

CSRF_FIELD = re.compile(r'name="csrf_token" value="[^"]+"')


def test_refusals_do_not_tell_accounts_apart(console: WebApp) -> None:
    """Unknown user, wrong password, disabled account: the same answer. A name made to wait by
    its failed logins waits alike, account or not: the same answer again."""
    with console.state.writer.begin() as s:
        users.set_disabled(s, "duty", True)
    answers = {
        case: login(console.server.test_client(), name, password)
        for case, (name, password) in {
            "unknown": ("ghost", PASSWORD),
            "wrong password": ("admin", "nope nope"),
            "disabled": ("duty", PASSWORD),
        }.items()
    }
    bodies = {case: CSRF_FIELD.sub("", r.get_data(as_text=True)) for case, r in answers.items()}
    assert {r.status_code for r in answers.values()} == {401}
    assert len(set(bodies.values())) == 1, bodies.keys()

    waiting = {}
    for name in ("manager", "nobody-at-all"):  # an account, and a name that is none
        client = console.server.test_client()
        for _ in range(login_throttle.PAIR_FREE):
            assert login(client, name, "not the password").status_code == 401
        waiting[name] = login(client, name, PASSWORD)
    assert {r.status_code for r in waiting.values()} == {429}
    assert len({CSRF_FIELD.sub("", r.get_data(as_text=True)) for r in waiting.values()}) == 1
    assert {r.headers["Retry-After"] for r in waiting.values()} == {"1"}

    with console.state.sessions() as s:  # the reason is kept for the audit, not shown
        reasons = [
            re.search(r'"reason":"(\w+)"', a.detail).group(1)  # type: ignore[union-attr]
            for a in s.scalars(
                select(AuditEntry)
                .where(AuditEntry.action == "login_failed")
                .order_by(AuditEntry.id)
            )
        ]
    assert reasons[:3] == ["unknown", "bad_password", "disabled"]
    assert reasons[-1] == "throttled"


def _every_stored_text(engine: Engine) -> str:
    """Every row of every table of the store, as text."""
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as conn:
        return "\n".join(
            repr(tuple(row))
            for table in metadata.sorted_tables
            # the contentless full-text table keeps no text of its own and cannot be scanned;
            # its shadow tables (cases_fts_data, ...), which hold the index, are read
            if table.name != "cases_fts"
            for row in conn.execute(table.select())
        )


def test_passwords_and_tokens_are_stored_only_as_salted_hashes(
    console: WebApp, engine: Engine
) -> None:
    secret = "Same-Password-For-Both-0042"
    with make_sessionmaker(writer_engine(engine)).begin() as s:
        users.add_user(s, "twin-a", secret, "duty")
        users.add_user(s, "twin-b", secret, "duty")
        token = users.issue_token(s, "twin-a")
    client = console.server.test_client()
    assert login(client, "twin-a", secret).status_code == 302
    assert login(console.server.test_client(), "twin-b", secret + "x").status_code == 401
    assert (
        client.get("/api/v1/workload", headers={"Authorization": f"Bearer {token}"}).status_code
        == 200
    )
    with console.state.sessions() as s:
        stored = dict(
            s.execute(
                select(User.username, User.password_hash).where(
                    User.username.in_(["twin-a", "twin-b"])
                )
            ).all()
        )
        token_hash = s.scalar(select(User.token_hash).where(User.username == "twin-a"))
    for digest in stored.values():
        method, salt, value = digest.split("$")
        name, *params = method.split(":")
        assert name == "scrypt" and int(params[0]) >= 2**15  # a memory-hard KDF, N >= 32768
        assert len(salt) >= 16 and len(value) >= 64
        assert check_password_hash(digest, secret)
    assert stored["twin-a"] != stored["twin-b"]  # salted: the same password, two hashes
    assert token_hash is not None and token not in token_hash and len(token_hash) == 64
    everything = _every_stored_text(engine)
    assert secret not in everything and token not in everything
    assert token[len(users.TOKEN_PREFIX) :][:20] not in everything


@pytest.mark.slow
def test_no_secret_or_personal_data_in_the_logs(redis_server) -> None:  # type: ignore[no-untyped-def]
    folder = scratch_dir("kup-logs-")
    stream = f"kup:logs:{uuid.uuid4().hex[:8]}"
    db_url, engine = sqlite_store(folder)
    marks = {
        "summary": "SUMMARY-PII-31337 Иванов",
        "address": "ADDRESS-PII-31337 ул. Чуй",
        "officer": "OFFICER-PII-31337",
        "comment": "COMMENT-PII-31337",
        "bad": "DEADLETTER-PII-31337",
        "wrong password": "WRONG-PASSWORD-31337",
    }
    with make_sessionmaker(writer_engine(engine)).begin() as s:
        token = users.issue_token(s, "manager")
    ingest = ingest_process(db_url, redis_server.url, stream).start()
    web = ServeProcess(
        db_url=db_url, redis_url=redis_server.url, stream=stream, workdir=folder, verbose=True
    )
    client = streams.connect(redis_server.url)
    secrets: list[str] = []
    try:
        web.start()
        anon = requests.Session()
        form = anon.get(f"{web.url}/login", timeout=10).text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
        assert (
            anon.post(
                f"{web.url}/login",
                timeout=10,
                allow_redirects=False,
                data={
                    "username": "prosecutor",
                    "password": marks["wrong password"],
                    "csrf_token": csrf,
                },
            ).status_code
            == 401
        )
        http = login_session(web.url, "prosecutor")
        secrets += [http.cookies["kup_session"], http.cookies["_csrf_token"], csrf]

        reg_no = ev.next_reg_no(ev.BISHKEK)
        now = datetime.now(UTC)
        streams.append_events(
            client,
            stream,
            [
                ev.registered(
                    reg_no,
                    now - timedelta(days=6),
                    summary=marks["summary"],
                    address=marks["address"],
                ),
                ev.assigned(
                    reg_no,
                    now - timedelta(days=5),
                    unit="OVD-Pervomaisky",
                    officer=marks["officer"],
                ),
                ev.registered(
                    ev.next_reg_no(ev.BISHKEK), now, category="arson", summary=marks["bad"]
                ),
                ev.registered(ev.next_reg_no(ev.BISHKEK), now, summary=marks["bad"] * 80),
            ],
        )
        sessions = make_sessionmaker(engine)

        def stored() -> bool:
            with sessions() as session:
                return (
                    session.get(Case, reg_no) is not None
                    and session.scalar(select(func.count()).select_from(DeadLetter)) == 2
                )

        wait_until(stored, "the case stored and the malformed entries dead-lettered", 30)
        flag = http.post(
            f"{web.url}/api/v1/cases/{reg_no}/flags",
            timeout=10,
            json={"comment": marks["comment"]},
            headers=csrf_headers(http),
        )
        assert flag.status_code == 201
        assert (
            http.delete(
                f"{web.url}/api/v1/cases/{reg_no}/flags/{flag.json()['id']}",
                timeout=10,
                json={"comment": marks["comment"]},
                headers=csrf_headers(http),
            ).status_code
            == 200
        )
        assert reg_no in http.get(f"{web.url}/api/v1/cases?status=overdue", timeout=10).text
        bearer = {"Authorization": f"Bearer {token}"}
        assert (
            http.get(f"{web.url}/api/v1/cases/{reg_no}", headers=bearer, timeout=10).status_code
            == 200
        )
        deps = http.get(f"{web.url}/_dash-dependencies", timeout=10).json()
        export = next(d for d in deps if d["output"] == f"{ids.OVERDUE_DOWNLOAD}.data")
        body = {
            "output": export["output"],
            "outputs": {"id": ids.OVERDUE_DOWNLOAD, "property": "data"},
            "inputs": [{**i, "value": 1} for i in export["inputs"]],
            "state": [
                {**i, "value": "overdue" if i["id"] == ids.OVERDUE_TABS else None}
                for i in export["state"]
            ],
            "changedPropIds": [f"{ids.OVERDUE_EXPORT_CSV}.n_clicks"],
        }
        csv = http.post(
            f"{web.url}/_dash-update-component", json=body, timeout=30, headers=csrf_headers(http)
        )
        assert (
            csv.status_code == 200
            and reg_no in csv.json()["response"][ids.OVERDUE_DOWNLOAD]["data"]["content"]
        )
        admin = login_session(web.url, "admin")
        monitoring = (
            admin.get(f"{web.url}/metrics", timeout=10).text
            + admin.get(f"{web.url}/healthz/detail", timeout=10).text
            + requests.get(f"{web.url}/healthz", timeout=10).text
        )
    finally:
        web.close()
        ingest.close()
        client.close()
        engine.dispose()
    logs = {"serve": web.log(), "ingest": ingest.log()}
    # Debug logging was on (every request line is logged): the most a log could hold.
    assert "login refused" in logs["serve"] and "POST /login HTTP/1.1" in logs["serve"]
    forbidden = {
        **marks,
        "password": PASSWORD,
        "token": token,
        "secret key": SECRET_KEY,
        **{f"cookie {n}": v for n, v in enumerate(secrets)},
        "token digest": users.token_digest(token),
    }
    for where, text in {**logs, "metrics and health": monitoring}.items():
        found = [name for name, value in forbidden.items() if value and value in text]
        assert found == [], f"{where} holds {found}"
