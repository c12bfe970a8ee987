"""No network: an accomplice's server on this machine's loopback, which would hand out the right
answers, never hears from the submission; DNS look-ups fail."""
import json
import socket
import threading

import numpy as np
import pytest
from redteam import available, grade, load


class Accomplice:
    """A TCP server on 127.0.0.1 that answers {"function", "input"} with the right result."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.server.accept()
            except OSError:
                continue
            self.connections += 1
            with conn:
                request = json.loads(conn.makefile().readline())
                x = np.asarray(request["input"], dtype=float)
                if request["function"] == "sigmoid":
                    answer = 1 / (1 + np.exp(-x))
                else:
                    e = np.exp(x - x.max(axis=1, keepdims=True))
                    answer = e / e.sum(axis=1, keepdims=True)
                conn.sendall(json.dumps(answer.tolist()).encode() + b"\n")

    def close(self):
        self.stop.set()
        self.thread.join()
        self.server.close()


MODES = {"sandbox": "", "unshare": "no-bwrap", "seccomp-only": "no-bwrap,no-unshare"}


@pytest.mark.parametrize("mode", list(MODES.values()), ids=list(MODES))
def test_no_connection_leaves_the_sandbox(mode):
    if mode and not available(mode, "network_isolated"):
        pytest.skip("this machine cannot isolate the network in this mode")
    accomplice = Accomplice()
    try:
        cheat = load("network")
        outcome = grade(cheat, mode=mode, port=accomplice.port, tests="test_hidden.py")
    finally:
        accomplice.close()
    assert accomplice.connections == 0
    outcome.assert_secure(cheat.targets)
    printed = outcome.output_of("sigmoid")
    assert "CONNECT refused" in printed and "OPEN" not in printed
    assert "dns pypi.org refused" in printed
