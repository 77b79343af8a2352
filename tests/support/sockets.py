"""Which process holds a TCP connection: the worker processes of a `kup-console serve` and the
server side of each client connection, read from /proc (Linux), for the tests and benchmarks
that spread clients over several workers."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import socketio

_ESTABLISHED = "01"


def child_pids(pid: int) -> list[int]:
    """The direct children of process `pid` (a gunicorn master's: its workers)."""
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children += [int(c) for c in (task / "children").read_text().split()]
        except OSError:  # the task ended meanwhile
            pass
    return sorted(children)


def local_port(client: socketio.Client) -> int:
    """The local port of a connected python-socketio client's WebSocket."""
    return int(client.eio.ws.sock.getsockname()[1])


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").glob("*"):
        try:
            target = os.readlink(fd)
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def connection_owners(server_port: int, pids: Iterable[int]) -> dict[int, int]:
    """Client port -> which of `pids` holds the server side of that established TCP connection
    to `server_port` (connections no process of `pids` holds are left out)."""
    by_inode: dict[str, int] = {}
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(name).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, remote, state, inode = fields[1], fields[2], fields[3], fields[9]
            if state == _ESTABLISHED and int(local.rsplit(":", 1)[1], 16) == server_port:
                by_inode[inode] = int(remote.rsplit(":", 1)[1], 16)
    owners: dict[int, int] = {}
    for pid in pids:
        for inode in _socket_inodes(pid) & by_inode.keys():
            owners[by_inode[inode]] = pid
    return owners
