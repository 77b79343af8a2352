"""Web servers for the push-vs-polling benchmark, each in its own process and counting the SQL
statements it runs (an SQLAlchemy event on its engine; the counts are written to a file):

    python -m benchmarks.servers kup --port P --stats FILE      # the console, one process
    python -m benchmarks.servers polling --port P --stats FILE  # the page a team would build

The polling page is what one would otherwise write with Dash: a `dcc.Interval` firing every
second and a callback that re-queries what the live page shows (the newest registrations, the
counters, the map's recent points) and re-renders the feed. Settings come from the environment
(DATABASE_URL, REDIS_URL, KUP_SECRET_KEY ...), as for `kup-console serve`.
"""

from __future__ import annotations

import argparse
import json
import re
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, event

from console.config import load_settings
from console.runtime import Services, stop_on_signals
from data.db import make_engine

POLL_MS = 1000


TABLE_OF = re.compile(r"\b(?:FROM|INTO|UPDATE)\s+\"?(\w+)", re.IGNORECASE)


def count_statements(engine: Engine, stats: Path, stop: threading.Event) -> None:
    """Count the statements (not BEGIN/COMMIT) the engine runs, in all and by the first table
    each names; write them (JSON: total, tables) every 0.2 s."""
    tables: Counter[str] = Counter()
    lock = threading.Lock()

    @event.listens_for(engine, "before_cursor_execute")
    def _count(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        if statement.lstrip()[:6].upper() in ("SELECT", "INSERT", "UPDATE", "DELETE"):
            found = TABLE_OF.search(statement)
            with lock:
                tables[found.group(1) if found else "?"] += 1

    def write() -> None:
        while not stop.wait(0.2):
            with lock:
                counts = dict(tables)
            tmp = stats.with_suffix(".tmp")
            tmp.write_text(json.dumps({"total": sum(counts.values()), "tables": counts}))
            tmp.replace(stats)

    threading.Thread(target=write, daemon=True).start()


def polling_app(engine: Engine):  # type: ignore[no-untyped-def]
    """The alternative: the live page's feed, counters and map points, re-queried every second
    by a `dcc.Interval` (the same queries and the same component builders as kup-console's
    page; only the trigger differs)."""

    import dash
    from dash import Input, Output, dcc, html

    from callbacks.live import FEED_SIZE, POINT_HOURS
    from components.i18n import DEFAULT_LANG
    from components.live import feed, new_count, status_strip
    from components.live_map import DEFAULT_MEASURE, map_patch
    from data import live_page
    from data.db import make_sessionmaker
    from data.queries import CaseFilter

    sessions = make_sessionmaker(engine)
    settings = load_settings()
    due_soon, tz = settings.due_soon, settings.zone
    app = dash.Dash(__name__, serve_locally=True, update_title=None)
    app.layout = html.Div(
        [
            dcc.Interval(id="tick", interval=POLL_MS),
            html.Div(id="counters"),
            html.Div(id="fresh"),
            html.Div(id="feed"),
            dcc.Graph(id="map"),
        ]
    )
    opened = datetime.now(UTC)

    @app.callback(
        Output("feed", "children"),
        Output("fresh", "children"),
        Output("counters", "children"),
        Input("tick", "n_intervals"),
    )
    def refresh_feed(_n: int | None):  # type: ignore[no-untyped-def]
        now, flt = datetime.now(UTC), CaseFilter()
        with sessions() as session:
            rows = live_page.recent_registrations(session, flt, FEED_SIZE)
            fresh = live_page.registered_since(session, flt, opened)
            counts = live_page.status_counts(session, flt, now, due_soon)
        return (
            feed(rows, DEFAULT_LANG, tz),
            new_count(fresh, DEFAULT_LANG),
            status_strip(counts, DEFAULT_LANG),
        )

    @app.callback(Output("map", "figure"), Input("tick", "n_intervals"))
    def refresh_points(_n: int | None):  # type: ignore[no-untyped-def]
        now = datetime.now(UTC)
        with sessions() as session:
            points = live_page.recent_points(session, CaseFilter(), now, POINT_HOURS)
        return map_patch(None, points, DEFAULT_MEASURE, DEFAULT_LANG, tz)

    return app


def warm_up_orjson() -> None:
    """Work around orjson 3.8's race (ijl/orjson#369): the first OPT_SERIALIZE_NUMPY calls made
    at the same time by several threads kill the process with SIGILL, and Dash serialises every
    callback response that way (through plotly) when orjson is installed. One call from the main
    thread first makes the later ones safe (`kup-console serve` does the same for its app)."""
    try:
        import orjson
    except ImportError:
        return
    orjson.dumps(object(), option=orjson.OPT_SERIALIZE_NUMPY, default=lambda _: None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.servers")
    parser.add_argument("app", choices=["kup", "polling"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--stats", type=Path, required=True)
    args = parser.parse_args(argv)
    warm_up_orjson()
    settings = load_settings()
    engine = make_engine(settings.effective_database_url)
    stop = threading.Event()
    stop_on_signals(stop)
    count_statements(engine, args.stats, stop)
    if args.app == "kup":
        from console.web.server import serve

        # one process (as `serve --workers 0`): its statements are counted on this engine
        serve(Services(settings, engine=engine), port=args.port, stop=stop)
        return 0
    from werkzeug.serving import make_server

    app = polling_app(engine)
    httpd = make_server("127.0.0.1", args.port, app.server, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    while not stop.wait(0.5):
        pass
    httpd.shutdown()
    time.sleep(0.1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
