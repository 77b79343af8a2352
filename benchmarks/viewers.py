"""Viewers: many Socket.IO clients receiving pushes (fan-out latency, one web process and two
sharing Socket.IO through the Redis message queue), and many API clients at once (requests/s,
latency) — each against one client alone, measured in the same run.

Clients are python-socketio / requests clients logged in with an API token; the console runs as
real processes (`kup-console ingest`, `kup-console serve`).
"""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from benchmarks.common import Table, percentile, run_alone
from benchmarks.stack import Stack, api_session, console_stack, push_client
from console.web.push import FLUSH_INTERVAL_S

FANOUT_P99_MS = 1000.0


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


def fan_out(
    stack: Stack, clients: int, ports: list[int], rate: float, seconds: float, prefix: str
) -> tuple[list[float], int]:
    """Connect `clients` spread over the web processes on `ports`, XADD registrations, and
    return every (client, registration) latency and how many deliveries were expected."""
    with ThreadPoolExecutor(16) as pool:
        listeners = list(
            pool.map(
                lambda i: Listener(f"http://127.0.0.1:{ports[i % len(ports)]}", stack.token),
                range(clients),
            )
        )
    try:
        time.sleep(1.0)
        sent = stack.send_at_rate(prefix, rate, int(rate * seconds))
        deadline = time.time() + 10
        while time.time() < deadline and not all(
            all(r in lst.seen for r in sent) for lst in listeners
        ):
            time.sleep(0.2)
        latencies = [lst.seen[r] - t for lst in listeners for r, t in sent.items() if r in lst.seen]
        return latencies, len(sent) * clients
    finally:
        with ThreadPoolExecutor(max(len(listeners), 1)) as pool:  # seconds each: at once
            list(pool.map(lambda lst: lst.close(), listeners))


def api_load(
    stack: Stack, clients: int, seconds: float, reg_nos: list[str]
) -> tuple[int, list[float], int]:
    """`clients` threads requesting the API back to back for `seconds`: (requests, latencies,
    errors). The mix: overdue list page, a case, the workload."""
    paths = ["/api/v1/cases?status=overdue&limit=50", "/api/v1/cases/{reg}", "/api/v1/workload"]
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
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
                ok = http.get(stack.base_url + path, timeout=60).status_code == 200
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
    return len(latencies), latencies, errors[0]


def _sample_reg_nos(stack: Stack) -> list[str]:
    http = api_session(stack.token)
    rows = http.get(f"{stack.base_url}/api/v1/cases?limit=200", timeout=60).json()
    http.close()
    return [r["reg_no"] for r in rows] or ["KUP-000000"]


def run(quick: bool = False) -> list[Table]:
    sockets = 40 if quick else 200
    api_clients = 10 if quick else 50
    seconds = 3.0 if quick else 15.0
    rate = 2.0
    history = 5_000 if quick else 50_000
    push = Table(
        f"Viewers: Socket.IO fan-out, {rate:.0f} registrations/s for {seconds:.0f} s "
        "(XADD → push received), ms",
        ["clients", "web processes", "received", "p50", "p95", "p99", "p99 × one client"],
    )
    api = Table(
        f"Viewers: API clients for {seconds:.0f} s (overdue page, a case, the workload in turn)",
        ["clients", "requests/s", "p50 ms", "p95 ms", "errors", "requests/s × one client"],
    )
    with console_stack(history, web_processes=2) as stack:
        one_p99 = None
        phases = [
            (1, stack.web_ports[:1]),
            (sockets, stack.web_ports[:1]),
            (sockets, stack.web_ports),
        ]
        for clients, ports in phases[::2] if quick else phases:
            latencies, expected = fan_out(
                stack, clients, ports, rate, seconds, f"FAN{clients}X{len(ports)}"
            )
            p99 = percentile(latencies, 99)
            one_p99 = one_p99 or p99
            push.add(
                clients,
                len(ports),
                f"{len(latencies):,}/{expected:,}",
                percentile(latencies, 50),
                percentile(latencies, 95),
                p99,
                p99 / one_p99,
            )
        reg_nos = _sample_reg_nos(stack)
        one_rate = None
        for clients in (1, api_clients):
            count, latencies, errors = api_load(stack, clients, seconds, reg_nos)
            per_second = count / seconds
            one_rate = one_rate or per_second
            api.add(
                clients,
                per_second,
                percentile(latencies, 50),
                percentile(latencies, 95),
                errors,
                per_second / one_rate,
            )
        web_rss = max(stack.rss_mb(name) for name in stack.processes if name.startswith("web"))
    push.notes.append(
        f"target: fan-out p99 ≤ {FANOUT_P99_MS:.0f} ms with {sockets} clients; "
        "two web processes share pushes through Socket.IO's Redis message queue "
        "(one of them, the elected leader, reads ingest's announcements)"
    )
    push.notes.append(
        f"pushes are coalesced by the server (at most one per room every "
        f"{FLUSH_INTERVAL_S:g} s; what follows a quiet interval goes out at once)"
    )
    api.notes.append(
        f"store: {history:,} seeded cases (SQLite); one web process (threaded "
        f"WSGI server); peak RSS of the web processes {web_rss:.0f} MB"
    )
    return [push, api]


if __name__ == "__main__":
    run_alone(run)
