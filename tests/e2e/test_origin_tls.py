"""An HTTPS origin end to end: the fake origin (tests/e2e/fake_origin.py) served over TLS with a
self-signed certificate from `s3edge make-cert` (SAN IP 127.0.0.1), s3edge in front with the
origin `endpoint: https://127.0.0.1:PORT`.

With `ca_file` naming that certificate the object is served from a SigV4-signed request over TLS;
without `ca_file` (the system CA store) or with a `ca_file` holding another certificate the
handshake fails, no request reaches the origin and the viewer gets a 502. `check-config` rejects
a `ca_file` that does not exist, pointing at its line.
"""

from __future__ import annotations

import re
import shutil
import socket
import ssl
import time
from pathlib import Path

import pytest

from conftest import (
    HOST,
    Certs,
    CertPair,
    CurlResponse,
    Server,
    ServerFactory,
    curl,
    free_port,
    origin_env,
    parse_curl,
    run,
    with_origin,
    write_config,
)
from fake_origin import FakeOrigin, object_answer

ACCESS_KEY = "AKIAS3EDGEE2EORIGINTLS"
ACCESS = origin_env(ACCESS_KEY, "origin/tls/secret/key/for/the/e2e/tests/0000")
BODY = b"served over an https origin\n"


class TlsFakeOrigin(FakeOrigin):
    """FakeOrigin behind TLS: every accepted connection does a server-side handshake with
    `cert`/`key` first (recorded in `handshakes`), then is served exactly like the plain origin."""

    def __init__(self, cert: Path, key: Path, *args, **kwargs) -> None:
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(str(cert), str(key))
        self.handshakes: list[tuple[str, str]] = []  # ("ok", TLS version) or ("failed", reason)
        super().__init__(*args, **kwargs)

    @property
    def endpoint(self) -> str:
        return f"https://{self.host}:{self.port}"

    def _serve(self, conn: socket.socket, index: int) -> None:
        conn.settimeout(5)
        try:
            tls = self.context.wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError) as e:
            with self._lock:
                self.handshakes.append(("failed", getattr(e, "reason", None) or str(e)))
                self._conns.discard(conn)
            conn.close()
            return
        with self._lock:
            self.handshakes.append(("ok", tls.version() or "?"))
            # wrap_socket detached `conn`: track the TLS socket instead, so close() shuts it down.
            self._conns.discard(conn)
            self._conns.add(tls)
        super()._serve(tls, index)  # discards and closes `tls` when done

    def wait_for_handshakes(self, count: int, timeout: float = 5.0) -> list[tuple[str, str]]:
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                seen = list(self.handshakes)
            if len(seen) >= count or time.monotonic() > deadline:
                return seen
            time.sleep(0.02)


@pytest.fixture(scope="module")
def origin_cert(s3edge_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> CertPair:
    """The origin's self-signed certificate, as the brief's operator would make it."""
    d = tmp_path_factory.mktemp("origin-cert")
    cert, key = d / "origin.pem", d / "origin.key"
    result = run([s3edge_bin, "make-cert", "--cert", cert, "--key", key, "127.0.0.1", "localhost"])
    assert result.returncode == 0, f"make-cert failed: {result.stderr}"
    return CertPair(cert, key)


@pytest.fixture
def tls_origin(origin_cert: CertPair):
    origin = TlsFakeOrigin(origin_cert.cert, origin_cert.key,
                           object_answer(BODY, content_type="text/plain"))
    try:
        yield origin
    finally:
        origin.close()


def start_edge(servers: ServerFactory, endpoint: str, **origin_keys) -> Server:
    config = with_origin(servers.config(), endpoint, **origin_keys)
    return servers.start(config, env=ACCESS)


def get(server: Server, certs: Certs, path: str, out: Path) -> CurlResponse:
    return parse_curl(curl(["--resolve", f"{HOST}:{server.https_port}:127.0.0.1", "--cacert", certs.ca_bundle,
                            "--http1.1", "--dump-header", "-", "--output", out,
                            f"https://{HOST}:{server.https_port}{path}"]))


def failure_line(server: Server) -> str:
    m = server.wait_for_log(r"[^\n]*origin request failed[^\n]*")
    return m.group(0) if m else ""


# --------------------------------------------------------------------------
# trusted through ca_file


@pytest.mark.parametrize("relative", [False, True], ids=["absolute-ca_file", "relative-ca_file"])
def test_https_origin_trusted_through_ca_file(servers: ServerFactory, tls_origin: TlsFakeOrigin,
                                              origin_cert: CertPair, certs: Certs, tmp_path: Path,
                                              relative: bool):
    config = with_origin(servers.config(), tls_origin.endpoint)
    if relative:
        # Resolved against the configuration file's directory, not s3edge's working directory.
        config_path = servers.write(config, name="relative")
        shutil.copy(origin_cert.cert, config_path.parent / "origin-ca.pem")
        config["distributions"][0]["origin"]["ca_file"] = "origin-ca.pem"
        edge = servers.start(config, config_path=config_path, env=ACCESS)
    else:
        config["distributions"][0]["origin"]["ca_file"] = str(origin_cert.cert)
        edge = servers.start(config, env=ACCESS)

    out = tmp_path / "body"
    r = get(edge, certs, "/hello.txt", out)
    assert r.returncode == 0, r.stderr
    assert r.status == 200, f"viewer got {r.status}; log:\n{edge.log()}"
    assert out.read_bytes() == BODY

    handshakes = tls_origin.wait_for_handshakes(1)
    assert handshakes and all(outcome == "ok" for outcome, _ in handshakes), handshakes
    assert handshakes[0][1] in ("TLSv1.2", "TLSv1.3"), handshakes
    assert len(tls_origin.requests) == 1, [q.raw for q in tls_origin.requests]
    request = tls_origin.requests[0]
    assert request.method == "GET" and request.path == "/assets-123/hello.txt", request.raw
    authorization = request.header("authorization") or ""
    assert authorization.startswith(f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/"), request.raw
    assert request.header("x-amz-date"), request.raw
    assert request.header("x-amz-content-sha256"), request.raw


# --------------------------------------------------------------------------
# untrusted: the handshake fails, nothing is requested, the viewer gets a 502


def assert_untrusted(edge: Server, origin: TlsFakeOrigin, certs: Certs, out: Path) -> None:
    r = get(edge, certs, "/hello.txt", out)
    line = failure_line(edge)
    handshakes = origin.wait_for_handshakes(1)
    assert r.returncode == 0, r.stderr
    assert r.status == 502, f"viewer got {r.status} from an untrusted origin; log line: {line!r}"
    assert BODY not in (out.read_bytes() if out.exists() else b"")
    assert origin.requests == [], f"an HTTP request reached an untrusted origin: {[q.raw for q in origin.requests]}"
    assert handshakes, "s3edge never connected to the origin"
    assert all(outcome == "failed" for outcome, _ in handshakes), handshakes
    assert line, f"no 'origin request failed' line in the log:\n{edge.log()}"
    assert re.search(r"TLS with the origin failed", line), line
    assert re.search(r"certificate|verif", line, re.IGNORECASE), line


def test_https_origin_without_ca_file_is_untrusted(servers: ServerFactory, tls_origin: TlsFakeOrigin,
                                                   certs: Certs, tmp_path: Path):
    """No ca_file: the system CA store does not hold the self-signed certificate."""
    edge = start_edge(servers, tls_origin.endpoint)
    assert_untrusted(edge, tls_origin, certs, tmp_path / "body")
    print(f"\nwithout ca_file: {failure_line(edge)}\norigin saw: {tls_origin.handshakes}")


def test_https_origin_with_another_ca_file_is_untrusted(servers: ServerFactory, tls_origin: TlsFakeOrigin,
                                                        certs: Certs, tmp_path: Path):
    """A ca_file holding a different self-signed certificate (covering the same 127.0.0.1, so only
    the issuer is wrong)."""
    edge = start_edge(servers, tls_origin.endpoint, ca_file=str(certs.ecdsa.cert))
    assert_untrusted(edge, tls_origin, certs, tmp_path / "body")
    print(f"\nanother ca_file: {failure_line(edge)}\norigin saw: {tls_origin.handshakes}")


# --------------------------------------------------------------------------
# check-config


@pytest.mark.parametrize("relative", [False, True], ids=["absolute", "relative"])
def test_check_config_missing_ca_file(s3edge_bin: Path, servers: ServerFactory, tmp_path: Path, relative: bool):
    config = with_origin(servers.config(), f"https://127.0.0.1:{free_port()}",
                         ca_file="missing-ca.pem" if relative else str(tmp_path / "nope" / "missing-ca.pem"))
    path = write_config(tmp_path / "s3edge.yaml", config)
    expected = tmp_path / ("missing-ca.pem" if relative else "nope/missing-ca.pem")
    result = run([s3edge_bin, "check-config", "--config", path], cwd=Path("/"))
    assert result.returncode != 0, f"check-config accepted a missing ca_file: {result.stdout}{result.stderr}"
    line = next(n for n, text in enumerate(path.read_text().splitlines(), start=1) if "ca_file" in text)
    errors = [l for l in result.stderr.splitlines()
              if l.startswith(f"{path}:{line}: ") and not l.startswith(f"{path}:{line}: warning:")]
    assert errors, f"no {path}:{line}: error on stderr:\n{result.stderr}"
    assert str(expected) in errors[0], errors[0]


@pytest.mark.parametrize("content", ["", "garbage\n"], ids=["empty", "not-pem"])
def test_check_config_ca_file_without_certificates(s3edge_bin: Path, servers: ServerFactory, tmp_path: Path,
                                                   content: str):
    """A ca_file that is not a PEM bundle would fail every origin request at run time; check-config
    refuses it up front, at the origin's line, naming the file."""
    bad = tmp_path / "bad-ca.pem"
    bad.write_text(content)
    config = with_origin(servers.config(), f"https://127.0.0.1:{free_port()}", ca_file=str(bad))
    path = write_config(tmp_path / "s3edge.yaml", config)
    result = run([s3edge_bin, "check-config", "--config", path], cwd=Path("/"))
    assert result.returncode != 0, f"check-config accepted a ca_file without certificates: {result.stdout}"
    line = next(n for n, text in enumerate(path.read_text().splitlines(), start=1) if text.strip() == "origin:")
    errors = [l for l in result.stderr.splitlines() if l.startswith(f"{path}:{line}: ")]
    assert errors, f"no {path}:{line}: error on stderr:\n{result.stderr}"
    assert f"{bad} holds no PEM certificate" in errors[0], errors[0]
