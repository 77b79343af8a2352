"""case search: a full-text index of every case's words (data.search)

The indexed text of a case is its registration number (its segments, and each number again
without its leading zeros: "KUP-…-000123" is found by "123"), officer, unit, address and
summary, tokenised as they are (no stemming: Russian and Kyrgyz alike), lower-cased, and
matched word by word as prefixes (as the user types).

SQLite: a contentless FTS5 table `cases_fts` (its rowid the case's rowid; unicode61, no
diacritics folded, so Kyrgyz ө ү ң stay letters of their own; prefix indexes of 2 and 3
characters; no positions, no column sizes), kept by triggers on `cases`:
on insert, on delete, and on an update of one of the indexed columns only (a status change
leaves it alone). A later migration that recreates `cases` (batch "move and copy") has to
create the triggers again and rebuild the index (the rowids change).

PostgreSQL: a stored generated column `cases.search` (tsvector, the 'simple' configuration)
with a GIN index; the store computes it on every write of a case.

The index of the cases already stored is built here (seconds for 200,000 cases; PostgreSQL
rewrites the table).

Revision ID: 0009_case_search
Revises: 0008_breaches
Create Date: 2026-11-30
"""
from alembic import op


revision = '0009_case_search'
down_revision = '0008_breaches'
branch_labels = None
depends_on = None


def _stripped(column: str) -> str:
    """The column's segments with up to five leading zeros of each number removed."""
    text = f"' ' || replace({column}, '-', ' ')"
    for _ in range(5):
        text = f"replace({text}, ' 0', ' ')"
    return text


def _words(row: str = "") -> str:
    """The indexed text of a case (`row`: "new." or "old." in a trigger)."""
    parts = [f"replace({row}reg_no, '-', ' ')", _stripped(f"{row}reg_no")]
    parts += [f"coalesce({row}{c}, '')" for c in ("officer", "unit", "address", "summary")]
    return " || ' ' || ".join(parts)


INDEXED = "reg_no, officer, unit, address, summary"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE cases ADD COLUMN search tsvector "
            f"GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, {_words()})) STORED"
        )
        op.execute("CREATE INDEX ix_cases_search ON cases USING gin (search)")
        return
    op.execute(
        "CREATE VIRTUAL TABLE cases_fts USING fts5("
        "words, content='', detail=none, columnsize=0, prefix='2 3', "
        "tokenize='unicode61 remove_diacritics 0')"
    )
    insert_new = f"INSERT INTO cases_fts(rowid, words) VALUES (new.rowid, {_words('new.')});"
    delete_old = (
        "INSERT INTO cases_fts(cases_fts, rowid, words) "
        f"VALUES ('delete', old.rowid, {_words('old.')});"
    )
    op.execute(f"CREATE TRIGGER cases_fts_insert AFTER INSERT ON cases BEGIN {insert_new} END")
    op.execute(f"CREATE TRIGGER cases_fts_delete AFTER DELETE ON cases BEGIN {delete_old} END")
    op.execute(
        f"CREATE TRIGGER cases_fts_update AFTER UPDATE OF {INDEXED} ON cases "
        f"BEGIN {delete_old} {insert_new} END"
    )
    op.execute(f"INSERT INTO cases_fts(rowid, words) SELECT rowid, {_words()} FROM cases")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_cases_search")
        op.execute("ALTER TABLE cases DROP COLUMN search")
        return
    for trigger in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER cases_fts_{trigger}")
    op.execute("DROP TABLE cases_fts")
