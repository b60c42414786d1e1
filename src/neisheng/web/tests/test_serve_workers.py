"""`neisheng serve --workers N` (issue 17): several worker processes (gunicorn) on the port
bound at once, so a busy port is one sentence as with one process (waitress)."""

from __future__ import annotations

import socket

import pytest

from neisheng.console import UserError
from neisheng.web import commands


def test_more_than_one_worker_serves_through_gunicorn_on_the_port_bound_at_once():
    server = commands._bind("127.0.0.1", 0, workers=2, threads=3)
    try:
        assert isinstance(server, commands._Workers)
        assert (server.workers, server.threads) == (2, 3)
        assert server.sock.getsockname()[1] > 0
    finally:
        server.close()


@pytest.mark.parametrize("workers", [1, 2])
def test_a_busy_port_is_one_sentence_whatever_the_workers(workers):
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        with pytest.raises(UserError, match="cannot listen there"):
            commands._bind("127.0.0.1", port, workers=workers)
