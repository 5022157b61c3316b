"""Many bound partner sessions that do nothing but enquire_link (scenario 4, idle scale).

A single-threaded selector loop: connect and bind_transceiver N sessions (a bounded number of
binds in flight at once), then answer the gateway's enquire_link and send one of our own per
session every `keepalive` seconds. Hand-built PDUs (SMPP 3.4 section 4.1.5 bind_transceiver,
4.11 enquire_link), so this client shares no code with the gateway.
"""

import selectors
import socket
import struct
import time

BIND_TRANSCEIVER = 0x00000009
BIND_TRANSCEIVER_RESP = 0x80000009
ENQUIRE_LINK = 0x00000015
ENQUIRE_LINK_RESP = 0x80000015
GENERIC_NACK = 0x80000000


def pdu(command_id, sequence, body=b"", status=0):
    return struct.pack(">IIII", 16 + len(body), command_id, status, sequence) + body


def bind_body(system_id, password):
    return (system_id.encode() + b"\0" + password.encode() + b"\0" + b"\0"
            + bytes([0x34, 0, 0]) + b"\0")


class Session:
    __slots__ = ("sock", "inbuf", "bound", "failed", "next_seq", "next_keepalive")

    def __init__(self, sock):
        self.sock = sock
        self.inbuf = b""
        self.bound = False
        self.failed = None
        self.next_seq = 2
        self.next_keepalive = 0.0


class IdleSessions:
    """N sessions bound to 127.0.0.1:`port` as `system_id`; `pump(secs)` keeps them alive."""

    def __init__(self, port, system_id, password, keepalive=10.0):
        self.port = port
        self.bind_pdu = pdu(BIND_TRANSCEIVER, 1, bind_body(system_id, password))
        self.keepalive = keepalive
        self.sel = selectors.DefaultSelector()
        self.sessions = []
        self.enquire_links_sent = 0
        self.enquire_links_answered = 0

    def bound(self):
        return sum(1 for s in self.sessions if s.bound)

    def failures(self):
        reasons = {}
        for s in self.sessions:
            if s.failed:
                reasons[s.failed] = reasons.get(s.failed, 0) + 1
        return reasons

    def open(self, count, within, in_flight=200):
        """Connects and binds `count` sessions, at most `in_flight` binds pending at once."""
        deadline = time.monotonic() + within
        started = 0
        while time.monotonic() < deadline:
            pending = sum(1 for s in self.sessions if not s.bound and not s.failed)
            while started < count and pending < in_flight:
                self._connect()
                started += 1
                pending += 1
            if started >= count and pending == 0:
                break
            self._poll(0.05)
        return self.bound()

    def _connect(self):
        sock = socket.socket()
        try:
            sock.connect(("127.0.0.1", self.port))
            sock.setblocking(False)
            sock.send(self.bind_pdu)
        except OSError as e:
            session = Session(sock)
            session.failed = f"connect: {e.strerror or e}"
            sock.close()
            self.sessions.append(session)
            return
        session = Session(sock)
        self.sessions.append(session)
        self.sel.register(sock, selectors.EVENT_READ, session)

    def pump(self, seconds):
        """Keeps the sessions alive for `seconds`."""
        deadline = time.monotonic() + seconds
        while True:
            now = time.monotonic()
            if now >= deadline:
                return
            for s in self.sessions:
                if s.bound and not s.failed and now >= s.next_keepalive:
                    self._send(s, pdu(ENQUIRE_LINK, s.next_seq))
                    s.next_seq += 1
                    s.next_keepalive = now + self.keepalive
                    self.enquire_links_sent += 1
            self._poll(min(0.5, deadline - now))

    def _send(self, s, data):
        try:
            s.sock.send(data)
        except OSError as e:
            self._fail(s, f"send: {e.strerror or e}")

    def _fail(self, s, reason):
        if not s.failed:
            s.failed = reason
            s.bound = False
            try:
                self.sel.unregister(s.sock)
            except (KeyError, ValueError):
                pass
            s.sock.close()

    def _poll(self, timeout):
        for key, _ in self.sel.select(timeout):
            s = key.data
            try:
                data = s.sock.recv(65536)
            except BlockingIOError:
                continue
            except OSError as e:
                self._fail(s, f"recv: {e.strerror or e}")
                continue
            if not data:
                self._fail(s, "closed by the gateway" if s.bound else "closed before bind_resp")
                continue
            s.inbuf += data
            self._parse(s)

    def _parse(self, s):
        while len(s.inbuf) >= 16:
            length, command_id, status, sequence = struct.unpack(">IIII", s.inbuf[:16])
            if length < 16 or length > 65536:
                self._fail(s, f"bad command_length {length}")
                return
            if len(s.inbuf) < length:
                return
            s.inbuf = s.inbuf[length:]
            if command_id == BIND_TRANSCEIVER_RESP:
                if status == 0:
                    s.bound = True
                    s.next_keepalive = time.monotonic() + self.keepalive
                else:
                    self._fail(s, f"bind_transceiver_resp status 0x{status:08X}")
                    return
            elif command_id == ENQUIRE_LINK:
                self._send(s, pdu(ENQUIRE_LINK_RESP, sequence))
            elif command_id == ENQUIRE_LINK_RESP:
                self.enquire_links_answered += 1
            elif command_id & 0x80000000 == 0:
                self._send(s, pdu(GENERIC_NACK, sequence, status=0x00000003))

    def close(self):
        for s in self.sessions:
            if not s.failed:
                try:
                    self.sel.unregister(s.sock)
                except (KeyError, ValueError):
                    pass
                s.sock.close()
        self.sessions.clear()
        self.sel.close()
