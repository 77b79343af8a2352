"""What the command line shows: every option described, quiet where nothing happens (no
traceback when the reader of its output goes away, no Alembic chatter on a current store),
local time, and progress of long commands on a terminal only."""

from __future__ import annotations

import argparse
import json
import os
import pty
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from console.cli import EXIT_PIPE, build_parser, main
from data.db import make_engine, make_sessionmaker
from data.models import AuditEntry, DeadLetter
from tests.support.processes import REPO


def _options(
    parser: argparse.ArgumentParser, path: tuple[str, ...]
) -> list[tuple[tuple[str, ...], argparse.Action]]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _options(sub, (*path, name))
        elif not isinstance(action, argparse._HelpAction):
            found.append((path, action))
    return found


def test_every_option_of_every_command_is_described() -> None:
    options = _options(build_parser(), ("kup-console",))
    assert len(options) > 40  # the walk reached the sub-commands' options
    bare = [
        f"{' '.join(path)} {'/'.join(a.option_strings) or a.dest}"
        for path, a in options
        if not (a.help or "").strip()
    ]
    assert not bare, bare


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A data folder of its own (SQLite store migrated), and the environment of a command on it."""
    monkeypatch.setenv("KUP_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert main(["db", "upgrade"]) == 0
    return {**os.environ, "PYTHONPATH": str(REPO), "KUP_DATA_DIR": str(tmp_path)}


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "console.cli", *args]


def test_output_cut_short_by_its_reader_ends_without_a_traceback(folder: dict[str, str]) -> None:
    assert main(["seed", "--cases", "3000", "--seed", "1", "--no-events"]) == 0
    for fmt in ("jsonl", "csv"):  # `kup-console export | head -1`
        with subprocess.Popen(
            cli("export", "--format", fmt),
            env=folder,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as export:
            assert export.stdout is not None and export.stderr is not None
            first = export.stdout.readline()
            export.stdout.close()
            errors = export.stderr.read()
            assert export.wait(timeout=60) == EXIT_PIPE, errors
        assert first.strip() and errors == ""
    with make_sessionmaker(make_engine(f"sqlite:///{folder['KUP_DATA_DIR']}/kup.db"))() as session:
        details = session.scalars(select(AuditEntry.detail).where(AuditEntry.action == "export"))
        exports = [json.loads(detail) for detail in details]
    assert [(e["format"], e["rows"]) for e in exports] == [("jsonl", None), ("csv", None)]


def test_a_command_on_a_current_store_says_nothing_of_migrations(
    folder: dict[str, str], tmp_path: Path
) -> None:
    fresh = {**folder, "KUP_DATA_DIR": str(tmp_path / "fresh")}
    first = subprocess.run(cli("db", "upgrade"), env=fresh, capture_output=True, text=True)
    assert first.returncode == 0 and "schema created" in first.stdout
    assert "Running upgrade  -> 0001" in first.stderr  # a migration that runs is told
    assert "Context impl" not in first.stderr and "non-transactional" not in first.stderr
    for args in (("db", "upgrade"), ("deadletters", "list")):
        again = subprocess.run(cli(*args), env=fresh, capture_output=True, text=True)
        assert again.returncode == 0 and again.stdout, again.stderr
        assert again.stderr == "", args


def test_dead_letters_are_listed_in_the_consoles_local_time(
    folder: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    engine = make_engine(f"sqlite:///{folder['KUP_DATA_DIR']}/kup.db")
    with make_sessionmaker(engine).begin() as session:
        session.add(
            DeadLetter(
                source_id="1773216330000-0",
                stream="kup:events",
                error="district: unknown",
                field="district",
                fields={"district": "41799999999999"},
                received_at=datetime(2026, 3, 11, 8, 5, 30, tzinfo=UTC),
            )
        )
    engine.dispose()
    assert main(["deadletters", "list"]) == 0
    out = capsys.readouterr().out
    assert "2026-03-11T14:05:30+06:00" in out  # Asia/Bishkek, as the page shows it
    assert "08:05:30" not in out


def _on_terminal(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run with standard error on a pseudo-terminal (standard output discarded): exit code
    and what the terminal received."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    received = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the process closed the terminal
            break
        if not chunk:
            break
        received += chunk
    os.close(leader)
    return proc.wait(timeout=60), received.decode(errors="replace")


def test_long_commands_show_progress_on_a_terminal_and_nothing_elsewhere(
    folder: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, shown = _on_terminal(cli("seed", "--cases", "800", "--seed", "2"), folder)
    assert code == 0 and "cases" in shown and "800/800" in shown, shown
    code, shown = _on_terminal(cli("export"), folder)
    assert code == 0 and "cases exported" in shown and "800/800" in shown, shown

    # standard error captured here: not a terminal
    assert main(["seed", "--cases", "200", "--seed", "3"]) == 0
    piped = capsys.readouterr()
    assert piped.out.startswith("seeded 200 cases") and piped.err == ""
    assert main(["export"]) == 0
    piped = capsys.readouterr()
    assert len(piped.out.splitlines()) == 1000 and piped.err == ""
