"""`/healthz` (the status word for anyone: 200 ok/degraded, 503 down), `/healthz/detail` and
`/metrics` (a monitor's or an admin's only; Prometheus text, per-app registry)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from prometheus_client.parser import text_string_to_metric_families

from console.runtime import ingest_worker
from data import streams, users
from tests.support import events as ev
from tests.support.servers import RedisServer
from tests.support.stores import new_case


def bearer(web, username: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The Authorization header of a new API token of `username`."""
    with web.state.writer.begin() as s:
        return {"Authorization": f"Bearer {users.issue_token(s, username)}"}


def detail(web) -> dict:  # type: ignore[no-untyped-def, type-arg]
    """/healthz/detail as the test monitor reads it (any status)."""
    return (
        web.server.test_client().get("/healthz/detail", headers=bearer(web, "monitor")).get_json()
    )


def metrics_text(web) -> str:  # type: ignore[no-untyped-def]
    response = web.server.test_client().get("/metrics", headers=bearer(web, "monitor"))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_public_healthz_says_only_the_status_word(web, engine, redis_client) -> None:  # type: ignore[no-untyped-def]
    settings = web.state.settings
    worker = ingest_worker(settings, engine, settings.redis_url)
    streams.append_events(
        redis_client, settings.stream, [ev.registered(ev.next_reg_no(), datetime.now(UTC))]
    )
    for _ in range(3):
        worker.step()  # a consumer group, a consumer, a stored event: all of it in the detail
    response = web.server.test_client().get("/healthz")  # no login
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    text = response.get_data(as_text=True)
    for secret in (settings.group, settings.stream, settings.consumer, "127.0.0.1", "redis"):
        assert secret not in text


def test_detail_reports_redis_database_consumer_and_ingest(web, engine, redis_client) -> None:  # type: ignore[no-untyped-def]
    settings = web.state.settings
    streams.append_events(
        redis_client, settings.stream, [ev.registered(ev.next_reg_no(), datetime.now(UTC))]
    )
    worker = ingest_worker(settings, engine, settings.redis_url)
    for _ in range(3):
        worker.step()
    streams.append_events(
        redis_client, settings.stream, [ev.registered(ev.next_reg_no(), datetime.now(UTC))]
    )  # not yet read: lag 1
    response = web.server.test_client().get("/healthz/detail", headers=bearer(web, "monitor"))
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["reasons"] == []
    assert body["redis"]["ok"] and body["database"]["ok"] and body["redis"]["error"] is None
    assert body["consumer"]["group"] == settings.group
    assert body["consumer"]["lag"] == 1 and body["consumer"]["pending"] == 0
    assert body["last_ingest_at"].endswith("+06:00") and body["last_ingest_age_s"] >= 0
    assert body["gaps"] == [] and body["freshness"]["stale"] is False


@pytest.mark.parametrize("path", ["/healthz/detail", "/metrics"])
def test_detail_and_metrics_need_a_monitor_or_an_admin(web, client_for, path) -> None:  # type: ignore[no-untyped-def]
    anonymous = web.server.test_client()
    refused = anonymous.get(path)
    assert refused.status_code == 401 and refused.get_json() == {"error": "login required"}
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    for role_user in ("duty", "manager", "prosecutor"):
        by_token = anonymous.get(path, headers=bearer(web, role_user))
        assert by_token.status_code == 403 and "monitor" in by_token.get_json()["error"]
    assert anonymous.get(path, headers=bearer(web, "monitor")).status_code == 200
    assert anonymous.get(path, headers=bearer(web, "admin")).status_code == 200
    assert client_for("admin").get(path).status_code == 200  # an admin's session too
    assert client_for("manager").get(path).status_code == 403


def test_probes_may_use_plain_http_with_a_token(make_web, web_settings, engine) -> None:  # type: ignore[no-untyped-def]
    from tests.support.users import add_test_users

    web = make_web(settings=web_settings.with_overrides(https=True))
    add_test_users(engine, ["monitor"])
    client = web.server.test_client()
    assert client.get("/api/v1/workload").status_code == 302  # http -> https
    monitor = bearer(web, "monitor")
    for path in ("/healthz", "/healthz/detail", "/metrics"):
        assert client.get(path, headers=monitor).status_code == 200, path


def test_down_when_redis_is_down(make_web, web_settings, engine) -> None:  # type: ignore[no-untyped-def]
    from tests.support.users import add_test_users

    private = RedisServer().start()
    try:
        web = make_web(
            settings=web_settings.with_overrides(redis_url=private.url), message_queue=False
        )
        add_test_users(engine, ["monitor"])
        client = web.server.test_client()
        assert client.get("/healthz").status_code == 200
        private.stop()
        response = client.get("/healthz")
        assert response.status_code == 503 and response.get_json() == {"status": "down"}
        response = client.get("/healthz/detail", headers=bearer(web, "monitor"))
        assert response.status_code == 503
        body = response.get_json()
        # (and stale: the data's freshness cannot be known without Redis)
        assert body["status"] == "down" and body["reasons"] == ["redis_down", "stale"]
        assert body["redis"] == {"ok": False, "ms": None, "error": "ConnectionError"}
        assert body["database"]["ok"] is True and body["consumer"] is None
    finally:
        private.close()


def test_down_when_the_database_is_down(make_web, web_settings, redis_server) -> None:  # type: ignore[no-untyped-def]
    from data.db import make_engine

    broken = make_engine("postgresql+psycopg2://postgres@127.0.0.1:1/none")
    web = make_web(settings=web_settings)
    web.state.sessions.configure(bind=broken)
    response = web.server.test_client().get("/healthz")
    assert response.status_code == 503 and response.get_json() == {"status": "down"}
    broken.dispose()


def test_with_the_database_down_the_token_routes_answer_503_not_500(  # type: ignore[no-untyped-def]
    make_web, web_settings, engine, caplog
) -> None:
    """A token is checked in the database: while it is down, the detail and the metrics (and
    the API) answer a clear 503; the public word says down."""
    from data.db import make_engine
    from tests.support.users import add_test_users

    web = make_web(settings=web_settings)
    add_test_users(engine, ["monitor"])
    token = bearer(web, "monitor")
    broken = make_engine("postgresql+psycopg2://postgres@127.0.0.1:1/none")
    web.state.sessions.configure(bind=broken)
    client = web.server.test_client()
    for path in ("/healthz/detail", "/metrics", "/api/v1/workload"):
        response = client.get(path, headers=token)
        assert response.status_code == 503, path
        assert response.get_json() == {"error": "the database did not answer; try again later"}
    assert client.get("/healthz").status_code == 503
    assert not [r for r in caplog.records if r.levelname == "ERROR"]  # no traceback
    broken.dispose()


def test_metrics_text(web, engine) -> None:  # type: ignore[no-untyped-def]
    new_case(engine)
    web.state.metrics.push_latency.observe(0.2)
    response = web.server.test_client().get("/metrics", headers=bearer(web, "monitor"))
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(response.get_data(as_text=True))}
    for name in (
        "kup_events_ingested",
        "kup_dead_letters",
        "kup_cases_open",
        "kup_cases_overdue",
        "kup_cases_due_soon",
        "kup_push_latency_seconds",
        "kup_redis_up",
        "kup_database_up",
        "kup_push_emits",
    ):
        assert name in families, name
    assert families["kup_events_ingested"].samples[0].value == 1
    assert [(s.labels, s.value) for s in families["kup_cases_open"].samples] == [
        ({"region": "KG-GB"}, 1.0)
    ]
    latency = {
        s.name: s.value
        for s in families["kup_push_latency_seconds"].samples
        if not s.labels.get("le")
    }
    assert latency["kup_push_latency_seconds_count"] == 1


def test_each_app_has_its_own_registry(make_web, web) -> None:  # type: ignore[no-untyped-def]
    other = make_web()
    web.state.metrics.push_latency.observe(1.0)
    assert other.state.metrics.registry.get_sample_value("kup_push_latency_seconds_count") == 0
    assert web.state.metrics.registry.get_sample_value("kup_push_latency_seconds_count") == 1


def _metric(text: str, name: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                return sample.value
    raise AssertionError(f"{name} not in /metrics")


def test_a_gap_in_the_stream_degrades_the_health(web, engine, redis_client) -> None:  # type: ignore[no-untyped-def]
    settings = web.state.settings
    worker = ingest_worker(settings, engine, settings.redis_url)
    now = datetime.now(UTC)
    streams.append_events(redis_client, settings.stream, [ev.registered(ev.next_reg_no(), now)])
    for _ in range(3):
        worker.step()  # reads the first entry
    streams.append_events(
        redis_client, settings.stream, [ev.registered(ev.next_reg_no(), now) for _ in range(20)]
    )
    redis_client.xtrim(settings.stream, maxlen=5, approximate=False)  # 15 unread entries gone
    for _ in range(3):
        worker.step()
    public = web.server.test_client().get("/healthz")
    assert public.status_code == 200 and public.get_json() == {"status": "degraded"}
    body = detail(web)
    assert body["status"] == "degraded" and body["reasons"] == ["data_lost"]
    assert [g["kind"] for g in body["gaps"]] == ["trimmed"]
    gap = body["gaps"][0]
    # 15 entries lost: counted where Redis can count them (7+), unknown where it cannot (6.2)
    assert (gap["count"], gap["count_exact"]) in ((15, True), (None, False)) and gap["since"]
    assert _metric(metrics_text(web), "kup_stream_gaps") == 1


def test_stale_data_degrades_the_health(web, engine, redis_client) -> None:  # type: ignore[no-untyped-def]
    settings = web.state.settings
    streams.ensure_group(redis_client, settings.stream, settings.group)
    five_minutes_ago = int(datetime.now(UTC).timestamp() * 1000) - 300_000
    redis_client.xadd(
        settings.stream,
        ev.registered(ev.next_reg_no(), datetime.now(UTC)),
        id=f"{five_minutes_ago}-0",
    )  # written 5 minutes ago, ingest stopped
    assert web.server.test_client().get("/healthz").get_json() == {"status": "degraded"}
    body = detail(web)
    assert body["status"] == "degraded" and body["reasons"] == ["stale"]
    assert body["freshness"]["stale"] is True
    assert body["freshness"]["behind_s"] >= 290 and body["freshness"]["lag"] == 1
    metrics = metrics_text(web)
    assert _metric(metrics, "kup_ingest_stale") == 1
    assert _metric(metrics, "kup_ingest_behind_seconds") >= 290
