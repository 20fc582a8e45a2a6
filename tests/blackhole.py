"""A loopback TCP proxy that can go silent: what a dropped route or a dead NAT entry does.

:meth:`Proxy.black_hole` stops every connection forwarding in both directions without
closing it (no RST, no FIN: the peers' writes succeed and nothing ever arrives), and new
connections are accepted and never forwarded either. :meth:`Proxy.restore` brings the
network back for new connections; the old ones stay dead, as they would after a real
outage.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field


@dataclass
class Proxy:
    target: tuple[str, int]
    listener: socket.socket = field(init=False)
    port: int = field(init=False)
    _epoch: int = 0  # connections of an earlier epoch never forward again
    _silent: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _sockets: list[socket.socket] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def black_hole(self) -> None:
        with self._lock:
            self._silent = True
            self._epoch += 1

    def restore(self) -> None:
        with self._lock:
            self._silent = False

    def close(self) -> None:
        self.listener.close()
        for sock in self._sockets:
            try:
                sock.close()
            except OSError:
                pass

    def _alive(self, epoch: int) -> bool:
        with self._lock:
            return epoch == self._epoch and not self._silent

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self._sockets.append(client)
            with self._lock:
                epoch, silent = self._epoch, self._silent
            if silent:
                continue  # accepted, never forwarded: the connection hangs
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            self._sockets.append(server)
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b, epoch), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, epoch: int) -> None:
        source.settimeout(0.2)
        while True:
            if not self._alive(epoch):
                if epoch != self._epoch:
                    return  # dead for good: stop reading, keep the socket open
                continue
            try:
                data = source.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            if not data:
                return
            if not self._alive(epoch):
                return  # swallowed: it went into the hole
            try:
                sink.sendall(data)
            except OSError:
                return
