"""Who may see and do what: roles and the regional scope of a viewer."""

from __future__ import annotations

import pytest

from rules.access import NO_CASES_ROOM, ROLES, Viewer


@pytest.mark.parametrize("role", ROLES)
def test_every_known_role_makes_a_viewer(role: str) -> None:
    assert Viewer("someone", role).role == role


@pytest.mark.parametrize("role", ["", "Admin", "superuser"])
def test_an_unknown_role_is_refused_naming_the_roles(role: str) -> None:
    with pytest.raises(ValueError) as info:
        Viewer("someone", role)
    assert str(info.value) == "role must be one of duty, manager, prosecutor, admin, monitor"


def test_only_prosecutors_and_admins_flag() -> None:
    assert {role for role in ROLES if Viewer("someone", role).can_flag} == {"prosecutor", "admin"}


def test_a_regional_viewer_gets_the_pushes_of_the_region_only() -> None:
    assert Viewer("osh", "manager", "KG-GO").room == "region:KG-GO"
    assert Viewer("bishkek", "manager").room == "country"


def test_a_monitor_sees_no_cases_and_reads_the_health() -> None:
    """The monitoring account: health detail and metrics, nothing of a case (pages, API,
    pushes); admins read the health too, and everyone else sees cases but not the health."""
    assert {role for role in ROLES if not Viewer("someone", role).sees_cases} == {"monitor"}
    assert {role for role in ROLES if Viewer("someone", role).reads_health} == {"monitor", "admin"}
    assert not Viewer("probe", "monitor").can_flag


@pytest.mark.parametrize("region", [None, "KG-GO"])
def test_a_monitors_socket_is_in_no_room_that_gets_cases(region: str | None) -> None:
    room = Viewer("probe", "monitor", region).room
    assert room == NO_CASES_ROOM and room != "country" and not room.startswith("region:")
