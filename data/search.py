"""Find cases by their words: registration number (whole, or the start of any of its segments,
numbers with or without leading zeros), officer, unit, address and summary, in any language
(Russian, Kyrgyz, English: no stemming), each word of the query matched as a prefix (as the
user types), all words required. Scoped to the reader's region as every case list is.

The store's full-text index (migration 0008): an FTS5 table on SQLite, a tsvector column with a
GIN index on PostgreSQL. The query's words are letters and digits only: whatever else it holds
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
DEFAULT_LIMIT = 10
MAX_LIMIT = 50
_WORD = re.compile(r"[^\W_]+")  # letters and digits (as both stores' tokenizers split)
_FTS = table("cases_fts")


def query_words(query: str) -> tuple[str, ...]:
    """The lower-cased words of a query (letters and digits), at most MAX_WORDS."""
    return tuple(_WORD.findall(query.lower()))[:MAX_WORDS]


def _matching(dialect: str, words: tuple[str, ...]) -> Select[Case]:
    """Cases whose indexed text holds a word starting with each of `words`."""
    if dialect == "postgresql":
        # Words of letters and digits only: nothing in them is tsquery syntax.
        tsquery = " & ".join(f"'{w}':*" for w in words)
        return select(Case).where(
            text("cases.search @@ to_tsquery('simple', :tsquery)").bindparams(tsquery=tsquery)
        )
    match = " AND ".join('"{}"*'.format(w.replace('"', '""')) for w in words)
    rowid: ColumnClause[Any] = literal_column("cases_fts.rowid")
    return (
        select(Case)
        .select_from(_FTS.join(Case, literal_column("cases.rowid") == rowid))
        .where(text("cases_fts MATCH :match").bindparams(match=match))
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
    """Up to `limit` cases in the reader's scope matching every word of `query`, the newest
    registered first (the case whose registration number is the query before them); none for
    a query without words."""
    words = query_words(query[:MAX_QUERY_LENGTH])
    if not words or limit < 1:
        return []
    scope = CaseFilter(scope_region=scope_region)
    found: list[Case] = []
    whole = query.strip().upper()
    if REG_NO_RE.fullmatch(whole):
        exact = filtered(select(Case).where(Case.reg_no == whole), scope, now, due_soon)
        found.extend(session.scalars(exact))
    dialect = session.get_bind().dialect.name
    matching = filtered(_matching(dialect, words), scope, now, due_soon).limit(limit)
    more = [c for c in session.scalars(matching) if c.reg_no != whole]
    more.sort(key=lambda c: (c.registered_at, c.reg_no), reverse=True)
    return [case_summary(c, now, due_soon) for c in (found + more)[:limit]]
