"""Password change, forced reset and the migration that adds `users.must_change_password`, on
SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select, text

from data import users
from data.db import make_sessionmaker, writer_engine
from data.models import User
from rules import passwords
from tests.support.stores import columns, migrate

OLD, NEW = "long enough pw", "a new and longer passphrase"


@pytest.fixture
def writer(engine: Engine):  # type: ignore[no-untyped-def]
    return make_sessionmaker(writer_engine(engine))


def test_add_user_applies_the_rule(writer) -> None:  # type: ignore[no-untyped-def]
    for password, code in [
        ("short pw", passwords.TOO_SHORT),
        ("nurlan-is-the-best", passwords.HAS_USERNAME),
        ("qwerty123456", passwords.COMMON),
    ]:
        with writer.begin() as s, pytest.raises(users.PasswordRefused) as refused:
            users.add_user(s, "nurlan", password, "duty")
        assert refused.value.code == code
    with writer.begin() as s:  # the demo's users: the check off
        assert users.add_user(s, "duty", "duty", "duty", enforce_strength=False).username == "duty"


def test_change_password(writer) -> None:  # type: ignore[no-untyped-def]
    with writer.begin() as s:
        users.add_user(s, "aliyev", OLD, "manager")
        token = users.issue_token(s, "aliyev")
    for current, new, code in [
        ("wrong password!", NEW, users.WRONG_CURRENT),
        (OLD, OLD, users.SAME_AS_BEFORE),
        (OLD, "ALIYEV forever and ever", passwords.HAS_USERNAME),
        (OLD, "short", passwords.TOO_SHORT),
    ]:
        with writer.begin() as s, pytest.raises(users.PasswordRefused) as refused:
            users.change_password(s, "aliyev", current, new)
        assert refused.value.code == code
    with writer.begin() as s:
        users.change_password(s, "aliyev", OLD, NEW)
    with writer.begin() as s:
        assert users.authenticate(s, "aliyev", OLD).reason == "bad_password"
        assert users.authenticate(s, "aliyev", NEW).reason == "ok"
        assert users.user_by_token(s, token) is not None  # the API token is kept


def test_forced_reset_is_lifted_by_a_new_password(writer) -> None:  # type: ignore[no-untyped-def]
    with writer.begin() as s:
        users.add_user(s, "aliyev", OLD, "manager")
        assert users.force_reset(s, "aliyev").must_change_password
    with writer.begin() as s:
        outcome = users.authenticate(s, "aliyev", OLD)
        assert outcome.user is not None and outcome.user.must_change_password
        users.set_password(s, "aliyev", NEW)
    with writer.begin() as s:
        info = users.find_user(s, "aliyev")
        assert info is not None and not info.must_change_password
    with writer.begin() as s, pytest.raises(LookupError):
        users.force_reset(s, "nobody")


def test_migration_adds_and_removes_the_column(engine: Engine) -> None:
    """0004 on a store with a user in it: the user gets `false`; downgrade drops the column and
    upgrade brings it back."""
    with make_sessionmaker(writer_engine(engine)).begin() as s:
        users.add_user(s, "aliyev", OLD, "manager")
    migrate(engine, "downgrade", "0003")
    assert "must_change_password" not in columns(engine, "users")
    with engine.connect() as connection:  # the user survived the table's rebuild (SQLite)
        assert connection.scalar(text("select username from users")) == "aliyev"
    migrate(engine, "upgrade", "head")
    assert "must_change_password" in columns(engine, "users")
    with engine.connect() as connection:
        assert connection.scalar(select(User.must_change_password)) is False
