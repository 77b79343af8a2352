"""The WebSocket under Socket.IO closes quietly when the peer closed its end at the same
moment (console/web/websockets.py): a stopping server's goodbye left a traceback in the log
one time in five when the client's close won the race."""

from __future__ import annotations

import base64
import os
import socket
from collections.abc import Iterator

import pytest
import simple_websocket
from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI

from console.web.app import WebApp
from console.web.websockets import ClosingSafelyWebSocket


@pytest.fixture
def peers() -> Iterator[tuple[socket.socket, socket.socket]]:
    """A connected pair of sockets: the server's end, the client's end."""
    ours, theirs = socket.socketpair()
    yield ours, theirs
    theirs.close()  # ends the reader thread blocked on the server's end
    ours.close()


def open_websocket(
    wrapper: SimpleWebSocketWSGI, ours: socket.socket, theirs: socket.socket
) -> None:
    """Accept a real WebSocket handshake on `ours` (the client sent it on `theirs`)."""
    key = base64.b64encode(os.urandom(16)).decode()
    environ = {
        "werkzeug.socket": ours,
        "HTTP_HOST": "localhost",
        "HTTP_CONNECTION": "Upgrade",
        "HTTP_UPGRADE": "websocket",
        "HTTP_SEC_WEBSOCKET_KEY": key,
        "HTTP_SEC_WEBSOCKET_VERSION": "13",
    }
    wrapper.ws = simple_websocket.Server(environ)
    assert theirs.recv(4096).startswith(b"HTTP/1.1 101")


def close_as_the_peer_won(wrapper: SimpleWebSocketWSGI) -> None:
    """The moment of the race: the reader thread has closed the socket (the client's close
    came in) while the connection still reads as open to the closing writer."""
    wrapper.ws.sock.close()  # (a recv blocked in the reader thread does not wake on close)
    assert wrapper.ws.connected
    wrapper.close()


def test_engineios_own_wrapper_fails_on_that_race(
    peers: tuple[socket.socket, socket.socket],
) -> None:
    """What the fix is for (if simple-websocket fixes it, this test says so)."""
    wrapper = SimpleWebSocketWSGI(lambda _ws: [], None)
    open_websocket(wrapper, *peers)
    with pytest.raises(OSError):
        close_as_the_peer_won(wrapper)


def test_the_consoles_wrapper_closes_quietly_on_that_race(
    peers: tuple[socket.socket, socket.socket],
) -> None:
    wrapper = ClosingSafelyWebSocket(lambda _ws: [], None)
    open_websocket(wrapper, *peers)
    close_as_the_peer_won(wrapper)  # raises nothing
    wrapper.close()  # nor a second time, the connection closed by then


def test_the_consoles_wrapper_still_says_goodbye_on_an_open_connection(
    peers: tuple[socket.socket, socket.socket],
) -> None:
    ours, theirs = peers
    wrapper = ClosingSafelyWebSocket(lambda _ws: [], None)
    open_websocket(wrapper, ours, theirs)
    wrapper.close()
    frame = theirs.recv(4096)
    assert frame[0] == 0x88, frame  # FIN + opcode 8: a WebSocket CLOSE frame
    assert not wrapper.ws.connected


def test_the_app_serves_its_sockets_through_the_consoles_wrapper(web: WebApp) -> None:
    eio = web.socketio.server.eio  # type: ignore[attr-defined]  # (untyped)
    assert eio._async["websocket"] is ClosingSafelyWebSocket
