"""Who may see and do what: roles and regional scope (pure rules, enforced by the data layer,
the API, the callbacks and the socket rooms)."""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("duty", "manager", "prosecutor", "admin")
FLAGGING_ROLES = frozenset({"prosecutor", "admin"})


@dataclass(frozen=True)
class Viewer:
    """A logged-in user as the rules see them; `region` (ISO 3166-2) limits what they see."""

    username: str
    role: str
    region: str | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")

    @property
    def can_flag(self) -> bool:
        """Only prosecutors and admins set or clear flags."""
        return self.role in FLAGGING_ROLES

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def room(self) -> str:
        """The Socket.IO room whose pushes this viewer may receive."""
        return f"region:{self.region}" if self.region else "country"
