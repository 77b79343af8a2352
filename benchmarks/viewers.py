"""Viewers: the production server (`kup-console serve`: gunicorn workers, one per CPU) against
the single threaded process it replaced (`kup-console serve --workers 0`: werkzeug's threaded
server, as the demo serves), in the same run, on the same store and Redis: 200 Socket.IO
viewers receiving pushes (fan-out latency), then 50 API clients at once while those viewers
stay connected (requests/s, latency), and each of the API's requests alone.

Clients are python-socketio / requests clients logged in with an API token; the console runs as
real processes (`kup-console ingest`, `kup-console serve`).
"""

from __future__ import annotations

import os
import random
import resource
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field

import requests

from benchmarks.common import (
    Table,
    peak_rss_mb,
    percentile,
    process_tree,
    run_alone,
    tree_cpu_seconds,
)
from benchmarks.run import load_average
from benchmarks.stack import Stack, WebServer, api_session, console_stack, push_client, web_server
from console.config import load_settings
from tests.support.sockets import child_pids, connection_owners, local_port

FANOUT_P99_MS = 1000.0
SPEEDUP_TARGET = 4.0  # the production server's requests/s with 50 clients, × the single process
P95_TARGET_MS = 200.0
PATHS = {
    "overdue page": "/api/v1/cases?status=overdue&limit=50",
    "a case": "/api/v1/cases/{reg}",
    "workload": "/api/v1/workload",
}
SERVERS = {  # name -> --workers (None: the default, one per CPU)
    "single process (werkzeug)": 0,
    "production (gunicorn)": None,
}


class Listener:
    """One Socket.IO client noting when each registration's push arrived (epoch ms)."""

    def __init__(self, url: str, token: str) -> None:
        self.seen: dict[str, float] = {}
        self.client = push_client(url, token, self._changes)

    def _changes(self, data: dict) -> None:
        now = time.time() * 1000
        for item in (data or {}).get("registered") or []:
            self.seen.setdefault(item.get("reg_no"), now)

    def close(self) -> None:
        self.client.disconnect()


def connect(server: WebServer, token: str, clients: int) -> list[Listener]:
    with ThreadPoolExecutor(16) as pool:
        return list(pool.map(lambda _: Listener(server.url, token), range(clients)))


def close(listeners: list[Listener]) -> None:
    with ThreadPoolExecutor(max(len(listeners), 1)) as pool:  # seconds each: at once
        list(pool.map(lambda lst: lst.close(), listeners))


def spread(server: WebServer, listeners: list[Listener]) -> str:
    """How many of `listeners` each process of the server holds ("104 / 96")."""
    pids = child_pids(server.process.pid) or [server.process.pid]
    owners = connection_owners(server.port, pids)
    held = Counter(owners.get(local_port(lst.client)) for lst in listeners)
    return " / ".join(str(held[pid]) for pid in pids)


def fan_out(
    stack: Stack, listeners: list[Listener], rate: float, seconds: float, prefix: str
) -> tuple[list[float], int]:
    """XADD registrations at `rate` for `seconds`; every (client, registration) latency and
    how many deliveries were expected."""
    time.sleep(1.0)
    sent = stack.send_at_rate(prefix, rate, int(rate * seconds))
    deadline = time.time() + 10
    while time.time() < deadline and not all(all(r in lst.seen for r in sent) for lst in listeners):
        time.sleep(0.2)
    latencies = [lst.seen[r] - t for lst in listeners for r, t in sent.items() if r in lst.seen]
    return latencies, len(sent) * len(listeners)


@dataclass
class Load:
    """What `api_load` measured."""

    requests: int
    latencies: list[float]
    errors: int
    seconds: float
    server_cpu: float  # CPU seconds of the server's processes
    client_cpu: float  # CPU seconds of this process (the clients)
    load: str  # the load average at the end

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def api_load(
    stack: Stack,
    server: WebServer,
    clients: int,
    seconds: float,
    paths: list[str],
    reg_nos: list[str],
) -> Load:
    """`clients` threads requesting `paths` in turn, back to back, for `seconds`."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    cpu_before = tree_cpu_seconds(server.process.pid)
    mine_before = resource.getrusage(resource.RUSAGE_SELF)
    stop = time.perf_counter() + seconds

    def work(index: int) -> None:
        rng = random.Random(index)
        http = api_session(stack.token)
        mine = []
        failed = 0
        n = index
        while time.perf_counter() < stop:
            path = paths[n % len(paths)].format(reg=rng.choice(reg_nos))
            n += 1
            started = time.perf_counter()
            try:
                ok = http.get(server.url + path, timeout=60).status_code == 200
            except requests.RequestException:
                ok = False
            mine.append((time.perf_counter() - started) * 1000)
            failed += not ok
        with lock:
            latencies.extend(mine)
            errors[0] += failed
        http.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    mine_after = resource.getrusage(resource.RUSAGE_SELF)
    return Load(
        len(latencies),
        latencies,
        errors[0],
        seconds,
        tree_cpu_seconds(server.process.pid) - cpu_before,
        (mine_after.ru_utime + mine_after.ru_stime) - (mine_before.ru_utime + mine_before.ru_stime),
        load_average().removeprefix("load average "),
    )


def _sample_reg_nos(stack: Stack, server: WebServer) -> list[str]:
    http = api_session(stack.token)
    rows = http.get(f"{server.url}/api/v1/cases?limit=200", timeout=60).json()
    http.close()
    return [r["reg_no"] for r in rows] or ["KUP-000000"]


@dataclass
class ServerRun:
    """One server's figures."""

    name: str
    server: WebServer
    push: tuple[list[float], int] = ([], 0)
    spread: str = ""
    api: dict[int, list[Load]] = field(default_factory=dict)  # clients -> a Load per round
    alone: dict[str, Load] = field(default_factory=dict)
    rss_max: float = 0.0
    rss_sum: float = 0.0

    @property
    def processes(self) -> str:
        return "1" if self.server.workers is None else f"{self.server.workers} workers"

    def median(self, clients: int) -> Load:
        """The round of `clients` clients with the median requests/s."""
        rounds = sorted(self.api[clients], key=lambda load: load.rate)
        return rounds[len(rounds) // 2]


def viewers(
    stack: Stack, run: ServerRun, sockets: int, rate: float, seconds: float, prefix: str
) -> None:
    """`sockets` viewers of `run`'s server, receiving the pushes of registrations XADDed at
    `rate` for `seconds` (the other server idle)."""
    listeners = connect(run.server, stack.token, sockets)
    try:
        run.spread = spread(run.server, listeners)
        run.push = fan_out(stack, listeners, rate, seconds, prefix)
    finally:
        close(listeners)


def run(quick: bool = False) -> list[Table]:
    sockets = 40 if quick else 200
    api_clients = 10 if quick else 50
    seconds = 2.0 if quick else 12.0
    alone_seconds = 1.0 if quick else 8.0
    rounds = 1 if quick else 3
    rate = 2.0
    history = 2_000 if quick else 50_000
    labels = {name: f"web-{i}" for i, name in enumerate(SERVERS)}
    with console_stack(history, web=False) as stack:
        runs = []
        for name, workers in SERVERS.items():  # alone: its processes push (one leads)
            with web_server(stack, workers, name=labels[name]) as server:
                runs.append(ServerRun(name, server))
                viewers(stack, runs[-1], sockets, rate, seconds, f"FAN{len(runs)}X{sockets}")
        with ExitStack() as servers:  # both at once for the API, taking turns
            for r in runs:
                r.server = servers.enter_context(
                    web_server(stack, SERVERS[r.name], name=labels[r.name] + "-api")
                )
            _api_rounds(stack, runs, api_clients, seconds, alone_seconds, rounds)
    single, production = runs
    return [
        _push_table(runs, sockets, rate, seconds),
        _api_table(runs, api_clients, seconds, rounds, history),
        _alone_table(runs, api_clients, alone_seconds),
        _verdict(single, production, api_clients),
    ]


def _api_rounds(
    stack: Stack,
    runs: list[ServerRun],
    api_clients: int,
    seconds: float,
    alone_seconds: float,
    rounds: int,
) -> None:
    """The API load on each server: the mix with 1 and `api_clients` clients, `rounds` times,
    the servers in turn (the machine's other load falls on both alike); then each request
    alone. The servers' peak memory after that."""
    reg_nos = _sample_reg_nos(stack, runs[0].server)
    mix = list(PATHS.values())
    for _ in range(rounds):
        for clients in (1, api_clients):
            for r in runs:
                r.api.setdefault(clients, []).append(
                    api_load(stack, r.server, clients, seconds, mix, reg_nos)
                )
    for what, path in PATHS.items():
        for r in runs:
            r.alone[what] = api_load(stack, r.server, api_clients, alone_seconds, [path], reg_nos)
    for r in runs:
        rss = [peak_rss_mb(pid) for pid in process_tree(r.server.process.pid)]
        r.rss_max, r.rss_sum = max(rss), sum(rss)


def _push_table(runs: list[ServerRun], sockets: int, rate: float, seconds: float) -> Table:
    table = Table(
        f"Viewers: Socket.IO fan-out to {sockets} clients, {rate:.0f} registrations/s for "
        f"{seconds:.0f} s (XADD → push received), ms",
        [
            "server",
            "processes",
            "clients per process",
            "received",
            "p50",
            "p95",
            "p99",
            "p99 × single",
        ],
    )
    base = None
    for r in runs:
        latencies, expected = r.push
        p99 = percentile(latencies, 99)
        base = base or p99
        table.add(
            r.name,
            r.processes,
            r.spread,
            f"{len(latencies):,}/{expected:,}",
            percentile(latencies, 50),
            percentile(latencies, 95),
            p99,
            p99 / base,
        )
    table.notes.append(
        f"target: fan-out p99 ≤ {FANOUT_P99_MS:.0f} ms with {sockets} clients; the workers "
        "share pushes through Socket.IO's Redis message queue (one of them, the elected leader, "
        "reads ingest's announcements); WebSocket only, so each client stays with the worker "
        "that accepted it (clients per process: the kernel's choice)"
    )
    table.notes.append(
        "pushes are coalesced by the server (at most one per room every "
        f"{load_settings().push_interval_ms} ms; what follows a quiet interval goes out at once)"
    )
    return table


def _api_table(
    runs: list[ServerRun], api_clients: int, seconds: float, rounds: int, history: int
) -> Table:
    table = Table(
        f"Viewers: API clients for {seconds:.0f} s (overdue page, a case, the workload in turn)",
        [
            "server",
            "processes",
            "clients",
            "requests/s",
            "p50 ms",
            "p95 ms",
            "errors",
            "server CPU %",
            "clients' CPU %",
            "load avg",
            "requests/s × single",
        ],
    )
    for r in runs:
        for clients in r.api:
            load = r.median(clients)
            table.add(
                r.name,
                r.processes,
                clients,
                load.rate,
                percentile(load.latencies, 50),
                percentile(load.latencies, 95),
                load.errors,
                100 * load.server_cpu / load.seconds,
                100 * load.client_cpu / load.seconds,
                load.load,
                load.rate / runs[0].median(clients).rate,
            )
    if rounds > 1:
        table.notes.append(
            f"{rounds} rounds, the servers in turn (the machine's other load falls on both); "
            "each row is the median round by requests/s, of: "
            + "; ".join(
                f"{r.name} {clients} clients "
                + ", ".join(f"{load.rate:.1f}" for load in r.api[clients])
                for r in runs
                for clients in r.api
            )
        )
    table.notes.append(
        f"store: {history:,} seeded cases (SQLite); server CPU: its processes together "
        f"({os.cpu_count()} CPUs = {100 * (os.cpu_count() or 1)} %); the clients run on the "
        "same machine"
    )
    table.notes.append(
        "peak RSS: "
        + "; ".join(
            f"{r.name} {r.rss_max:.0f} MB per process, {r.rss_sum:.0f} MB in all" for r in runs
        )
    )
    return table


def _alone_table(runs: list[ServerRun], api_clients: int, seconds: float) -> Table:
    table = Table(
        f"Viewers: each API request alone, {api_clients} clients for {seconds:.0f} s",
        [
            "request",
            "server",
            "requests/s",
            "p50 ms",
            "p95 ms",
            "server CPU ms per request",
            "requests/s × single",
        ],
    )
    for what in PATHS:
        base = runs[0].alone[what].rate
        for r in runs:
            load = r.alone[what]
            table.add(
                what,
                r.name,
                load.rate,
                percentile(load.latencies, 50),
                percentile(load.latencies, 95),
                1000 * load.server_cpu / max(load.requests, 1),
                load.rate / base,
            )
    return table


def _verdict(single: ServerRun, production: ServerRun, api_clients: int) -> Table:
    table = Table(
        f"Viewers: production server against the targets ({api_clients} API clients)",
        ["figure", "single process", "production", "target", "met"],
    )
    one, many = single.median(api_clients), production.median(api_clients)
    speedup = many.rate / one.rate
    p95 = percentile(many.latencies, 95)
    table.add(
        "requests/s",
        one.rate,
        many.rate,
        f"≥ {SPEEDUP_TARGET:g} × single",
        "yes" if speedup >= SPEEDUP_TARGET else "NO",
    )
    table.add(
        "p95 ms",
        percentile(one.latencies, 95),
        p95,
        f"≤ {P95_TARGET_MS:.0f}",
        "yes" if p95 <= P95_TARGET_MS else "NO",
    )
    table.notes.append(f"speed-up {speedup:.2f} ×; load average at the end: {many.load}")
    return table


if __name__ == "__main__":
    run_alone(run)
