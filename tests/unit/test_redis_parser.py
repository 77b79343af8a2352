"""The product parses Redis replies in C: hiredis is a dependency, and redis-py picks it up."""

from __future__ import annotations

import redis
from redis._parsers import _HiredisParser

from data import streams


def test_stream_reads_use_the_hiredis_parser() -> None:
    """Dropping hiredis from the dependencies (or redis-py no longer finding it) slows every
    stream read 4-6 times (docs/PERFORMANCE.md): the connections the product makes must parse
    with it."""
    assert redis.utils.HIREDIS_AVAILABLE
    client = streams.connect("redis://127.0.0.1:1/0")  # never connected: the pool's settings
    assert client.connection_pool.make_connection()._parser.__class__ is _HiredisParser
