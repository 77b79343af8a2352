"""Where a web app keeps its Services: `app.extensions["kup"]`, read back by `web_state()`."""

from __future__ import annotations

from flask import current_app

from console.runtime import Services
from console.web.as_of import looking_back_at

EXTENSION_KEY = "kup"


def web_state() -> Services:
    """The Services the current app was built on (inside a request, callback or app context);
    for a request that looks back (`as_of`), those services as they stood then."""
    services: Services = current_app.extensions[EXTENSION_KEY]
    at = looking_back_at()
    return services.looking_back(at) if at is not None else services
