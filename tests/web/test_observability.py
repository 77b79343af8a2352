"""`/healthz` (200, and 503 with Redis down) and `/metrics` (Prometheus text, per-app registry)."""

from __future__ import annotations

from datetime import UTC, datetime

from prometheus_client.parser import text_string_to_metric_families

from console.runtime import ingest_worker
from data import streams
from tests.support import events as ev
from tests.support.servers import RedisServer
from tests.support.stores import new_case


def test_healthz_reports_redis_database_consumer_and_ingest(web, engine, redis_client) -> None:  # type: ignore[no-untyped-def]
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
    response = web.server.test_client().get("/healthz")  # no login needed
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["redis"]["ok"] and body["database"]["ok"]
    assert body["consumer"]["lag"] == 1 and body["consumer"]["pending"] == 0
    assert body["last_ingest_at"].endswith("+06:00") and body["last_ingest_age_s"] >= 0
    assert "error" not in body["redis"]


def test_healthz_503_when_redis_is_down(make_web, web_settings) -> None:  # type: ignore[no-untyped-def]
    private = RedisServer().start()
    try:
        web = make_web(
            settings=web_settings.with_overrides(redis_url=private.url), message_queue=False
        )
        client = web.server.test_client()
        assert client.get("/healthz").status_code == 200
        private.stop()
        response = client.get("/healthz")
        assert response.status_code == 503
        body = response.get_json()
        assert body["status"] == "down" and body["redis"] == {
            "ok": False,
            "error": "ConnectionError",
        }
        assert body["database"]["ok"] is True
    finally:
        private.close()


def test_healthz_503_when_the_database_is_down(make_web, web_settings) -> None:  # type: ignore[no-untyped-def]
    from data.db import make_engine

    broken = make_engine("postgresql+psycopg2://postgres@127.0.0.1:1/none")
    web = make_web(settings=web_settings)
    web.state.sessions.configure(bind=broken)
    response = web.server.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == {"ok": False, "error": "OperationalError"}
    broken.dispose()


def test_metrics_text(web, engine) -> None:  # type: ignore[no-untyped-def]
    new_case(engine)
    web.state.metrics.push_latency.observe(0.2)
    response = web.server.test_client().get("/metrics")
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


def test_a_gap_in_the_stream_shows_in_healthz_and_metrics(web, engine, redis_client) -> None:  # type: ignore[no-untyped-def]
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
    client = web.server.test_client()
    body = client.get("/healthz").get_json()
    assert body["status"] == "data_lost"
    assert [g["kind"] for g in body["gaps"]] == ["trimmed"]
    gap = body["gaps"][0]
    # 15 entries lost: counted where Redis can count them (7+), unknown where it cannot (6.2)
    assert (gap["count"], gap["count_exact"]) in ((15, True), (None, False)) and gap["since"]
    metrics = client.get("/metrics").get_data(as_text=True)
    assert _metric(metrics, "kup_stream_gaps") == 1


def test_stale_data_shows_in_healthz_and_metrics(web, engine, redis_client) -> None:  # type: ignore[no-untyped-def]
    settings = web.state.settings
    streams.ensure_group(redis_client, settings.stream, settings.group)
    five_minutes_ago = int(datetime.now(UTC).timestamp() * 1000) - 300_000
    redis_client.xadd(
        settings.stream,
        ev.registered(ev.next_reg_no(), datetime.now(UTC)),
        id=f"{five_minutes_ago}-0",
    )  # written 5 minutes ago, ingest stopped
    client = web.server.test_client()
    body = client.get("/healthz").get_json()
    assert body["status"] == "stale" and body["freshness"]["stale"] is True
    assert body["freshness"]["behind_s"] >= 290 and body["freshness"]["lag"] == 1
    metrics = client.get("/metrics").get_data(as_text=True)
    assert _metric(metrics, "kup_ingest_stale") == 1
    assert _metric(metrics, "kup_ingest_behind_seconds") >= 290
