"""Find cases by their words: registration number (whole, or the start of any of its segments,
numbers with or without leading zeros), officer, unit, address and summary, in any language
(Russian, Kyrgyz, English: no stemming), all words of the query required, the last one as the
start of a word (as the user types). Scoped to the reader's region as every case list is.

The store's full-text index (migration 0009): an FTS5 table on SQLite (with a list of its own for
each start of a word of 2 to 16 characters, migration 0012), a tsvector column with a GIN index
on PostgreSQL. The query's words are letters and digits only: whatever else it holds
(quotes, `*`, parentheses, operators, SQL) separates words and never reaches the index's query
syntax as such. A broad query gives some of its matches (on SQLite the last written): typing
more narrows them."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnClause, Select, literal_column, select, table, text
from sqlalchemy.orm import Session

from data.case_lists import CaseSummary, case_summary
from data.models import Case
from data.queries import CaseFilter, filtered
from rules.contract import REG_NO_RE

MAX_QUERY_LENGTH = 200  # characters of a query
MAX_WORDS = 8  # words of a query used (the rest ignored)
MIN_PREFIX = 2  # a last word of one character is a whole word ("м"), not every word it starts
DEFAULT_LIMIT = 10
MAX_LIMIT = 50
_WORD = re.compile(r"[^\W_]+")  # letters and digits (as both stores' tokenizers split)
_FTS = table("cases_fts")
# SQLite: a case's rowid, its key in the index `cases_fts` (data.as_of keeps it when it rewrites
# a case, so that the index still finds it).
CASE_ROWID: ColumnClause[int] = literal_column("cases.rowid")


def query_words(query: str) -> tuple[str, ...]:
    """The lower-cased words of a query (letters and digits), at most MAX_WORDS."""
    return tuple(_WORD.findall(query.lower()))[:MAX_WORDS]


def _term(dialect: str, word: str, prefix: bool) -> str:
    """One word of the index's query: the word, or any word starting with it. The words are
    letters and digits only: nothing in them is FTS5 or tsquery syntax (FTS5's quotes, doubled
    inside, are kept all the same)."""
    if dialect == "postgresql":
        return f"'{word}'" + (":*" if prefix else "")
    return '"{}"'.format(word.replace('"', '""')) + ("*" if prefix else "")


def prefixed_at(words: tuple[str, ...], prefixed: int) -> tuple[bool, ...]:
    """Which words are read as the start of a word: of the last `prefixed`, those of more than
    one character."""
    first = len(words) - prefixed
    return tuple(i >= first and len(w) >= MIN_PREFIX for i, w in enumerate(words))


def _matching(dialect: str, words: tuple[str, ...], prefixed: int) -> Select[Case]:
    """Cases whose indexed text holds each of `words`, the last `prefixed` of them as the
    start of a word."""
    terms = [_term(dialect, w, prefixed_at(words, prefixed)[i]) for i, w in enumerate(words)]
    if dialect == "postgresql":
        tsquery = " & ".join(terms)
        return select(Case).where(
            text("cases.search @@ to_tsquery('simple', :tsquery)").bindparams(tsquery=tsquery)
        )
    rowid: ColumnClause[Any] = literal_column("cases_fts.rowid")
    return (
        select(Case)
        .select_from(_FTS.join(Case, rowid == CASE_ROWID))
        .where(text("cases_fts MATCH :match").bindparams(match=" AND ".join(terms)))
        .order_by(rowid.desc())
    )


def search_cases(
    session: Session,
    query: str,
    scope_region: str | None,
    now: datetime,
    due_soon: timedelta,
    limit: int = DEFAULT_LIMIT,
) -> list[CaseSummary]:
    """Up to `limit` cases in the reader's scope holding every word of `query`, each as the
    start of a word (a one-character word: that word), the newest registered first (the case
    whose registration number is the query before them); none for a query without words.

    The index is read in steps, each only if the ones before found fewer than `limit`: the
    words whole, then the last one as the start of a word, then all of them (none of these
    for a registration number found whole). A whole word is read from its own list of cases,
    which stops at `limit`; on SQLite so is the start of a word of up to 16 characters
    (migration 0012), while a longer one gathers every word it begins before the first case
    is given."""
    query = query[:MAX_QUERY_LENGTH]
    words = query_words(query)
    if not words or limit < 1:
        return []
    scope = CaseFilter(scope_region=scope_region)
    whole = query.strip().upper()
    first: list[Case] = []
    if REG_NO_RE.fullmatch(whole):
        exact = filtered(select(Case).where(Case.reg_no == whole), scope, now, due_soon)
        first.extend(session.scalars(exact))
    dialect = session.get_bind().dialect.name
    found = {c.reg_no: c for c in first}
    steps = {prefixed_at(words, p): p for p in ((0,) if first else (0, 1, len(words)))}
    for prefixed in steps.values():
        matching = filtered(_matching(dialect, words, prefixed), scope, now, due_soon)
        for case in session.scalars(matching.limit(limit)):
            found.setdefault(case.reg_no, case)
        if len(found) >= limit:
            break
    more = sorted(
        (c for c in found.values() if c.reg_no != whole),
        key=lambda c: (c.registered_at, c.reg_no),
        reverse=True,
    )
    return [case_summary(c, now, due_soon) for c in (first + more)[:limit]]
