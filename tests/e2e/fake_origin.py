"""A scriptable stand-in for an S3 endpoint: a small threaded HTTP/1.1 server on loopback.

Standard library only (benchmarks/origin_fetch.py imports it too). It records every request
exactly as it arrived (raw request line and header bytes, nothing normalised), counts accepted
TCP connections, keeps connections alive, and answers each request through a `behaviour`
callable, so tests can make it misbehave in precise ways: a body shorter than its
Content-Length, a reset mid-body, a first byte that never comes in time, a stall mid-body, a
body paced over time (`trickle`, `pause_mid_body`); or behave as S3 does with conditionals and
ranges (`s3_object`).

    with FakeOrigin() as origin:            # listening on 127.0.0.1:origin.port
        origin.behaviour = FakeOrigin.truncate(100_000, 40_000)
        ...
        origin.requests                     # [RecordedRequest, ...]
        origin.accepts                      # TCP connections accepted so far
"""

from __future__ import annotations

import hashlib
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import unquote_to_bytes

# What every successful answer carries, like S3 for an object stored with SSE-KMS.
KMS_HEADERS = [
    ("x-amz-server-side-encryption", "aws:kms"),
    ("x-amz-server-side-encryption-aws-kms-key-id",
     "arn:aws:kms:eu-west-2:123456789012:key/0f0e0d0c-0b0a-0908-0706-050403020100"),
    ("x-amz-server-side-encryption-bucket-key-enabled", "true"),
]
# S3's identifying headers, which s3edge must withhold from viewers.
S3_ID_HEADERS = [
    ("x-amz-id-2", "fake+id2/abcdefghijklmnopqrstuvwxyz0123456789="),
    ("x-amz-request-id", "FAKEREQUESTID0001"),
    ("x-amzn-requestid", "fake-amzn-request-id"),
    ("x-amz-content-sha256", "UNSIGNED-PAYLOAD"),
    ("Server", "AmazonS3"),
]


@dataclass
class RecordedRequest:
    """One request as the origin received it."""

    raw: bytes  # request line and headers, up to and including the blank line
    connection: int  # index of the TCP connection it came on (1-based accept order)
    method: str = ""
    target: str = ""
    version: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def parse(cls, raw: bytes, connection: int) -> "RecordedRequest":
        text = raw.decode("latin-1")
        lines = text.split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) >= 3:
            method, target, version = parts[0], " ".join(parts[1:-1]), parts[-1]
        else:
            method, target, version = (parts + ["", ""])[:3]
        headers = []
        for line in lines[1:]:
            if not line:
                continue
            name, _, value = line.partition(":")
            headers.append((name.strip(), value.strip()))
        return cls(raw, connection, method, target, version, headers)

    def header(self, name: str) -> str | None:
        values = self.header_values(name)
        return values[0] if values else None

    def header_values(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def decoded_path(self) -> bytes:
        """The path percent-decoded once, as S3 reads it."""
        return unquote_to_bytes(self.path)


@dataclass
class Answer:
    """What to send for one request; built by behaviours."""

    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    # Faults
    first_byte_delay: float = 0.0  # seconds before anything is sent
    send_only: int | None = None  # send this many body bytes, then `end`
    end: str = "complete"  # complete | close | reset | stall
    stall_seconds: float = 0.0  # for end == "stall": hold the connection this long, then close
    raw: bytes | None = None  # send these bytes verbatim instead of a built answer, then close (or reset)
    # A generated body of `stream_size` bytes, in 64 KiB writes with `stream_interval` seconds
    # between them, instead of `body` (FakeOrigin.body_bytes_sent counts what the kernel took).
    stream_size: int | None = None
    stream_interval: float = 0.0
    # A paced body instead of `body`: (seconds to wait, bytes to send) in order, then `end`
    # (FakeOrigin.paced_answers_sent counts those sent to the last piece).
    pieces: list[tuple[float, bytes]] | None = None


Behaviour = Callable[[RecordedRequest], Answer]


def object_answer(body: bytes, *, content_type: str = "application/octet-stream",
                  extra: list[tuple[str, str]] | None = None) -> Behaviour:
    """200 with `body`, an ETag, SSE-KMS headers and S3's identifying headers; HEAD without body."""
    etag = '"' + hashlib.md5(body).hexdigest() + '"'

    def answer(request: RecordedRequest) -> Answer:
        headers = [
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
            ("ETag", etag),
            ("Last-Modified", "Tue, 01 Oct 2024 10:00:00 GMT"),
            ("Accept-Ranges", "bytes"),
            *KMS_HEADERS,
            *S3_ID_HEADERS,
            *(extra or []),
        ]
        return Answer(200, headers, b"" if request.method == "HEAD" else body)

    return answer


class FakeOrigin:
    """Threaded HTTP/1.1 origin on 127.0.0.1 (or `port`). Thread-safe records."""

    def __init__(self, behaviour: Behaviour | None = None, *, port: int = 0, host: str = "127.0.0.1") -> None:
        self.behaviour: Behaviour = behaviour or object_answer(b"fake origin object\n", content_type="text/plain")
        self.objects: dict[str, Behaviour] | None = None  # path -> behaviour, when set (else `behaviour`)
        self.requests: list[RecordedRequest] = []
        self.accepts = 0
        self.body_bytes_sent = 0  # streamed bodies (Answer.stream_size) only
        self.send_errors: list[str] = []  # streamed bodies cut off by the peer
        self.paced_answers_sent = 0  # answers with `pieces` sent to their last piece
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._conns: set[socket.socket] = set()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen(128)
        self.sock.settimeout(0.2)
        self.host = host
        self.port = self.sock.getsockname()[1]
        self._thread = threading.Thread(target=self._accept_loop, name=f"fake-origin-{self.port}", daemon=True)
        self._thread.start()

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    # ---- records

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.accepts = 0

    def snapshot(self) -> tuple[int, int]:
        """(number of requests, number of accepts) so far, to diff against later."""
        with self._lock:
            return len(self.requests), self.accepts

    def requests_since(self, mark: int) -> list[RecordedRequest]:
        with self._lock:
            return list(self.requests[mark:])

    # ---- behaviours

    @staticmethod
    def truncate(length: int, sent: int) -> Behaviour:
        """Announces `length` bytes, sends `sent`, then closes (FIN)."""
        def answer(request: RecordedRequest) -> Answer:
            a = object_answer(bytes(length))(request)
            a.send_only, a.end = sent, "close"
            return a
        return answer

    @staticmethod
    def reset_mid_body(length: int, sent: int) -> Behaviour:
        """Announces `length` bytes, sends `sent`, then resets the connection (RST)."""
        def answer(request: RecordedRequest) -> Answer:
            a = object_answer(bytes(length))(request)
            a.send_only, a.end = sent, "reset"
            return a
        return answer

    @staticmethod
    def slow_first_byte(delay: float, body: bytes = b"late\n") -> Behaviour:
        def answer(request: RecordedRequest) -> Answer:
            a = object_answer(body)(request)
            a.first_byte_delay = delay
            return a
        return answer

    @staticmethod
    def stall_mid_body(length: int, sent: int, seconds: float) -> Behaviour:
        def answer(request: RecordedRequest) -> Answer:
            a = object_answer(bytes(length))(request)
            a.send_only, a.end, a.stall_seconds = sent, "stall", seconds
            return a
        return answer

    @staticmethod
    def status(code: int, body: bytes = b"", headers: list[tuple[str, str]] | None = None) -> Behaviour:
        def answer(request: RecordedRequest) -> Answer:
            h = [("Content-Type", "application/xml"), ("Content-Length", str(len(body))), *S3_ID_HEADERS,
                 *(headers or [])]
            return Answer(code, h, b"" if request.method == "HEAD" else body)
        return answer

    @staticmethod
    def stream(size: int, interval: float = 0.0, *, sse: str = "aws:kms") -> Behaviour:
        """200 with a generated body of `size` bytes written in 64 KiB pieces (`interval` seconds
        apart), with `x-amz-server-side-encryption: sse`."""
        def answer(request: RecordedRequest) -> Answer:
            headers = [("Content-Type", "application/octet-stream"), ("Content-Length", str(size)),
                       ("x-amz-server-side-encryption", sse)]
            return Answer(200, headers, stream_size=None if request.method == "HEAD" else size,
                          stream_interval=interval)
        return answer

    @staticmethod
    def reset_before_head() -> Behaviour:
        """Reads the request, then resets the connection without sending a byte."""
        return lambda request: Answer(raw=b"", end="reset")

    @staticmethod
    def raw_bytes(data: bytes) -> Behaviour:
        return lambda request: Answer(raw=data)

    @staticmethod
    def paced(body: bytes, schedule: list[tuple[float, int]], *, end: str = "complete",
              content_type: str = "application/octet-stream",
              extra: list[tuple[str, str]] | None = None) -> Behaviour:
        """200 announcing all of `body` (object_answer's headers), sent as `schedule` says: for
        each (seconds, count), wait `seconds`, then send the next `count` bytes; then `end`
        ("complete", or "close" / "reset" to break off after the scheduled bytes). HEAD: no body."""
        def answer(request: RecordedRequest) -> Answer:
            a = object_answer(body, content_type=content_type, extra=extra)(request)
            if request.method == "HEAD":
                return a
            pieces, at = [], 0
            for seconds, count in schedule:
                pieces.append((seconds, body[at:at + count]))
                at += count
            a.body, a.pieces, a.end = b"", pieces, end
            return a
        return answer

    @staticmethod
    def trickle(body: bytes, piece: int = 65536, interval: float = 0.05, *,
                extra: list[tuple[str, str]] | None = None) -> Behaviour:
        """All of `body`, in `piece`-byte writes `interval` seconds apart."""
        count = max(1, -(-len(body) // piece))
        schedule = [(0.0 if i == 0 else interval, piece) for i in range(count)]
        return FakeOrigin.paced(body, schedule, extra=extra)

    @staticmethod
    def pause_mid_body(body: bytes, sent: int, seconds: float, *, then: str = "complete",
                       extra: list[tuple[str, str]] | None = None) -> Behaviour:
        """The first `sent` bytes of `body` at once, then a pause of `seconds`, then the rest
        (`then="complete"`), or nothing more and a close / reset (`then="close"` / `"reset"`)."""
        rest = len(body) - sent if then == "complete" else 0
        return FakeOrigin.paced(body, [(0.0, sent), (seconds, rest)], end=then, extra=extra)

    @staticmethod
    def s3_object(body: bytes, *, etag: str | None = None, last_modified: str = "Tue, 01 Oct 2024 10:00:00 GMT",
                  content_type: str = "application/octet-stream",
                  extra: list[tuple[str, str]] | None = None) -> Behaviour:
        """An object answered as S3's GetObject/HeadObject would: 200 with object_answer's headers
        (and `extra`, e.g. Cache-Control); 304 (ETag, Last-Modified, SSE and `extra`, no body) for
        an If-None-Match naming the ETag (or `*`), or, without If-None-Match, an If-Modified-Since
        not earlier than Last-Modified; 206 with Content-Range for one satisfiable `bytes=` range
        (several ranges: the whole object, as S3 does), 416 with `Content-Range: bytes */N` for an
        unsatisfiable one."""
        from email.utils import parsedate_to_datetime

        tag = etag or '"' + hashlib.md5(body).hexdigest() + '"'
        size = len(body)

        def answer(request: RecordedRequest) -> Answer:
            common = [("ETag", tag), ("Last-Modified", last_modified), *KMS_HEADERS, *S3_ID_HEADERS,
                      *(extra or [])]
            inm = request.header("if-none-match")
            ims = request.header("if-modified-since")
            not_modified = False
            if inm is not None:
                not_modified = any(t.strip() in ("*", tag, "W/" + tag) for t in inm.split(","))
            elif ims is not None:
                try:
                    not_modified = parsedate_to_datetime(last_modified) <= parsedate_to_datetime(ims)
                except (TypeError, ValueError):
                    not_modified = False
            if not_modified:
                return Answer(304, common, b"")
            full = [("Content-Type", content_type), ("Accept-Ranges", "bytes"), *common]
            spec = (request.header("range") or "").strip()
            if spec.startswith("bytes=") and "," not in spec:
                first, _, last = spec[len("bytes="):].partition("-")
                try:
                    if first == "":
                        start, end = max(0, size - int(last)), size - 1
                    else:
                        start = int(first)
                        end = min(size - 1, int(last)) if last else size - 1
                except ValueError:
                    start, end = 0, -2  # not a range: the whole object below
                if end != -2:
                    if start >= size or start > end:
                        h = [("Content-Range", f"bytes */{size}"), ("Content-Type", "application/xml"),
                             ("Content-Length", "0"), *S3_ID_HEADERS]
                        return Answer(416, h, b"")
                    part = body[start:end + 1]
                    h = [("Content-Range", f"bytes {start}-{end}/{size}"), ("Content-Length", str(len(part))),
                         *full]
                    return Answer(206, h, b"" if request.method == "HEAD" else part)
            h = [("Content-Length", str(size)), *full]
            return Answer(200, h, b"" if request.method == "HEAD" else body)

        return answer

    # ---- server

    def _accept_loop(self) -> None:
        count = 0
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            count += 1
            with self._lock:
                self.accepts += 1
                self._conns.add(conn)
            threading.Thread(target=self._serve, args=(conn, count), daemon=True).start()

    def _serve(self, conn: socket.socket, index: int) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buf = b""
        try:
            while not self._stop.is_set():
                while b"\r\n\r\n" not in buf:
                    conn.settimeout(0.5)
                    try:
                        chunk = conn.recv(65536)
                    except socket.timeout:
                        if self._stop.is_set():
                            return
                        continue
                    if not chunk:
                        return
                    buf += chunk
                    if len(buf) > 1 << 20:
                        return
                head, buf = buf.split(b"\r\n\r\n", 1)
                request = RecordedRequest.parse(head + b"\r\n\r\n", index)
                length = int(request.header("content-length") or 0)
                while len(buf) < length:  # drain any request body
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buf += chunk
                buf = buf[length:]
                with self._lock:
                    self.requests.append(request)
                    behaviour = (self.objects or {}).get(request.path, self.behaviour)
                answer = behaviour(request)
                if not self._send(conn, request, answer):
                    return
                if (request.header("connection") or "").lower() == "close":
                    return
        except OSError:
            return
        finally:
            with self._lock:
                self._conns.discard(conn)
            try:
                conn.close()
            except OSError:
                pass

    def _wait(self, seconds: float) -> bool:
        """Sleeps; False if the origin is stopping."""
        return not self._stop.wait(seconds)

    def _send(self, conn: socket.socket, request: RecordedRequest, answer: Answer) -> bool:
        """Sends one answer; False when the connection must end after it."""
        if answer.first_byte_delay and not self._wait(answer.first_byte_delay):
            return False
        if answer.raw is not None:
            conn.sendall(answer.raw)
            if answer.end == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return False
        reason = {200: "OK", 206: "Partial Content", 304: "Not Modified", 403: "Forbidden", 404: "Not Found",
                  500: "Internal Server Error", 503: "Slow Down"}.get(answer.status, "Status")
        head = f"HTTP/1.1 {answer.status} {reason}\r\n"
        head += "Date: " + time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime()) + "\r\n"
        for name, value in answer.headers:
            head += f"{name}: {value}\r\n"
        head += "\r\n"
        if answer.stream_size is not None:
            conn.sendall(head.encode("latin-1"))
            piece = b"s" * 65536
            remaining = answer.stream_size
            try:
                while remaining > 0:
                    if self._stop.is_set():
                        return False
                    n = min(remaining, len(piece))
                    conn.sendall(piece[:n])
                    remaining -= n
                    with self._lock:
                        self.body_bytes_sent += n
                    if answer.stream_interval and not self._wait(answer.stream_interval):
                        return False
            except OSError as e:
                with self._lock:
                    self.send_errors.append(f"{type(e).__name__} after {answer.stream_size - remaining} bytes")
                return False
            return True
        if answer.pieces is not None:
            conn.sendall(head.encode("latin-1"))
            try:
                for delay, piece in answer.pieces:
                    if delay and not self._wait(delay):
                        return False
                    if piece:
                        conn.sendall(piece)
            except OSError as e:
                with self._lock:
                    self.send_errors.append(f"{type(e).__name__} in a paced body")
                return False
            with self._lock:
                self.paced_answers_sent += 1
            body = b""
        else:
            body = answer.body if answer.send_only is None else answer.body[:answer.send_only]
            conn.sendall(head.encode("latin-1") + body)
        if answer.end == "complete":
            return True
        if answer.end == "reset":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return False
        if answer.end == "stall":
            self._wait(answer.stall_seconds)
        return False

    def close(self) -> None:
        self._stop.set()
        try:
            self.sock.close()
        except OSError:
            pass
        with self._lock:
            conns = list(self._conns)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._thread.join(timeout=2)

    def __enter__(self) -> "FakeOrigin":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
