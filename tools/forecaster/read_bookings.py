#!/usr/bin/env python3
"""A demand forecaster's reader of the platform's booking events (ANA-2, issue 14 point 5a).

Written against the NATS wire protocol and the JetStream API alone, with no code of the platform's
and no client library, so it shows what any outside consumer needs: a durable pull consumer of its
own on stream CAAS, filtered to caas.bookings.>, created with the subject form that carries the
filter (the only one the forecaster user may publish to), events acknowledged one by one.

    read_bookings.py URL USER PASSWORD [--expect N] [--try-publish]

Prints each CloudEvent as one JSON line. --try-publish then tries to publish on caas.bookings and
prints PUBLISH_REFUSED when the server answers with a permissions violation.
"""
import json
import socket
import sys
import time
import urllib.parse

STREAM = "CAAS"
DURABLE = "forecaster"
FILTER = "caas.bookings.>"


class Nats:
    def __init__(self, url, user, password):
        parsed = urllib.parse.urlparse(url)
        self.sock = socket.create_connection((parsed.hostname, parsed.port or 4222), timeout=10)
        self.buffer = b""
        self.errors = []
        self.read_line()  # INFO
        connect = {"verbose": False, "pedantic": False, "user": user, "pass": password, "headers": True, "no_responders": True, "name": "forecaster"}
        self.send(b"CONNECT " + json.dumps(connect).encode() + b"\r\nPING\r\n")
        self.wait_pong()

    def send(self, data):
        self.sock.sendall(data)

    def publish(self, subject, payload, reply=None):
        head = f"PUB {subject} {reply + ' ' if reply else ''}{len(payload)}\r\n".encode()
        self.send(head + payload + b"\r\n")

    def read_line(self):
        while b"\r\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the server closed the connection")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line.decode()

    def read_bytes(self, count):
        while len(self.buffer) < count + 2:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the server closed the connection")
            self.buffer += chunk
        data, self.buffer = self.buffer[:count], self.buffer[count + 2:]
        return data

    def wait_pong(self):
        while True:
            line = self.read_line()
            if line == "PONG":
                return
            if line.startswith("-ERR"):
                self.errors.append(line)
            elif line == "PING":
                self.send(b"PONG\r\n")

    def next_message(self):
        """(subject, reply, headers, body) of the next message, None on a server PING/OK/ERR line."""
        line = self.read_line()
        if line == "PING":
            self.send(b"PONG\r\n")
            return None
        if line.startswith("-ERR"):
            self.errors.append(line)
            return None
        parts = line.split(" ")
        if parts[0] == "MSG":
            reply = parts[3] if len(parts) == 5 else None
            return parts[1], reply, "", self.read_bytes(int(parts[-1]))
        if parts[0] == "HMSG":
            reply = parts[3] if len(parts) == 6 else None
            header_length, total = int(parts[-2]), int(parts[-1])
            data = self.read_bytes(total)
            return parts[1], reply, data[:header_length].decode(), data[header_length:]
        return None

    def request(self, subject, payload, inbox):
        self.publish(subject, payload, inbox)
        while True:
            message = self.next_message()
            if message is not None and message[0] == inbox:
                return message


def main():
    url, user, password = sys.argv[1:4]
    expect = int(sys.argv[sys.argv.index("--expect") + 1]) if "--expect" in sys.argv else 0
    nats = Nats(url, user, password)
    nats.send(b"SUB _INBOX.forecaster.> 1\r\n")
    config = {"stream_name": STREAM, "config": {"durable_name": DURABLE, "filter_subject": FILTER, "ack_policy": "explicit", "deliver_policy": "all"}}
    _, _, _, answer = nats.request(f"$JS.API.CONSUMER.CREATE.{STREAM}.{DURABLE}.{FILTER}", json.dumps(config).encode(), "_INBOX.forecaster.create")
    created = json.loads(answer)
    if "error" in created:
        print("CONSUMER_REFUSED " + json.dumps(created["error"]), flush=True)
        return 2
    seen = 0
    deadline = time.time() + 60
    while time.time() < deadline:
        nats.publish(f"$JS.API.CONSUMER.MSG.NEXT.{STREAM}.{DURABLE}", json.dumps({"batch": 50, "expires": 1_000_000_000}).encode(), "_INBOX.forecaster.next")
        while True:
            message = nats.next_message()
            if message is None:
                continue
            subject, reply, headers, body = message
            if headers.startswith("NATS/1.0 4"):  # 404 no messages, 408 the batch expired
                break
            if reply and reply.startswith("$JS.ACK."):
                print(body.decode(), flush=True)
                nats.publish(reply, b"+ACK")
                seen += 1
        if expect and seen >= expect:
            break
        if not expect and seen > 0:
            break
    if "--try-publish" in sys.argv:
        nats.publish("caas.bookings.forged", b"{}")
        nats.send(b"PING\r\n")
        nats.wait_pong()
        if any("Permissions Violation" in error for error in nats.errors):
            print("PUBLISH_REFUSED", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
