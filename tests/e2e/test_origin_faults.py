"""Origin faults end to end: a fault-injecting fake origin (tests/e2e/fake_origin.py) behind s3edge,
curl in front over HTTPS (HTTP/1.1 and HTTP/2).

A body that breaks off must never look complete to the viewer (curl reports an incomplete
transfer); an origin that does not answer in time is a 504; one that cannot be reached a 502;
connections to the origin are kept alive and reused.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from conftest import (
    HOST,
    Certs,
    CurlResponse,
    Server,
    ServerFactory,
    curl,
    free_port,
    origin_env,
    parse_curl,
    with_origin,
    without_caching,
)
from fake_origin import S3_ID_HEADERS, FakeOrigin, object_answer

VERSIONS = [pytest.param(False, id="http1.1"), pytest.param(True, id="http2")]
ACCESS = origin_env("AKIAS3EDGEE2EFAULTS01", "faults/secret/key/for/the/e2e/tests/000000")
LENGTH = 200_000
SENT = 50_000


def start_edge(factory: ServerFactory, endpoint: str, **origin_keys) -> Server:
    config = with_origin(factory.config(), endpoint, **origin_keys)
    return factory.start(config, env=ACCESS)


def get(server: Server, certs: Certs, path: str, out: Path, *, http2: bool = False,
        extra: list[str] = ()) -> tuple[CurlResponse, float]:
    args = ["--resolve", f"{HOST}:{server.https_port}:127.0.0.1", "--cacert", certs.ca_bundle,
            "--http2" if http2 else "--http1.1", "--dump-header", "-", "--output", out, *extra,
            f"https://{HOST}:{server.https_port}{path}"]
    start = time.monotonic()
    result = curl(args)
    return parse_curl(result), time.monotonic() - start


def incomplete(http2: bool) -> int:
    """curl's exit code for a transfer that did not complete: over HTTP/1.1, 18 (partial file: the
    connection closed before Content-Length bytes, or before the last chunk); over HTTP/2, 92 (the
    stream was reset instead of ended: "not closed cleanly")."""
    return 92 if http2 else 18


def body_of(out: Path) -> bytes:
    return out.read_bytes() if out.exists() else b""


# --------------------------------------------------------------------------
# bodies that break off


@pytest.mark.parametrize("http2", VERSIONS)
@pytest.mark.parametrize("fault", ["truncated", "reset"])
def test_body_breaking_off_is_never_a_complete_response(servers: ServerFactory, fake_origin: FakeOrigin,
                                                        certs: Certs, tmp_path: Path, fault: str, http2: bool):
    fake_origin.behaviour = (FakeOrigin.truncate if fault == "truncated" else FakeOrigin.reset_mid_body)(LENGTH, SENT)
    edge = start_edge(servers, fake_origin.endpoint)
    out = tmp_path / "body"
    r, _ = get(edge, certs, "/broken.bin", out, http2=http2)
    assert r.status == 200, r.stderr  # the head was passed on before the body broke off
    assert r.header("content-length") == str(LENGTH)
    print(f"\n{fault} ({'h2' if http2 else 'h1'}): curl exit {r.returncode}: {r.stderr.strip()}; "
          f"{len(body_of(out))} of {LENGTH} bytes")
    assert r.returncode == incomplete(http2), f"curl exit {r.returncode} ({r.stderr.strip()}): must be an incomplete transfer"
    assert len(body_of(out)) < LENGTH
    assert edge.wait_for_log(r"origin body broke off"), edge.log()
    assert len(fake_origin.requests) == 1, "an answer that has started is never retried"


@pytest.mark.parametrize("http2", VERSIONS)
def test_chunked_body_without_its_last_chunk_is_never_complete(servers: ServerFactory, fake_origin: FakeOrigin,
                                                                certs: Certs, tmp_path: Path, http2: bool):
    head = ("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n"
            "x-amz-server-side-encryption: aws:kms\r\n\r\n")
    fake_origin.behaviour = FakeOrigin.raw_bytes(head.encode() + b"1000\r\n" + b"c" * 0x1000 + b"\r\n")
    edge = start_edge(servers, fake_origin.endpoint)
    out = tmp_path / "body"
    r, _ = get(edge, certs, "/chunked.bin", out, http2=http2)
    assert r.status == 200, r.stderr
    assert r.returncode == incomplete(http2), f"curl exit {r.returncode} ({r.stderr.strip()})"
    assert len(body_of(out)) <= 0x1000


def test_chunked_body_without_its_last_chunk_is_never_complete_for_http10(servers: ServerFactory,
                                                                          fake_origin: FakeOrigin, certs: Certs,
                                                                          tmp_path: Path):
    """An HTTP/1.0 viewer gets a body without Content-Length delimited by the end of the connection,
    so the only way to tell it a body broke off is to end the connection uncleanly (TCP close or
    reset without TLS close_notify). Sending close_notify makes the truncated body look complete."""
    head = ("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n"
            "x-amz-server-side-encryption: aws:kms\r\n\r\n")
    fake_origin.behaviour = FakeOrigin.raw_bytes(head.encode() + b"1000\r\n" + b"c" * 0x1000 + b"\r\n")
    edge = start_edge(servers, fake_origin.endpoint, retries=0)
    out = tmp_path / "body"
    r, _ = get(edge, certs, "/chunked.bin", out, extra=["--http1.0"])
    assert r.status == 200
    assert edge.wait_for_log(r"origin body broke off"), edge.log()
    assert r.returncode != 0, (f"curl --http1.0 took a body that broke off after {len(body_of(out))} bytes as "
                               "complete (exit 0): s3edge ended the connection with a clean TLS close_notify")


@pytest.mark.parametrize("http2", VERSIONS)
def test_body_stalling_beyond_idle_timeout_is_cut(servers: ServerFactory, fake_origin: FakeOrigin, certs: Certs,
                                                  tmp_path: Path, http2: bool):
    fake_origin.behaviour = FakeOrigin.stall_mid_body(LENGTH, SENT, seconds=6)
    edge = start_edge(servers, fake_origin.endpoint, idle_timeout="1s")
    out = tmp_path / "body"
    r, elapsed = get(edge, certs, "/stalls.bin", out, http2=http2)
    print(f"\nstall ({'h2' if http2 else 'h1'}): curl exit {r.returncode}: {r.stderr.strip()} after {elapsed:.2f}s")
    assert r.returncode == incomplete(http2), f"curl exit {r.returncode} ({r.stderr.strip()})"
    assert len(body_of(out)) < LENGTH
    assert 0.8 < elapsed < 4, f"cut after {elapsed:.2f}s with idle_timeout 1s"
    assert edge.wait_for_log(r"idle timeout"), edge.log()


# --------------------------------------------------------------------------
# no answer, or no origin


@pytest.mark.parametrize("http2", VERSIONS)
def test_slow_first_byte_is_504(servers: ServerFactory, fake_origin: FakeOrigin, certs: Certs, tmp_path: Path,
                                http2: bool):
    fake_origin.behaviour = FakeOrigin.slow_first_byte(4.0)
    edge = start_edge(servers, fake_origin.endpoint, first_byte_timeout="1s")
    out = tmp_path / "body"
    r, elapsed = get(edge, certs, "/slow.txt", out, http2=http2)
    assert r.returncode == 0, r.stderr
    assert r.status == 504
    assert b"late" not in body_of(out)
    assert 0.8 < elapsed < 2.5, f"504 after {elapsed:.2f}s with first_byte_timeout 1s"
    assert len(fake_origin.requests) == 1, "a timeout is not retried"
    assert edge.wait_for_log(r"first-byte timeout"), edge.log()


@pytest.mark.parametrize("http2", VERSIONS)
def test_connection_refused_is_502(servers: ServerFactory, certs: Certs, tmp_path: Path, http2: bool):
    port = free_port()  # nothing listens there
    edge = start_edge(servers, f"http://127.0.0.1:{port}")
    out = tmp_path / "body"
    r, elapsed = get(edge, certs, "/x.txt", out, http2=http2)
    assert r.returncode == 0, r.stderr
    assert r.status == 502
    assert elapsed < 5
    assert edge.wait_for_log(r"could not connect to the origin"), edge.log()


def test_origin_closing_without_an_answer_is_retried_then_502(servers: ServerFactory, fake_origin: FakeOrigin,
                                                               certs: Certs, tmp_path: Path):
    fake_origin.behaviour = FakeOrigin.raw_bytes(b"")  # read the request, close without a byte
    edge = start_edge(servers, fake_origin.endpoint, retries=2)
    r, _ = get(edge, certs, "/x.txt", tmp_path / "body")
    assert r.status == 502
    assert len(fake_origin.requests) == 3, f"1 attempt + 2 retries, got {len(fake_origin.requests)}"


def test_reset_before_any_byte_is_retried_transparently(servers: ServerFactory, fake_origin: FakeOrigin,
                                                        certs: Certs, tmp_path: Path):
    """A connection reset before S3 sent a byte is retried (`retries`, default 2) on a new
    connection; the viewer never notices."""
    ok = object_answer(b"second time lucky\n", content_type="text/plain")
    reset = FakeOrigin.reset_before_head()
    fake_origin.behaviour = lambda request: reset(request) if len(fake_origin.requests) == 1 else ok(request)
    edge = start_edge(servers, fake_origin.endpoint)
    out = tmp_path / "body"
    r, _ = get(edge, certs, "/flaky.txt", out)
    assert r.status == 200, edge.log()
    assert body_of(out) == b"second time lucky\n"
    assert len(fake_origin.requests) == 2


@pytest.mark.parametrize("origin_status,viewer_status", [(500, 502), (503, 503), (301, 502), (400, 400)])
def test_origin_error_statuses(servers: ServerFactory, fake_origin: FakeOrigin, certs: Certs, tmp_path: Path,
                               origin_status: int, viewer_status: int):
    xml = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InternalError</Code>'
           b"<Message>We encountered an internal error.</Message><RequestId>FAKE</RequestId></Error>")
    fake_origin.behaviour = FakeOrigin.status(origin_status, xml)
    edge = start_edge(servers, fake_origin.endpoint)
    out = tmp_path / "body"
    r, _ = get(edge, certs, "/x.txt", out)
    assert r.status == viewer_status
    assert b"<Error>" not in body_of(out) and b"InternalError" not in body_of(out)
    assert r.header("server") == "s3edge"


@pytest.mark.parametrize("garbage", [
    pytest.param(b"SSH-2.0-OpenSSH_9.2\r\n\r\n", id="not-http"),
    pytest.param(b"HTTP/1.1 0 Zero\r\nContent-Length: 0\r\n\r\n", id="status-0"),
])
def test_garbage_answer_is_502(servers: ServerFactory, fake_origin: FakeOrigin, certs: Certs, tmp_path: Path,
                               garbage: bytes):
    """An origin that does not speak HTTP is a bad gateway (502), logged as an invalid answer, not
    a 500 blaming s3edge's own request."""
    fake_origin.behaviour = FakeOrigin.raw_bytes(garbage)
    edge = start_edge(servers, fake_origin.endpoint, retries=0)
    r, _ = get(edge, certs, "/x.txt", tmp_path / "body")
    line = edge.wait_for_log(r"[^\n]*origin request failed[^\n]*")
    assert r.status == 502, f"viewer got {r.status}; log: {line and line.group(0)}"
    assert line and "which is a bug" not in line.group(0), line.group(0)


# --------------------------------------------------------------------------
# what passes through, and connection reuse


@pytest.mark.parametrize("http2", VERSIONS)
def test_s3_identifying_headers_are_withheld(servers: ServerFactory, fake_origin: FakeOrigin, certs: Certs,
                                             tmp_path: Path, http2: bool):
    fake_origin.behaviour = object_answer(b"abc", content_type="text/plain",
                                          extra=[("Cache-Control", "max-age=60"), ("x-amz-meta-owner", "u1")])
    edge = start_edge(servers, fake_origin.endpoint)
    r, _ = get(edge, certs, "/h.txt", tmp_path / "body", http2=http2)
    assert r.status == 200
    assert r.header("server") == "s3edge"
    for name, _ in S3_ID_HEADERS:
        if name.lower() != "server":
            assert name.lower() not in r.headers, f"{name} reached the viewer"
    assert "x-amz-server-side-encryption-aws-kms-key-id" not in r.headers
    assert r.header("cache-control") == "max-age=60"
    assert r.header("x-amz-meta-owner") == "u1"
    assert r.header("etag") and r.header("last-modified")


def test_origin_connections_are_kept_alive(servers: ServerFactory, fake_origin: FakeOrigin, certs: Certs,
                                           tmp_path: Path):
    """100 sequential viewer requests (one viewer connection) reach the origin over at most 2 TCP
    connections."""
    fake_origin.behaviour = object_answer(b"k" * 1024, content_type="application/octet-stream")
    edge = start_edge(servers, fake_origin.endpoint)
    urls = [f"https://{HOST}:{edge.https_port}/obj-{i}.bin" for i in range(100)]
    args = ["--resolve", f"{HOST}:{edge.https_port}:127.0.0.1", "--cacert", certs.ca_bundle, "--http1.1",
            "--write-out", "%{http_code}\\n"]
    for url in urls:
        args += ["--output", "/dev/null", url]
    result = curl(args, timeout=60)
    assert result.returncode == 0, result.stderr
    codes = result.stdout.split()
    assert codes == ["200"] * 100, codes
    assert len(fake_origin.requests) == 100
    assert fake_origin.accepts <= 2, f"{fake_origin.accepts} origin connections for 100 requests"


# --------------------------------------------------------------------------
# flow control and cancellation


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024


@pytest.mark.parametrize("http2", VERSIONS)
def test_slow_viewer_holds_back_the_origin(servers: ServerFactory, fake_origin: FakeOrigin, certs: Certs,
                                           http2: bool):
    """A viewer reading at 1 MB/s from an origin that could send 256 MiB at once: s3edge asks the
    origin for more only as the viewer takes it, so the origin stalls after what the socket buffers
    hold and s3edge's memory stays flat (no whole-object buffering)."""
    size = 256 * 1024 * 1024
    fake_origin.behaviour = FakeOrigin.stream(size)
    edge = start_edge(servers, fake_origin.endpoint)
    before = rss_mib(edge.proc.pid)
    viewer = subprocess.Popen(
        ["curl", "-q", "-s", "--http2" if http2 else "--http1.1", "--limit-rate", "1M", "--max-time", "3",
         "--output", "/dev/null", "--resolve", f"{HOST}:{edge.https_port}:127.0.0.1", "--cacert",
         str(certs.ca_bundle), f"https://{HOST}:{edge.https_port}/huge.bin"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(2.0)
        sent, grown = fake_origin.body_bytes_sent, rss_mib(edge.proc.pid) - before
    finally:
        viewer.kill()
        viewer.wait()
    assert sent < 48 * 1024 * 1024, f"the origin sent {sent / 2**20:.1f} MiB to a viewer that took ~2 MiB"
    assert grown < 48, f"s3edge grew by {grown:.1f} MiB"


@pytest.mark.parametrize("sse,viewer_gives_up", [("aws:kms", True), ("AES256", False)], ids=["viewer-gone", "refused"])
def test_origin_fetch_is_abandoned_early(servers: ServerFactory, fake_origin: FakeOrigin, certs: Certs,
                                         tmp_path: Path, sse: str, viewer_gives_up: bool):
    """When the viewer goes away mid-body, or the object is refused (not SSE-KMS), s3edge closes
    the origin connection instead of downloading the rest (20 MiB at 1.3 MB/s here). Caching is
    off here: a cache fill goes on without its viewer, for the next one (test_cache)."""
    fake_origin.behaviour = FakeOrigin.stream(20 * 1024 * 1024, interval=0.05, sse=sse)
    edge = servers.start(without_caching(with_origin(servers.config(), fake_origin.endpoint)), env=ACCESS)
    out = tmp_path / "body"
    r, _ = get(edge, certs, "/big.bin", out, extra=["--max-time", "1"] if viewer_gives_up else [])
    if viewer_gives_up:
        assert r.returncode == 28, r.stderr  # curl's own timeout
    else:
        assert r.status == 502
    deadline = time.monotonic() + 3
    while not fake_origin.send_errors and time.monotonic() < deadline:
        time.sleep(0.05)
    assert fake_origin.send_errors, (f"the origin connection stayed open: {fake_origin.body_bytes_sent} bytes "
                                     "sent so far")
    assert fake_origin.body_bytes_sent < 4 * 1024 * 1024


@pytest.mark.parametrize("http2", VERSIONS)
def test_parallel_requests_respect_origin_max_connections(servers: ServerFactory, fake_origin: FakeOrigin,
                                                         certs: Certs, tmp_path: Path, http2: bool):
    """100 objects of different sizes fetched 50 at a time (HTTP/2: streams of one connection):
    every body is the right one, and s3edge opens at most `max_connections` to the origin."""
    bodies = {f"/assets-123/p{i}.bin": bytes([i]) * (1000 + 997 * i) for i in range(100)}
    fake_origin.objects = {path: object_answer(body) for path, body in bodies.items()}
    edge = start_edge(servers, fake_origin.endpoint, max_connections=4)
    args = ["--resolve", f"{HOST}:{edge.https_port}:127.0.0.1", "--cacert", certs.ca_bundle,
            "--http2" if http2 else "--http1.1", "--parallel", "--parallel-max", "50", "--write-out", "%{http_code}\\n"]
    for i in range(100):
        args += ["--output", tmp_path / f"p{i}.bin", f"https://{HOST}:{edge.https_port}/p{i}.bin"]
    result = curl(args, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["200"] * 100
    wrong = [i for i in range(100) if (tmp_path / f"p{i}.bin").read_bytes() != bodies[f"/assets-123/p{i}.bin"]]
    assert not wrong, f"wrong bodies for {wrong}"
    assert len(fake_origin.requests) == 100
    assert fake_origin.accepts <= 4, f"{fake_origin.accepts} origin connections with max_connections 4"


def test_reload_and_drain_with_origin_fetches_in_flight(servers: ServerFactory, certs: Certs, tmp_path: Path):
    """SIGHUP to a config with another origin: a fetch in flight finishes from the old origin, new
    requests go to the new one; SIGTERM then lets a streaming fetch finish before exiting 0."""
    size = 2 * 1024 * 1024
    with FakeOrigin(object_answer(b"from A\n")) as a, FakeOrigin(object_answer(b"from B\n")) as b:
        for origin in (a, b):
            origin.objects = {"/assets-123/slow.bin": FakeOrigin.stream(size, 0.05)}
        # Uncached: with the cache, the second slow.bin would join the fill still running from A.
        config = without_caching(with_origin(servers.config(), a.endpoint))
        config["limits"] = {"drain_timeout": "20s"}
        edge = servers.start(config, env=ACCESS)
        base = ["curl", "-q", "-s", "--http1.1", "--cacert", str(certs.ca_bundle), "--resolve",
                f"{HOST}:{edge.https_port}:127.0.0.1", "--write-out", "%{http_code} %{size_download}"]
        url = f"https://{HOST}:{edge.https_port}"
        first = subprocess.Popen([*base, "--output", str(tmp_path / "a.bin"), f"{url}/slow.bin"],
                                 stdout=subprocess.PIPE, text=True)
        time.sleep(0.3)
        config["distributions"][0]["origin"]["endpoint"] = b.endpoint
        servers.write(config, name=edge.config_path.parent.name)
        edge.reload()
        after = subprocess.run([*base, "--output", "-", f"{url}/k"], capture_output=True, text=True, timeout=15)
        assert after.stdout.startswith("from B"), after.stdout
        second = subprocess.Popen([*base, "--output", str(tmp_path / "b.bin"), f"{url}/slow.bin"],
                                  stdout=subprocess.PIPE, text=True)
        time.sleep(0.3)
        edge.terminate()
        assert edge.wait(20) == 0, edge.log()
        assert first.communicate(timeout=20)[0] == f"200 {size}"
        assert second.communicate(timeout=20)[0] == f"200 {size}"
        assert [r.path for r in a.requests] == ["/assets-123/slow.bin"]
        assert [r.path for r in b.requests] == ["/assets-123/k", "/assets-123/slow.bin"]
