"""What the UI tests share: the fixed instant they run at, a markup string that must always be
shown as text, the overdue page's filters with none chosen, the callbacks' context for a test
user, the components, ids and words of a layout tree, a callback's output as comparable text,
and the SQL statements run on an engine meanwhile."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import plotly
from dash.development.base_component import Component
from sqlalchemy import Engine, event

from callbacks.context import Context
from data.db import make_sessionmaker, writer_engine
from tests.support.users import viewer

NOW = datetime(2026, 3, 11, 6, 0, tzinfo=UTC)  # 12:00 in Bishkek
MARKUP = "<img src=x onerror=alert(1)>"
NO_FILTERS = (None, None, None, None, None, None)  # the overdue page's filters, none chosen


def context(engine: Engine, who: str, now: datetime = NOW) -> Context:
    """What a callback gets for the test user `who` at `now`."""
    return Context(
        viewer=viewer(who),
        sessions=make_sessionmaker(engine),
        writer=make_sessionmaker(writer_engine(engine)),
        now=now,
    )


def walk(node: object) -> Iterator[Component]:
    """Every component in a layout tree."""
    if isinstance(node, (list, tuple)):
        for item in node:
            yield from walk(item)
    elif isinstance(node, Component):
        yield node
        for name in getattr(node, "_children_props", []) + ["children"]:
            yield from walk(getattr(node, name, None))


def ids_in(node: object) -> set[object]:
    """The ids of the components of a layout tree (pattern ids as text)."""
    return {
        c.id if isinstance(c.id, str) else str(c.id)
        for c in walk(node)
        if getattr(c, "id", None) is not None
    }


def texts(node: object) -> list[str]:
    """The plain-text children of a layout tree's components."""
    return [c.children for c in walk(node) if isinstance(getattr(c, "children", None), str)]


def rendered(output: object) -> str:
    """A callback's output as JSON text (figures included), to compare two outputs."""
    return json.dumps(output, cls=plotly.utils.PlotlyJSONEncoder, sort_keys=True)


def selects(seen: list[str]) -> int:
    """How many of the statements `seen` are SELECTs."""
    return sum(s.lstrip().upper().startswith("SELECT") for s in seen)


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements run on `engine` meanwhile."""
    seen: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)
