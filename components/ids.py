"""Component ids, in one place (callbacks and browser tests import these, never literals)."""

from __future__ import annotations

# Shell: present on every page.
URL = "url"
LANG = "lang-store"
THEME = "theme-store"
CLIENT = "client-store"  # what clientside code needs: timezone, language, banner texts
SOCKET = "socket"
CONNECTION = "connection-store"  # {"connected": bool, "synced_at": epoch ms of the last data}
RESYNC = "resync-store"  # bumped when the socket reconnects: pages re-query the store
NAV_USER = "nav-user"
LANG_SELECT = "lang-select"
THEME_SWITCH = "theme-switch"
BANNER = "connection-banner"
BANNER_TEXT = "connection-banner-text"
HEALTH_ALERT = "data-health-alert"
DEAD_GRID = "dead-letters-grid"
DEAD_SUMMARY = "dead-letters-summary"
LIVE_BADGE = "live-badge"
PAGE = "page"

# Live page.
LIVE_REGION = "live-region"
LIVE_DISTRICT = "live-district"
LIVE_CATEGORY = "live-category"
LIVE_KIND = "live-kind"
LIVE_OPENED = "live-opened-store"  # ISO instant the page opened
LIVE_FEED = "live-feed"
LIVE_NEW_COUNT = "live-new-count"
LIVE_NEW = "live-new-store"  # {"key": filters, "count": n} behind the counter
LIVE_STRIP = "live-strip"
LIVE_MAP = "live-map"
LIVE_MEASURE = "live-measure"
LIVE_MAP_TICK = "live-map-tick"
LIVE_MAP_KEY = "live-map-key-store"  # what the full figure on screen was built for
LIVE_MAP_CHANGES = "live-map-changes-store"  # the "changes" pushes the map follows (throttled)
LIVE_POINTS = "live-points"  # the switch showing or hiding the map's points
LIVE_MAP_HINT = "live-map-hint"  # what a click on the map does (with or without points)

# Overdue page.
OVERDUE_REGION = "overdue-region"
OVERDUE_DISTRICT = "overdue-district"
OVERDUE_CATEGORY = "overdue-category"
OVERDUE_KIND = "overdue-kind"
OVERDUE_UNIT = "overdue-unit"
OVERDUE_FLAGGED = "overdue-flagged"
OVERDUE_TABS = "overdue-tabs"
OVERDUE_GRID = "overdue-grid"
OVERDUE_COUNT = "overdue-count"
DUE_SOON_GRID = "due-soon-grid"
DUE_SOON_COUNT = "due-soon-count"
OVERDUE_NEWLY = "overdue-newly-store"  # reg_nos that crossed their deadline while watching
OVERDUE_NEWLY_TEXT = "overdue-newly-text"
OVERDUE_TICK = "overdue-tick"
OVERDUE_EXPORT = "overdue-export"  # as an Excel workbook
OVERDUE_EXPORT_CSV = "overdue-export-csv"
OVERDUE_DOWNLOAD = "overdue-download"
FLAG_SELECTED = "flag-selected"
FLAG_COMMENT = "flag-comment"
FLAG_BUTTON = "flag-button"
FLAG_RESULT = "flag-result"
FLAG_VERSION = "flag-version-store"  # bumped after a flag change: grids re-query
FLAG_HISTORY = "flag-history"  # the selected case's active flag and its comments
OVERDUE_PRINT_HEADER = "overdue-print-header"  # who printed the list, and when (print only)

# Workload page.
WORKLOAD_BREADCRUMB = "workload-breadcrumb"
WORKLOAD_TITLE = "workload-title"
WORKLOAD_CARD_TITLE = "workload-card-title"  # what the table lists at this drill-down point
WORKLOAD_PRINT_HEADER = "workload-print-header"  # who printed the page, and when (print only)
WORKLOAD_GRID = "workload-grid"
WORKLOAD_GRID_BOX = "workload-grid-box"
WORKLOAD_CASES_BOX = "workload-cases-box"
WORKLOAD_CASES = "workload-cases-grid"
WORKLOAD_CHART = "workload-chart"
WORKLOAD_TICK = "workload-tick"
WORKLOAD_EXPORT = "workload-export"  # as an Excel workbook
WORKLOAD_EXPORT_CSV = "workload-export-csv"
WORKLOAD_DOWNLOAD = "workload-download"

# Case page.
CASE_REG_NO = "case-reg-no-store"
CASE_BODY = "case-body"
CASE_FLAG_COMMENT = "case-flag-comment"
CASE_FLAG_BUTTON = "case-flag-button"
CASE_FLAG_RESULT = "case-flag-result"
CASE_FLAGS = "case-flags"
CASE_FLAG_VERSION = "case-flag-version-store"  # bumped after a flag change: body re-renders
CASE_BREACHES = "case-breaches"  # the record of deadline breaches
CLEAR_FLAG_TYPE = "case-clear-flag"
CLEAR_COMMENT_TYPE = "case-clear-flag-comment"


def clear_flag_button(flag_id: int) -> dict[str, object]:
    """Pattern-matching id of the "clear" button of one flag on the case page."""
    return {"type": CLEAR_FLAG_TYPE, "flag": flag_id}


def clear_flag_comment(flag_id: int) -> dict[str, object]:
    """Pattern-matching id of the comment box a flag is cleared with on the case page."""
    return {"type": CLEAR_COMMENT_TYPE, "flag": flag_id}


# Case search (the navbar's box and its list of cases found).
SEARCH_INPUT = "case-search-input"
SEARCH_RESULTS = "case-search-results"
SEARCH_PATH = "case-search-path"  # the page the box was last emptied for

# Wall screen (/wall).
WALL = "wall"
WALL_SCOPE = "wall-scope"
WALL_CLOCK = "wall-clock"  # filled by assets/kup-wall.js
WALL_CONNECTION = "wall-connection"
WALL_SOUND = "wall-sound"  # the switch: a tone when a case newly needs attention
WALL_DARK = "wall-dark"  # the switch: the wall's colour mode (dark unless switched off)
WALL_COUNTERS = "wall-counters"
WALL_MAP = "wall-map"
WALL_MAP_KEY = "wall-map-key-store"  # what the full figure on screen was built for
WALL_MAP_CHANGES = "wall-map-changes-store"  # the "changes" pushes the map follows (throttled)
WALL_FEED = "wall-feed"
WALL_FEED_MEMORY = "wall-feed-store"  # the feed's arrivals and the day's count behind it
WALL_ATTENTION = "wall-attention"
WALL_ATTENTION_MEMORY = "wall-attention-store"  # the events seen and those new on screen
WALL_ALERT = "wall-alert-store"  # {"new": n, "seq": k}: bumped when an event newly arrives
LIVE_WALL_LINK = "live-wall-link"  # the live page's link to the wall screen
# The daily summary page (/summary).
DAILY_DATE = "daily-date"
DAILY_REGION = "daily-region"
DAILY_PDF = "daily-pdf"
DAILY_BODY = "daily-body"
DAILY_ALERT = "daily-alert"
DAILY_HEADLINE = "daily-headline"
DAILY_PRINT_HEADER = "daily-print-header"
# The alert ladder on the case page (components/alerts.py): pattern-matching ids carry the
# alert's id ({"type": ..., "alert": id}; the buttons also their "action").
CASE_ALERT_VERSION = "case-alert-version-store"  # bumped after an alert step: body re-renders
CASE_ALERT_RESULT = "case-alert-result"
CASE_ALERTS = "case-alerts"  # the alert card (its own callback: pushes re-render only it)
ALERT_ACTION_TYPE = "case-alert-action"
ALERT_COMMENT_TYPE = "case-alert-comment"
ALERT_ASSIGNEE_TYPE = "case-alert-assignee"
# Integrity signals page (/integrity).
INTEGRITY_GROUP = "integrity-group"
INTEGRITY_WINDOW = "integrity-window"
INTEGRITY_REGION = "integrity-region"
INTEGRITY_GRID = "integrity-grid"
INTEGRITY_SUMMARY = "integrity-summary"
INTEGRITY_CASES = "integrity-cases"
INTEGRITY_EXPORT = "integrity-export"
INTEGRITY_EXPORT_CSV = "integrity-export-csv"
INTEGRITY_DOWNLOAD = "integrity-download"
# Audit page (/audit).
AUDIT_STATE = "audit-state"  # the chain's verification state
AUDIT_STATE_TEXT = "audit-state-text"
AUDIT_USER = "audit-filter-user"
AUDIT_REG_NO = "audit-filter-reg-no"
AUDIT_ACTION = "audit-filter-action"
AUDIT_SINCE = "audit-filter-since"
AUDIT_UNTIL = "audit-filter-until"
AUDIT_SUMMARY = "audit-summary"
AUDIT_GRID = "audit-grid"
AUDIT_FORBIDDEN = "audit-forbidden"
NAV_OVERSIGHT = "nav-oversight"  # the navbar's menu of oversight pages (two or more)

# looking back (as_of): the shell's banner, the live page's time control
AS_OF_BANNER = "as-of-banner"
LIVE_TIME = "live-time"
NAV_LINK = "nav-link"  # a navbar page link ({"type": NAV_LINK, "path": its page})
