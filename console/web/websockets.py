"""The WebSocket transport under Socket.IO (python-engineio's wrapper of simple-websocket),
with its close made safe against the peer closing at the same moment.

When this server closes a socket (a stop, a logout) the client answers by closing its end.
simple-websocket's reader thread then closes the connection's socket, and the closing side,
which checked a moment before that the connection was open, writes its CLOSE frame to a
socket that is gone: `OSError: [Errno 9] Bad file descriptor` in engineio's writer thread,
a traceback in the log for an ordinary goodbye (simple-websocket catches only
BrokenPipeError there). The connection is closed either way: nothing is lost by ignoring it.
"""

from __future__ import annotations

from typing import Any

import simple_websocket
from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI


class ClosingSafelyWebSocket(SimpleWebSocketWSGI):  # type: ignore[misc]  # untyped
    """engineio's threading WebSocket wrapper, whose `close` is quiet when the peer's close
    won the race (the socket already closed, or the connection already marked closed)."""

    def close(self) -> None:
        try:
            super().close()
        except (OSError, simple_websocket.ConnectionClosed):
            self.ws.connected = False  # the reader thread closed the socket first


def close_websockets_safely(engineio_server: Any) -> None:
    """Make this Engine.IO server (threading mode) use `ClosingSafelyWebSocket`; its drivers
    table is shared by every server of the process, so this one gets a copy of its own."""
    engineio_server._async = {**engineio_server._async, "websocket": ClosingSafelyWebSocket}
