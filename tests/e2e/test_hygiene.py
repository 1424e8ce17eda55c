"""Protection against big, slow, malformed and too many requests/connections, seen from the
client side: 431, 408 (slowloris), idle timeouts, framing errors (request smuggling shapes),
HTTP/2 stream limits, max_connections."""

from __future__ import annotations

import socket
import ssl
import time

import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.settings
import pytest

from conftest import (
    HOST,
    EOFSeen,
    RawH2,
    Server,
    ServerFactory,
    http_get,
    read_response,
    run,
    tls_connect,
    wait_closed,
)

# --------------------------------------------------------------------------
# request head size


@pytest.fixture(scope="module")
def limits_server(shared_servers: ServerFactory) -> Server:
    """Default 16 KiB head limit, short header and idle timeouts, an HTTP/2 stream limit of 7."""
    config = shared_servers.config(http=True)
    config["limits"] = {"header_timeout": "1s", "idle_timeout": "1500ms", "http2_max_concurrent_streams": 7}
    return shared_servers.start(config)


def big_request(header_bytes: int, *, fields: int = 1) -> bytes:
    """A GET whose extra header values add up to `header_bytes` bytes."""
    each = header_bytes // fields
    lines = "".join(f"X-Filler-{i}: {'a' * each}\r\n" for i in range(fields))
    return f"GET / HTTP/1.1\r\nHost: {HOST}\r\n{lines}\r\n".encode()


def https_socket(server: Server):
    return tls_connect(server.https_port)


def plain_socket(server: Server):
    return socket.create_connection(("127.0.0.1", server.http_port), timeout=10)


LISTENERS = [pytest.param(https_socket, id="https"), pytest.param(plain_socket, id="http")]


@pytest.mark.parametrize("connect", LISTENERS)
@pytest.mark.parametrize("size, fields", [
    pytest.param(17_000, 1, id="17k-one-field"),
    pytest.param(20_000, 1, id="20k-one-field"),
    pytest.param(24_000, 400, id="24k-400-fields"),
    pytest.param(200_000, 1, id="200k-one-field"),
])
def test_oversized_request_head_gets_431_and_close(limits_server: Server, connect, size: int, fields: int):
    sock = connect(limits_server)
    try:
        sock.sendall(big_request(size, fields=fields))
    except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
        pass  # the server may stop reading once it has decided
    status, headers, body = read_response(sock)
    assert status == 431, f"{size}-byte head -> {status} {body[:60]!r} (max_header_size is 16 KiB)"
    assert headers.get("connection") == "close"
    assert wait_closed(sock, 5)[0] in ("eof", "reset")


@pytest.mark.parametrize("connect", LISTENERS)
def test_request_head_under_the_limit_is_served(limits_server: Server, connect):
    sock = connect(limits_server)
    sock.sendall(big_request(15_000, fields=30))
    status, _, _ = read_response(sock)
    assert status in (503, 301)


def test_small_configured_head_limit(servers: ServerFactory):
    config = servers.config()
    config["limits"] = {"max_header_size": "1KiB"}
    server = servers.start(config)
    sock = tls_connect(server.https_port)
    sock.sendall(big_request(900))
    assert read_response(sock)[0] == 503
    sock = tls_connect(server.https_port)
    sock.sendall(big_request(3000))
    status, _, body = read_response(sock)
    assert status == 431, f"3000-byte head with max_header_size 1KiB -> {status} {body[:60]!r}"


def test_http2_oversized_header_list_is_refused(limits_server: Server):
    """Over HTTP/2 the limit is advertised as SETTINGS_MAX_HEADER_LIST_SIZE; a client that sends
    more anyway gets a 431 or a stream/connection error, never an answer to the request."""
    sock = tls_connect(limits_server.https_port, alpn=["h2"])
    conn = RawH2(sock)
    sid = conn.send_headers(conn.request_headers(extra=[("x-filler", "a" * 20_000)]), end_stream=True)
    frame = conn.read_until(lambda f: (getattr(f, "stream_id", None) == sid and type(f).__name__ in (
        "HeadersFrame", "RstStreamFrame")) or type(f).__name__ == "GoAwayFrame", 5)
    assert frame is not None, f"no answer to an oversized header list; frames {conn.frames}"
    if type(frame).__name__ == "HeadersFrame":
        assert dict(conn.decode_headers(frame))[":status"] == "431"


# --------------------------------------------------------------------------
# slow and idle clients


@pytest.mark.parametrize("connect", LISTENERS)
def test_slowloris_head_gets_408_after_header_timeout(limits_server: Server, connect):
    sock = connect(limits_server)
    start = time.monotonic()
    sock.sendall(b"GET / HTTP/1.1\r\n")
    # Keep sending a byte every 100ms: progress must not extend the deadline.
    response = b""
    sock.settimeout(0.1)
    while time.monotonic() - start < 6:
        try:
            sock.sendall(b"X")
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            break
        try:
            data = sock.recv(65536)
        except (socket.timeout, ssl.SSLWantReadError):
            continue
        except (ConnectionResetError, ssl.SSLError):
            break
        if not data:
            break
        response += data
        if b"\r\n\r\n" in response:
            break
    elapsed = time.monotonic() - start
    assert response.startswith(b"HTTP/1.1 408"), f"after {elapsed:.1f}s got {response[:80]!r}"
    assert 0.8 <= elapsed <= 3.0, f"408 after {elapsed:.2f}s; header_timeout is 1s"
    assert b"connection: close" in response.lower()
    assert wait_closed(sock, 5)[0] in ("eof", "reset")


def test_connection_without_a_request_is_closed_after_header_timeout(limits_server: Server):
    sock = tls_connect(limits_server.https_port)
    how, waited = wait_closed(sock, 6)
    assert how == "eof", f"{how} after {waited:.1f}s"
    assert 0.8 <= waited <= 3.0, f"closed after {waited:.2f}s; header_timeout is 1s"


def test_idle_keep_alive_connection_is_closed_after_idle_timeout(limits_server: Server):
    sock = tls_connect(limits_server.https_port)
    sock.sendall(http_get())
    assert read_response(sock)[0] == 503
    # Within the idle timeout the connection is reused...
    time.sleep(0.7)
    sock.sendall(http_get())
    assert read_response(sock)[0] == 503
    # ...then, idle, it is closed cleanly (close_notify) after idle_timeout (1.5s).
    how, waited = wait_closed(sock, 8)
    assert how == "eof", f"{how} after {waited:.1f}s"
    assert 1.2 <= waited <= 4.0, f"closed after {waited:.2f}s idle; idle_timeout is 1.5s"


def test_http2_idle_connection_is_closed_after_idle_timeout(limits_server: Server):
    sock = tls_connect(limits_server.https_port, alpn=["h2"])
    conn = RawH2(sock)
    sid = conn.send_headers(conn.request_headers(), end_stream=True)
    assert conn.read_until(lambda f: getattr(f, "stream_id", None) == sid and "END_STREAM" in f.flags, 5)
    start = time.monotonic()
    goaway = conn.read_until(lambda f: type(f).__name__ == "GoAwayFrame", 8)
    waited = time.monotonic() - start
    assert goaway is not None, f"no GOAWAY on an idle connection; eof={conn.eof}"
    assert goaway.error_code == 0
    assert 1.2 <= waited <= 4.0, f"GOAWAY after {waited:.2f}s idle; idle_timeout is 1.5s"
    conn.read(5)
    assert conn.eof is not None, "the connection is closed after the GOAWAY"


# --------------------------------------------------------------------------
# framing errors


@pytest.mark.parametrize("request_bytes", [
    pytest.param(b"POST / HTTP/1.1\r\nHost: H\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                 b"0\r\n\r\n", id="content-length-and-chunked"),
    pytest.param(b"POST / HTTP/1.1\r\nHost: H\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
                 id="bad-chunk-size"),
    pytest.param(b"POST / HTTP/1.1\r\nHost: H\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
                 id="conflicting-content-lengths"),
    pytest.param(b"POST / HTTP/1.1\r\nHost: H\r\nContent-Length: -1\r\n\r\n", id="negative-content-length"),
    pytest.param(b"POST / HTTP/1.1\r\nHost: H\r\nTransfer-Encoding: gzip\r\n\r\n", id="transfer-coding-not-chunked"),
    pytest.param(b"GET / HTTP/1.1\r\nHost: H\r\nBad Header: x\r\n\r\n", id="space-in-field-name"),
    pytest.param(b"GET /\x01 HTTP/1.1\r\nHost: H\r\n\r\n", id="control-char-in-target"),
    pytest.param(b"NONSENSE\r\n\r\n", id="not-http"),
])
@pytest.mark.parametrize("connect", LISTENERS)
def test_invalid_framing_gets_400_and_close(limits_server: Server, connect, request_bytes: bytes):
    sock = connect(limits_server)
    # A well-formed request pipelined behind: it must not be answered (no smuggling).
    sock.sendall(request_bytes.replace(b"Host: H", f"Host: {HOST}".encode()) + http_get(path="/smuggled"))
    status, headers, _ = read_response(sock)
    assert status == 400, f"{request_bytes[:60]!r} -> {status}"
    assert headers.get("connection") == "close"
    try:
        extra = read_response(sock, timeout=3)
    except (EOFSeen, ConnectionResetError, ssl.SSLError, socket.timeout):
        extra = None
    assert extra is None, f"a request pipelined after a framing error was answered: {extra}"


# --------------------------------------------------------------------------
# HTTP/2 concurrency


def test_nghttp_sees_the_configured_settings(limits_server: Server):
    result = run(["nghttp", "-nv", "-H", f":authority: {HOST}", f"https://127.0.0.1:{limits_server.https_port}/"])
    out = result.stdout
    assert "The negotiated protocol: h2" in out, out + result.stderr
    received = out[out.index("recv SETTINGS frame"):]
    received = received[:received.index("\n[")]  # that frame's lines only
    assert "SETTINGS_MAX_CONCURRENT_STREAMS(0x03):7" in received, received
    assert "SETTINGS_MAX_HEADER_LIST_SIZE(0x06):16384" in received, received
    assert "recv (stream_id=13) :status: 503" in out, out


def h2_client(server: Server):
    sock = tls_connect(server.https_port, alpn=["h2"])
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
    conn.initiate_connection()
    sock.sendall(conn.data_to_send())
    return sock, conn


def h2_pump(sock, conn, until, timeout: float = 5.0) -> list:
    """Feeds received bytes to `conn` until `until(events so far)` or EOF or timeout."""
    events: list = []
    deadline = time.monotonic() + timeout
    while not until(events):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        sock.settimeout(remaining)
        try:
            data = sock.recv(65536)
        except socket.timeout:
            break
        except (ConnectionResetError, ssl.SSLError):
            events.append("closed")
            break
        if not data:
            events.append("closed")
            break
        events += conn.receive_data(data)
        pending = conn.data_to_send()
        if pending:
            try:
                sock.sendall(pending)
            except OSError:
                pass
    return events


REQUEST_HEADERS = [(":method", "GET"), (":scheme", "https"), (":authority", HOST), (":path", "/")]


def open_streams(conn, count: int) -> list[int]:
    ids = []
    for _ in range(count):
        sid = conn.get_next_available_stream_id()
        conn.send_headers(sid, REQUEST_HEADERS, end_stream=False)  # request not finished: stream stays open
        ids.append(sid)
    return ids


def statuses(events) -> dict[int, str]:
    return {e.stream_id: dict(e.headers)[":status"] for e in events if isinstance(e, h2.events.ResponseReceived)}


def test_http2_streams_up_to_the_limit_are_served(limits_server: Server):
    sock, conn = h2_client(limits_server)
    events = h2_pump(sock, conn, lambda ev: any(isinstance(e, h2.events.RemoteSettingsChanged) for e in ev))
    assert conn.remote_settings.max_concurrent_streams == 7
    ids = open_streams(conn, 7)
    sock.sendall(conn.data_to_send())
    # All seven are open at once; finishing them gets seven answers.
    events = h2_pump(sock, conn, lambda ev: False, timeout=0.3)
    assert not any(isinstance(e, (h2.events.StreamReset, h2.events.ConnectionTerminated)) for e in events), events
    for sid in ids:
        conn.end_stream(sid)
    sock.sendall(conn.data_to_send())
    events = h2_pump(sock, conn, lambda ev: len(statuses(ev)) == 7)
    assert statuses(events) == {sid: "503" for sid in ids}
    # Closed streams free their slots: seven more on the same connection.
    ids = open_streams(conn, 7)
    for sid in ids:
        conn.end_stream(sid)
    sock.sendall(conn.data_to_send())
    events = h2_pump(sock, conn, lambda ev: len(statuses(ev)) == 7)
    assert statuses(events) == {sid: "503" for sid in ids}


def test_http2_stream_over_the_limit_is_refused(limits_server: Server):
    sock, conn = h2_client(limits_server)
    h2_pump(sock, conn, lambda ev: any(isinstance(e, h2.events.RemoteSettingsChanged) for e in ev))
    open_streams(conn, 7)
    # Act as a client ignoring the advertised limit (h2 itself would refuse to open an 8th).
    conn.remote_settings[h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS] = 100
    conn.remote_settings.acknowledge()
    [extra] = open_streams(conn, 1)
    sock.sendall(conn.data_to_send())
    events = h2_pump(sock, conn, lambda ev: any(
        isinstance(e, h2.events.ConnectionTerminated) or "closed" == e
        or (isinstance(e, h2.events.StreamReset) and e.stream_id == extra) for e in ev))
    resets = [e for e in events if isinstance(e, h2.events.StreamReset) and e.stream_id == extra]
    terminated = [e for e in events if isinstance(e, h2.events.ConnectionTerminated)]
    refused_codes = (h2.errors.ErrorCodes.REFUSED_STREAM, h2.errors.ErrorCodes.PROTOCOL_ERROR)
    if resets:
        assert resets[0].error_code in refused_codes, resets
    else:
        assert terminated, f"the 8th stream was neither reset nor the connection ended: {events}"
        assert terminated[0].error_code in refused_codes, terminated
    assert extra not in statuses(events), "the stream over the limit must not be answered"


# --------------------------------------------------------------------------
# max_connections


@pytest.fixture
def three_connection_server(servers: ServerFactory) -> Server:
    config = servers.config(http=True)
    config["limits"] = {"max_connections": 3, "header_timeout": "30s"}
    return servers.start(config)


def refused(connect) -> str | None:
    """How a connection attempt ends when the server refuses it at accept, or None if it works."""
    try:
        sock = connect()
    except (ConnectionResetError, ssl.SSLError, EOFError, BrokenPipeError) as e:
        return type(e).__name__
    try:
        sock.sendall(http_get())
        read_response(sock, timeout=5)
        return None
    except (EOFSeen, ConnectionResetError, ssl.SSLError, BrokenPipeError) as e:
        return type(e).__name__
    finally:
        sock.close()


def test_connections_over_max_connections_are_closed_at_accept(three_connection_server: Server):
    server = three_connection_server
    held = [tls_connect(server.https_port) for _ in range(3)]
    assert refused(lambda: tls_connect(server.https_port, timeout=5)) is not None, "a 4th connection was served"
    # Held connections still work.
    held[0].sendall(http_get())
    assert read_response(held[0])[0] == 503
    # Once one closes, a new connection is accepted again.
    held.pop().close()
    deadline = time.monotonic() + 3
    while (why := refused(lambda: tls_connect(server.https_port, timeout=5))) is not None:
        assert time.monotonic() < deadline, f"still refused 3s after a connection closed ({why})"
        time.sleep(0.05)
    assert server.wait_for_log(r"connection limit reached"), server.log()


def test_max_connections_counts_every_listener(three_connection_server: Server):
    server = three_connection_server
    held = [socket.create_connection(("127.0.0.1", server.http_port), timeout=5) for _ in range(2)]
    held.append(tls_connect(server.https_port))
    time.sleep(0.2)  # the plain connections carry no handshake to prove they were accepted
    assert refused(lambda: tls_connect(server.https_port, timeout=5)) is not None
    assert refused(lambda: socket.create_connection(("127.0.0.1", server.http_port), timeout=5)) is not None
    for sock in held:
        sock.close()
