"""What viewers see over HTTP: answers on HTTPS (HTTP/1.1 and HTTP/2), the plain-HTTP listener
under each viewer protocol policy, HSTS, and Host routing (421/400)."""

from __future__ import annotations

import email.utils
import socket
import time

import pytest

from conftest import (
    HOST,
    HSTS_VALUE,
    NO_ORIGIN_BODY,
    OTHER_HOST,
    UNKNOWN_HOST,
    Certs,
    RawH2,
    Server,
    ServerFactory,
    curl,
    curl_request,
    free_port,
    http_get,
    read_response,
    tls_connect,
    wait_closed,
)

VERSIONS = [pytest.param(False, id="http1.1"), pytest.param(True, id="http2")]


def assert_edge_headers(response, *, hsts: bool = True) -> None:
    assert response.header("server") == "s3edge"
    date = response.header("date")
    assert date, "every response carries Date"
    sent = email.utils.parsedate_to_datetime(date)
    assert abs(sent.timestamp() - time.time()) < 60, f"Date {date!r} is not now"
    if hsts:
        assert response.headers.get("strict-transport-security") == [HSTS_VALUE]
    else:
        assert "strict-transport-security" not in response.headers


# --------------------------------------------------------------------------
# HTTPS


@pytest.mark.parametrize("http2", VERSIONS)
def test_https_get_answers_503_no_origin(server: Server, certs: Certs, http2: bool):
    r = curl_request("https://{host}:{https}/some/key.jpg?v=1", server=server, certs=certs, http2=http2)
    assert r.returncode == 0, r.stderr
    assert r.version == ("HTTP/2" if http2 else "HTTP/1.1")
    assert r.status == 503
    assert r.body.startswith(NO_ORIGIN_BODY)
    assert r.header("content-length") == str(len(r.body.encode()))
    assert_edge_headers(r)


@pytest.mark.parametrize("http2", VERSIONS)
def test_https_head_has_headers_and_no_body(server: Server, certs: Certs, http2: bool):
    r = curl_request("https://{host}:{https}/", server=server, certs=certs, http2=http2, method="HEAD")
    assert r.returncode == 0, r.stderr
    assert r.status == 503
    assert r.body == ""
    assert_edge_headers(r)


@pytest.mark.parametrize("http2", VERSIONS)
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_https_other_methods_are_forbidden(server: Server, certs: Certs, http2: bool, method: str):
    r = curl_request("https://{host}:{https}/", server=server, certs=certs, http2=http2, method=method,
                     extra=["--data-binary", "x"] if method in ("POST", "PUT", "PATCH") else [])
    assert r.returncode == 0, r.stderr
    assert r.status == 403
    assert method in r.body
    assert_edge_headers(r)


@pytest.mark.parametrize("http2", VERSIONS)
def test_https_options_goes_to_the_origin_like_get(server: Server, certs: Certs, http2: bool):
    # OPTIONS is a CORS preflight, forwarded to the origin; without one it gets the same 503 as GET.
    r = curl_request("https://{host}:{https}/", server=server, certs=certs, http2=http2, method="OPTIONS")
    assert r.returncode == 0, r.stderr
    assert r.status == 503
    assert "has no origin configured" in r.body
    assert_edge_headers(r)


@pytest.mark.parametrize("http2", VERSIONS)
def test_https_second_hostname_of_the_distribution(server: Server, certs: Certs, http2: bool):
    r = curl_request("https://{host}:{https}/", server=server, certs=certs, host=OTHER_HOST, http2=http2)
    assert r.status == 503 and r.body.startswith(NO_ORIGIN_BODY), (r.status, r.body, r.stderr)


@pytest.mark.parametrize("http2", VERSIONS)
def test_https_unknown_host_is_misdirected(server: Server, certs: Certs, http2: bool):
    # TLS to a name the certificate covers, then a Host no distribution serves.
    r = curl_request("https://{host}:{https}/", server=server, certs=certs, http2=http2,
                     extra=["--header", f"Host: {UNKNOWN_HOST}"])
    assert r.returncode == 0, r.stderr
    assert r.status == 421
    assert UNKNOWN_HOST in r.body
    assert_edge_headers(r)


@pytest.mark.parametrize("http2", VERSIONS)
def test_https_host_matching_ignores_case_port_and_trailing_dot(server: Server, certs: Certs, http2: bool):
    for host in ("CDN.Example.TEST", f"{HOST}:{server.https_port}", f"{HOST}."):
        r = curl_request("https://{host}:{https}/", server=server, certs=certs, http2=http2,
                         extra=["--header", f"Host: {host}"])
        assert r.status == 503, f"Host: {host} -> {r.status} {r.body!r}"


def test_http1_missing_host_is_a_bad_request(server: Server):
    sock = tls_connect(server.https_port)
    sock.sendall(b"GET / HTTP/1.1\r\nUser-Agent: t\r\n\r\n")
    status, headers, body = read_response(sock)
    assert status == 400
    assert b"Host" in body
    assert headers.get("server") == "s3edge" and headers.get("strict-transport-security") == HSTS_VALUE
    assert wait_closed(sock, 5)[0] == "eof"


@pytest.mark.parametrize("host", ["bad host", "exa$mple.test", "[::1", "localhost:http", "localhost:123456",
                                  "user@localhost", "localhost/evil"])
def test_http1_invalid_host_is_a_bad_request(server: Server, host: str):
    sock = tls_connect(server.https_port)
    sock.sendall(http_get(host))
    status, _, _ = read_response(sock)
    assert status == 400, f"Host: {host!r} -> {status}"


def test_http1_two_host_headers_are_a_bad_request(server: Server):
    # RFC 9112 §3.2: a server MUST answer 400 to a request with more than one Host field line.
    sock = tls_connect(server.https_port)
    sock.sendall(f"GET / HTTP/1.1\r\nHost: {HOST}\r\nHost: {UNKNOWN_HOST}\r\n\r\n".encode())
    status, _, body = read_response(sock)
    assert status == 400, f"two Host headers -> {status} {body[:80]!r}"


def test_http1_absolute_form_target_routes_by_its_authority(server: Server):
    # RFC 9112 §3.2.2: with an absolute-form target the server MUST ignore Host and use the
    # target's authority. Routing by Host here would let the two disagree (cache poisoning).
    sock = tls_connect(server.https_port)
    sock.sendall(f"GET https://{UNKNOWN_HOST}/x HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
    status, _, body = read_response(sock)
    assert status in (400, 421), f"absolute-form https://{UNKNOWN_HOST}/ with Host {HOST} -> {status} {body[:80]!r}"


def test_http1_keep_alive_and_pipelining(server: Server):
    sock = tls_connect(server.https_port)
    sock.sendall(http_get())
    assert read_response(sock)[0] == 503
    # The same connection serves a second request, and two pipelined ones in order.
    sock.sendall(http_get(method="HEAD"))
    status, headers, body = read_response(sock, head=True)
    assert status == 503 and body == b""
    sock.sendall(http_get(path="/a") + http_get(UNKNOWN_HOST, path="/b"))
    assert read_response(sock)[0] == 503
    assert read_response(sock)[0] == 421
    sock.sendall(http_get(close=True))
    assert read_response(sock)[0] == 503
    assert wait_closed(sock, 5)[0] == "eof"


def test_http1_0_request_is_answered_and_closed(server: Server):
    sock = tls_connect(server.https_port)
    sock.sendall(f"GET / HTTP/1.0\r\nHost: {HOST}\r\n\r\n".encode())
    status, _, body = read_response(sock)
    assert status == 503 and body.startswith(NO_ORIGIN_BODY.encode())
    assert wait_closed(sock, 5)[0] == "eof", "HTTP/1.0 without keep-alive ends with the response"


def h2_exchange(port: int, headers: list[tuple[str, str]], timeout: float = 3.0) -> tuple[list, RawH2]:
    sock = tls_connect(port, alpn=["h2"])
    assert sock.selected_alpn_protocol() == "h2"
    h2 = RawH2(sock)
    sid = h2.send_headers(headers, end_stream=True)
    done = h2.read_until(lambda f: getattr(f, "stream_id", 0) == sid and (
        "END_STREAM" in f.flags or type(f).__name__ == "RstStreamFrame") or type(f).__name__ == "GoAwayFrame",
        timeout)
    return [f for f in h2.frames if getattr(f, "stream_id", 0) == sid or type(f).__name__ == "GoAwayFrame"], h2


def h2_status(frames: list, h2: RawH2) -> int | None:
    for f in frames:
        if type(f).__name__ == "HeadersFrame":
            return int(dict(h2.decode_headers(f))[":status"])
    return None


def test_http2_missing_authority_is_a_bad_request(server: Server):
    # No :authority and no Host: the stream must get an answer (400) or a reset, not hang.
    frames, h2 = h2_exchange(server.https_port, [(":method", "GET"), (":scheme", "https"), (":path", "/")])
    kinds = [type(f).__name__ for f in frames]
    status = h2_status(frames, h2)
    assert status == 400 or "RstStreamFrame" in kinds, f"no answer within 3s: frames {kinds}"


def test_http2_authority_is_what_routes_not_host(server: Server):
    # RFC 9113 §8.3.1: :authority identifies the target; a Host field that differs SHOULD make the
    # request malformed. Routing by Host instead lets a client pick one distribution for the
    # cache key and another for the answer.
    frames, h2 = h2_exchange(server.https_port, [(":method", "GET"), (":scheme", "https"),
                                                 (":authority", UNKNOWN_HOST), (":path", "/"), ("host", HOST)])
    status = h2_status(frames, h2)
    assert status in (400, 421), f":authority {UNKNOWN_HOST} with host {HOST} -> {status}"


def test_http2_many_requests_on_one_connection(server: Server, certs: Certs):
    # curl reuses the HTTP/2 connection for several URLs; every one is answered.
    urls = [f"https://{HOST}:{server.https_port}/{i}" for i in range(5)]
    result = curl(["--http2", "--cacert", certs.ca_bundle, "--resolve", f"{HOST}:{server.https_port}:127.0.0.1",
                   "--write-out", "%{http_code} %{http_version} %{num_connects}\\n", "--output", "/dev/null",
                   "--output", "/dev/null", "--output", "/dev/null", "--output", "/dev/null",
                   "--output", "/dev/null", *urls])
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines()]
    assert [r[:2] for r in rows] == [["503", "2"]] * 5, result.stdout
    assert sum(int(r[2]) for r in rows) == 1, f"one connection for all requests: {result.stdout}"


# --------------------------------------------------------------------------
# plain HTTP: redirect-to-https


@pytest.mark.parametrize("target", [
    "/",
    "/a/b/c.txt",
    "/dir/?x=1&y=two",
    "/with%20space/%E2%9C%93?q=a+b&r=%2F%3F",
    "/trailing/?",
    "/p;param?x",
])
def test_plain_http_redirects_to_https_preserving_the_target(server: Server, certs: Certs, target: str):
    r = curl_request("http://{host}:{http}" + target.replace("{", "{{").replace("}", "}}"), server=server,
                     extra=["--path-as-is"])
    assert r.returncode == 0, r.stderr
    assert r.status == 301
    assert r.header("location") == f"https://{HOST}:{server.https_port}{target}"
    assert r.header("server") == "s3edge"
    assert "strict-transport-security" not in r.headers, "HSTS must not be sent over plain HTTP (RFC 6797 7.2)"


def test_plain_http_redirect_keeps_the_host_as_sent(server: Server):
    # Host with the plain port and in upper case: the redirect names the HTTPS port; the host
    # matched case-insensitively is written back.
    with socket.create_connection(("127.0.0.1", server.http_port), timeout=5) as sock:
        sock.sendall(f"GET /x HTTP/1.1\r\nHost: {OTHER_HOST}:{server.http_port}\r\n\r\n".encode())
        status, headers, _ = read_response(sock)
    assert status == 301
    assert headers["location"] == f"https://{OTHER_HOST}:{server.https_port}/x"


def test_plain_http_head_redirects_without_body(server: Server):
    r = curl_request("http://{host}:{http}/k", server=server, method="HEAD")
    assert r.status == 301 and r.body == ""
    assert r.header("location") == f"https://{HOST}:{server.https_port}/k"


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_plain_http_other_methods_are_forbidden_not_redirected(server: Server, method: str):
    r = curl_request("http://{host}:{http}/k", server=server, method=method)
    assert r.status == 403
    assert r.header("location") is None


def test_plain_http_unknown_host_is_misdirected(server: Server):
    r = curl_request("http://{host}:{http}/", server=server, extra=["--header", f"Host: {UNKNOWN_HOST}"])
    assert r.status == 421
    assert r.header("location") is None


def test_plain_http_missing_host_is_a_bad_request(server: Server):
    with socket.create_connection(("127.0.0.1", server.http_port), timeout=5) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\n\r\n")
        assert read_response(sock)[0] == 400


def test_following_the_redirect_reaches_the_https_edge(server: Server, certs: Certs):
    r = curl_request("http://{host}:{http}/follow?me=1", server=server, certs=certs, extra=["--location"])
    assert r.returncode == 0, r.stderr
    assert r.status == 503 and r.body.startswith(NO_ORIGIN_BODY)
    assert r.header("strict-transport-security") == HSTS_VALUE


# --------------------------------------------------------------------------
# other policies and listeners


def test_https_only_policy_refuses_plain_http(servers: ServerFactory, certs: Certs):
    config = servers.config(http=True)
    config["viewer"]["protocol_policy"] = "https-only"
    server = servers.start(config)
    r = curl_request("http://{host}:{http}/", server=server)
    assert r.status == 403
    assert r.header("location") is None
    assert "strict-transport-security" not in r.headers
    assert curl_request("https://{host}:{https}/", server=server, certs=certs).status == 503


def test_allow_all_policy_serves_plain_http_without_hsts(servers: ServerFactory, certs: Certs):
    config = servers.config(http=True)
    config["viewer"]["protocol_policy"] = "allow-all"
    server = servers.start(config)
    r = curl_request("http://{host}:{http}/", server=server)
    assert r.status == 503 and r.body.startswith(NO_ORIGIN_BODY)
    assert_edge_headers(r, hsts=False)
    assert curl_request("http://{host}:{http}/", server=server, method="POST").status == 403
    assert curl_request("http://{host}:{http}/", server=server,
                        extra=["--header", f"Host: {UNKNOWN_HOST}"]).status == 421
    # HTTPS still sends HSTS.
    assert curl_request("https://{host}:{https}/", server=server, certs=certs).header(
        "strict-transport-security") == HSTS_VALUE


def test_no_hsts_header_unless_configured(servers: ServerFactory, certs: Certs):
    config = servers.config()
    del config["viewer"]["hsts"]
    server = servers.start(config)
    r = curl_request("https://{host}:{https}/", server=server, certs=certs)
    assert r.status == 503
    assert_edge_headers(r, hsts=False)


def test_hsts_with_preload(servers: ServerFactory, certs: Certs):
    config = servers.config()
    config["viewer"]["hsts"] = {"max_age": 63072000, "include_subdomains": True, "preload": True}
    server = servers.start(config)
    for http2 in (False, True):
        r = curl_request("https://{host}:{https}/", server=server, certs=certs, http2=http2)
        assert r.headers.get("strict-transport-security") == ["max-age=63072000; includeSubDomains; preload"]


def test_several_https_listeners_and_ipv6(servers: ServerFactory, certs: Certs):
    config = servers.config(http=True)
    second, v6 = free_port(), free_port("::1")
    first = config["listen"]["https"]
    config["listen"]["https"] = [first, f"127.0.0.1:{second}", f"[::1]:{v6}"]
    server = servers.start(config)
    for url in (f"https://{HOST}:{server.https_port}/", f"https://{HOST}:{second}/"):
        r = curl_request(url, certs=certs, extra=["--resolve", f"{HOST}:{second}:127.0.0.1",
                                                  "--resolve", f"{HOST}:{server.https_port}:127.0.0.1"])
        assert r.status == 503, (url, r.stderr)
    r = curl_request(f"https://[::1]:{v6}/", certs=certs, extra=["--globoff", "--header", f"Host: {HOST}"])
    assert r.returncode == 0, r.stderr
    assert r.status == 503
    # The redirect names the first HTTPS listener's port.
    r = curl_request("http://{host}:{http}/x", server=server)
    assert r.header("location") == f"https://{HOST}:{server.https_port}/x"
    assert all(s in server.messages[0]["STATUS"] for s in (f":{second}", f"[::1]:{v6}"))
