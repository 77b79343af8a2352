"""`kup-console` for tests: in-process on a given store (exit code and what it printed), or as
a real process started from the repository."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from console.cli import main
from tests.support.processes import REPO

CliRun = Callable[..., tuple[int, str, str]]


def in_process(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *,
    db_url: str,
    redis_url: str,
    data_dir: Path,
) -> CliRun:
    """`run(*ARGS)`: `kup-console ARGS...` in this process on the store at `db_url` (the
    environment set as an operator would); (exit code, stdout, stderr)."""
    monkeypatch.setenv("KUP_DATA_DIR", str(data_dir))
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("REDIS_URL", redis_url)

    def run(*argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def start(
    args: Sequence[str], env: dict[str, str], stdout: int = subprocess.PIPE
) -> subprocess.Popen[str]:
    """`python -m console.cli ARGS` as a process of its own in the repository, configured by
    `env` (the repository put on PYTHONPATH), no input, its errors with its output unless
    `stdout` is DEVNULL (then its errors alone are piped)."""
    return subprocess.Popen(
        [sys.executable, "-m", "console.cli", *args],
        cwd=REPO,
        env={**env, "PYTHONPATH": str(REPO)},
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=subprocess.PIPE if stdout == subprocess.DEVNULL else subprocess.STDOUT,
        text=True,
    )
