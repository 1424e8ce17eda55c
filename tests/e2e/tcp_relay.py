"""A TCP relay on loopback (standard library only): each accepted connection is piped both ways,
as is, to a target. Counts the connections it accepts (moto cannot count them itself). Used by
the end-to-end tests (a KMS endpoint that "comes back") and benchmarks/origin_fetch.py."""

from __future__ import annotations

import socket
import threading


class TCPRelay:
    def __init__(self, target: tuple[str, int], port: int = 0) -> None:
        """Listens on 127.0.0.1:`port` (0: any free port, see `.port`) from now on."""
        self.target = target
        self.accepts = 0
        self.sock = socket.create_server(("127.0.0.1", port), backlog=128)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept_loop, daemon=True).start()

    def _accept_loop(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            self.accepts += 1
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self.sock.close()
