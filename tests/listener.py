"""A TCP listener on 127.0.0.1 that records every connection made to it: proof, when it
records none, that the code under test fetched nothing."""
from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# The ports these tests may listen on.
PORTS = range(18150, 18200)


class Listener:
    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self.port: int = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            conn.close()  # answer nothing: a fetch fails at once instead of waiting

    def seen(self) -> int:
        """Stop listening and count every connection, those still waiting to be accepted too."""
        if not self._stop.is_set():
            self._stop.set()
            self._thread.join()
            self._sock.setblocking(False)
            while True:
                try:
                    conn, _ = self._sock.accept()
                except OSError:
                    break
                self.connections += 1
                conn.close()
        return self.connections

    def close(self) -> None:
        self.seen()
        self._sock.close()


@contextmanager
def listening() -> Iterator[Listener]:
    """A Listener on the first free port of PORTS, closed afterwards."""
    for port in PORTS:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            sock.close()
            continue
        sock.listen(16)
        sock.settimeout(0.05)
        listener = Listener(sock)
        try:
            yield listener
        finally:
            listener.close()
        return
    raise RuntimeError(f"no free port in {PORTS}")
