"""`kup-console user passwd NAME` (--password, asked twice, --force-reset) on a real store."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from console.runtime import store_services
from data import users
from data.models import AuditEntry

OLD, NEW = "long enough pw", "a brand new passphrase"


@pytest.fixture
def cli(cli):  # type: ignore[no-untyped-def]
    """The command line on a store that has the manager aliyev (password OLD)."""
    assert cli("user", "add", "aliyev", "--role", "manager", "--password", OLD)[0] == 0
    return cli


def _login(name: str, password: str) -> users.LoginOutcome:
    with store_services().writer.begin() as s:
        return users.authenticate(s, name, password)


def _actions() -> list[tuple[str, str]]:
    with store_services().sessions() as s:
        return [(e.action, e.target) for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_passwd_with_password(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("user", "passwd", "aliyev", "--password", NEW)
    assert code == 0 and "aliyev" in out
    assert _login("aliyev", NEW).reason == "ok"
    assert _login("aliyev", OLD).reason == "bad_password"
    assert _actions()[-1] == ("password_change", "aliyev")


def test_passwd_asks_twice_without_echo(cli, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    prompts: list[str] = []
    answers = iter([NEW, NEW])

    def getpass(prompt: str) -> str:  # the terminal's side of getpass: what the user types
        prompts.append(prompt)
        return next(answers)

    monkeypatch.setattr("getpass.getpass", getpass)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    assert cli("user", "passwd", "aliyev")[0] == 0
    assert prompts == ["Password: ", "Repeat: "]
    assert _login("aliyev", NEW).reason == "ok"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("aliyev", "--password", "short"), "at least 12 characters"),
        (("aliyev", "--password", "Aliyev's password"), "must not contain the user name"),
        (("aliyev", "--password", "QWERTY123456"), "commonly used password"),
        (("aliyev", "--password", OLD), "same as the current"),
        (("nobody", "--password", NEW), "no user 'nobody'"),
    ],
)
def test_passwd_refusals(cli, argv, message) -> None:  # type: ignore[no-untyped-def]
    code, _, err = cli("user", "passwd", *argv)
    assert code == 2
    assert message in err
    assert _login("aliyev", OLD).reason == "ok"


def test_password_and_force_reset_exclude_each_other(cli, capsys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as exited:
        cli("user", "passwd", "aliyev", "--password", NEW, "--force-reset")
    assert exited.value.code == 2
    assert "not allowed with" in capsys.readouterr().err
    assert _login("aliyev", OLD).reason == "ok"


def test_force_reset(cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("user", "passwd", "aliyev", "--force-reset")
    assert code == 0 and "next login" in out
    outcome = _login("aliyev", OLD)
    assert outcome.user is not None and outcome.user.must_change_password
    assert _actions()[-1] == ("password_reset_forced", "aliyev")
    assert cli("user", "list")[1].splitlines()[1].split()[3] == "reset"
    assert cli("user", "passwd", "aliyev", "--password", NEW)[0] == 0
    outcome = _login("aliyev", NEW)
    assert outcome.user is not None and not outcome.user.must_change_password
    assert cli("user", "list")[1].splitlines()[1].split()[3] == "active"
    assert cli("audit", "verify")[1].startswith("audit log intact")
