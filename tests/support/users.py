"""The users of the tests (and of the screenshots): one of each role, country-wide and regional,
all with one password, and how to store them."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, insert
from werkzeug.security import generate_password_hash

from data.db import make_sessionmaker, writer_engine
from data.models import User
from rules.access import Viewer

PASSWORD = "correct horse battery"
BISHKEK_REGION, OSH_REGION, CHUI_REGION = "KG-GB", "KG-GO", "KG-C"


@dataclass(frozen=True)
class TestUser:
    """A user the tests log in as."""

    __test__ = False  # not a test class, whatever pytest thinks of the name

    name: str
    role: str
    region: str | None = None  # None: the whole country
    password: str = PASSWORD

    @property
    def viewer(self) -> Viewer:
        return Viewer(self.name, self.role, self.region)


USERS: dict[str, TestUser] = {
    user.name: user
    for user in (
        TestUser("duty", "duty"),
        TestUser("manager", "manager"),
        TestUser("manager-osh", "manager", OSH_REGION),
        TestUser("manager-chui", "manager", CHUI_REGION),
        TestUser("prosecutor", "prosecutor"),
        TestUser("prosecutor-2", "prosecutor"),  # a second one, to see another's flags pushed
        TestUser("prosecutor-osh", "prosecutor", OSH_REGION),
        TestUser("admin", "admin"),
        TestUser("monitor", "monitor"),  # health detail and metrics only: no case, no page
    )
}


def viewer(name: str) -> Viewer:
    """The viewer of the test user `name`."""
    return USERS[name].viewer


def add_test_users(engine: Engine, names: Iterable[str] = USERS) -> None:
    """Store the test users `names` (default: all of USERS), enabled, with their passwords."""
    now = datetime.now(UTC)
    with make_sessionmaker(writer_engine(engine)).begin() as session:
        session.execute(
            insert(User),
            [
                {
                    "username": user.name,
                    "password_hash": _password_hash(user.password),
                    "role": user.role,
                    "region": user.region,
                    "disabled": False,
                    "created_at": now,
                }
                for user in (USERS[name] for name in names)
            ],
        )


@functools.cache
def _password_hash(password: str) -> str:
    """A real scrypt hash, computed once per password (it is slow on purpose)."""
    return generate_password_hash(password, method="scrypt")
