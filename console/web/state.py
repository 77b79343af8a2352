"""Where a web app keeps its Services: `app.extensions["kup"]`, read back by `web_state()`."""

from __future__ import annotations

from flask import current_app

from console.runtime import Services

EXTENSION_KEY = "kup"


def web_state() -> Services:
    """The Services the current app was built on (inside a request, callback or app context)."""
    services: Services = current_app.extensions[EXTENSION_KEY]
    return services
