"""The example systemd units of docs/DEPLOY.md, started here as systemd would start them.

This machine has no systemd, so the test reads each unit file, takes its EnvironmentFile (the
example settings file beside it, with the servers replaced by this test's), expands `%H` and
`%i`, runs its ExecStart from the checkout, and stops it with its KillSignal within its
TimeoutStopSec. It fails when a unit names a command, an option or a setting the console does
not have, or when the services it starts do not work together: a registration published to the
stream reaches the store through the ingest unit, and the web unit answers /healthz "ok".
"""

from __future__ import annotations

import configparser
import json
import os
import signal
import socket
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
from sqlalchemy import Engine, func, select

from console.cli import EXIT_SCHEMA
from data.models import Case
from tests.support.cli import start
from tests.support.events import next_reg_no, registered
from tests.support.processes import REPO, wait_until
from tests.support.servers import free_port

UNITS = REPO / "docs" / "deploy" / "systemd"
INSTALLED = "/opt/kup-console/.venv/bin/kup-console"

OUR_PREFIXES = ("KUP_", "DATABASE_", "REDIS_")  # the caller's settings do not leak in

pytestmark = pytest.mark.slow


def read_unit(name: str) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(interpolation=None, strict=True)
    unit.optionxform = str  # type: ignore[assignment,method-assign]  # keys keep their case
    unit.read(UNITS / name)
    return unit


def read_env_file(path: Path) -> dict[str, str]:
    pairs = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            pairs[name.strip()] = value.strip()
    return pairs


def command_of(unit: configparser.ConfigParser, instance: str, port: int) -> list[str]:
    exec_start = unit["Service"]["ExecStart"]
    assert exec_start.startswith(INSTALLED + " "), exec_start
    words = exec_start.removeprefix(INSTALLED + " ").split()
    words = [w.replace("%H", socket.gethostname()).replace("%i", instance) for w in words]
    if "--port" in words:
        words[words.index("--port") + 1] = str(port)
    return words


def test_settings_file_names_only_settings_the_console_reads() -> None:
    config_source = (REPO / "console" / "config.py").read_text()
    for name in read_env_file(UNITS / "kup-console.env"):
        assert f'"{name}"' in config_source, f"{name} is not a setting of the console"


def test_units_keep_a_service_on_an_old_schema_from_restarting() -> None:
    for name in ("kup-console-web.service", "kup-console-ingest@.service"):
        service = read_unit(name)["Service"]
        assert str(EXIT_SCHEMA) in service["RestartPreventExitStatus"].split()
        assert Path(service["EnvironmentFile"]).name == "kup-console.env"


def test_the_units_run_together(tmp_path: Path, db_url: str, engine: Engine, redis_server) -> None:  # type: ignore[no-untyped-def]
    stream = f"kup:units:{time.monotonic_ns()}"
    env = {
        **{
            k: v for k, v in os.environ.items() if not k.startswith(("KUP_", "DATABASE_", "REDIS_"))
        },
        **read_env_file(UNITS / "kup-console.env"),
        # This machine's servers in place of the example's hosts; plain HTTP on loopback.
        "KUP_DATA_DIR": str(tmp_path),
        "DATABASE_URL": db_url,
        "REDIS_URL": redis_server.url,
        "KUP_HTTPS": "0",
        "KUP_STREAM": stream,
        "KUP_BLOCK_MS": "100",
    }
    port = free_port()
    started = []
    for name, instance in (("kup-console-ingest@.service", "1"), ("kup-console-web.service", "")):
        unit = read_unit(name)
        started.append((unit, start(command_of(unit, instance, port), env)))
    try:
        client = redis.Redis.from_url(redis_server.url, decode_responses=True)
        wait_until(lambda: _group_exists(client, stream), "the ingest unit's consumer group", 60)
        reg_no = next_reg_no()
        client.xadd(stream, registered(reg_no, datetime.now(UTC)))

        def stored() -> bool:
            with engine.connect() as c:
                return bool(c.scalar(select(func.count()).where(Case.reg_no == reg_no)))

        wait_until(stored, "the registration in the store", 60)
        health = wait_until(lambda: _health(port), "the web unit's /healthz", 90)
        assert health == {"status": "ok"}
    finally:
        outputs = []
        for unit, process in started:
            service = unit["Service"]
            process.send_signal(getattr(signal, service["KillSignal"]))
            begun = time.monotonic()
            out, _ = process.communicate(timeout=float(service["TimeoutStopSec"]))
            outputs.append((process.args, process.returncode, time.monotonic() - begun, out))
    for args, code, took, out in outputs:
        assert code == 0, f"{args} exited {code}:\n{out}"
        assert "Traceback" not in out, out
        assert took < 10, f"{args} took {took:.1f} s to stop"


def _group_exists(client: redis.Redis, stream: str) -> bool:
    try:
        return bool(client.xinfo_groups(stream))
    except redis.ResponseError:
        return False


def _health(port: int) -> dict[str, object] | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            body: dict[str, object] = json.loads(response.read())
            return body if body.get("status") == "ok" else None
    except OSError:
        return None
