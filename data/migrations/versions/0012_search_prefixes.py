"""case search: longer prefix indexes on SQLite (data.search)

SQLite's index `cases_fts` (migration 0009) kept prefix indexes of 2 and 3 characters: a
longer start of a word (`краж`) gathered the whole list of cases of every word it begins (all
296,000 "кража" of a million cases) before the first was given. Each length in PREFIXES is a
list of its own in the index, read newest first like a whole word, stopping at the cases wanted.

The table is made again with them and filled from the cases with the same text as 0009's
(`_words` of that migration, unchanged: the triggers that keep the index, which name the table,
stay as they are). Downgrade makes 0009's table again. PostgreSQL: nothing (its GIN index
answers the start of a word from its own term list).

Revision ID: 0012_search_prefixes
Revises: 0011_notifications
Create Date: 2026-12-01
"""
from types import ModuleType

from alembic import op
from alembic.script import ScriptDirectory


revision = '0012_search_prefixes'
down_revision = '0011_notifications'
branch_labels = None
depends_on = None

LONGEST = 16  # characters: a longer start of a word is gathered as before (rare: 0.6 % of words)
PREFIXES = " ".join(str(n) for n in range(2, LONGEST + 1))
PREFIXES_0009 = "2 3"


def _case_search() -> ModuleType:
    """Migration 0009, whose text of a case the index holds."""
    config = op.get_context().config
    assert config is not None  # run by Alembic's command, as data.schema does
    return ScriptDirectory.from_config(config).get_revision("0009_case_search").module


def _rebuild(prefixes: str) -> None:
    """Make `cases_fts` again with prefix indexes of `prefixes` and index every case."""
    op.execute("DROP TABLE cases_fts")
    op.execute(
        "CREATE VIRTUAL TABLE cases_fts USING fts5("
        f"words, content='', detail=none, columnsize=0, prefix='{prefixes}', "
        "tokenize='unicode61 remove_diacritics 0')"
    )
    words = _case_search()._words()
    op.execute(f"INSERT INTO cases_fts(rowid, words) SELECT rowid, {words} FROM cases")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(PREFIXES)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(PREFIXES_0009)
