"""Progress of a long command (`seed`, `export`, `deadletters retry`) on standard error: a bar
with counts and times when standard error is a terminal, nothing at all otherwise (a pipe, a
log file, cron), so that scripts read only the command's output."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

T = TypeVar("T")
Update = Callable[[int, int], None]  # (done, total): the callback `data` functions take


@contextmanager
def progress(what: str, total: int | None = None) -> Iterator[Update]:
    """Show the progress of `what` (e.g. "cases") while the block runs; yields
    `update(done, total)` to call as work is done (a total of 0: not known)."""
    console = Console(stderr=True)
    if not console.is_terminal:
        yield _quiet
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
    ) as bar:
        task = bar.add_task(what, total=total)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total or None)

        yield update


def _quiet(done: int, total: int) -> None:
    """Nothing to show: standard error is not a terminal."""


def counted(items: Iterable[T], update: Update, every: int = 500) -> Iterator[T]:
    """`items`, reporting to `update` how many went by (every `every`, and at the end) when
    their number is not known in advance."""
    done = 0
    for done, item in enumerate(items, 1):
        if done % every == 0:
            update(done, 0)
        yield item
    update(done, done)
