"""With PostgreSQL gone from under a running server, an API request answers 503 in
seconds rather than hanging for minutes (the library's pool waited 30 s for a connection,
and the library tries a statement 10 times: 5 minutes)."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from registry.commands.base import Actor
from tests.conftest import make_settings
from tests.e2e.api_support import build_app

# Seconds an answer may take with the server gone: the library's 10 tries of 1 s each
# (store.POOL_WAIT_S) and our own pool's 5 s (postgres.POOL_WAIT_S): 12-17 s measured.
BOUND_S = 20.0


class Relay:
    """A TCP relay to PostgreSQL that can go silent: every relayed connection is cut and
    new ones are accepted but never answered, as a server behind a dead link would be."""

    def __init__(self, port: int):
        self.target = ("127.0.0.1", port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.silent = False
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                self.sockets.append(client)
                if self.silent:
                    continue  # held open, never answered
                upstream = socket.create_connection(self.target)
                self.sockets.append(upstream)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass

    def go_silent(self) -> None:
        with self.lock:
            self.silent = True
            for sock in self.sockets:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self.sockets.clear()

    def close(self) -> None:
        self.go_silent()
        self.listener.close()


@pytest.mark.postgres
def test_an_authenticated_request_answers_503_within_seconds_when_postgresql_is_gone(
    postgres_url, tmp_path
):
    server, name = postgres_url.rsplit("/", 1)
    relay = Relay(int(server.rsplit(":", 1)[1]))
    relayed = f"{server.rsplit(':', 1)[0]}:{relay.port}/{name}"
    settings = make_settings(relayed, tmp_path)
    app = build_app(settings)
    try:
        registry = app.extensions["registry"].registry
        _, used = registry.create_account(Actor.system(), name="ops", role="admin")
        _, fresh = registry.create_account(Actor.system(), name="ops2", role="admin")
        client = app.test_client()
        assert (
            client.get("/api/v1/teachers", headers={"Authorization": f"Bearer {used}"}).status_code
            == 200
        )

        relay.go_silent()
        for token in (fresh, used):  # a token never checked, and one checked just now
            began = time.monotonic()
            answer = client.get("/api/v1/teachers", headers={"Authorization": f"Bearer {token}"})
            took = time.monotonic() - began
            assert answer.status_code == 503, answer.get_data(as_text=True)
            assert answer.get_json()["error"]["code"]
            assert took < BOUND_S, f"answered after {took:.1f} s"
    finally:
        relay.close()
        app.extensions["registry"].close()
