"""A WebSocket client on a bare socket, for what no well-behaved client does: never read,
send a frame the instant the handshake is answered, come from another local address."""

from __future__ import annotations

import base64
import os
import socket
import struct

OP_TEXT = 0x1
OP_CLOSE = 0x8


def connect_from(source: str, port: int, rcvbuf: int | None = None) -> socket.socket:
    """A TCP connection to 127.0.0.1:`port` from `source` (any 127.x.y.z is this machine,
    seen by the server as another client)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf is not None:  # set before connecting: it sizes the window offered
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.bind((source, 0))
    sock.settimeout(10)
    sock.connect(("127.0.0.1", port))
    return sock


def frame(payload: bytes, opcode: int = OP_TEXT) -> bytes:
    """One final client frame (masked, as a client's must be)."""
    mask = os.urandom(4)
    size = len(payload)
    if size < 126:
        length = bytes([0x80 | size])
    elif size < 1 << 16:
        length = bytes([0x80 | 126]) + struct.pack("!H", size)
    else:
        length = bytes([0x80 | 127]) + struct.pack("!Q", size)
    whole = (mask * (size // 4 + 1))[:size]
    masked = (int.from_bytes(payload, "big") ^ int.from_bytes(whole, "big")).to_bytes(size, "big")
    return bytes([0x80 | opcode]) + length + mask + masked


class RawWebSocket:
    """The client's side of one socket, read frame by frame."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""  # read off the socket, not yet taken

    def handshake(self, path: str, headers: dict[str, str] | None = None) -> bytes:
        """Sends the upgrade request and returns the answer's head as soon as it is in
        (read in chunks: a byte at a time would give the server time it should not have)."""
        key = base64.b64encode(os.urandom(16)).decode()
        extra = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
        self.sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: loket\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            f"Sec-WebSocket-Version: 13\r\n{extra}\r\n".encode()
        )
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.sock.recv(4096)
            if not chunk:
                break
            self.buffer += chunk
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        return head

    def _exactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the server closed the connection mid-frame")
            self.buffer += chunk
        taken, self.buffer = self.buffer[:size], self.buffer[size:]
        return taken

    def read_frame(self) -> tuple[int, bytes]:
        """The server's next frame (unmasked): (opcode, payload)."""
        first, second = self._exactly(2)
        size = second & 0x7F
        if size == 126:
            (size,) = struct.unpack("!H", self._exactly(2))
        elif size == 127:
            (size,) = struct.unpack("!Q", self._exactly(8))
        return first & 0x0F, self._exactly(size)

    def close_code(self) -> tuple[int, str]:
        """Reads frames up to the server's close frame: its code and reason."""
        while True:
            opcode, payload = self.read_frame()
            if opcode == OP_CLOSE:
                (code,) = struct.unpack("!H", payload[:2])
                return code, payload[2:].decode()
