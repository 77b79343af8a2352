"""Who may see and do what: roles and regional scope (pure rules, enforced by the data layer,
the API, the callbacks, the socket rooms and the web console's login gate).

The `monitor` role is a monitoring account (a Prometheus scraper, an uptime probe with an API
token): it reads the console's health detail and metrics, and no case, page or push.
"""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("duty", "manager", "prosecutor", "admin", "monitor")
FLAGGING_ROLES = frozenset({"prosecutor", "admin"})
HEALTH_ROLES = frozenset({"monitor", "admin"})
CASE_BLIND_ROLES = frozenset({"monitor"})
INTEGRITY_ROLES = frozenset({"manager", "prosecutor", "admin"})  # the integrity signals' readers
AUDIT_ROLES = frozenset({"prosecutor", "admin"})  # read the audit log (/audit, /api/v1/audit)
# The Socket.IO room of a viewer who sees no cases: pushes go to "country" and "region:<ISO>"
# rooms only, so nothing about a case reaches it (only what goes to every socket: the data's
# health, a server's Redis status, a resync).
NO_CASES_ROOM = "no-cases"


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
    def sees_cases(self) -> bool:
        """Whether the viewer may read cases at all (pages, callbacks, the API's case routes,
        pushes): every role but the monitoring account."""
        return self.role not in CASE_BLIND_ROLES

    @property
    def reads_health(self) -> bool:
        """Whether the viewer may read the health detail and the metrics (which name hosts,
        the consumer group, stream ids and per-region counts): monitors and admins."""
        return self.role in HEALTH_ROLES

    @property
    def reads_audit(self) -> bool:
        """Whether the viewer may read the audit log (who did what, to which case, when):
        prosecutors and admins."""
        return self.role in AUDIT_ROLES

    @property
    def room(self) -> str:
        """The Socket.IO room whose pushes this viewer may receive."""
        if not self.sees_cases:
            return NO_CASES_ROOM
        return f"region:{self.region}" if self.region else "country"

    @property
    def reads_integrity(self) -> bool:
        """Whether the viewer may read the integrity signals (page and API): managers (of
        their region), prosecutors and admins."""
        return self.role in INTEGRITY_ROLES
