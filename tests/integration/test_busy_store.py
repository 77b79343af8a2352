"""No command dies because another process is writing or migrating: every SQLite connection
waits for a busy store (KUP_BUSY_TIMEOUT seconds), and one busy longer than that is reported in
one line (exit 75), never a traceback. The demo, migrating its new store and ingesting, with
export, user and config commands started beside it at once, again and again."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest

from console.runtime import Services
from data.db import make_engine
from data.schema import schema_status
from tests.support import cli
from tests.support.processes import wait_until
from tests.support.stores import sqlite_url

BUSY_EXIT = 75
ADD = ["user", "add", "aliyev", "--role", "duty", "--password", "long enough pw"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_every_connection_waits_as_long_as_configured(settings, engine) -> None:  # type: ignore[no-untyped-def]
    for seconds in (30.0, 2.5):
        services = Services(settings.with_overrides(busy_timeout_s=seconds))
        with services.engine.connect() as connection:
            pragma = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
        services.engine.dispose()
        assert pragma == seconds * 1000


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_busy_store_is_waited_for_then_reported_in_one_line(  # type: ignore[no-untyped-def]
    monkeypatch, tmp_path, db_url, engine, redis_server, redis_client, capsys
) -> None:
    kup = cli.in_process(
        monkeypatch, capsys, db_url=db_url, redis_url=redis_server.url, data_dir=tmp_path
    )
    monkeypatch.setenv("KUP_BUSY_TIMEOUT", "1")
    path = db_url.removeprefix("sqlite:///")
    blocker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    blocker.execute("BEGIN IMMEDIATE")  # another process writing, for longer than we wait
    try:
        assert kup("user", "list")[0] == 0  # readers do not wait for the writer
        for argv in (ADD, ["export"]):  # (export reads, then writes its audit entry)
            started = time.monotonic()
            code, _, err = kup(*argv)
            waited = time.monotonic() - started
            assert code == BUSY_EXIT
            assert err.splitlines() == [
                "kup-console: the store is busy (another process is writing or migrating); "
                "tried for 1 s. Try again, or wait longer with KUP_BUSY_TIMEOUT (seconds)."
            ]
            assert waited >= 1.0  # it did wait, as long as configured

        monkeypatch.setenv("KUP_BUSY_TIMEOUT", "30")
        releaser = threading.Timer(0.5, blocker.execute, ("COMMIT",))
        releaser.start()
        assert kup(*ADD)[0] == 0  # waited for the writer to finish
        releaser.join()
    finally:
        blocker.close()
    code, out, _ = kup("audit", "verify")  # (the refused writes left no entry, no anchor)
    assert code == 0 and out.splitlines()[0] == "audit log intact: 1 entries"
    assert "anchors agree: 1 anchors" in out


def _demo_env(folder: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "KUP_STREAM")
    }
    return {**env, "KUP_DATA_DIR": str(folder)}


def _wave(env: dict[str, str], tag: str, config: bool) -> list[tuple[list[str], int, str]]:
    """Start export and user commands (and `config`) at once; (argv, exit code, errors) of
    each."""
    commands = [
        ["export"],
        ["user", "add", f"user-{tag}", "--role", "duty", "--password", "long enough pw"],
        ["user", "list"],
    ]
    if config:
        commands += [["export", "--format", "csv", "--status", "open"], ["config"]]
    started = [(argv, cli.start(argv, env, stdout=subprocess.DEVNULL)) for argv in commands]
    return [(argv, p.wait(timeout=120), p.communicate()[1]) for argv, p in started]


def _await_schema(folder: Path) -> None:
    """Wait until the demo's store in `folder` is migrated."""
    engine = make_engine(sqlite_url(folder))
    try:
        wait_until(lambda: schema_status(engine).is_current, "the demo's migration", 60)
    finally:
        engine.dispose()


@pytest.mark.slow
def test_commands_beside_a_starting_demo_never_die(tmp_path: Path) -> None:
    """The demo starts from nothing (it migrates its new store, then ingests its backfill)
    while a wave of commands starts with it, and another once its store is migrated."""
    folder = tmp_path / "demo"
    env = _demo_env(folder)
    demo = cli.start(["demo", "--no-web", "--backfill-days", "1", "--per-day", "20000"], env)
    try:
        # the first wave meets the demo starting: the store absent, being migrated, or new
        first = _wave(env, "a", config=True)
        _await_schema(folder)
        second = _wave(env, "b", config=False)  # beside the demo's ingest
        alive = demo.poll() is None
    finally:
        demo.send_signal(signal.SIGINT)
        output = demo.communicate(timeout=60)[0]
    for argv, code, err in first + second:
        assert "Traceback" not in err and "locked" not in err, (argv, err)
        before_migration = (argv, code, err) in first and "has no schema yet" in err
        assert code == 0 or (code == 78 and before_migration), (argv, code, err)
    assert all(code == 0 for _, code, _ in second)
    assert alive and demo.returncode == 0, output[-3000:]
    assert "Traceback" not in output, output[-3000:]


def test_a_one_off_command_starts_no_redis_of_its_own(tmp_path: Path) -> None:
    """With no Redis configured and no embedded one running, `user add` anchors nothing and
    starts no server (one that would stop with it, under a demo joining it at that moment:
    the demo died of it); `audit verify` starts one to read the anchors and says there are
    none yet; the next entry written beside a running server is anchored, vouching for both."""
    folder = tmp_path / "store"
    env = _demo_env(folder)

    def run(*argv: str) -> tuple[int, str]:
        """The exit code and what the command printed (output and errors)."""
        process = cli.start(list(argv), env)
        output = process.communicate(timeout=120)[0]
        return process.returncode, output

    assert run("db", "upgrade")[0] == 0
    code, output = run(*ADD)
    assert code == 0 and "anchor" not in output.lower(), output  # quiet: nothing to warn of
    assert not (folder / "redis.owner").exists() and not (folder / "redis.sock").exists()
    code, err = run("audit", "verify")
    assert code == 0 and "WARNING: no anchors" in err, err
    server = cli.start(["demo", "--no-web", "--backfill-days", "0", "--per-day", "10"], env)
    try:
        wait_until(lambda: (folder / "redis.owner").exists(), "the demo's Redis", 60)
        assert (
            run("user", "add", "second", "--role", "duty", "--password", "long enough pw")[0] == 0
        )
        code, err = run("audit", "verify")
        assert code == 0 and "anchors agree" in err, err
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=60)
